"""Admin: users, roles, disabling, per-user time factor (accommodations), audit log."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import aliased

from app.auth import mfa, user_admin
from app.auth.dependencies import CurrentAdmin, admin_only, client_ip
from app.auth.models import AuditEvent, User
from app.db import DbSession, SessionRoute
from app.errors import Invalid, NotFound
from app.web.templating import render

router = APIRouter(route_class=SessionRoute, prefix="/admin", dependencies=[Depends(admin_only)])


@router.get("/users")
async def users_page(request: Request, session: DbSession, q: str = "") -> Response:
    users = await user_admin.list_users(session, query=q[:100])
    return render(request, "admin/users.html", {"users": users, "q": q}, block="user_rows")


@router.get("/users/{user_id}")
async def user_page(request: Request, session: DbSession, user_id: uuid.UUID) -> Response:
    target = await session.get(User, user_id)
    if target is None:
        raise NotFound("No such user.")
    return render(request, "admin/user.html", {"target": target, "errors": {}})


@router.post("/users/{user_id}")
async def update_user(
    request: Request,
    session: DbSession,
    admin: CurrentAdmin,
    user_id: uuid.UUID,
    roles: Annotated[list[str] | None, Form()] = None,
    is_active: Annotated[str, Form()] = "",
    time_factor: Annotated[str, Form(max_length=10)] = "1.00",
) -> Response:
    try:
        factor = Decimal(time_factor)
    except InvalidOperation:
        factor = Decimal("0")
    if not factor.is_finite():  # "NaN"/"Infinity" parse but cannot be compared
        factor = Decimal("0")
    try:
        target = await user_admin.update_user_admin(
            session,
            admin,
            user_id,
            roles=roles or [],
            is_active=is_active == "on",
            time_factor=factor,
            ip=client_ip(request),
        )
    except Invalid as exc:
        current = await session.get(User, user_id)
        return render(
            request,
            "admin/user.html",
            {"target": current, "errors": exc.fields},
            block="user_form",
            status_code=422,
        )
    return render(
        request, "admin/user.html", {"target": target, "errors": {}, "saved": True}, block="user_form"
    )


@router.post("/users/{user_id}/mfa/reset")
async def reset_mfa(
    request: Request, session: DbSession, admin: CurrentAdmin, user_id: uuid.UUID
) -> Response:
    target = await session.get(User, user_id)
    if target is None:
        raise NotFound("No such user.")
    await mfa.reset_by_admin(session, admin, target, ip=client_ip(request))
    return render(
        request, "admin/user.html", {"target": target, "errors": {}, "mfa_reset": True}, block="mfa_status"
    )


@router.get("/audit")
async def audit_page(
    request: Request,
    session: DbSession,
    event: Annotated[str, Query(max_length=40)] = "",
    person: Annotated[str, Query(max_length=254)] = "",
) -> Response:
    """The latest 200 events, optionally of one kind and/or about one person (actor or subject)."""
    actor = aliased(User)
    subject_user = aliased(User)
    stmt = (
        select(AuditEvent, actor.display_name, subject_user.display_name)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        # a subject is a user id for most events, an email for sign-in events
        .outerjoin(
            subject_user,
            or_(
                cast(subject_user.id, String) == AuditEvent.subject,
                subject_user.email == func.lower(AuditEvent.subject),
            ),
        )
        .order_by(AuditEvent.id.desc())
        .limit(200)
    )
    if event:
        stmt = stmt.where(AuditEvent.event == event)
    if who := person.strip():
        like = "%" + who.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                func.lower(actor.display_name).like(like),
                func.lower(actor.email).like(like),
                func.lower(subject_user.display_name).like(like),
                func.lower(subject_user.email).like(like),
                func.lower(AuditEvent.subject).like(like),
            )
        )
    rows = (await session.execute(stmt)).all()
    events = (await session.execute(select(AuditEvent.event).distinct().order_by(AuditEvent.event))).scalars()
    ctx = {"rows": rows, "event_names": list(events), "event": event, "person": person}
    return render(request, "admin/audit.html", ctx)

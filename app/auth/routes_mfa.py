"""Two-factor sign-in pages: the code step after the password, and enrolment on the account page."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from app.auth import mfa
from app.auth.dependencies import CurrentUser, client_ip, mentor_only, public, session_only, signed_in
from app.auth.models import User
from app.auth.routes import complete_sign_in, safe_next
from app.auth.schemas import CodeForm
from app.config import get_settings
from app.db import DbSession, SessionRoute
from app.errors import AppError, Invalid
from app.web.templating import redirect, render

router = APIRouter(route_class=SessionRoute)
SESSION_ONLY = [Depends(signed_in), Depends(session_only)]
MENTOR_SESSION = [Depends(mentor_only), Depends(session_only)]  # enrolment: mentors and admins


def pending_cookie() -> str:
    return "__Host-mlmock_mfa" if get_settings().cookie_secure else "mlmock_mfa"


def ask_for_code(request: Request, user: User, next_url: str) -> Response:
    """After a correct password for an enrolled user: no session yet, a pending cookie and the code step."""
    s = get_settings()
    response = redirect(request, "/login/mfa" + (f"?next={quote(next_url)}" if next_url != "/" else ""))
    response.set_cookie(
        pending_cookie(),
        mfa.pending_token(user),
        path="/",
        secure=s.cookie_secure,
        httponly=True,
        samesite="lax",
        max_age=mfa.PENDING_MINUTES * 60,
    )
    return response


@router.get("/login/mfa", dependencies=[Depends(public)])
async def code_page(request: Request, session: DbSession, next: str = "/") -> Response:
    if await mfa.pending_user(session, request.cookies.get(pending_cookie(), "")) is None:
        return redirect(request, "/login")
    return render(request, "auth/login_mfa.html", {"next": safe_next(next), "errors": {}})


@router.post("/login/mfa", dependencies=[Depends(public)])
async def verify_code(request: Request, session: DbSession, form: Annotated[CodeForm, Form()]) -> Response:
    user = await mfa.pending_user(session, request.cookies.get(pending_cookie(), ""))
    if user is None:  # expired or forged: start again with the password
        return redirect(request, "/login")
    if not await mfa.verify_second_factor(session, user, code=form.code, ip=client_ip(request)):
        ctx = {"next": safe_next(form.next), "errors": {"code": "That code is not right."}}
        return render(request, "auth/login_mfa.html", ctx, block="mfa_form", status_code=422)
    response = await complete_sign_in(request, session, user, safe_next(form.next))
    secure = get_settings().cookie_secure
    response.delete_cookie(pending_cookie(), path="/", secure=secure, httponly=True, samesite="lax")
    return response


async def _page(session: DbSession, user: User, **extra: Any) -> dict[str, Any]:
    return {
        "mfa_on": user.mfa_enabled,
        "may_enrol": mfa.may_enrol(user),
        "codes_left": await mfa.unused_recovery_codes(session, user) if user.mfa_enabled else 0,
        "required": get_settings().require_admin_mfa and user.is_admin,
        "errors": {},
        **extra,
    }


def _enrolment(user: User) -> dict[str, Any]:
    assert user.totp_secret is not None
    uri = mfa.otpauth_uri(user, user.totp_secret)
    return {"secret": user.totp_secret, "uri": uri, "qr": mfa.qr_svg(uri)}


@router.get("/account/mfa", dependencies=[Depends(signed_in)])
async def mfa_page(request: Request, session: DbSession, user: CurrentUser) -> Response:
    return render(request, "auth/mfa.html", await _page(session, user))


@router.post("/account/mfa/setup", dependencies=MENTOR_SESSION)
async def setup(request: Request, session: DbSession, user: CurrentUser) -> Response:
    await mfa.start_enrolment(session, user)
    ctx = await _page(session, user, enrolment=_enrolment(user))
    return render(request, "auth/mfa.html", ctx, block="mfa_panel")


@router.post("/account/mfa/confirm", dependencies=MENTOR_SESSION)
async def confirm(
    request: Request, session: DbSession, user: CurrentUser, code: Annotated[str, Form(max_length=64)] = ""
) -> Response:
    try:
        codes = await mfa.confirm_enrolment(session, user, code=code, ip=client_ip(request))
    except Invalid as exc:
        ctx = await _page(session, user, enrolment=_enrolment(user), errors=exc.fields)
        return render(request, "auth/mfa.html", ctx, block="mfa_panel", status_code=422)
    ctx = await _page(session, user, recovery_codes=codes)
    return render(request, "auth/mfa.html", ctx, block="mfa_panel")


@router.post("/account/mfa/disable", dependencies=SESSION_ONLY)
async def turn_off(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    try:
        await mfa.disable(session, user, password=password, ip=client_ip(request))
    except AppError as exc:
        if not isinstance(exc, Invalid):
            raise
        ctx = await _page(session, user, errors=exc.fields)
        return render(request, "auth/mfa.html", ctx, block="mfa_panel", status_code=422)
    return render(request, "auth/mfa.html", await _page(session, user, turned_off=True), block="mfa_panel")

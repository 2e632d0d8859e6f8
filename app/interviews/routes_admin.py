"""Admin: interview formats (list, create, edit, publish/close) and extending a running attempt."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from app.auth.dependencies import CurrentAdmin, admin_only, client_ip
from app.db import DbSession
from app.errors import Invalid
from app.interviews import formats, repository, service
from app.interviews.dependencies import FormatById
from app.interviews.models import InterviewFormat
from app.interviews.schemas import FormatDoc
from app.web.templating import redirect, render

router = APIRouter(prefix="/admin", dependencies=[Depends(admin_only)])

EXAMPLE_SLOTS = "- {topic: optimisation/gradient-descent, count: 2, min_difficulty: 1, max_difficulty: 2}\n"


class FormatForm:
    """The admin form's fields as posted (slots as YAML), turned into a FormatDoc or field errors."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    @classmethod
    def of(cls, fmt: InterviewFormat | None) -> FormatForm:
        if fmt is None:
            return cls({"slots": EXAMPLE_SLOTS, "time_limit_minutes": "30", "navigation": "free"})
        doc = formats.doc_of(fmt)
        values = doc.model_dump(mode="json", exclude={"slots"})
        values["slots"] = yaml.safe_dump(
            [s.model_dump(mode="json", exclude_defaults=True) for s in doc.slots],
            default_flow_style=None,
            sort_keys=False,
        )
        return cls({k: "" if v is None else v for k, v in values.items()})

    def to_doc(self) -> FormatDoc:
        v = self.values
        try:
            slots = yaml.safe_load(v.get("slots") or "") or []
        except yaml.YAMLError as err:
            raise Invalid(
                "Please correct the highlighted fields.", fields={"slots": f"Not valid YAML: {err}"}
            ) from err
        data = {
            "slug": v.get("slug") or None,
            "title": v.get("title", ""),
            "description": v.get("description", ""),
            "slots": slots,
            "time_limit_minutes": v.get("time_limit_minutes") or 0,
            "soft_limit_minutes": v.get("soft_limit_minutes") or None,
            "navigation": v.get("navigation", "free"),
            "expiry_mode": v.get("expiry_mode", "autosubmit"),
            "grace_seconds": v.get("grace_seconds") or 0,
            "reviewers_required": v.get("reviewers_required") or 1,
            "blind_review": v.get("blind_review") in ("on", "true", True),
            "auto_release": v.get("auto_release") in ("on", "true", True),
            "attempts_allowed": v.get("attempts_allowed") or None,
            "keys_shown": v.get("keys_shown") or "after_release",
            "status": v.get("status", "draft"),
        }
        try:
            return FormatDoc.model_validate(data)
        except ValidationError as err:
            fields: dict[str, str] = {}
            for e in err.errors():
                key = str(e["loc"][0]) if e["loc"] else "form"
                where = ".".join(str(p) for p in e["loc"][1:])
                fields.setdefault(key, (f"{where}: " if where else "") + e["msg"])
            raise Invalid("Please correct the highlighted fields.", fields=fields) from err


async def _form_values(request: Request) -> dict[str, Any]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.get("/formats")
async def formats_page(request: Request, session: DbSession) -> Response:
    formats = await repository.list_formats(session, statuses=["draft", "published", "closed"])
    return render(request, "interviews/admin_formats.html", {"formats": formats})


@router.get("/formats/new")
async def new_format_page(request: Request) -> Response:
    ctx: dict[str, Any] = {"fmt": None, "form": FormatForm.of(None).values, "errors": {}, "running": []}
    return render(request, "interviews/admin_format.html", ctx)


async def _save(
    request: Request, session: DbSession, admin: CurrentAdmin, fmt: InterviewFormat | None
) -> Response:
    values = await _form_values(request)
    try:
        async with session.begin_nested():  # a refused publish leaves nothing half-saved
            saved = await formats.save_format(session, FormatForm(values).to_doc(), admin=admin, fmt=fmt)
    except Invalid as exc:
        if fmt is not None:
            await session.refresh(fmt)  # the rolled-back savepoint expired it
        running = await repository.running_attempts(session, fmt.id) if fmt else []
        ctx: dict[str, Any] = {
            "fmt": fmt,
            "form": values,
            "errors": exc.fields or {"form": exc.message},
            "running": running,
        }
        return render(request, "interviews/admin_format.html", ctx, block="format_form", status_code=422)
    return redirect(request, f"/admin/formats/{saved.id}?saved=1")


@router.post("/formats/new")
async def create_format(request: Request, session: DbSession, admin: CurrentAdmin) -> Response:
    return await _save(request, session, admin, None)


@router.get("/formats/{format_id}")
async def format_page(request: Request, session: DbSession, fmt: FormatById, saved: str = "") -> Response:
    running = await repository.running_attempts(session, fmt.id)
    ctx = {"fmt": fmt, "form": FormatForm.of(fmt).values, "errors": {}, "running": running, "saved": saved}
    return render(request, "interviews/admin_format.html", ctx)


@router.post("/formats/{format_id}")
async def update_format(
    request: Request, session: DbSession, admin: CurrentAdmin, fmt: FormatById
) -> Response:
    return await _save(request, session, admin, fmt)


@router.post("/attempts/{attempt_id}/extend")
async def extend(
    request: Request,
    session: DbSession,
    admin: CurrentAdmin,
    attempt_id: uuid.UUID,
    minutes: Annotated[int, Form(ge=1, le=600)],
) -> Response:
    attempt = await service.extend_attempt(session, admin, attempt_id, minutes=minutes, ip=client_ip(request))
    return redirect(request, f"/admin/formats/{attempt.format_id}")

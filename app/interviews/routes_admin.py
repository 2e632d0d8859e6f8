"""Admin: interview formats (list, create, edit, publish/close) and extending a running attempt."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from app.auth.dependencies import CurrentAdmin, admin_only, client_ip
from app.db import DbSession, SessionRoute
from app.errors import Invalid
from app.interviews import builder, formats, repository, service
from app.interviews.dependencies import FormatById
from app.interviews.models import InterviewFormat
from app.interviews.schemas import FormatDoc, Slot
from app.kit.digits import whole_number
from app.questions import repository as bank
from app.questions.native import Kind
from app.web.templating import redirect, render

router = APIRouter(route_class=SessionRoute, prefix="/admin", dependencies=[Depends(admin_only)])

EXAMPLE_SLOT = Slot(topic="optimisation/gradient-descent", count=2, max_difficulty=2)


class FormatForm:
    """The admin form as posted: the builder's slot rows (`slots-<i>-…`), or, from a script or a
    power user, the slots as YAML in `slots`; turned into a FormatDoc or field errors."""

    def __init__(self, values: dict[str, Any], rows: list[dict[str, Any]] | None) -> None:
        self.values = values
        self.rows = rows  # None: the slots come as YAML

    @classmethod
    def of(cls, fmt: InterviewFormat | None) -> FormatForm:
        if fmt is None:
            values: dict[str, Any] = {
                "time_limit_minutes": "30",
                "navigation": "free",
                "adjudication_shows_originals": True,
            }
            return cls(values, [builder.row_of(EXAMPLE_SLOT)])
        doc = formats.doc_of(fmt)
        values = doc.model_dump(mode="json", exclude={"slots"})
        return cls(
            {k: "" if v is None else v for k, v in values.items()}, [builder.row_of(s) for s in doc.slots]
        )

    @classmethod
    async def posted(cls, request: Request) -> FormatForm:
        form = await request.form()
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        return cls(values, builder.rows_from_form(form.multi_items()) if "builder" in form else None)

    @property
    def slots_yaml(self) -> str:
        if self.rows is None:
            return str(self.values.get("slots", ""))
        return _yaml([builder.slot_data(r) for r in self.rows])

    def _slots(self) -> Any:
        if self.rows is not None:
            return [builder.slot_data(r) for r in self.rows]
        try:
            return yaml.safe_load(self.values.get("slots") or "") or []
        except yaml.YAMLError as err:
            raise Invalid(
                "Please correct the highlighted fields.", fields={"slots": f"Not valid YAML: {err}"}
            ) from err

    def to_doc(self) -> FormatDoc:
        v = self.values
        data = {
            "slug": v.get("slug") or None,
            "title": v.get("title", ""),
            "description": v.get("description", ""),
            "slots": self._slots(),
            "time_limit_minutes": v.get("time_limit_minutes") or 0,
            "soft_limit_minutes": v.get("soft_limit_minutes") or None,
            "navigation": v.get("navigation", "free"),
            "expiry_mode": v.get("expiry_mode", "autosubmit"),
            "grace_seconds": v.get("grace_seconds") or 0,
            "reviewers_required": v.get("reviewers_required") or 1,
            "blind_review": v.get("blind_review") in ("on", "true", True),
            "auto_release": v.get("auto_release") in ("on", "true", True),
            "adjudication_shows_originals": v.get("adjudication_shows_originals") in ("on", "true", True),
            "attempts_allowed": v.get("attempts_allowed") or None,
            "keys_shown": v.get("keys_shown") or "after_release",
            "status": v.get("status", "draft"),
        }
        try:
            return FormatDoc.model_validate(data)
        except ValidationError as err:
            fields: dict[str, str] = {}
            for e in err.errors():
                loc = e["loc"]
                key = str(loc[0]) if loc else "form"
                if key == "slots" and len(loc) > 1 and isinstance(loc[1], int):
                    where = ", ".join(str(p) for p in loc[2:])
                    fields.setdefault(f"slot-{loc[1]}", e["msg"])
                    fields.setdefault(
                        "slots", f"Slot {loc[1] + 1}{', ' + where if where else ''}: {e['msg']}"
                    )
                    continue
                where = ".".join(str(p) for p in loc[1:])
                fields.setdefault(key, (f"{where}: " if where else "") + e["msg"])
            raise Invalid("Please correct the highlighted fields.", fields=fields) from err


def _yaml(slots: list[dict[str, Any]]) -> str:
    return yaml.safe_dump(slots, default_flow_style=None, sort_keys=False) if slots else ""


@router.get("/formats")
async def formats_page(request: Request, session: DbSession) -> Response:
    formats = await repository.list_formats(session, statuses=["draft", "published", "closed"])
    return render(request, "interviews/admin_formats.html", {"formats": formats})


async def _page(
    request: Request,
    session: DbSession,
    fmt: InterviewFormat | None,
    form: FormatForm,
    *,
    block: str = "content",
    status: int = 200,
    **extra: Any,
) -> Response:
    """The format page: the builder with each slot's pool, the time estimate and the picker."""
    picker = builder.Picker.of(form.values)
    if picker.params is not None and (picker.used or extra.get("searched")):
        picker.page = await bank.list_questions(session, picker.params, published_only=True)
    views = await builder.slot_views(session, form.rows or [])
    ctx: dict[str, Any] = {
        "fmt": fmt,
        "form": form.values,
        "slots_yaml": form.slots_yaml,
        "views": views,
        "estimate": builder.estimate(views, form.values.get("time_limit_minutes")),
        "picker": picker,
        "tree": await bank.topic_tree(session),
        "kinds": list(Kind),
        "errors": {},
        "running": await repository.running_attempts(session, fmt.id) if fmt else [],
        **extra,
    }
    return render(request, "interviews/admin_format.html", ctx, block=block, status_code=status)


@router.get("/formats/new")
async def new_format_page(request: Request, session: DbSession) -> Response:
    return await _page(request, session, None, FormatForm.of(None))


async def _save(
    request: Request, session: DbSession, admin: CurrentAdmin, fmt: InterviewFormat | None
) -> Response:
    form = await FormatForm.posted(request)
    action = str(form.values.get("action") or "save")
    if action != "save":
        return await _builder_action(request, session, fmt, form, action)
    try:
        saved = await formats.save_format(session, form.to_doc(), admin=admin, fmt=fmt)
    except Invalid as exc:  # the 422 rolls the request back: a refused publish leaves nothing half-saved
        if fmt is not None:
            await session.refresh(fmt)  # a taken slug's savepoint (formats.save_format) expired it
        errors = exc.fields or {"form": exc.message}
        return await _page(request, session, fmt, form, block="format_form", status=422, errors=errors)
    return redirect(request, f"/admin/formats/{saved.id}?saved=1")


async def _builder_action(
    request: Request, session: DbSession, fmt: InterviewFormat | None, form: FormatForm, action: str
) -> Response:
    """A builder button: change the slot rows, search the bank or preview; nothing is saved."""
    if form.rows is None:
        form.rows = []
    extra: dict[str, Any] = {"searched": action == "search"}
    try:
        if action == "yaml":
            form.rows = builder.rows_from_yaml(yaml.safe_load(form.values.get("slots_yaml") or "") or [])
            extra.update(message=f"{len(form.rows)} slot(s) read from the YAML.", focus="slots-h")
        elif action == "preview":
            items = await builder.preview_items(session, form.to_doc())
            extra.update(preview=items, preview_doc=form.to_doc(), focus="format-preview")
        else:
            tree = await bank.topic_tree(session)
            paths = {node.id: node.path for node in tree.by_id.values()}
            picker = builder.Picker.of(form.values)
            message, focus = builder.apply_action(form.rows, action, picker, paths)
            extra.update(message=message, focus=focus)
    except yaml.YAMLError as err:
        extra["errors"] = {"slots_yaml": f"Not valid YAML: {err}"}
    except Invalid as exc:
        extra["errors"] = exc.fields or {"form": exc.message}
    status = 422 if extra.get("errors") else 200
    return await _page(request, session, fmt, form, block="format_form", status=status, **extra)


@router.post("/formats/new")
async def create_format(request: Request, session: DbSession, admin: CurrentAdmin) -> Response:
    return await _save(request, session, admin, None)


@router.get("/formats/{format_id}")
async def format_page(request: Request, session: DbSession, fmt: FormatById, saved: str = "") -> Response:
    return await _page(request, session, fmt, FormatForm.of(fmt), saved=saved)


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
    seen: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    attempt = await service.extend_attempt(
        session,
        admin,
        attempt_id,
        minutes=minutes,
        ip=client_ip(request),
        seen_extended_seconds=whole_number(seen),
    )
    return redirect(request, f"/admin/formats/{attempt.format_id}")

"""Import and export pages and API (admins only). Thin: parse → one service call → render."""

from __future__ import annotations

import functools
from typing import Annotated, TypedDict

import anyio
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from app.auth.dependencies import CurrentAdmin, admin_only, client_ip
from app.auth.models import User
from app.auth.service import audit
from app.config import Settings
from app.db import DbSession, SessionRoute
from app.errors import Invalid
from app.imports.export import export_bank
from app.imports.service import FORMATS, ImportOptions, Preview, import_file
from app.kit.heap import loop_first, no_full_collections, release_gradually
from app.kit.ratelimit import limit
from app.questions.models import STATUSES
from app.web.templating import render

router = APIRouter(route_class=SessionRoute, prefix="/admin", dependencies=[Depends(admin_only)])
# The HTTP body limit for these paths is a little above the file limit: multipart framing.
UPLOAD_PATHS = ("/admin/imports", "/api/v1/imports")
FORM_OVERHEAD = 64 * 1024


class _Limits(TypedDict):
    max_bytes: int
    max_questions: int


def import_limits(request: Request) -> _Limits:
    s: Settings = request.app.state.settings
    return {"max_bytes": s.import_max_bytes, "max_questions": s.import_max_questions}


def _page_ctx(request: Request) -> dict[str, object]:
    s: Settings = request.app.state.settings
    return {"formats": FORMATS, "statuses": STATUSES, "max_mb": round(s.import_max_bytes / 1_048_576, 1)}


@router.get("/imports")
async def import_page(request: Request) -> Response:
    return render(request, "imports/index.html", {**_page_ctx(request), "preview": None})


@router.post("/imports", dependencies=[Depends(limit("import"))])
async def import_upload(
    request: Request,
    session: DbSession,
    admin: CurrentAdmin,
    file: Annotated[UploadFile | None, File()] = None,
    format: Annotated[str, Form(max_length=20)] = "",
    action: Annotated[str, Form(max_length=20)] = "preview",
    publish: Annotated[str, Form(max_length=5)] = "",
    skip_invalid: Annotated[str, Form(max_length=5)] = "",
    source_url: Annotated[str, Form(max_length=2_000)] = "",
    licence: Annotated[str, Form(max_length=200)] = "",
    attribution: Annotated[str, Form(max_length=1_000)] = "",
) -> Response:
    """Preview (dry run) or import the uploaded file; the result block is the answer either way."""
    if file is None or not file.filename:
        raise Invalid("Choose a file to import.", fields={"file": "Choose a file to import."})
    data = await file.read(import_limits(request)["max_bytes"] + 1)
    opts = ImportOptions(
        format or None, file.filename, publish == "on", source_url, licence, attribution, skip_invalid == "on"
    )
    # no full GC pause, the loop first for the GIL (app/kit/heap.py); thousands of rows rendered in a thread
    with no_full_collections(), loop_first():
        preview = await import_file(
            session, data, opts, dry_run=action != "import", author_id=admin.id, **import_limits(request)
        )
        await audit_import(request, session, admin, opts, preview, dry_run=action != "import")
        ctx = {**_page_ctx(request), "preview": preview, "filename": file.filename}
        status = 200 if preview.ok else 422
        page = functools.partial(
            render, request, "imports/index.html", ctx, block="result", status_code=status
        )
        response = await anyio.to_thread.run_sync(page)
        await release_gradually(preview.rows)
        return response


async def audit_import(
    request: Request, session: DbSession, admin: User, opts: ImportOptions, preview: Preview, *, dry_run: bool
) -> None:
    """Every real import (not a preview) leaves an audit row, refused ones too."""
    if dry_run:
        return
    detail = {"format": preview.format, "filename": (opts.filename or "")[:200], **preview.counts}
    event = "questions_imported" if preview.imported else "import_refused"
    refused = not preview.imported  # answered 422: the request rolls back, this row stays
    await audit(
        session,
        event,
        actor_id=admin.id,
        subject=str(admin.id),
        ip=client_ip(request),
        detail=detail,
        even_if_refused=refused,
    )


def _download(exp_content: str, media_type: str, filename: str, count: int, dropped: list[str]) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "X-Export-Count": str(count)}
    if dropped:
        headers["X-Export-Dropped"] = "; ".join(dropped)
    return Response(exp_content, media_type=media_type, headers=headers)


@router.get("/exports")
async def export(
    session: DbSession,
    format: str = "json",
    topic: str | None = None,
    tag: str | None = None,
    status: str | None = None,
) -> Response:
    """Download the current versions of the selected questions (GIFT/XML files list what they left out)."""
    exp = await export_bank(
        session, format=format, topic=topic or None, tag=tag or None, status=status or None
    )
    return _download(exp.content, exp.media_type, exp.filename, exp.count, exp.dropped)

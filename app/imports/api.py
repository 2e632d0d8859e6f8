"""The import/export JSON API (/api/v1): the file is the request body."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.auth.dependencies import CurrentAdmin, admin_only
from app.db import DbSession, SessionRoute
from app.imports.routes import audit_import, export, import_limits
from app.imports.service import ImportOptions, import_file
from app.kit.heap import loop_first, no_full_collections, release_gradually
from app.kit.ratelimit import limit

api = APIRouter(route_class=SessionRoute, prefix="/api/v1", dependencies=[Depends(admin_only)])
api.get("/exports")(export)  # the same download as the admin page's

_FILE_SCHEMA = {"schema": {"type": "string"}}


@api.post(
    "/imports",
    dependencies=[Depends(limit("import"))],
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The file itself (GIFT, Moodle XML or native JSON, UTF-8); not multipart.",
            "content": {
                "text/plain": _FILE_SCHEMA,
                "application/xml": _FILE_SCHEMA,
                "application/json": _FILE_SCHEMA,
            },
        }
    },
    responses={
        422: {
            "description": "The import was refused: the same report as a dry run, with its problems.",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def api_import(
    request: Request,
    session: DbSession,
    admin: CurrentAdmin,
    format: str | None = None,
    filename: str | None = None,
    dry_run: bool = False,
    publish: bool = False,
    skip_invalid: bool = False,
    source_url: str | None = None,
    licence: str | None = None,
    attribution: str | None = None,
) -> Response:
    """The file is the request body. A dry run answers 200 with `ok`; a refused import answers 422."""
    data = await request.body()
    opts = ImportOptions(format or None, filename, publish, source_url, licence, attribution, skip_invalid)
    # thousands of questions' objects: no full GC pause for everyone else, and the loop first
    # whenever it wants the GIL back from the import's worker threads (app/kit/heap.py)
    with no_full_collections(), loop_first():
        preview = await import_file(
            session, data, opts, dry_run=dry_run, author_id=admin.id, **import_limits(request)
        )
        await audit_import(request, session, admin, opts, preview, dry_run=dry_run)
        # thousands of rows: serialised in a worker thread, by slices
        body = await anyio.to_thread.run_sync(preview.json_body)
        status = 200 if (preview.ok or dry_run) else 422
        await release_gradually(preview.rows)
    return Response(body, media_type="application/json", status_code=status)

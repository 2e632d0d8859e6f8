"""The OpenAPI document: the JSON API under /api only, with the error bodies it really answers.

Pages and form posts (HTML, CSRF-protected) are not an API contract, so they are left out in
this one place rather than per route; every /api operation documents the error statuses the
shared handler produces (one body shape, `{"error", "reason", "fields"?}`), 422 included,
instead of FastAPI's default validation body, which this app never sends. A route that
documents its own body for a status (an import's refusal report) keeps it.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

ERROR_STATUSES = {
    "401": "Not signed in, or the API token is invalid, expired or revoked.",
    "403": "Not allowed: role, token scope, CSRF or origin check.",
    "404": "No such resource (or not yours).",
    "409": "Conflict: a lost race or a state that no longer allows this.",
    "413": "The request body is too large.",
    "422": "Invalid input; `fields` names the offending fields.",
    "429": "Too many requests; retry after the `Retry-After` header's seconds.",
}


class ErrorBody(BaseModel):
    """Every JSON error (`AppError.to_json`): the message, the reason a client branches on (always
    there: the status's generic one when the error names none, app/errors.py `REASONS`) and, for
    422, the offending fields."""

    error: str
    reason: str
    fields: dict[str, str] | None = None


def api_openapi(app: FastAPI) -> dict[str, Any]:
    """Build (once) the document for the JSON API."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(title=app.title, version=app.version, routes=app.routes)
    doc["paths"] = {path: ops for path, ops in doc.get("paths", {}).items() if path.startswith("/api/")}
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorBody"] = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for ops in doc["paths"].values():
        for op in ops.values():
            responses = op.setdefault("responses", {})
            for status, description in ERROR_STATUSES.items():
                if status not in responses or _is_default_validation_error(responses[status]):
                    responses[status] = {"description": description, "content": error}
    # FastAPI's validation-error models are no longer referenced: drop them
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    app.openapi_schema = doc
    return doc


def _is_default_validation_error(response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return bool(schema.get("$ref", "").endswith("/HTTPValidationError"))


def install(app: FastAPI) -> None:
    app.openapi = lambda: api_openapi(app)  # type: ignore[method-assign]

"""Every JSON endpoint of the reviews domain documents a typed body (a pydantic read model), so
the OpenAPI document, the schemathesis run and API clients know what each one returns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app import reviews

pytestmark = pytest.mark.anyio

ENDPOINTS = [
    ("get", "/api/v1/reviews/queue", "200"),
    ("get", "/api/v1/reviews/{review_id}", "200"),
    ("put", "/api/v1/reviews/{review_id}/draft", "200"),
    ("post", "/api/v1/reviews/{review_id}/submit", "200"),
    ("post", "/api/v1/reviews/attempts/{attempt_id}/release", "200"),
    ("get", "/api/v1/attempts/{attempt_id}/feedback", "200"),
    ("post", "/api/v1/attempts/{attempt_id}/feedback/rating", "200"),
    ("post", "/api/v1/reviews/claims", "201"),
    ("get", "/api/v1/reviews/mine", "200"),
    ("get", "/api/v1/adjudications", "200"),
    ("post", "/api/v1/adjudications/{attempt_id}/claim", "200"),
    ("post", "/api/v1/adjudications/{attempt_id}/settle", "200"),
]


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


@pytest.mark.parametrize(("method", "path", "status"), ENDPOINTS)
async def test_reviews_endpoints_have_read_models(app: Any, method: str, path: str, status: str) -> None:
    doc = app.openapi()
    schema = doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    body = _resolve(doc, schema)
    if body.get("type") == "array":
        body = _resolve(doc, body["items"])
    # a model: named properties, not a free-form object
    assert body.get("properties"), (path, body)
    assert body.get("additionalProperties") is not True, (path, body)


QUERY_FREE = ["api.py", "routes.py", "routes_admin.py", "routes_candidate.py", "views.py"]


@pytest.mark.parametrize("name", QUERY_FREE)
async def test_routes_and_views_leave_queries_to_the_repository(name: str) -> None:
    source = (Path(reviews.__file__).parent / name).read_text()
    for query in ("from sqlalchemy import", "session.execute(", "session.get(", "session.scalar"):
        assert query not in source, f"app/reviews/{name}: {query} belongs in app/reviews/repository.py"

"""JSON API for anchor answers (admins): list, create, retire. Same rules as the pages."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends

from app.auth.dependencies import CurrentAdmin, admin_only
from app.calibration import anchors
from app.calibration.anchors import AnchorInput
from app.calibration.schemas import AnchorCreate, AnchorRead
from app.db import DbSession, SessionRoute

api = APIRouter(route_class=SessionRoute, prefix="/api/v1/anchors", dependencies=[Depends(admin_only)])


@api.get("")
async def list_anchors(session: DbSession) -> list[AnchorRead]:
    return [AnchorRead.model_validate(r.anchor) for r in await anchors.list_anchors(session)]


@api.post("", status_code=201)
async def create_anchor(session: DbSession, admin: CurrentAdmin, body: AnchorCreate) -> AnchorRead:
    """422 with `fields` naming every invalid field (as the form)."""
    anchor = await anchors.create_anchor(session, admin, AnchorInput(**body.model_dump()))
    return AnchorRead.model_validate(anchor)


@api.post("/{anchor_id}/retire")
async def retire_anchor(session: DbSession, anchor_id: uuid.UUID) -> AnchorRead:
    return AnchorRead.model_validate(await anchors.retire_anchor(session, anchor_id))

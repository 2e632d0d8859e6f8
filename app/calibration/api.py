"""JSON API for anchor answers: list, create, retire (admins; same rules as the pages), and the
mentor's reveal of a submitted review (the reference beside their verdict)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends

from app.auth.dependencies import CurrentAdmin, admin_only, mentor_only
from app.calibration import anchors
from app.calibration.anchors import AnchorInput
from app.calibration.schemas import AnchorCreate, AnchorRead, CriterionRevealRead, RevealRead
from app.db import DbSession, SessionRoute
from app.errors import NotFound
from app.kit.readmodel import read_model
from app.reviews import anchors as review_anchors
from app.reviews.dependencies import OwnReview

api = APIRouter(route_class=SessionRoute, prefix="/api/v1")
ADMIN = [Depends(admin_only)]


@api.get("/anchors", dependencies=ADMIN)
async def list_anchors(session: DbSession) -> list[AnchorRead]:
    return [AnchorRead.model_validate(r.anchor) for r in await anchors.list_anchors(session)]


@api.post("/anchors", dependencies=ADMIN, status_code=201)
async def create_anchor(session: DbSession, admin: CurrentAdmin, body: AnchorCreate) -> AnchorRead:
    """422 with `fields` naming every invalid field (as the form)."""
    anchor = await anchors.create_anchor(session, admin, AnchorInput(**body.model_dump()))
    return AnchorRead.model_validate(anchor)


@api.post("/anchors/{anchor_id}/retire", dependencies=ADMIN)
async def retire_anchor(session: DbSession, anchor_id: uuid.UUID) -> AnchorRead:
    return AnchorRead.model_validate(await anchors.retire_anchor(session, anchor_id))


@api.get("/calibration/reviews/{review_id}", dependencies=[Depends(mentor_only)])
async def reveal(session: DbSession, found: OwnReview) -> RevealRead:
    """The reference of an anchor the mentor reviewed. 404 for any review not yet submitted (anchor
    or not: the answer tells nothing before the submit) and for a submitted real one."""
    shown = await review_anchors.reveal(session, found[0])
    if shown is None:
        raise NotFound("No reference to show for this review.")
    return read_model(
        RevealRead,
        shown,
        criteria=[CriterionRevealRead.model_validate(c, from_attributes=True) for c in shown.criteria],
        calibration_set=shown.onboarding,
    )

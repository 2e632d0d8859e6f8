"""Every router of the app, in one explicit list: create_app() includes them in this order.

Vocabulary (docs/DEVELOPING.md, "Route modules"): in a domain package, `routes.py` holds the
HTML pages (`router`) and `api.py` the JSON API under /api/v1 (`api`); more page modules of
one domain are `routes_<part>.py`. A new router is added here and nowhere else (no
`include_router` inside a domain).
"""

from __future__ import annotations

from fastapi import APIRouter

from app.admin import api as admin_api
from app.admin import routes as admin_routes
from app.analytics import routes as analytics_routes
from app.auth import api as auth_api
from app.auth import routes as auth_routes
from app.auth import routes_mfa as auth_routes_mfa
from app.booking import api as booking_api
from app.booking import routes as booking_routes
from app.calibration import api as calibration_api
from app.calibration import routes as calibration_routes
from app.calibration import routes_anchors as calibration_routes_anchors
from app.calibration import routes_mentors as calibration_routes_mentors
from app.home import routes as home_routes
from app.imports import api as imports_api
from app.imports import routes as imports_routes
from app.interviews import api as interviews_api
from app.interviews import routes as interviews_routes
from app.interviews import routes_admin as interviews_routes_admin
from app.interviews import routes_notes as interviews_routes_notes
from app.interviews import routes_prompts as interviews_routes_prompts
from app.live import routes as live_routes
from app.live import routes_ladder as live_routes_ladder
from app.practice import routes as practice_routes
from app.questions import api as questions_api
from app.questions import routes as questions_routes
from app.questions import routes_generators as questions_routes_generators
from app.questions import routes_topics as questions_routes_topics
from app.reviews import api as reviews_api
from app.reviews import routes as reviews_routes
from app.reviews import routes_adjudication as reviews_routes_adjudication
from app.reviews import routes_admin as reviews_routes_admin
from app.reviews import routes_annotations as reviews_routes_annotations
from app.reviews import routes_candidate as reviews_routes_candidate
from app.reviews import routes_notes as reviews_routes_notes

# Order matters only where paths overlap; it is the order create_app() used before this list.
ROUTERS: tuple[APIRouter, ...] = (
    home_routes.router,
    auth_routes.router,
    auth_api.api,
    admin_routes.router,
    admin_api.api,
    questions_routes.router,
    questions_routes.admin,
    questions_routes_topics.router,
    questions_routes_generators.router,
    questions_api.api,
    interviews_routes.router,
    interviews_api.api,
    interviews_routes_admin.router,
    interviews_routes_notes.router,
    interviews_routes_prompts.router,
    reviews_routes.router,
    reviews_routes_candidate.router,
    reviews_routes_admin.router,
    reviews_routes_notes.router,
    reviews_routes_adjudication.router,
    reviews_routes_annotations.router,
    analytics_routes.router,
    reviews_api.api,
    auth_routes_mfa.router,
    imports_routes.router,
    imports_api.api,
    calibration_routes.router,
    calibration_routes_anchors.router,
    calibration_routes_mentors.router,
    calibration_api.api,
    practice_routes.router,
    booking_routes.router,
    booking_routes.mentor,
    booking_api.api,
    live_routes.router,
    live_routes.mentor,
    live_routes_ladder.router,
)

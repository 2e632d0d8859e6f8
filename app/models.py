"""Imports every domain's models so Alembic and tests see the whole metadata."""

from app.auth import models as auth_models  # noqa: F401
from app.db import Base
from app.questions import models as question_models  # noqa: F401

metadata = Base.metadata

"""Imports every domain's models so Alembic and tests see the whole metadata."""

from app.analytics import models as analytics_models  # noqa: F401
from app.auth import models as auth_models  # noqa: F401
from app.booking import models as booking_models  # noqa: F401
from app.calibration import models as calibration_models  # noqa: F401
from app.db import Base
from app.events import models as event_models  # noqa: F401
from app.interviews import models as interview_models  # noqa: F401
from app.kit import ratelimit  # noqa: F401
from app.live import models as live_models  # noqa: F401
from app.practice import models as practice_models  # noqa: F401
from app.questions import models as question_models  # noqa: F401
from app.reviews import anchor_models  # noqa: F401
from app.reviews import models as review_models  # noqa: F401

metadata = Base.metadata

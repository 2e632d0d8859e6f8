"""review.recent_saves: the review draft's autosave remembers its last save ids (→ the revision
each stored), as the scratchpad and notes do, so a late duplicate of an older save gets the same
200 as its original instead of a false "changed in another tab" 409 (red-team pass, session 5)

Revision ID: 5b9e2d7c4a18
Revises: 7b3e9d2a4c18
Create Date: 2026-11-30 03:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "5b9e2d7c4a18"
down_revision: str | None = "7b3e9d2a4c18"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "review",
        sa.Column(
            "recent_saves",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column("review", "recent_saves")

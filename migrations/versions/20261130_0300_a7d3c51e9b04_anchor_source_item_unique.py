"""A real answer is one active anchor at most: a double submit of "Mark as anchor" (a double
click, a second tab) made two identical anchors (red-team pass, session 5)

A partial unique index on anchor.source_item_id (written anchors have none; a retired anchor may
be marked again). Duplicates made before it are retired first, the oldest of each answer kept:
their presentations and reviews stay, as for any retired anchor.

Revision ID: a7d3c51e9b04
Revises: 121f52e81bcf
Create Date: 2026-11-30 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7d3c51e9b04"
down_revision: str | None = "121f52e81bcf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
UPDATE anchor SET active = false
WHERE id IN (
    SELECT id FROM (
        SELECT id, row_number() OVER (PARTITION BY source_item_id ORDER BY created_at, id) AS n
        FROM anchor WHERE source_item_id IS NOT NULL AND active
    ) d WHERE d.n > 1
)
"""
    )
    op.create_index(
        "uq_anchor_source_item_active",
        "anchor",
        ["source_item_id"],
        unique=True,
        postgresql_where=sa.text("source_item_id IS NOT NULL AND active"),
    )


def downgrade() -> None:
    op.drop_index("uq_anchor_source_item_active", table_name="anchor")

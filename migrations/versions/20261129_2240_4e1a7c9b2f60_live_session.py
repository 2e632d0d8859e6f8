"""live sessions (issue 20): one per booking, opened by the mentor, tied to the candidate's
attempt; attempt.live marks the attempts whose saves are announced to the mentor

Revision ID: 4e1a7c9b2f60
Revises: 5e8c1f3a9d72
Create Date: 2026-11-29 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4e1a7c9b2f60"
down_revision: str | None = "5e8c1f3a9d72"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "live_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_id", sa.Uuid(), nullable=False),
        sa.Column("candidate_id", sa.Uuid(), nullable=False),
        sa.Column("attempt_id", sa.Uuid(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('scheduled','open','ended','cancelled')", name=op.f("ck_live_session_state_known")
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempt.id"],
            name=op.f("fk_live_session_attempt_id_attempt"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["booking.id"],
            name=op.f("fk_live_session_booking_id_booking"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["app_user.id"],
            name=op.f("fk_live_session_candidate_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["app_user.id"],
            name=op.f("fk_live_session_mentor_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_session")),
        sa.UniqueConstraint("attempt_id", name=op.f("uq_live_session_attempt_id")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_live_session_booking_id")),
    )
    op.create_index(op.f("ix_live_session_candidate_id"), "live_session", ["candidate_id"], unique=False)
    op.create_index(op.f("ix_live_session_mentor_id"), "live_session", ["mentor_id"], unique=False)
    op.add_column("attempt", sa.Column("live", sa.Boolean(), server_default=sa.text("false"), nullable=False))


def downgrade() -> None:
    op.drop_column("attempt", "live")
    op.drop_index(op.f("ix_live_session_mentor_id"), table_name="live_session")
    op.drop_index(op.f("ix_live_session_candidate_id"), table_name="live_session")
    op.drop_table("live_session")

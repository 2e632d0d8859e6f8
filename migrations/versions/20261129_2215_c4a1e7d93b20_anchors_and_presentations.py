"""anchor answers and their presentations (issue 21, mentor calibration)

Revision ID: c4a1e7d93b20
Revises: 368ffe6e53d7
Create Date: 2026-11-29 22:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c4a1e7d93b20"
down_revision: str | None = "368ffe6e53d7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "anchor",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("question_id", sa.Uuid(), nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("format_id", sa.Uuid(), nullable=False),
        sa.Column("source_item_id", sa.Uuid(), nullable=True),
        sa.Column("answer_text", sa.Text(), nullable=False),
        sa.Column("time_spent_seconds", sa.Float(), nullable=False),
        sa.Column("reference_levels", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("reference_recommendation", sa.String(length=12), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("rationale_html", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "reference_recommendation IN ('strong_no','no','lean_no','lean_yes','yes','strong_yes')",
            name=op.f("ck_anchor_recommendation_known"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["app_user.id"], name=op.f("fk_anchor_created_by_app_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["format_id"], ["interview_format.id"], name=op.f("fk_anchor_format_id_interview_format"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["question.id"], name=op.f("fk_anchor_question_id_question"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["source_item_id"], ["attempt_item.id"], name=op.f("fk_anchor_source_item_id_attempt_item"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["question_version.id"], name=op.f("fk_anchor_version_id_question_version"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anchor")),
    )
    op.create_index(op.f("ix_anchor_question_id"), "anchor", ["question_id"], unique=False)
    op.create_table(
        "anchor_presentation",
        sa.Column("attempt_id", sa.Uuid(), nullable=False),
        sa.Column("anchor_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_id", sa.Uuid(), nullable=False),
        sa.Column("onboarding", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["anchor_id"], ["anchor.id"], name=op.f("fk_anchor_presentation_anchor_id_anchor"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempt.id"], name=op.f("fk_anchor_presentation_attempt_id_attempt"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"], ["app_user.id"], name=op.f("fk_anchor_presentation_mentor_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attempt_id", name=op.f("pk_anchor_presentation")),
        sa.UniqueConstraint("anchor_id", "mentor_id", name="uq_anchor_presentation_anchor_mentor"),
    )
    op.create_index("ix_anchor_presentation_mentor", "anchor_presentation", ["mentor_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_anchor_presentation_mentor", table_name="anchor_presentation")
    op.drop_table("anchor_presentation")
    op.drop_index(op.f("ix_anchor_question_id"), table_name="anchor")
    op.drop_table("anchor")

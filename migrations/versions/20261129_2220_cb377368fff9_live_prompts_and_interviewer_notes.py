"""live_prompt and interviewer_note (issue 20): the follow-up ladder's log of a live attempt (each
follow-up or hint the interviewer gave, its time, the candidate's autosaved answer to a follow-up)
and an interviewer's private notes on the attempt

Existing attempts have neither.

Revision ID: cb377368fff9
Revises: c4a1e7d93b20
Create Date: 2026-11-29 21:43:25.395325
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "cb377368fff9"
down_revision: str | None = "c4a1e7d93b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "interviewer_note",
        sa.Column("attempt_id", sa.Uuid(), nullable=False),
        sa.Column("mentor_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("save_id", sa.String(length=64), nullable=True),
        sa.Column("recent_saves", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["attempt.id"],
            name=op.f("fk_interviewer_note_attempt_id_attempt"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"],
            ["app_user.id"],
            name=op.f("fk_interviewer_note_mentor_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attempt_id", "mentor_id", name=op.f("pk_interviewer_note")),
    )
    op.create_table(
        "live_prompt",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("attempt_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("ref", sa.SmallInteger(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_html", sa.Text(), nullable=False),
        sa.Column("send_id", sa.String(length=64), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_by", sa.Uuid(), nullable=True),
        sa.Column("answer", sa.Text(), server_default="", nullable=False),
        sa.Column("revision", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("save_id", sa.String(length=64), nullable=True),
        sa.Column(
            "recent_saves",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind = 'follow_up' OR ref IS NOT NULL", name=op.f("ck_live_prompt_hint_is_scripted")
        ),
        sa.CheckConstraint("kind IN ('follow_up','hint')", name=op.f("ck_live_prompt_kind_known")),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempt.id"], name=op.f("fk_live_prompt_attempt_id_attempt"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["attempt_item.id"],
            name=op.f("fk_live_prompt_item_id_attempt_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sent_by"], ["app_user.id"], name=op.f("fk_live_prompt_sent_by_app_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_prompt")),
        sa.UniqueConstraint("attempt_id", "send_id", name="uq_live_prompt_send"),
    )
    op.create_index(op.f("ix_live_prompt_item_id"), "live_prompt", ["item_id"], unique=False)
    op.create_index(
        "uq_live_prompt_scripted",
        "live_prompt",
        ["item_id", "kind", "ref"],
        unique=True,
        postgresql_where=sa.text("ref IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_live_prompt_scripted", table_name="live_prompt", postgresql_where=sa.text("ref IS NOT NULL")
    )
    op.drop_index(op.f("ix_live_prompt_item_id"), table_name="live_prompt")
    op.drop_table("live_prompt")
    op.drop_table("interviewer_note")

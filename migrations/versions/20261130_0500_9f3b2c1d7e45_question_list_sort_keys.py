"""question.sort_title, current_kind, current_difficulty: the current version's lower(title), kind
and difficulty copied onto the question (by a trigger), with indexes in the lists' orders, so an
unfiltered list reads its page from an index instead of joining and sorting the whole bank per
request (issue 17: the candidate's /questions took ~1.5 s at 100,000 questions)

The trigger sets the copies whenever a question's current_version_id is written (INSERT, UPDATE,
also the ON DELETE SET NULL of a deleted version), whatever wrote it (the ORM, an import's COPY,
the bulk seed); any other UPDATE keeps them (a direct write to them is ignored). Versions are
immutable, so the copies never go stale. lower() runs in Postgres, as the list's ORDER BY
lower(title) did: the order (collation included) is unchanged.

Revision ID: 9f3b2c1d7e45
Revises: 5b9e2d7c4a18
Create Date: 2026-11-30 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9f3b2c1d7e45"
down_revision: str | None = "5b9e2d7c4a18"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGER = """
CREATE FUNCTION question_current_copies() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.current_version_id IS NOT DISTINCT FROM OLD.current_version_id THEN
        NEW.sort_title := OLD.sort_title;
        NEW.current_kind := OLD.current_kind;
        NEW.current_difficulty := OLD.current_difficulty;
    ELSE
        NEW.sort_title := NULL;
        NEW.current_kind := NULL;
        NEW.current_difficulty := NULL;
        SELECT lower(v.title), v.kind, v.difficulty
          INTO NEW.sort_title, NEW.current_kind, NEW.current_difficulty
          FROM question_version v WHERE v.id = NEW.current_version_id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER question_current_copies BEFORE INSERT OR UPDATE ON question
    FOR EACH ROW EXECUTE FUNCTION question_current_copies();
"""
BACKFILL = """
UPDATE question q SET sort_title = lower(v.title), current_kind = v.kind, current_difficulty = v.difficulty
FROM question_version v WHERE v.id = q.current_version_id
"""


def upgrade() -> None:
    op.add_column("question", sa.Column("sort_title", sa.Text(), nullable=True))
    op.add_column("question", sa.Column("current_kind", sa.String(length=20), nullable=True))
    op.add_column("question", sa.Column("current_difficulty", sa.SmallInteger(), nullable=True))
    op.execute(BACKFILL)  # before the trigger, which keeps the old (NULL) copies on such an UPDATE
    op.execute(TRIGGER)
    op.create_index(
        "ix_question_published_topic_title",
        "question",
        ["topic_id", "sort_title", "id"],
        unique=False,
        postgresql_include=["current_kind", "current_difficulty"],
        postgresql_where=sa.text("status = 'published'"),
    )
    op.create_index("ix_question_updated", "question", [sa.text("updated_at DESC"), "id"], unique=False)
    op.create_index("ix_question_sort_title", "question", ["sort_title", "id"], unique=False)
    op.create_index(
        "ix_question_difficulty_title", "question", ["current_difficulty", "sort_title", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_question_difficulty_title", table_name="question")
    op.drop_index("ix_question_sort_title", table_name="question")
    op.drop_index("ix_question_updated", table_name="question")
    op.drop_index(
        "ix_question_published_topic_title",
        table_name="question",
        postgresql_where=sa.text("status = 'published'"),
    )
    op.execute("DROP TRIGGER question_current_copies ON question")
    op.execute("DROP FUNCTION question_current_copies()")
    op.drop_column("question", "current_difficulty")
    op.drop_column("question", "current_kind")
    op.drop_column("question", "sort_title")

"""index question.current_version_id (search goes from matching versions to their questions)

Revision ID: 7c3e91a4d2b8
Revises: 9d44889d68b8
Create Date: 2026-11-29 17:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "7c3e91a4d2b8"
down_revision: str | None = "9d44889d68b8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_question_current_version_id"), "question", ["current_version_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_question_current_version_id"), table_name="question")

"""question kinds: the registry decides which names exist; the table checks only their shape

A new question kind (app/questions/kinds/) needs no migration: `kind IN (...)` listed the kinds
known so far, and each new kind (parametrised did, matching would) had to edit it.

Revision ID: b6c2e8f41a07
Revises: c81734a0a361
Create Date: 2026-11-29 19:40:00
"""

from collections.abc import Sequence

from alembic import op


revision: str = 'b6c2e8f41a07'
down_revision: str | None = 'c81734a0a361'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "kind IN ('free_text','single_choice','multiple_choice','numeric','parametrised')"
NEW = "kind ~ '^[a-z][a-z0-9_]{0,19}$'"


def upgrade() -> None:
    op.drop_constraint(op.f('ck_question_version_kind_known'), 'question_version', type_='check')
    op.create_check_constraint(op.f('ck_question_version_kind_name'), 'question_version', NEW)


def downgrade() -> None:
    # refuses (check violation) while versions of a later kind exist: delete or convert them first
    op.drop_constraint(op.f('ck_question_version_kind_name'), 'question_version', type_='check')
    op.create_check_constraint(op.f('ck_question_version_kind_known'), 'question_version', OLD)

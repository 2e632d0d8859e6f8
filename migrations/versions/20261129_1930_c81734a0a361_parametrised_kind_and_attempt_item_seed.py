"""parametrised kind and attempt item seed

Revision ID: c81734a0a361
Revises: 3b7d9e1c5a24
Create Date: 2026-11-29 19:12:38.152266
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'c81734a0a361'
down_revision: str | None = '3b7d9e1c5a24'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


OLD_KINDS = "kind IN ('free_text','single_choice','multiple_choice','numeric')"
NEW_KINDS = "kind IN ('free_text','single_choice','multiple_choice','numeric','parametrised')"


def upgrade() -> None:
    op.add_column('attempt_item', sa.Column('seed', sa.BigInteger(), nullable=True))
    op.drop_constraint(op.f('ck_question_version_kind_known'), 'question_version', type_='check')
    op.create_check_constraint(op.f('ck_question_version_kind_known'), 'question_version', NEW_KINDS)


def downgrade() -> None:
    # parametrised versions cannot be expressed by the older schema: downgrading refuses while any exist
    op.drop_constraint(op.f('ck_question_version_kind_known'), 'question_version', type_='check')
    op.create_check_constraint(op.f('ck_question_version_kind_known'), 'question_version', OLD_KINDS)
    op.drop_column('attempt_item', 'seed')

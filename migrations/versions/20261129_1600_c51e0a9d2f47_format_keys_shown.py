"""format keys_shown: when candidates see the objective answer keys

Existing formats get the safe default, after_release (they showed keys at submit before,
which with retakes let a blank attempt harvest them); `mlmock seed` sets the seed formats' own.

Revision ID: c51e0a9d2f47
Revises: b3a9d41c7e20
Create Date: 2026-11-29 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'c51e0a9d2f47'
down_revision: str | None = 'b3a9d41c7e20'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        'interview_format',
        sa.Column('keys_shown', sa.String(length=16), server_default=sa.text("'after_release'"), nullable=False),
    )
    op.create_check_constraint(
        op.f('ck_interview_format_keys_shown_known'),
        'interview_format',
        "keys_shown IN ('at_submit','after_release','never')",
    )


def downgrade() -> None:
    op.drop_constraint(op.f('ck_interview_format_keys_shown_known'), 'interview_format', type_='check')
    op.drop_column('interview_format', 'keys_shown')

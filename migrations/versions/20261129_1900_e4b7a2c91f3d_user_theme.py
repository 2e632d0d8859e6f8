"""app_user.theme: the colour scheme a signed-in user chose (remembered per account)

NULL (every existing user) means no choice: the device's choice applies, else the system's.

Revision ID: e4b7a2c91f3d
Revises: fb532adbb1cb
Create Date: 2026-11-29 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'e4b7a2c91f3d'
down_revision: str | None = 'fb532adbb1cb'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('app_user', sa.Column('theme', sa.String(length=8), nullable=True))
    op.create_check_constraint(op.f('ck_app_user_theme_known'), 'app_user', "theme IN ('light','dark')")


def downgrade() -> None:
    op.drop_constraint(op.f('ck_app_user_theme_known'), 'app_user', type_='check')
    op.drop_column('app_user', 'theme')

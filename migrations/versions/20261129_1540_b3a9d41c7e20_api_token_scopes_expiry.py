"""api token scopes and expiry

Existing tokens keep what they could do (read and write, plus admin for an admin's tokens)
and expire 90 days after this upgrade, the new default lifetime.

Revision ID: b3a9d41c7e20
Revises: 707818e97ba1
Create Date: 2026-11-29 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


revision: str = 'b3a9d41c7e20'
down_revision: str | None = '707818e97ba1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('api_token', sa.Column('scopes', postgresql.ARRAY(sa.String(length=8)), nullable=True))
    op.add_column('api_token', sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(
        """
        UPDATE api_token t SET
            scopes = CASE WHEN 'admin' = ANY(u.roles) THEN ARRAY['read','write','admin']
                          ELSE ARRAY['read','write'] END::varchar[],
            expires_at = now() + interval '90 days'
        FROM app_user u WHERE u.id = t.user_id
        """
    )
    op.alter_column('api_token', 'scopes', nullable=False)
    op.alter_column('api_token', 'expires_at', nullable=False)
    op.create_check_constraint(
        op.f('ck_api_token_known_scopes'), 'api_token', "scopes <@ ARRAY['read','write','admin']::varchar[]"
    )


def downgrade() -> None:
    op.drop_constraint(op.f('ck_api_token_known_scopes'), 'api_token', type_='check')
    op.drop_column('api_token', 'expires_at')
    op.drop_column('api_token', 'scopes')

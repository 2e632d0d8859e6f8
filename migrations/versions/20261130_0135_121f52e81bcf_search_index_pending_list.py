"""The search indexes keep a short pending list (128 kB instead of the server's 4 MB default):
every search reads the whole list, which after a bulk seed or an import held ~400 pages at
100,000 questions (issue 17)

New rows enter a GIN index through its pending list; it is merged into the index when it
outgrows gin_pending_list_limit (or at a vacuum). Merging 128 kB at a time costs the bulk
seed no measurable time.

Revision ID: 121f52e81bcf
Revises: 35e7f01f0f30
Create Date: 2026-11-30 01:35:00
"""

from collections.abc import Sequence

from alembic import op


revision: str = '121f52e81bcf'
down_revision: str | None = '35e7f01f0f30'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = ('ix_question_version_search', 'ix_question_version_search_public', 'ix_question_version_tags')


def upgrade() -> None:
    for name in INDEXES:
        op.execute(f'ALTER INDEX {name} SET (gin_pending_list_limit = 128)')
        # what the old limit left waiting is merged now
        op.execute(f"SELECT gin_clean_pending_list('{name}'::regclass)")


def downgrade() -> None:
    for name in INDEXES:
        op.execute(f'ALTER INDEX {name} RESET (gin_pending_list_limit)')

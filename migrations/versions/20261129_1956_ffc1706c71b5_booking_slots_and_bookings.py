"""booking slots and bookings (issue 20): no overlapping slots of one mentor, no double booking of a
mentor or a candidate, one live booking per slot. The "same person" part of the GiST exclusion
constraints compares the uuid mapped to an IPv6 address (inet_ops is core Postgres; uuid in GiST
would need btree_gist, which the embedded test server does not ship).

Revision ID: ffc1706c71b5
Revises: a7c3e9f1b2d4
Create Date: 2026-11-29 20:24:22.322422
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'ffc1706c71b5'
down_revision: str | None = 'a7c3e9f1b2d4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('availability_slot',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('mentor_id', sa.Uuid(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('period', postgresql.TSTZRANGE(), sa.Computed("tstzrange(starts_at, ends_at, '[)')", persisted=True), nullable=False),
    sa.Column('mentor_key', postgresql.INET(), sa.Computed("regexp_replace(mentor_id::text, '^(.{4})(.{4})-(.{4})-(.{4})-(.{4})-(.{4})(.{4})(.{4})$', '\\1:\\2:\\3:\\4:\\5:\\6:\\7:\\8')::inet", persisted=True), nullable=False),
    sa.Column('format_ids', postgresql.ARRAY(sa.Uuid()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    postgresql.ExcludeConstraint(('mentor_key', '='), ('period', '&&'), ops={'mentor_key': 'inet_ops'}, using='gist', name='availability_slot_no_overlap'),
    sa.CheckConstraint('cardinality(format_ids) > 0', name=op.f('ck_availability_slot_has_formats')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_availability_slot_ends_after_start')),
    sa.ForeignKeyConstraint(['mentor_id'], ['app_user.id'], name=op.f('fk_availability_slot_mentor_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_availability_slot'))
    )
    op.create_index(op.f('ix_availability_slot_mentor_id'), 'availability_slot', ['mentor_id'], unique=False)
    op.create_table('booking',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('slot_id', sa.Uuid(), nullable=False),
    sa.Column('candidate_id', sa.Uuid(), nullable=False),
    sa.Column('mentor_id', sa.Uuid(), nullable=False),
    sa.Column('format_id', sa.Uuid(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('period', postgresql.TSTZRANGE(), sa.Computed("tstzrange(starts_at, ends_at, '[)')", persisted=True), nullable=False),
    sa.Column('mentor_key', postgresql.INET(), sa.Computed("regexp_replace(mentor_id::text, '^(.{4})(.{4})-(.{4})-(.{4})-(.{4})-(.{4})(.{4})(.{4})$', '\\1:\\2:\\3:\\4:\\5:\\6:\\7:\\8')::inet", persisted=True), nullable=False),
    sa.Column('candidate_key', postgresql.INET(), sa.Computed("regexp_replace(candidate_id::text, '^(.{4})(.{4})-(.{4})-(.{4})-(.{4})-(.{4})(.{4})(.{4})$', '\\1:\\2:\\3:\\4:\\5:\\6:\\7:\\8')::inet", persisted=True), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    postgresql.ExcludeConstraint(('candidate_key', '='), ('period', '&&'), ops={'candidate_key': 'inet_ops'}, where=sa.text("status = 'booked'"), using='gist', name='booking_candidate_free'),
    postgresql.ExcludeConstraint(('mentor_key', '='), ('period', '&&'), ops={'mentor_key': 'inet_ops'}, where=sa.text("status = 'booked'"), using='gist', name='booking_mentor_free'),
    sa.CheckConstraint("status IN ('booked','cancelled')", name=op.f('ck_booking_status_known')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_booking_ends_after_start')),
    sa.ForeignKeyConstraint(['candidate_id'], ['app_user.id'], name=op.f('fk_booking_candidate_id_app_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['format_id'], ['interview_format.id'], name=op.f('fk_booking_format_id_interview_format'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mentor_id'], ['app_user.id'], name=op.f('fk_booking_mentor_id_app_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['slot_id'], ['availability_slot.id'], name=op.f('fk_booking_slot_id_availability_slot'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking'))
    )
    op.create_index(op.f('ix_booking_candidate_id'), 'booking', ['candidate_id'], unique=False)
    op.create_index(op.f('ix_booking_mentor_id'), 'booking', ['mentor_id'], unique=False)
    op.create_index('uq_booking_slot_live', 'booking', ['slot_id'], unique=True, postgresql_where=sa.text("status = 'booked'"))


def downgrade() -> None:
    op.drop_index('uq_booking_slot_live', table_name='booking', postgresql_where=sa.text("status = 'booked'"))
    op.drop_index(op.f('ix_booking_mentor_id'), table_name='booking')
    op.drop_index(op.f('ix_booking_candidate_id'), table_name='booking')
    op.drop_table('booking')
    op.drop_index(op.f('ix_availability_slot_mentor_id'), table_name='availability_slot')
    op.drop_table('availability_slot')

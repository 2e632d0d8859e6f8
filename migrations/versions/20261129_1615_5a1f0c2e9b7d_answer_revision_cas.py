"""answer revision log and the compare-and-swap save function

Revision ID: 5a1f0c2e9b7d
Revises: c51e0a9d2f47
Create Date: 2026-11-29 16:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "5a1f0c2e9b7d"
down_revision: str | None = "c51e0a9d2f47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here (a migration is history); app/interviews/repository.py calls it by name.
SAVE_FUNCTION = r"""
-- The autosave, decided in one round trip after taking the locks (issue 11).
--
-- A save names the stored revision it was based on (p_base, 0 = nothing stored) and a client
-- save id (one per distinct pending value; an identical retry reuses it). It is stored only if
-- the stored revision is still p_base; the new revision is stored + 1. A retry of a stored save
-- (same save id, found in the append-only answer_revision log) gets the revision it got,
-- whatever happened since; a save whose content is what is stored changes nothing; anything
-- else is stale and gets the stored row back.
--
-- VOLATILE on purpose: every statement inside takes a fresh snapshot, so the reads after the
-- item lock see what an in-flight original committed while this call waited for it. (A single
-- CTE statement reads one snapshot taken before it waited: its retry was answered 409.)
CREATE OR REPLACE FUNCTION save_answer(
    p_session_hash bytea, p_token_hash bytea,
    p_idle_cutoff timestamptz, p_absolute_cutoff timestamptz, p_slide_before timestamptz,
    p_attempt_id uuid, p_item_id uuid, p_kind text, p_now timestamptz,
    p_base bigint, p_save_id text, p_value jsonb, p_time_cap double precision,
    OUT outcome text, OUT revision bigint, OUT value jsonb, OUT saved_at timestamptz,
    OUT save_id text, OUT state text, OUT deadline_at timestamptz, OUT expiry_mode text,
    OUT grace_seconds integer
) RETURNS record LANGUAGE plpgsql VOLATILE AS $fn$
#variable_conflict use_column
DECLARE
    v_user uuid;
    v_session uuid;
    att record;
    itm record;
    cur record;
BEGIN
    -- who is asking: the same idle/absolute rule as resolve_session, or an unrevoked, unexpired
    -- API token with the write scope
    IF p_session_hash IS NOT NULL THEN
        SELECT us.user_id, us.id INTO v_user, v_session
        FROM user_session us JOIN app_user u ON u.id = us.user_id
        WHERE us.token_hash = p_session_hash AND u.is_active
          AND us.last_seen_at > p_idle_cutoff AND us.created_at > p_absolute_cutoff;
    ELSIF p_token_hash IS NOT NULL THEN
        SELECT t.user_id INTO v_user
        FROM api_token t JOIN app_user u ON u.id = t.user_id
        WHERE t.token_hash = p_token_hash AND t.revoked_at IS NULL AND u.is_active
          AND t.expires_at > p_now AND 'write' = ANY(t.scopes);
    END IF;
    IF v_user IS NULL THEN
        outcome := 'signed_out';
        RETURN;
    END IF;

    -- their attempt, share-locked: a concurrent finalisation waits for this save or makes it fail
    SELECT a.state, a.deadline_at, a.expiry_mode, a.grace_seconds, a.navigation, a.current_position
    INTO att FROM attempt a WHERE a.id = p_attempt_id AND a.user_id = v_user FOR SHARE;
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN;
    END IF;
    state := att.state;
    deadline_at := att.deadline_at;
    expiry_mode := att.expiry_mode;
    grace_seconds := att.grace_seconds;

    -- one save of an item at a time
    SELECT i.kind, i.position INTO itm
    FROM attempt_item i WHERE i.id = p_item_id AND i.attempt_id = p_attempt_id FOR UPDATE;
    IF NOT FOUND THEN
        outcome := 'not_found';
        RETURN;
    END IF;

    -- a retry of a save that was stored: the same answer as the first time
    SELECT r.revision, r.saved_at INTO cur
    FROM answer_revision r WHERE r.item_id = p_item_id AND r.save_id = p_save_id;
    IF FOUND THEN
        outcome := 'duplicate';
        revision := cur.revision;
        saved_at := cur.saved_at;
        save_id := p_save_id;
        RETURN;
    END IF;

    IF itm.kind <> p_kind THEN
        outcome := 'wrong_kind';
        RETURN;
    END IF;
    IF att.state <> 'in_progress' OR p_now >= att.deadline_at THEN
        outcome := 'closed';
        RETURN;
    END IF;
    IF att.navigation = 'linear' AND itm.position <> att.current_position THEN
        outcome := 'moved_on';
        RETURN;
    END IF;

    SELECT ans.revision, ans.value, ans.saved_at, ans.save_id INTO cur
    FROM answer ans WHERE ans.item_id = p_item_id;
    IF FOUND AND cur.value = p_value THEN
        -- what is stored already: nothing to write (a retry that lost its save id, or no change)
        outcome := 'unchanged';
        revision := cur.revision;
        saved_at := cur.saved_at;
    ELSIF COALESCE(cur.revision, 0) <> p_base THEN
        outcome := 'stale';
        revision := cur.revision;
        value := cur.value;
        saved_at := cur.saved_at;
        save_id := cur.save_id;
        RETURN;
    ELSE
        revision := p_base + 1;
        INSERT INTO answer (item_id, revision, value, saved_at, save_id)
        VALUES (p_item_id, p_base + 1, p_value, p_now, p_save_id)
        ON CONFLICT (item_id) DO UPDATE SET revision = EXCLUDED.revision, value = EXCLUDED.value,
            saved_at = EXCLUDED.saved_at, save_id = EXCLUDED.save_id;
        INSERT INTO answer_revision (item_id, revision, save_id, base_revision, value, saved_at)
        VALUES (p_item_id, p_base + 1, p_save_id, p_base, p_value, p_now);
        outcome := 'saved';
        saved_at := p_now;
        save_id := p_save_id;
    END IF;

    -- time on the question, and the session's sliding idle timeout (at most every 30 s)
    UPDATE attempt_item SET
        time_spent_seconds = time_spent_seconds + CASE WHEN last_active_at IS NULL THEN 0
            ELSE LEAST(p_time_cap, GREATEST(0, EXTRACT(EPOCH FROM (p_now - last_active_at)))) END,
        last_active_at = p_now
    WHERE id = p_item_id;
    IF v_session IS NOT NULL THEN
        UPDATE user_session SET last_seen_at = p_now
        WHERE id = v_session AND last_seen_at < p_slide_before;
    END IF;
END
$fn$;
"""


def upgrade() -> None:
    op.add_column("answer", sa.Column("save_id", sa.String(length=64), nullable=True))
    op.create_table(
        "answer_revision",
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.Column("save_id", sa.String(length=64), nullable=False),
        sa.Column("base_revision", sa.BigInteger(), nullable=False),
        sa.Column("value", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["attempt_item.id"], name=op.f("fk_answer_revision_item_id_attempt_item"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("item_id", "revision", name=op.f("pk_answer_revision")),
        sa.UniqueConstraint("item_id", "save_id", name="uq_answer_revision_item_save"),
    )
    # answers stored before the log existed become its first entries
    op.execute(
        "INSERT INTO answer_revision (item_id, revision, save_id, base_revision, value, saved_at) "
        "SELECT item_id, revision, 'before-log', 0, value, saved_at FROM answer"
    )
    op.execute(SAVE_FUNCTION)


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION IF EXISTS save_answer(bytea, bytea, timestamptz, timestamptz, timestamptz, uuid, uuid, "
        "text, timestamptz, bigint, text, jsonb, double precision)"
    )
    op.drop_table("answer_revision")
    op.drop_column("answer", "save_id")

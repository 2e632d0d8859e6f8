"""save_answer announces the saves of a live attempt (issue 20)

For an attempt with `attempt.live` (set when a mentor opens the live session, app/live), a stored
save (outcome `saved`) inserts an `answer.saved` row into the outbox `domain_event` and calls
pg_notify('mlmock_events', ...) in the save's own transaction, so the mentor's stream gets it on
commit, whichever process serves it. Every other save does exactly the work it did before (the
flag is read with the attempt row the function already locks). Same signature and result.

Revision ID: 8c2d5e7f1a39
Revises: 4e1a7c9b2f60
Create Date: 2026-11-29 22:41:00
"""

import importlib.util
from pathlib import Path

from alembic import op

revision: str = "8c2d5e7f1a39"
down_revision: str | None = "4e1a7c9b2f60"
branch_labels: str | None = None
depends_on: str | None = None

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
    p_touch_before timestamptz,
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
    v_token uuid;
    v_seen timestamptz;
    att record;
    itm record;
    cur record;
    v_spent double precision;
    v_payload jsonb;
    v_event bigint;
    v_created timestamptz;
    v_message text;
BEGIN
    -- who is asking: the rule of app/auth/validity.py (also applied by resolve_session and
    -- resolve_api_token): a session seen since the idle cutoff, created since the absolute cutoff,
    -- of an active user; or an unrevoked, unexpired API token (with the write scope). Like any
    -- request, a save records the visit: the session's sliding idle timeout (at most every 30 s)
    -- and the token's "last used" (at most once a minute).
    IF p_session_hash IS NOT NULL THEN
        SELECT us.user_id, us.id, us.last_seen_at INTO v_user, v_session, v_seen
        FROM user_session us JOIN app_user u ON u.id = us.user_id
        WHERE us.token_hash = p_session_hash AND u.is_active
          AND us.last_seen_at >= p_idle_cutoff AND us.created_at >= p_absolute_cutoff;
        IF v_session IS NOT NULL AND v_seen < p_slide_before THEN
            UPDATE user_session SET last_seen_at = p_now WHERE id = v_session;
        END IF;
    ELSIF p_token_hash IS NOT NULL THEN
        SELECT t.user_id, t.id, t.last_used_at INTO v_user, v_token, v_seen
        FROM api_token t JOIN app_user u ON u.id = t.user_id
        WHERE t.token_hash = p_token_hash AND t.revoked_at IS NULL AND u.is_active
          AND t.expires_at > p_now AND 'write' = ANY(t.scopes);
        IF v_token IS NOT NULL AND (v_seen IS NULL OR v_seen < p_touch_before) THEN
            UPDATE api_token SET last_used_at = p_now WHERE id = v_token;
        END IF;
    END IF;
    IF v_user IS NULL THEN
        outcome := 'signed_out';
        RETURN;
    END IF;

    -- their attempt, share-locked: a concurrent finalisation waits for this save or makes it fail
    SELECT a.state, a.deadline_at, a.expiry_mode, a.grace_seconds, a.navigation, a.current_position, a.live
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

    -- time on the question
    UPDATE attempt_item SET
        time_spent_seconds = time_spent_seconds + CASE WHEN last_active_at IS NULL THEN 0
            ELSE LEAST(p_time_cap, GREATEST(0, EXTRACT(EPOCH FROM (p_now - last_active_at)))) END,
        last_active_at = p_now
    WHERE id = p_item_id
    RETURNING time_spent_seconds INTO v_spent;

    -- an attempt of a live session (app/live; attempt.live is set when the mentor opens it): the
    -- stored save becomes an `answer.saved` domain event, announced on commit to every process
    -- (app/events/dispatcher.py); its payload is documented in app/live/__init__.py. Any other
    -- save stops above: the autosave costs what it cost before.
    IF att.live AND outcome = 'saved' THEN
        v_payload := jsonb_build_object(
            'attempt_id', p_attempt_id, 'item_id', p_item_id, 'position', itm.position,
            'revision', revision, 'value', p_value, 'saved_at', p_now, 'time_spent_seconds', v_spent);
        INSERT INTO domain_event (kind, payload, user_ids, attempt_id, handled_at)
        VALUES ('answer.saved', v_payload, ARRAY[v_user], p_attempt_id, now())
        RETURNING id, created_at INTO v_event, v_created;
        v_message := jsonb_build_object(
            'id', v_event, 'kind', 'answer.saved', 'payload', v_payload, 'user_ids', ARRAY[v_user],
            'attempt_id', p_attempt_id, 'created_at', v_created)::text;
        IF octet_length(v_message) > 7000 THEN  -- notifications stay under 8000 bytes: fetched by id
            v_message := jsonb_build_object('id', v_event)::text;
        END IF;
        PERFORM pg_notify('mlmock_events', v_message);
    END IF;
END
$fn$;
"""


def _previous_function() -> str:
    """The function as migration 3b7d9e1c5a24 created it (for the downgrade)."""
    path = next(Path(__file__).parent.glob("*_3b7d9e1c5a24_*.py"))
    spec = importlib.util.spec_from_file_location("_save_answer_3b7d9e1c5a24", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.SAVE_FUNCTION)


def upgrade() -> None:
    op.execute(SAVE_FUNCTION)


def downgrade() -> None:
    op.execute(_previous_function())

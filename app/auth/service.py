"""Accounts, sessions, throttling and the audit log. Services flush, never commit.

Personal access tokens are in app/auth/api_tokens.py, admins' edits of users in
app/auth/user_admin.py."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg.rows import tuple_row
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import psycopg as psycopg_dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from app.auth.models import ApiToken, AuditEvent, User, UserSession
from app.auth.passwords import dummy_verify, hash_password, password_problem, verify_password
from app.auth.tokens import digest, new_secret
from app.auth.validity import Validity
from app.config import get_settings
from app.db import READ_DRIVER, VISIT, keep_if_refused
from app.errors import Invalid, TooManyRequests
from app.events import Audience, EventKind, emit
from app.kit import clock


async def audit(
    session: AsyncSession,
    event: str,
    *,
    actor_id: uuid.UUID | None = None,
    subject: str | None = None,
    ip: str | None = None,
    detail: dict[str, Any] | None = None,
    even_if_refused: bool = False,
) -> None:
    """Append to the audit log (never secrets). `even_if_refused`: the row is written even when
    the request answers >= 400 and rolls back (the failures the throttles count)."""
    row = dict(
        created_at=clock.now(), event=event, actor_id=actor_id, subject=subject, ip=ip, detail=detail or {}
    )
    session.add(AuditEvent(**row))
    await session.flush()
    if even_if_refused:
        keep_if_refused(session, lambda: AuditEvent(**row))


def normalise_email(email: str) -> str:
    return email.strip()


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    stmt = select(User).where(func.lower(User.email) == normalise_email(email).lower())
    return (await session.execute(stmt)).scalar_one_or_none()


async def create_user(
    session: AsyncSession,
    *,
    email: str,
    display_name: str,
    password: str,
    roles: list[str] | None = None,
) -> User:
    """Create an account; raise Invalid with field messages when the input is refused."""
    email = normalise_email(email)
    fields: dict[str, str] = {}
    if problem := password_problem(password, email=email):
        fields["password"] = problem
    if await get_user_by_email(session, email) is not None:
        fields["email"] = "An account with this email already exists."
    if fields:
        raise Invalid("Please correct the highlighted fields.", fields=fields)
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=await hash_password(password),
        roles=list(roles or ["candidate"]),
    )
    session.add(user)
    await session.flush()
    return user


async def register(
    session: AsyncSession, *, email: str, display_name: str, password: str, ip: str | None
) -> None:
    """Sign up. An email that already has an account gets the same answer at the same cost (the
    password is hashed either way) and its owner an in-app notice (and email, when enabled); a
    new one gets its account and a welcome notice. Raises Invalid only for the input itself."""
    email = normalise_email(email)
    if problem := password_problem(password, email=email):
        raise Invalid("Please correct the highlighted fields.", fields={"password": problem})
    password_hash = await hash_password(password)
    existing = await get_user_by_email(session, email)
    if existing is None:
        user = User(
            email=email, display_name=display_name.strip(), password_hash=password_hash, roles=["candidate"]
        )
        try:
            async with session.begin_nested():  # a concurrent sign-up of the same email may win
                session.add(user)
                await session.flush()
        except IntegrityError:
            existing = await get_user_by_email(session, email)
        else:
            await audit(session, "registered", actor_id=user.id, subject=str(user.id), ip=ip)
            # the welcome notice is written after the commit (app/reviews/notify.py handles it)
            await emit(session, EventKind.account_registered, {}, Audience(user_ids=(user.id,)))
            return
    assert existing is not None
    await audit(session, "registration_existing_email", subject=str(existing.id), ip=ip)
    await emit(session, EventKind.registration_attempted, {}, Audience(user_ids=(existing.id,)))


async def check_login_throttle(session: AsyncSession, *, email: str, ip: str | None) -> None:
    """429 (with Retry-After) for the *client* that failed, never for the account as a whole.

    Failures are counted per (account, IP) pair, per IP, and per account. A pair past its limit
    is refused; an IP past its limit (credential stuffing) is refused for every account; an
    account past its limit (guessing from many addresses) only refuses the addresses that have
    already failed on it. A client that has not failed recently always gets its try, so no one
    can lock the owner out by failing on purpose.
    """
    s = get_settings()
    now = clock.now()
    window = timedelta(minutes=s.login_window_minutes)
    subject = email.lower()
    mine = AuditEvent.subject == subject
    pair = mine & (AuditEvent.ip == ip) if ip else mine & AuditEvent.ip.is_(None)
    from_ip = AuditEvent.ip == ip if ip else AuditEvent.ip.is_(None)
    row = (
        await session.execute(
            select(
                func.count().filter(mine),
                func.count().filter(pair),
                func.count().filter(from_ip),
                func.max(AuditEvent.created_at).filter(pair),
                func.max(AuditEvent.created_at).filter(from_ip),
            ).where(AuditEvent.event == "login_failed", AuditEvent.created_at >= now - window, mine | from_ip)
        )
    ).one()
    account_n, pair_n, ip_n, pair_last, ip_last = row

    def retry(last: datetime | None) -> int:
        # when the latest failure leaves the window: an upper bound, so a retry then succeeds
        return max(1, int(((last or now) + window - now).total_seconds()) + 1)

    if pair_n >= s.login_max_failures_per_account or (
        pair_n and account_n >= s.login_max_failures_per_account
    ):
        exc = TooManyRequests("Too many failed sign-ins for this account. Try again in a few minutes.")
        exc.retry_after = retry(pair_last)
        raise exc
    if ip_n >= s.login_max_failures_per_ip:
        exc = TooManyRequests("Too many failed sign-ins from this address. Try again in a few minutes.")
        exc.retry_after = retry(ip_last)
        raise exc


async def authenticate(session: AsyncSession, *, email: str, password: str, ip: str | None) -> User | None:
    """The user when email and password match an active account; None otherwise (same for every reason)."""
    email = normalise_email(email)
    await check_login_throttle(session, email=email, ip=ip)
    user = await get_user_by_email(session, email)
    if user is None:
        await dummy_verify(password)
        ok, new_hash = False, None
    else:
        ok, new_hash = await verify_password(password, user.password_hash)
    if not ok or user is None or not user.is_active:
        await audit(session, "login_failed", subject=email.lower(), ip=ip, even_if_refused=True)
        return None
    if new_hash:
        user.password_hash = new_hash
    user.last_login_at = clock.now()
    await audit(session, "login", actor_id=user.id, subject=email.lower(), ip=ip)
    return user


async def start_session(
    session: AsyncSession, user: User, *, ip: str | None, user_agent: str | None, replaces: str | None
) -> str:
    """Create a fresh session (rotation: the presented one, if any, is deleted). Returns the raw id."""
    if replaces:
        await session.execute(delete(UserSession).where(UserSession.token_hash == digest(replaces)))
    raw = new_secret()
    now = clock.now()
    session.add(
        UserSession(
            token_hash=digest(raw),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            ip=ip,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    await session.flush()
    return raw


@dataclass
class Identity:
    user: User
    session_id: uuid.UUID | None  # None when authenticated by API token
    via_token: bool = False
    scopes: tuple[str, ...] = ()  # a token's scopes; a session may do whatever its roles allow


# Built once (every signed-in request runs it): the session's three columns and its user. The
# session row is read as columns, not as an ORM object: nothing changes it through the ORM.
SESSION_LOOKUP = (
    select(UserSession.id, UserSession.last_seen_at, UserSession.created_at, User)
    .join(User, User.id == UserSession.user_id)
    .where(UserSession.token_hash == bindparam("token_hash"))
)


# The same lookup as plain columns, for a @read_only page (its session writes nothing through the
# ORM): the user is built detached from the row, without the ORM's loading path (~2,000 Python
# bytecodes per request on the question-bank list, `python -m bench opcount`).
_USER_KEYS = tuple(attr.key for attr in sa_inspect(User).column_attrs)
SESSION_LOOKUP_ROWS = (
    select(
        UserSession.id,
        UserSession.last_seen_at,
        UserSession.created_at,
        *(sa_inspect(User).column_attrs[key].columns[0] for key in _USER_KEYS),
    )
    .join(User, User.id == UserSession.user_id)
    .where(UserSession.token_hash == bindparam("token_hash"))
)


_USER_MANAGER = sa_inspect(User).class_manager
# ... sent straight to psycopg on the page's own connection (app/db.py, READ_DRIVER): compiled once
# by SQLAlchemy's psycopg dialect (never hand-written placeholders), prepared once per connection,
# its row read as a tuple (no result metadata: SQLAlchemy reads the cursor description of every
# result, ~900 Python bytecodes for these 16 columns, `python -m bench opcount`).
SESSION_LOOKUP_SQL: str = SESSION_LOOKUP_ROWS.compile(dialect=psycopg_dialect.dialect()).string  # type: ignore[no-untyped-call]


def _detached_user(values: Any) -> User:
    """A User as the ORM loads one (its columns written to the instance's dict, no change events),
    then given the state of a persistent row in no session."""
    user: User = _USER_MANAGER.new_instance()
    user.__dict__.update(zip(_USER_KEYS, values, strict=True))
    make_transient_to_detached(user)
    return user


async def resolve_session(session: AsyncSession, raw: str) -> Identity | None:
    """The signed-in user for a session cookie, by the one validity rule (app/auth/validity.py)."""
    driver = session.info.get(READ_DRIVER)
    if driver is not None:  # a @read_only page
        cursor = driver.cursor(row_factory=tuple_row)
        await cursor.execute(SESSION_LOOKUP_SQL, {"token_hash": digest(raw)}, prepare=True)
        found = await cursor.fetchone()
        if found is None:
            return None
        session_id, last_seen_at, created_at = found[0], found[1], found[2]
        user = _detached_user(found[3:])
    else:
        row = (await session.execute(SESSION_LOOKUP, {"token_hash": digest(raw)})).first()
        if row is None:
            return None
        session_id, last_seen_at, created_at, user = row
    rule = Validity.at(clock.now(), get_settings())
    # The two writes below record the visit: allowed on a @read_only page too (app/db.py, VISIT).
    if not rule.session_alive(last_seen_at=last_seen_at, created_at=created_at, user_active=user.is_active):
        await session.execute(
            delete(UserSession).where(UserSession.id == session_id).execution_options(**{VISIT: True})
        )
        return None
    if rule.session_slides(last_seen_at):
        # Sliding idle timeout without a write on every request.
        await session.execute(
            update(UserSession)
            .where(UserSession.id == session_id)
            .values(last_seen_at=rule.now)
            .execution_options(**{VISIT: True})
        )
    return Identity(user=user, session_id=session_id)


async def resolve_api_token(session: AsyncSession, raw: str) -> Identity | None:
    """The user of an API token, by the one validity rule (app/auth/validity.py); records its use."""
    row = (
        await session.execute(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == digest(raw))
        )
    ).first()
    if row is None:
        return None
    token, user = row
    rule = Validity.at(clock.now(), get_settings())
    if not rule.token_alive(
        revoked_at=token.revoked_at, expires_at=token.expires_at, user_active=user.is_active
    ):
        return None
    if rule.token_touched(token.last_used_at):
        token.last_used_at = rule.now
    return Identity(user=user, session_id=None, via_token=True, scopes=tuple(token.scopes))


async def purge_expired_sessions(session: AsyncSession) -> int:
    """Delete session rows past their idle or absolute timeout (the sweeper and `mlmock sweep`)."""
    rule = Validity.at(clock.now(), get_settings())
    result = await session.execute(
        delete(UserSession)
        .where(
            (UserSession.last_seen_at < rule.idle_cutoff) | (UserSession.created_at < rule.absolute_cutoff)
        )
        .returning(UserSession.id)
    )
    return len(result.all())


async def end_session(session: AsyncSession, raw: str, *, user: User, ip: str | None) -> None:
    await session.execute(delete(UserSession).where(UserSession.token_hash == digest(raw)))
    await audit(session, "logout", actor_id=user.id, subject=str(user.id), ip=ip)


async def kill_sessions(
    session: AsyncSession, user_id: uuid.UUID, *, except_id: uuid.UUID | None = None
) -> None:
    stmt = delete(UserSession).where(UserSession.user_id == user_id)
    if except_id is not None:
        stmt = stmt.where(UserSession.id != except_id)
    await session.execute(stmt)


async def change_password(
    session: AsyncSession,
    user: User,
    *,
    current: str,
    new: str,
    keep_session: uuid.UUID | None,
    ip: str | None,
) -> None:
    """Change the password (needs the current one); every other session of the user ends."""
    await check_password_change_throttle(session, user, ip=ip)
    ok, _ = await verify_password(current, user.password_hash)
    if not ok:
        await audit(
            session,
            "password_change_failed",
            actor_id=user.id,
            subject=str(user.id),
            ip=ip,
            even_if_refused=True,
        )
        raise Invalid("The current password is not correct.", fields={"current_password": "Not correct."})
    if problem := password_problem(new, email=user.email):
        raise Invalid(problem, fields={"new_password": problem})
    user.password_hash = await hash_password(new)
    await kill_sessions(session, user.id, except_id=keep_session)
    await audit(session, "password_changed", actor_id=user.id, subject=str(user.id), ip=ip)
    await revoke_all_api_tokens(session, user.id, actor_id=user.id, ip=ip, why="password_changed")


async def check_password_change_throttle(session: AsyncSession, user: User, *, ip: str | None) -> None:
    """429 + Retry-After once the current password was guessed wrong too often, per account or per IP,
    with the sign-in limits and window: a stolen session must not become a password oracle."""
    s = get_settings()
    window = timedelta(minutes=s.login_window_minutes)
    since = clock.now() - window
    checks = [(AuditEvent.subject == str(user.id), s.login_max_failures_per_account, "this account")]
    if ip:
        checks.append((AuditEvent.ip == ip, s.login_max_failures_per_ip, "this address"))
    for where, limit, whom in checks:
        count, oldest = (
            await session.execute(
                select(func.count(), func.min(AuditEvent.created_at)).where(
                    AuditEvent.event == "password_change_failed", AuditEvent.created_at >= since, where
                )
            )
        ).one()
        if count >= limit:
            wait = (oldest + window - clock.now()).total_seconds()
            raise TooManyRequests(
                f"Too many wrong current passwords from {whom}. Try again in a few minutes.",
                retry_after=int(wait) + 1,
            )


async def revoke_all_api_tokens(
    session: AsyncSession, user_id: uuid.UUID, *, actor_id: uuid.UUID, ip: str | None, why: str
) -> int:
    """Revoke every live token of a user (a password change or a disable must not leave a way in)."""
    result = await session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
        .returning(ApiToken.id)
    )
    count = len(result.all())
    if count:
        await audit(
            session,
            "tokens_revoked",
            actor_id=actor_id,
            subject=str(user_id),
            ip=ip,
            detail={"count": count, "because": why},
        )
    return count

"""Two-factor sign-in with TOTP (RFC 6238, pyotp) for mentors and admins, with recovery codes.

Enrolment stores a fresh secret and turns it on only once the user proves their app shows the
right code; ten recovery codes are then shown once and stored as keyed hashes. At sign-in a
correct password for an enrolled user yields a short-lived signed "pending" token (a cookie),
not a session; the session starts after a valid code, each code accepted once. Failures are
audited and throttled like passwords. Services flush, never commit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from datetime import datetime, timedelta

import pyotp
import segno
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import AuditEvent, RecoveryCode, User
from app.auth.passwords import verify_password
from app.auth.service import audit
from app.config import get_settings
from app.errors import Conflict, Forbidden, Invalid, TooManyRequests
from app.kit import clock

ISSUER = "mlmock"
RECOVERY_CODES = 10
PENDING_MINUTES = 5
STEP_SECONDS = 30


def may_enrol(user: User) -> bool:
    return user.is_mentor


def otpauth_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (no script, no style attribute: CSP-safe)."""
    return str(segno.make(uri, error="m").svg_inline(scale=4, title="QR code for your authenticator app"))


def _code_hash(code: str) -> bytes:
    key = get_settings().secret_key.encode()
    normal = code.strip().replace("-", "").replace(" ", "").lower()
    return hmac.new(key, b"recovery:" + normal.encode(), hashlib.sha256).digest()


def _new_recovery_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()  # 80 bits
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:12]}-{raw[12:16]}"


async def start_enrolment(session: AsyncSession, user: User) -> str:
    """A new secret for the user (not yet active); returns it."""
    if not may_enrol(user):
        raise Forbidden("Two-factor sign-in is for mentors and admins.")
    if user.mfa_enabled:
        raise Conflict("Two-factor sign-in is already on. Turn it off first to enrol a new device.")
    user.totp_secret = pyotp.random_base32()
    user.totp_last_step = None
    await session.flush()
    return user.totp_secret


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step a 6-digit code belongs to (±1 step of clock drift), or None."""
    code = code.strip().replace(" ", "")
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


async def confirm_enrolment(session: AsyncSession, user: User, *, code: str, ip: str | None) -> list[str]:
    """Turn TOTP on after a correct first code; returns the recovery codes (shown once)."""
    if user.totp_secret is None or user.mfa_enabled:
        raise Conflict("Start the set-up again.")
    step = _matching_step(user.totp_secret, code, clock.now())
    if step is None:
        raise Invalid("That code is not right. Check the time on your device.", fields={"code": "Not right."})
    now = clock.now()
    user.totp_enabled_at = now
    user.totp_last_step = step
    codes = await _replace_recovery_codes(session, user)
    await audit(session, "mfa_enabled", actor_id=user.id, subject=str(user.id), ip=ip)
    return codes


async def _replace_recovery_codes(session: AsyncSession, user: User) -> list[str]:
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    now = clock.now()
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_code_hash(c), created_at=now) for c in codes)
    await session.flush()
    return codes


async def disable(session: AsyncSession, user: User, *, password: str, ip: str | None) -> None:
    """Turn TOTP off (needs the password); refused for admins when the setting requires it."""
    if not user.mfa_enabled:
        raise Conflict("Two-factor sign-in is not on.")
    if get_settings().require_admin_mfa and user.is_admin:
        raise Forbidden("Admins must keep two-factor sign-in on here.")
    ok, _ = await verify_password(password, user.password_hash)
    if not ok:
        raise Invalid("The password is not correct.", fields={"password": "Not correct."})
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    await audit(session, "mfa_disabled", actor_id=user.id, subject=str(user.id), ip=ip)


async def reset_by_admin(session: AsyncSession, admin: User, target: User, *, ip: str | None) -> None:
    """For a user who lost both device and recovery codes: TOTP off; they sign in with the
    password and can enrol again. Audited with the admin as actor."""
    if not target.mfa_enabled and target.totp_secret is None:
        raise Conflict("Two-factor sign-in is not on for this user.")
    target.totp_secret = None
    target.totp_enabled_at = None
    target.totp_last_step = None
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == target.id))
    await audit(session, "mfa_reset", actor_id=admin.id, subject=str(target.id), ip=ip)


async def unused_recovery_codes(session: AsyncSession, user: User) -> int:
    stmt = select(func.count()).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    return int((await session.execute(stmt)).scalar_one())


# ---- sign-in ---------------------------------------------------------------------------------


def _pending_mac(user: User, issued: int) -> str:
    key = get_settings().secret_key.encode()
    # bound to the password hash: a password change voids pending sign-ins
    msg = f"mfa-pending:{user.id}:{issued}:{user.password_hash[-24:]}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def pending_token(user: User) -> str:
    """What the browser holds between the password and the code (a signed, 5-minute value)."""
    issued = int(clock.now().timestamp())
    return f"{user.id}.{issued}.{_pending_mac(user, issued)}"


async def pending_user(session: AsyncSession, token: str) -> User | None:
    try:
        user_id, issued_s, mac = token.split(".")
        issued, uid = int(issued_s), uuid.UUID(user_id)
    except ValueError:
        return None
    if clock.now().timestamp() - issued > PENDING_MINUTES * 60:
        return None
    user = await session.get(User, uid)
    if user is None or not user.is_active or not user.mfa_enabled:
        return None
    if not hmac.compare_digest(mac, _pending_mac(user, issued)):
        return None
    return user


async def _check_throttle(session: AsyncSession, user: User) -> None:
    s = get_settings()
    window = timedelta(minutes=s.login_window_minutes)
    count, oldest = (
        await session.execute(
            select(func.count(), func.min(AuditEvent.created_at)).where(
                AuditEvent.event == "mfa_failed",
                AuditEvent.subject == str(user.id),
                AuditEvent.created_at >= clock.now() - window,
            )
        )
    ).one()
    if count >= s.login_max_failures_per_account:
        wait = (oldest + window - clock.now()).total_seconds()
        raise TooManyRequests("Too many wrong codes. Try again in a few minutes.", retry_after=int(wait) + 1)


async def verify_second_factor(session: AsyncSession, user: User, *, code: str, ip: str | None) -> bool:
    """A current TOTP code (each accepted once) or an unused recovery code; audited either way."""
    await _check_throttle(session, user)
    assert user.totp_secret is not None
    step = _matching_step(user.totp_secret, code, clock.now())
    if step is not None and (user.totp_last_step is None or step > user.totp_last_step):
        user.totp_last_step = step
        await audit(session, "mfa_verified", actor_id=user.id, subject=str(user.id), ip=ip)
        return True
    used = (
        await session.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _code_hash(code),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=clock.now())
            .returning(RecoveryCode.id)
        )
    ).first()
    if used is not None:
        left = await unused_recovery_codes(session, user)
        await audit(
            session, "mfa_recovery_used", actor_id=user.id, subject=str(user.id), ip=ip, detail={"left": left}
        )
        return True
    await audit(session, "mfa_failed", actor_id=user.id, subject=str(user.id), ip=ip, even_if_refused=True)
    return False

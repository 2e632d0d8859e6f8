"""Users, sessions, API tokens and the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import INET, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.kit import clock

ROLES = ("candidate", "mentor", "admin")
# What a personal access token may do: read = safe methods, write = unsafe methods on the
# owner's data, admin = admin routes (only for admins). Every token can read.
TOKEN_SCOPES = ("read", "write", "admin")


class User(Base):
    __tablename__ = "app_user"
    __table_args__ = (
        sa.Index("uq_app_user_email_lower", sa.func.lower(sa.text("email")), unique=True),
        sa.CheckConstraint("time_factor >= 1 AND time_factor <= 4", name="time_factor_range"),
        sa.CheckConstraint("roles <@ ARRAY['candidate','mentor','admin']::varchar[]", name="known_roles"),
        sa.CheckConstraint("theme IN ('light','dark')", name="theme_known"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(sa.String(254))
    display_name: Mapped[str] = mapped_column(sa.String(100))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    roles: Mapped[list[str]] = mapped_column(sa.ARRAY(sa.String(16)), default=lambda: ["candidate"])
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True, server_default=sa.text("true"))
    time_factor: Mapped[Decimal] = mapped_column(
        sa.Numeric(3, 2), default=Decimal("1.00"), server_default="1.00"
    )
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    last_login_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # TOTP (mentors and admins): the base32 secret, set at enrolment and confirmed by a first code;
    # the last accepted time step (a code is good once).
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    # colour scheme chosen with the toggle while signed in; NULL: the device's choice, else the system's
    theme: Mapped[str | None] = mapped_column(sa.String(8))

    def has_role(self, role: str) -> bool:
        # admin implies mentor implies candidate (SPEC §1: "everything a … can, plus")
        rank = {"candidate": 0, "mentor": 1, "admin": 2}
        return any(rank[r] >= rank[role] for r in self.roles if r in rank)

    @property
    def mfa_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def is_mentor(self) -> bool:
        return self.has_role("mentor")


class UserSession(Base):
    __tablename__ = "user_session"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    ip: Mapped[str | None] = mapped_column(INET)
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))


class ApiToken(Base):
    __tablename__ = "api_token"
    # its only change on a @read_only page is last_used_at, the sign-in check's record of a visit (app/db.py)
    mlmock_visit: ClassVar[bool] = True
    __table_args__ = (
        sa.CheckConstraint("scopes <@ ARRAY['read','write','admin']::varchar[]", name="known_scopes"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    prefix: Mapped[str] = mapped_column(sa.String(12))
    token_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    scopes: Mapped[list[str]] = mapped_column(sa.ARRAY(sa.String(8)), default=lambda: ["read"])
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= clock.now()


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index("ix_audit_event_event_ip_created_at", "event", "ip", "created_at"),
        sa.Index("ix_audit_event_event_subject_created_at", "event", "subject", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    event: Mapped[str] = mapped_column(sa.String(40))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("app_user.id", ondelete="SET NULL"))
    # the account the event is about (an email for login events, a user id otherwise)
    subject: Mapped[str | None] = mapped_column(sa.String(254))
    ip: Mapped[str | None] = mapped_column(INET)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=sa.text("'{}'::jsonb"))
    note: Mapped[str | None] = mapped_column(sa.Text)


class RecoveryCode(Base):
    """One-time MFA recovery codes, shown once at enrolment; only a keyed hash is stored."""

    __tablename__ = "recovery_code"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

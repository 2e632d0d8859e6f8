"""The run's hooks: the test settings (before anything imports the app), the run's one embedded
Postgres under xdist, the `e2e` marker. The fixtures are in tests/fixtures.py, loaded as a plugin by
every process that runs tests, but not by an xdist controller: it only hands tests to its workers,
so it never imports the app (about two seconds of CPU, before any worker was started)."""

from __future__ import annotations

import os

# Settings for the whole run, before the app is imported: cheap argon2, test env.
os.environ.setdefault("MLMOCK_ENV", "test")
os.environ["MLMOCK_ARGON2_MEMORY_KIB"] = "1024"
os.environ["MLMOCK_ARGON2_TIME_COST"] = "1"
# The saves' admission by event-loop lateness (app/kit/admission.py) is off: in a test the client
# and the app share one loop on a loaded machine, so its lateness is the test's own, and a burst of
# concurrent saves (tests/interviews/test_races.py) could be refused. test_overload.py turns it on.
os.environ["MLMOCK_AUTOSAVE_LAG_TARGET_MS"] = "0"
os.environ.pop("MLMOCK_DATABASE_URL", None)
os.environ.pop("DATABASE_URL", None)

import shutil
import tempfile
from pathlib import Path

import hypothesis
import pytest

pytest_plugins = ["anyio"]
# its asserts read like a test's, also when a domain's conftest imports it first (tests/live.py)
pytest.register_assert_rewrite("tests.fixtures")

# No per-example deadline: it is a timing threshold, which a loaded 2-core machine misses
# (docs/DEVELOPING.md: measure time in bench/, never in a test)
hypothesis.settings.register_profile("mlmock", deadline=None)
hypothesis.settings.load_profile("mlmock")

# The URL of the run's own embedded server when the xdist controller started it for its workers.
RUN_SERVER = "MLMOCK_TEST_RUN_SERVER_URL"


class OwnServer:
    """An embedded Postgres for this run only, in a fresh folder that goes with it: stopping it
    discards every database on it (no DROP DATABASE, each of which forces a checkpoint)."""

    def __init__(self) -> None:
        from app.embedded import EmbeddedPostgres  # (app.embedded imports nothing of the app)

        self.folder = Path(tempfile.mkdtemp(prefix="mlmock-pg-"))
        self.server = EmbeddedPostgres(self.folder)

    def start(self) -> str:
        return self.server.start()

    def stop(self) -> None:
        try:
            self.server.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


_run_server_key = pytest.StashKey[OwnServer]()


def _hands_out_tests(config: pytest.Config) -> bool:
    """This process is an xdist controller: its workers run the tests, it runs none (the test
    pytest-xdist makes before it starts its distributed session)."""
    return (
        not hasattr(config, "workerinput")
        and not config.getoption("collectonly")
        and config.getoption("dist", "no") != "no"
        and bool(config.getoption("tx", None))
    )


def pytest_configure(config: pytest.Config) -> None:
    """Load the fixtures where tests run. Under xdist without TEST_DATABASE_URL, the controller
    starts ONE embedded server for all its workers (they are spawned later, at session start, and
    inherit the URL from the environment): one server start and one migrated template per run
    instead of one per worker."""
    if not _hands_out_tests(config):
        config.pluginmanager.import_plugin("tests.fixtures")
        return
    if os.environ.get("TEST_DATABASE_URL") or os.environ.get(RUN_SERVER):
        return
    server = OwnServer()
    os.environ[RUN_SERVER] = server.start()
    config.stash[_run_server_key] = server


def pytest_unconfigure(config: pytest.Config) -> None:
    if server := config.stash.get(_run_server_key, None):  # after the workers have finished
        del config.stash[_run_server_key]
        os.environ.pop(RUN_SERVER, None)
        server.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/e2e/ is marked `e2e` (so `make test-fast` leaves it out), and runs
    last: sync Playwright keeps an event loop running in the main thread."""
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
    items.sort(key=lambda item: "/e2e/" in str(item.fspath))

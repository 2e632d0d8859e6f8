"""Two real app processes (`mlmock serve` subprocesses) on one database: a session works on both,
the sweeper runs in one process at a time and finalises each abandoned attempt once, and
concurrent claims through both processes give each review place to one mentor.

Nothing here depends on timing: every wait polls for an outcome under a generous bound.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.config import ROOT
from app.interviews.repository import SWEEP_LOCK_KEY
from app.seeding import seed_database
from tests.factories import PASSWORD
from tests.live import LiveDb, free_port

pytestmark = pytest.mark.slow
FORMAT = "written-explanations"


def _libpq(url: str) -> str:
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


def wait_for(check: Callable[[], Any], what: str, bound: float = 90) -> Any:
    """Poll until check() is truthy (the bound only ends a hung test; it asserts no speed)."""
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


@contextmanager
def server(url: str, log: Path) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(
        DATABASE_URL=url,
        MLMOCK_ENV="test",
        MLMOCK_PORT=str(port),
        MLMOCK_COOKIE_SECURE="false",
        MLMOCK_SWEEP_INTERVAL_SECONDS="0.2",
        MLMOCK_DB_POOL_SIZE="4",
        MLMOCK_DB_MAX_OVERFLOW="2",
        MLMOCK_AUTOSAVE_POOL_SIZE="4",
    )
    out = log.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "serve"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        assert proc.poll() is None, log.read_text()
        try:
            return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(ready, f"{base}/readyz")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        out.close()


class Browser(httpx.Client):
    """A user agent with one cookie jar for both servers (cookies ignore the port, like a browser
    behind one load balancer), keeping the page's CSRF token."""

    csrf = ""

    def remember_csrf(self, response: httpx.Response) -> httpx.Response:
        if m := re.search(r'<meta name="csrf-token" content="([^"]*)"', response.text[:4000]):
            self.csrf = m.group(1)
        return response

    def page(self, url: str) -> httpx.Response:
        return self.remember_csrf(self.get(url))

    def send_form(self, url: str, **kw: Any) -> httpx.Response:
        return self.post(url, headers={"X-CSRFToken": self.csrf}, **kw)

    def login(self, base: str, email: str) -> None:
        self.page(f"{base}/login")
        r = self.send_form(f"{base}/login", data={"email": email, "password": PASSWORD, "next": "/"})
        assert r.status_code == 303, r.text
        self.page(f"{base}/account")


def save_body(base: int, revision: int, text: str) -> dict[str, Any]:
    """A save in both autosave protocols: revision-numbered and compare-and-swap (base_revision, save_id)."""
    return {
        "revision": revision,
        "base_revision": base,
        "save_id": f"mp-{revision}-{len(text)}",
        "text": text,
    }


def metric(base: str, name: str, **labels: str) -> float:
    text = httpx.get(f"{base}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return float(s.value)
    return 0.0


@pytest.fixture(scope="module")
def cluster(make_database, tmp_path_factory) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    url = make_database("mlmock_mp")
    live = LiveDb(url)

    async def setup() -> dict[str, Any]:
        await seed_database(url)
        candidates = [(await live.users.create())[0].email for _ in range(5)]
        mentors = [(await live.users.create(roles=["candidate", "mentor"]))[0].email for _ in range(4)]
        await live.close()
        return {"candidates": candidates, "mentors": mentors}

    people = asyncio.run(setup())
    logs = tmp_path_factory.mktemp("mp-logs")
    with ExitStack() as stack:
        a = stack.enter_context(server(url, logs / "a.log"))
        b = stack.enter_context(server(url, logs / "b.log"))
        yield {"url": url, "a": a, "b": b, **people}


def start_attempt(c: Browser, base: str) -> dict[str, Any]:
    formats = c.get(f"{base}/api/v1/formats").json()
    fmt = next(f for f in formats if f["slug"] == FORMAT)
    r = c.post(f"{base}/api/v1/formats/{fmt['id']}/attempts", headers={"X-CSRFToken": c.csrf})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_a_session_works_on_both_processes(cluster: dict[str, Any]) -> None:
    a, b = cluster["a"], cluster["b"]
    with Browser(timeout=30) as c:
        c.login(a, cluster["candidates"][0])
        account = c.page(f"{b}/account")  # signed in on A, served by B
        assert account.status_code == 200 and cluster["candidates"][0] in account.text
        attempt = start_attempt(c, b)
        item = attempt["items"][0]
        path = f"/api/v1/attempts/{attempt['id']}/items/{item['id']}/answer"
        r = c.post(a + path, json=save_body(0, 1, "saved through A"), headers={"X-CSRFToken": c.csrf})
        assert r.status_code == 200, r.text
        got = c.get(f"{b}/api/v1/attempts/{attempt['id']}").json()
        assert got["items"][0]["answer"] == {"text": "saved through A"}
        # signing out on B ends the session on A too (it lives in Postgres, not in a process)
        c.page(f"{b}/account")
        assert c.send_form(f"{b}/logout").status_code in (200, 303)
        assert c.get(f"{a}/api/v1/attempts").status_code == 401


def test_the_sweeper_runs_in_one_process_at_a_time_and_finalises_once(cluster: dict[str, Any]) -> None:
    a, b, url = cluster["a"], cluster["b"], cluster["url"]
    ids = []
    for n, email in enumerate(cluster["candidates"][1:4]):
        with Browser(timeout=30) as c:
            base = (a, b)[n % 2]
            c.login(base, email)
            ids.append(start_attempt(c, base)["id"])
    finalised_before = metric(a, "mlmock_sweeper_finalised_total") + metric(
        b, "mlmock_sweeper_finalised_total"
    )

    def states() -> set[str]:
        with psycopg.connect(_libpq(url)) as conn:
            rows = conn.execute("SELECT state FROM attempt WHERE id = ANY(%s::uuid[])", (ids,)).fetchall()
        return {r[0] for r in rows}

    # Someone else holds the sweep lock (as another app process would, mid-sweep): neither
    # process sweeps, although the attempts are abandoned long past their deadline.
    with psycopg.connect(_libpq(url)) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (SWEEP_LOCK_KEY,))
        with psycopg.connect(_libpq(url), autocommit=True) as conn:
            conn.execute(
                "UPDATE attempt SET started_at = now() - interval '2 days', deadline_at = now() - interval '1 day'"
                " WHERE id = ANY(%s::uuid[])",
                (ids,),
            )
        skipped = {base: metric(base, "mlmock_sweeper_runs_total", result="skipped") for base in (a, b)}
        for base in (a, b):
            wait_for(
                lambda base=base: (
                    metric(base, "mlmock_sweeper_runs_total", result="skipped") >= skipped[base] + 3
                ),
                f"{base} skipping sweeps while the lock is held",
            )
        assert states() == {"in_progress"}
        holder.rollback()  # the lock is released with the transaction

    wait_for(lambda: "in_progress" not in states(), "the sweep after the lock was released")

    def finalised() -> float:
        total = metric(a, "mlmock_sweeper_finalised_total") + metric(b, "mlmock_sweeper_finalised_total")
        return total - finalised_before

    wait_for(lambda: finalised() >= len(ids), "the finalisation counters")
    # more sweeps in both processes find nothing left to do: each attempt was finalised once
    runs = {base: metric(base, "mlmock_sweeper_runs_total", result="swept") for base in (a, b)}
    for base in (a, b):
        wait_for(
            lambda base=base: metric(base, "mlmock_sweeper_runs_total", result="swept") >= runs[base] + 3,
            f"{base} sweeping again",
        )
    assert finalised() == len(ids)
    with psycopg.connect(_libpq(url)) as conn:
        rows = conn.execute(
            "SELECT finished_at = deadline_at FROM attempt WHERE id = ANY(%s::uuid[])", (ids,)
        ).fetchall()
    assert rows and all(r[0] for r in rows)


def test_concurrent_claims_through_both_processes_give_each_place_once(cluster: dict[str, Any]) -> None:
    a, b, url = cluster["a"], cluster["b"], cluster["url"]
    with Browser(timeout=30) as c:
        c.login(b, cluster["candidates"][4])
        attempt = start_attempt(c, a)
        for item in attempt["items"]:
            path = f"{a}/api/v1/attempts/{attempt['id']}/items/{item['id']}/answer"
            r = c.post(path, json=save_body(0, 1, "an explanation"), headers={"X-CSRFToken": c.csrf})
            assert r.status_code == 200, r.text
        r = c.post(f"{b}/api/v1/attempts/{attempt['id']}/submit", headers={"X-CSRFToken": c.csrf})
        assert r.status_code == 200, r.text

    mentors = []
    for n, email in enumerate(cluster["mentors"]):
        m = Browser(timeout=60)
        m.login((a, b)[n % 2], email)
        mentors.append((m, (a, b)[n % 2]))
    try:

        def claim(pair: tuple[Browser, str]) -> httpx.Response:
            m, base = pair
            return m.post(f"{base}/api/v1/reviews/claims", json={}, headers={"X-CSRFToken": m.csrf})

        with ThreadPoolExecutor(len(mentors)) as pool:
            responses = list(pool.map(claim, mentors))
    finally:
        for m, _ in mentors:
            m.close()
    assert all(r.status_code in (201, 204) for r in responses), [r.text for r in responses]
    claimed = [r.json()["attempt_id"] for r in responses if r.status_code == 201]
    with psycopg.connect(_libpq(url)) as conn:
        rows = conn.execute(
            "SELECT r.attempt_id::text, count(*), min(f.reviewers_required) FROM review r"
            " JOIN attempt t ON t.id = r.attempt_id JOIN interview_format f ON f.id = t.format_id"
            " WHERE r.status = 'claimed' GROUP BY r.attempt_id"
        ).fetchall()
    per_attempt = {r[0]: (r[1], r[2]) for r in rows}
    assert attempt["id"] in per_attempt  # the submitted attempt was claimed …
    assert all(count <= required for count, required in per_attempt.values())  # … never past its places
    assert sorted(claimed) == sorted(aid for aid, (count, _) in per_attempt.items() for _ in range(count))

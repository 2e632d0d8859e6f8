"""Load-independent cost of one question-list request: Python bytecodes executed (and, with
`--profile`, a cProfile of the same requests) for the app and its Starlette baseline, in one process.

    python -m bench.opcount [--count 10000] [--requests 30] [--profile N] [--candidate]

Each server is called as a plain ASGI application (no socket, no client code counted): the
lifespan runs, a user signs in through the login form, a few warm-up requests fill the caches,
then every bytecode the thread executes during `--requests` requests is counted (sys.settrace
with opcode events: the event loop's work for the request is counted too, the C code is not).
Before that, the CPU time of this process per request, untraced, in blocks of 10 requests per
server in turn (on a loaded machine a change of load falls on both alike; still noisy there).
The same URLs and headers as `python -m bench questions` (the htmx fragment of page k, 50 rows).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import re
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack, ExitStack
from typing import Any

from bench import BENCH_LIMITS
from bench.questions import PASSWORD, fresh_database, seed

Counter = list[int]


def _tracer(counter: Counter, where: dict[Any, int] | None = None) -> Callable[..., Any]:
    def trace(frame: Any, event: str, arg: Any) -> Any:
        if event == "call":
            frame.f_trace_opcodes = True
        elif event == "opcode":
            counter[0] += 1
            if where is not None:
                code = frame.f_code
                key = (code.co_filename, code.co_firstlineno, code.co_name)
                where[key] = where.get(key, 0) + 1
        return trace

    return trace


async def _call(
    app: Any, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *((k.lower().encode(), v.encode()) for k, v in headers.items())],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    out: dict[str, Any] = {"body": b""}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out["status"], out["headers"] = message["status"], message.get("headers", [])
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return out["status"], out["body"], out["headers"]


async def _sign_in(app: Any, email: str) -> str:
    status, body, headers = await _call(app, "GET", "/login", {})
    cookies = dict(v.decode().split(";", 1)[0].split("=", 1) for k, v in headers if k == b"set-cookie")
    token = re.search(rb'name="csrf-token" content="([^"]*)"', body)
    assert token, "no CSRF token on /login"
    from urllib.parse import urlencode

    form = urlencode(
        {"email": email, "password": PASSWORD, "next": "/", "csrf_token": token.group(1).decode()}
    )
    status, body, headers = await _call(
        app,
        "POST",
        "/login",
        {
            "content-type": "application/x-www-form-urlencoded",
            "cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "content-length": str(len(form)),
        },
        form.encode(),
    )
    assert status == 303, body[:300]
    for k, v in headers:
        if k == b"set-cookie":
            name, value = v.decode().split(";", 1)[0].split("=", 1)
            cookies[name] = value
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _one(app: Any, path: str, headers: dict[str, str], per_page: int) -> Callable[[int], Awaitable[None]]:
    async def one(i: int) -> None:
        url = f"{path}?page={1 + i % 20}&per_page={per_page}"
        status, body, _ = await _call(app, "GET", url, headers)
        assert status == 200 and (body.count(b"<tr>") == per_page + 1 or b"<li><a" in body), (
            status,
            body[:500],
        )

    return one


async def traced(
    one: Callable[[int], Awaitable[None]],
    n: int,
    profile: cProfile.Profile | None,
    where: dict[Any, int] | None = None,
) -> float:
    """Bytecodes per request (and the profile of as many requests)."""
    counter = [0]
    if profile is not None:
        profile.enable()
        for i in range(n):
            await one(i)
        profile.disable()
    sys.settrace(_tracer(counter, where))
    try:
        for i in range(n):
            await one(i)
    finally:
        sys.settrace(None)
    return counter[0] / n


async def run(url: str, email: str, args: argparse.Namespace) -> None:
    os.environ.update({"DATABASE_URL": url, "BENCH_DATABASE_URL": url})
    from app.main import create_app
    from bench import questions_baseline

    app = create_app(database_url=url, background=False)
    base = questions_baseline.app
    results: dict[str, float] = {}
    cpu: dict[str, float] = {}
    profiles: dict[str, cProfile.Profile] = {}
    wheres: dict[str, dict[Any, int]] = {}
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(base.router.lifespan_context(base))
        await stack.enter_async_context(app.router.lifespan_context(app))
        cookie = await _sign_in(app, email)
        fragment = {"Cookie": cookie, "HX-Request": "true"}
        ones = {
            "baseline": _one(base, "/questions", {}, 50),
            "app: admin fragment": _one(app, "/admin/questions", fragment, 50),
        }
        if args.candidate:
            ones["app: candidate fragment"] = _one(app, "/questions", fragment, 50)
        for one in ones.values():
            for i in range(10):
                await one(i)
        # this process's CPU time per request, untraced, in blocks of 10 requests per server in turn:
        # a change of the machine's load falls on each alike
        cpu = dict.fromkeys(ones, 0.0)
        for block in range(args.blocks):
            for name, one in ones.items():
                started = time.process_time()
                for i in range(10):
                    await one(10 * block + i)
                cpu[name] += time.process_time() - started
        for name, one in ones.items():
            prof = cProfile.Profile(time.process_time) if args.profile else None
            where: dict[Any, int] | None = {} if args.where else None
            results[name] = await traced(one, args.requests, prof, where)
            if prof:
                profiles[name] = prof
            if where:
                wheres[name] = where
    for name, bytecodes in results.items():
        ms = 1000 * cpu[name] / (10 * args.blocks)
        print(
            f"{name:28s} {bytecodes:10,.0f} bytecodes/request ({bytecodes / results['baseline']:.2f}× baseline)"
            f"   CPU {ms:.2f} ms/request ({cpu[name] / cpu['baseline']:.2f}×)"
        )
    for name, where in wheres.items():
        print(f"\n===== {name}: bytecodes per request by package, then by function =====")
        packages: dict[str, int] = {}
        for (filename, _, _), count in where.items():
            package = _package(filename)
            packages[package] = packages.get(package, 0) + count
        for package, count in sorted(packages.items(), key=lambda kv: -kv[1])[:70]:
            print(f"{count / args.requests:10,.0f}  {package}")
        print()
        for (filename, line, fn), count in sorted(where.items(), key=lambda kv: -kv[1])[: args.where]:
            print(f"{count / args.requests:10,.0f}  {_package(filename)}:{line} {fn}")
    for name, prof in profiles.items():
        print(f"\n===== {name} =====")
        stats = pstats.Stats(prof).sort_stats(args.sort)
        stats.print_stats(args.profile)
        if args.callers:
            stats.print_callers(args.callers)


def _package(filename: str) -> str:
    if "site-packages/" in filename:
        parts = filename.split("site-packages/", 1)[1].split("/")
        return "/".join(parts[:2]) if len(parts) > 2 else parts[0]
    if "/lib/python3" in filename:
        return "stdlib/" + filename.rsplit("/", 1)[1]
    for marker in ("/app/", "/bench/", "/templates/"):
        if marker in filename:
            return marker.strip("/") + "/" + filename.split(marker, 1)[1]
    return filename


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.opcount", description=__doc__)
    ap.add_argument("--count", type=int, default=10_000)
    ap.add_argument("--requests", type=int, default=30, help="requests traced (bytecodes) per server")
    ap.add_argument("--blocks", type=int, default=20, help="blocks of 10 untraced requests (CPU) per server")
    ap.add_argument("--profile", type=int, default=0, help="print the top N functions of a cProfile")
    ap.add_argument("--sort", default="tottime")
    ap.add_argument("--callers", help="with --profile: print who calls the functions matching this regex")
    ap.add_argument("--where", type=int, default=0, help="bytecodes by package and the top N functions")
    ap.add_argument("--candidate", action="store_true", help="also the candidate's /questions")
    args = ap.parse_args(argv)
    # the same settings as `python -m bench questions` gives its servers, before anything reads them
    env = {**BENCH_LIMITS, "MLMOCK_ENV": "development", "MLMOCK_COOKIE_SECURE": "false"}
    os.environ.update({k: v for k, v in env.items() if k not in os.environ} | {"MLMOCK_LOG_LEVEL": "WARNING"})
    with ExitStack() as stack:
        url = stack.enter_context(fresh_database())
        from app.migrate import upgrade

        upgrade(url)
        email = asyncio.run(seed(url, args.count))
        asyncio.run(run(url, email, args))


if __name__ == "__main__":
    main(sys.argv[1:])

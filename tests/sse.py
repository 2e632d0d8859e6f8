"""Read a server-sent-event stream through the ASGI app as it is written (httpx's ASGITransport
returns a response only once the app has finished, which a stream never does)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx


@dataclass
class SseEvent:
    id: int | None
    event: str
    data: dict[str, Any]

    @property
    def payload(self) -> dict[str, Any]:
        return dict(self.data.get("payload") or {})


@dataclass
class SseStream:
    status: int
    headers: dict[str, str]
    _chunks: asyncio.Queue[bytes | None]
    _buffer: str = ""
    comments: int = 0  # heartbeats seen
    ended: bool = False
    seen: list[SseEvent] = field(default_factory=list)

    async def _block(self, wait: float) -> str | None:
        """The next raw block (up to a blank line); None once the server ended the stream."""
        while True:
            block, sep, rest = self._buffer.partition("\n\n")
            if sep:
                self._buffer = rest
                return block
            if self.ended:
                return None
            chunk = await asyncio.wait_for(self._chunks.get(), wait)
            if chunk is None:
                self.ended = True
            else:
                self._buffer += chunk.decode()

    async def next(self, wait: float = 30.0) -> SseEvent | None:
        """The next event (None when the server ended the stream). `wait` only guards a test
        from hanging: it is not a latency assertion."""
        while (block := await self._block(wait)) is not None:
            ev = self._parse(block)
            if ev is not None:
                self.seen.append(ev)
                return ev
        return None

    async def until(self, kind: str, wait: float = 30.0) -> SseEvent:
        """Events up to and including the next one of `kind` (fails if the stream ends first)."""
        while True:
            ev = await self.next(wait)
            assert ev is not None, f"the stream ended before a {kind} event"
            if ev.event == kind:
                return ev

    async def pings(self, count: int, wait: float = 30.0) -> None:
        """Read until `count` more heartbeats have arrived (events meanwhile are kept in `seen`)."""
        goal = self.comments + count
        while self.comments < goal:
            block = await self._block(wait)
            assert block is not None, "the stream ended"
            ev = self._parse(block)
            if ev is not None:
                self.seen.append(ev)

    def _parse(self, block: str) -> SseEvent | None:
        ev_id, kind, data = None, "message", []
        for line in block.splitlines():
            if line.startswith(":"):
                self.comments += 1
            elif line.startswith("id:"):
                ev_id = int(line[3:].strip())
            elif line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        if not data:
            return None
        return SseEvent(ev_id, kind, json.loads("\n".join(data)))


@contextlib.asynccontextmanager
async def sse(
    app: Any, client: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None
) -> AsyncIterator[SseStream]:
    """GET `url` from `app` with `client`'s cookies; the stream is read as the app writes it and
    the client disconnects when the block ends."""
    parts = urlsplit(url)
    cookie = "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)
    raw = [(b"host", b"testserver"), (b"accept", b"text/event-stream")]
    if cookie:
        raw.append((b"cookie", cookie.encode()))
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": parts.path,
        "raw_path": parts.path.encode(),
        "query_string": parts.query.encode(),
        "root_path": "",
        "headers": raw,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 443),
        "state": {},
    }
    chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
    started: asyncio.Future[tuple[int, dict[str, str]]] = asyncio.get_running_loop().create_future()
    gone = asyncio.Event()
    asked = False

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            hdrs = {k.decode().lower(): v.decode() for k, v in message.get("headers", [])}
            started.set_result((message["status"], hdrs))
        elif message["type"] == "http.response.body":
            if message.get("body"):
                await chunks.put(message["body"])
            if not message.get("more_body", False):
                await chunks.put(None)

    task = asyncio.create_task(app(scope, receive, send))
    try:
        status, hdrs = await asyncio.wait_for(asyncio.shield(started), 30)
        yield SseStream(status, hdrs, chunks)
    finally:
        gone.set()
        try:
            await asyncio.wait_for(task, 10)
        except (TimeoutError, asyncio.CancelledError):
            task.cancel()
            with contextlib.suppress(BaseException):
                await task

"""One client process of the live benchmark (bench/live.py starts several): for each of its
sessions a candidate saving every `interval` seconds on one keep-alive connection and a mentor's
event stream, both on raw asyncio sockets (no HTTP library: a few µs of parsing per message).

A session's saver and its mentor's stream live in the same process, so a save's latency is one
clock's difference: `perf_counter()` just before the save request is written, and when the bytes
carrying that save's unique token arrive on the mentor's stream. The token (`<run>x<session>x<n>`)
is the save id and is inside the answer text, so it is found in whatever the event carries.

Protocol with the parent (stdin/stdout, one JSON document each way): read the spec, open the
streams, print `ready`, wait for `go` on stdin, run, print the result as one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import resource
import sys
import time
from typing import Any

from bench.autosave import _reason
from bench.loadgen import _read_response

TOKEN = re.compile(rb"(T\d+x\d+x\d+)Z")


class Chunked:
    """Incremental decoder of a chunked HTTP/1.1 body (what uvicorn sends for a stream)."""

    def __init__(self) -> None:
        self.buf = b""
        self.need = -1  # bytes left in the current chunk (+2 for its CRLF); -1: reading a size line

    def feed(self, data: bytes) -> bytes:
        self.buf += data
        out = []
        while True:
            if self.need < 0:
                line, sep, rest = self.buf.partition(b"\r\n")
                if not sep:
                    break
                self.need = int(line.split(b";")[0], 16) + 2
                self.buf = rest
            if len(self.buf) < self.need:
                out.append(self.buf)
                self.need -= len(self.buf)
                self.buf = b""
                break
            out.append(self.buf[: self.need])
            self.buf = self.buf[self.need :]
            self.need = -1
        # chunk trailers (the CRLF after each chunk) are harmless to the token search
        return b"".join(out)


async def open_stream(
    port: int, path: str, headers: dict[str, str], opening: asyncio.Semaphore
) -> tuple[Any, Any, bool, bytes]:
    """Open one event stream. A few at a time (mentors do not all open their page in the same
    millisecond), and like a browser's EventSource it tries again after a refusal (503)."""
    head = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    for attempt in range(10):
        async with opening:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(head.encode())
            response = await reader.readuntil(b"\r\n\r\n")
        status = int(response.split(b" ", 2)[1])
        if status == 200:
            return reader, writer, b"chunked" in response.lower(), response
        writer.close()
        if status != 503:
            break
        await asyncio.sleep(0.5 * (attempt + 1))
    raise RuntimeError(f"stream {path}: HTTP {status}")


async def follow(reader: asyncio.StreamReader, chunked: bool, arrived: dict[bytes, float]) -> None:
    decoder = Chunked() if chunked else None
    tail = b""
    while True:
        data = await reader.read(65536)
        if not data:
            return
        now = time.perf_counter()
        text = tail + (decoder.feed(data) if decoder else data)
        for token in TOKEN.findall(text):
            arrived.setdefault(token, now)
        tail = text[-48:]  # a token cut between two reads is found in the next round


async def saver(
    port: int,
    session: dict[str, Any],
    index: int,
    spec: dict[str, Any],
    go: float,
    sent: dict[bytes, tuple[float, bool]],
    saves: list[tuple[float, int, bool, bytes]],
    refusals: dict[str, int],
) -> None:
    interval, warmup, seconds = spec["interval"], spec["warmup"], spec["seconds"]
    phase = random.Random(index).uniform(0, interval)
    base = int(session["base"])
    conn = await asyncio.open_connection("127.0.0.1", port)
    k = 0
    try:
        while True:
            scheduled = go + phase + k * interval
            if scheduled > go + warmup + seconds:
                return
            await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
            token = f"T{spec['run']}x{index}x{k}Z".encode()
            body = json.dumps(
                {
                    "base_revision": base,
                    "save_id": token.decode(),
                    "text": f"live answer {token.decode()} " + "x" * (k % 40),
                }
            ).encode()
            head = (
                f"POST {session['save_path']} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                f"Content-Length: {len(body)}\r\n"
                + "".join(f"{h}: {v}\r\n" for h, v in session["save_headers"].items())
                + "\r\n"
            )
            measured = scheduled >= go + warmup
            started = time.perf_counter()
            sent[token[:-1]] = (started, measured)
            try:
                conn[1].write(head.encode() + body)
                status, reply = await _read_response(conn[0])
            except (asyncio.IncompleteReadError, ConnectionError):
                conn[1].close()  # an idle keep-alive closed by the server: resend on a new one
                conn = await asyncio.open_connection("127.0.0.1", port)
                sent[token[:-1]] = (started := time.perf_counter(), measured)
                conn[1].write(head.encode() + body)
                status, reply = await _read_response(conn[0])
            if status not in (200, 409):  # why it was refused ("503 busy", "503 unavailable", …)
                status_reason = f"{status} {_reason(reply)}"
                refusals[status_reason] = refusals.get(status_reason, 0) + 1
            saves.append(((time.perf_counter() - started) * 1000, status, measured, token[:-1]))
            if status in (200, 409):
                base = int(json.loads(reply).get("revision") or base)
            k += 1
    finally:
        conn[1].close()


async def run(spec: dict[str, Any]) -> dict[str, Any]:
    sessions = spec["sessions"]
    arrived: dict[bytes, float] = {}
    opening = asyncio.Semaphore(8)
    streams = await asyncio.gather(
        *(open_stream(spec["stream_port"], s["stream_path"], s["stream_headers"], opening) for s in sessions)
    )
    followers = [asyncio.create_task(follow(r, chunked, arrived)) for r, _, chunked, _ in streams]
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # "go"
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    sent: dict[bytes, tuple[float, bool]] = {}
    saves: list[tuple[float, int, bool, bytes]] = []
    refusals: dict[str, int] = {}
    await asyncio.gather(
        *(saver(spec["save_port"], s, s["index"], spec, t0 + 0.05, sent, saves, refusals) for s in sessions)
    )
    # the last events are still on their way: wait until each stored save arrived, or `drain` s
    stored = [token for _, status, measured, token in saves if measured and status == 200]
    for _ in range(int(spec["drain"] / 0.05)):
        if all(t in arrived for t in stored):
            break
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    for task in followers:
        task.cancel()
    for _, writer, _, _ in streams:
        writer.close()
    statuses: dict[str, int] = {}
    for _, status, measured, _ in saves:
        if measured:
            statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "delivery_ms": [round((arrived[t] - sent[t][0]) * 1000, 3) for t in stored if t in arrived],
        "save_ms": [round(ms, 3) for ms, _, measured, _ in saves if measured],
        "statuses": statuses,
        "refusals": refusals,
        "stored": len(stored),
        "saves_total": len(saves),
        "lost": sum(1 for t in stored if t not in arrived),
        "cpu_seconds": round(cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime, 3),
        "wall_seconds": round(elapsed, 3),
    }


def main() -> None:
    spec = json.loads(sys.stdin.readline())
    result = asyncio.run(run(spec))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()

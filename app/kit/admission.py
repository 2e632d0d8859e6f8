"""Admission by measured queueing delay: how many saves a process takes on at once follows how
late its event loop runs (issue 17 goal 3).

A fixed bound on the saves in flight protects the database, not the process: when the CPU is the
bottleneck, the event loop itself falls behind, and requests wait in the socket and the loop's
ready queue (reading, parsing, the middlewares) before any bound sees them. With 20 saves admitted
at once and ~400 finished per second, each admitted save already waits ~50 ms (Little's law), and
the time it waited before admission comes on top.

`LoopLag` asks the loop to wake it every `tick` seconds and measures how late each wake-up is: how
long anything that becomes ready now (a request just read, a database reply) waits for its turn.
`AdaptiveLimit` turns those samples into the number of saves admitted at once, as TCP does with
its congestion window (additive increase, multiplicative decrease): each late sample (over
`target`) cuts the limit by a factor, each sample on time adds one back, between `floor` and the
fixed `ceiling`. One late sample (a garbage collection, a neighbour on the CPU) costs little; a
loop that stays late shrinks the limit within a few ticks, the surplus is refused at once (503 +
Retry-After) and costs almost nothing, so the loop catches up and the saves it admitted keep their
latency. The probe only runs while saves arrive (it stops after `idle` seconds without one, and
starts again, at the ceiling, with the next).

Why not a library: none of the packages for asyncio limits (aiolimiter, async-limiter, …) measures
queueing delay; they bound a rate or a count, which is what the fixed bound already does. The rule
is the two small classes below, the state one float.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Protocol


class AdaptiveLimit:
    """Saves admitted at once: shrinks while the loop runs late, grows back while it is on time."""

    def __init__(
        self,
        ceiling: int,
        *,
        floor: int = 2,
        target: float = 0.010,
        decrease: float = 0.75,
        increase: float = 1.0,
    ) -> None:
        self.ceiling = ceiling
        self.floor = min(floor, ceiling)
        self.target = target
        self.decrease = decrease
        self.increase = increase
        self.value = float(ceiling)

    def sample(self, lag: float) -> None:
        """One measured delay (seconds): over `target`, the limit shrinks; else it grows by `increase`."""
        if lag > self.target:
            self.value = max(float(self.floor), self.value * self.decrease)
        else:
            self.value = min(float(self.ceiling), self.value + self.increase)

    def reset(self) -> None:
        self.value = float(self.ceiling)

    @property
    def limit(self) -> int:
        return int(self.value)


class Loop(Protocol):
    """What LoopLag needs of an event loop (asyncio's; a fake one in tests)."""

    def time(self) -> float: ...

    def call_at(self, when: float, callback: Callable[[], object], /) -> object: ...


class LoopLag:
    """Feeds `limit` how late the loop wakes a callback due every `tick` seconds, while saves arrive."""

    def __init__(self, limit: AdaptiveLimit, *, tick: float = 0.005, idle: float = 2.0) -> None:
        self.limit = limit
        self.tick = tick
        self.idle = idle
        self.loop: Loop | None = None  # the loop the probe runs on; None while stopped
        self.run = 0  # which start of the probe this is: a wake-up asked for by an earlier one is stale
        self.due = 0.0
        self.last_seen = 0.0
        self.last_lag = 0.0

    def seen(self, loop: Loop | None = None) -> None:
        """A save arrived: keep the probe running (start it, at the ceiling, if it stopped or the
        loop is a new one)."""
        current: Loop = asyncio.get_running_loop() if loop is None else loop
        self.last_seen = current.time()
        if self.loop is not current:
            self.loop = current
            self.run += 1  # (back on a loop it left: that loop's pending wake-up must not run on)
            self.limit.reset()
            self._schedule(self.last_seen)

    def _schedule(self, now: float) -> None:
        loop, run = self.loop, self.run
        assert loop is not None
        self.due = now + self.tick
        loop.call_at(self.due, lambda: self._wake(loop, run))

    def _wake(self, loop: Loop, run: int) -> None:
        if loop is not self.loop or run != self.run:
            return  # the probe stopped, moved or restarted since this wake-up was asked for
        now = loop.time()
        self.last_lag = now - self.due
        self.limit.sample(self.last_lag)
        if now - self.last_seen > self.idle:
            self.loop = None  # no save for a while: stop waking the loop
            return
        self._schedule(now)

"""The admission rule of app/kit/admission.py on its own: the limit from lag samples, and the
probe on a fake event loop (a clock the test moves), so nothing here depends on real time."""

from __future__ import annotations

from collections.abc import Callable

from app.kit.admission import AdaptiveLimit, LoopLag


def test_late_samples_shrink_the_limit_to_the_floor_and_on_time_ones_restore_it() -> None:
    limit = AdaptiveLimit(20, floor=2, target=0.005)
    assert limit.limit == 20
    limit.sample(0.005)  # at the target is on time
    assert limit.limit == 20
    seen = []
    for _ in range(12):
        limit.sample(0.030)
        seen.append(limit.limit)
    assert seen == sorted(seen, reverse=True)  # only shrinks while late …
    assert seen[-1] == 2  # … down to the floor, never below
    for _ in range(17):
        limit.sample(0.001)
    assert limit.limit == 19
    for _ in range(10):
        limit.sample(0.001)
    assert limit.limit == 20  # never above the ceiling


def test_one_late_sample_costs_little() -> None:
    """A garbage collection or a neighbour on the CPU: one late tick, then on time again."""
    limit = AdaptiveLimit(20, floor=2, target=0.005)
    limit.sample(0.050)
    assert limit.limit == 15
    limit.sample(0.001)
    assert limit.limit == 16


def test_a_floor_above_the_ceiling_is_the_ceiling() -> None:
    limit = AdaptiveLimit(3, floor=5)
    for _ in range(5):
        limit.sample(1.0)
    assert limit.limit == 3


class FakeLoop:
    """time() and call_at() of an event loop; `run_until(t)` runs the callbacks due by `t`, each
    at `t + late` (how late this loop wakes its callbacks)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.timers: list[tuple[float, Callable[[], object]]] = []
        self.late = 0.0

    def time(self) -> float:
        return self.now

    def call_at(self, when: float, callback: Callable[[], object], /) -> object:
        self.timers.append((when, callback))
        return None

    def run_until(self, t: float) -> int:
        """Runs due timers (and those they schedule) up to time t; returns how many ran."""
        ran = 0
        while self.timers:
            self.timers.sort(key=lambda timer: timer[0])
            when, callback = self.timers[0]
            if when > t:
                break
            self.timers.pop(0)
            self.now = max(self.now, when + self.late)
            callback()
            ran += 1
        self.now = max(self.now, t)
        return ran


def test_the_probe_measures_how_late_the_loop_wakes_it() -> None:
    loop = FakeLoop()
    limit = AdaptiveLimit(20, floor=2, target=0.005)
    probe = LoopLag(limit, tick=0.005, idle=2.0)
    probe.seen(loop)
    loop.run_until(100.1)  # on time: the limit stays at the ceiling
    assert limit.limit == 20 and probe.last_lag == 0.0
    loop.late = 0.020  # the loop is saturated: every wake-up 20 ms late
    probe.seen(loop)
    loop.run_until(100.3)
    assert abs(probe.last_lag - 0.020) < 1e-9
    assert limit.limit == 2
    loop.late = 0.0  # caught up
    probe.seen(loop)
    loop.run_until(100.5)
    assert limit.limit == 20


def test_the_probe_stops_without_saves_and_starts_again_at_the_ceiling() -> None:
    loop = FakeLoop()
    limit = AdaptiveLimit(20, floor=2, target=0.005)
    probe = LoopLag(limit, tick=0.005, idle=2.0)
    probe.seen(loop)
    loop.late = 0.020
    loop.run_until(110.0)  # no save for 10 s
    assert probe.loop is None and not loop.timers  # stopped: the idle loop is not woken any more
    assert limit.limit == 2
    assert loop.run_until(120.0) == 0
    probe.seen(loop)  # a save arrives
    assert limit.limit == 20 and len(loop.timers) == 1  # running again, no stale verdict
    other = FakeLoop()  # a new loop (a test's, or after a restart): the probe follows it
    probe.seen(other)
    assert probe.loop is other and len(other.timers) == 1
    loop.run_until(130.0)  # the wake-up asked of the old loop is ignored: one chain, on the new loop
    assert other.run_until(100.1) > 0 and len(other.timers) == 1


def test_a_probe_back_on_a_loop_it_left_runs_one_chain_there() -> None:
    """Saves on loop A, then B, then A again before A's wake-up came (two loops in one process:
    threads, tests): the wake-up asked of A before the move is stale, not a second chain. Two
    chains on A would each measure against the other's due time and halve the lateness seen."""
    a, b = FakeLoop(), FakeLoop()
    limit = AdaptiveLimit(20, floor=2, target=0.005)
    probe = LoopLag(limit, tick=0.005, idle=2.0)
    probe.seen(a)
    a.now += 0.003
    probe.seen(b)
    probe.seen(a)
    a.late = 0.020  # A is saturated: every wake-up 20 ms late
    for _ in range(20):
        a.run_until(a.now + 0.010)
        probe.seen(a)
    assert len(a.timers) == 1  # one chain on A
    assert limit.limit == 2  # and it sees A's lateness, as a probe that never left would

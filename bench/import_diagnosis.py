"""Where the import benchmark's slow saves come from (`python -m bench import --diagnose`).

Three records lined up in wall-clock time over the import's window:
- the server's event-loop lag (bench/lag_app.py: late 1 ms ticks) and its gen 1/2 collections;
- Postgres' view (pg_stat_activity sampled every SAMPLE s): what each active backend waited for,
  the autosaves' backends apart from the rest (the import's statements);
- the benchmark's own slow saves, each with the loop lag and the import statement around it.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from typing import Any

import psycopg

SAMPLE = 0.01
BUCKETS = (2, 5, 10, 25, 50, 100, 250, 1_000_000)
SQL = """
SELECT coalesce(wait_event_type, 'CPU'), coalesce(wait_event, '-'), left(query, 60)
FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
"""


class WaitSampler:
    """Samples pg_stat_activity of the benchmark's database in a thread until stop()."""

    def __init__(self, url: str) -> None:
        self.url = re.sub(r"^postgresql\+\w+://", "postgresql://", url)
        self.samples: list[tuple[float, str, str, str]] = []  # (wall time, who, wait, query)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> WaitSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self._stop.wait(SAMPLE):
                now = time.time()
                for wtype, wevent, query in conn.execute(SQL).fetchall():
                    # the autosave statement is compiled from SELECT … FROM save_answer(…) AS anon_1
                    who = (
                        "autosave" if "save_answer" in query or "anon_1.outcome" in query else "import/other"
                    )
                    self.samples.append((now, who, f"{wtype}:{wevent}", " ".join(query.split())[:40]))


def _bucket(ms: float) -> str:
    low = 0
    for high in BUCKETS:
        if ms < high:
            return f"{low}-{high} ms" if high < 1_000_000 else f">= {low} ms"
        low = high
    return "?"


def diagnose(
    lag: dict[str, Any],
    sampler: WaitSampler,
    saves: list[tuple[float, float]],
    window: list[float],
) -> dict[str, Any]:
    """The figures of the import's window [start, end] (wall clock)."""
    start, end = window[0], window[-1]

    def inside(t: float) -> bool:
        return start <= t <= end

    late = [(t, ms) for t, ms in lag["late"] if inside(t)]
    collections = [(t, g, ms) for t, g, ms in lag["collections"] if inside(t)]
    samples = [s for s in sampler.samples if inside(s[0])]
    import_queries = [(t, q) for t, who, _, q in samples if who == "import/other"]

    def statement_at(t: float) -> str:
        near = [q for s, q in import_queries if abs(s - t) <= 0.05]
        return Counter(near).most_common(1)[0][0] if near else "(no import statement active)"

    def lag_around(t: float, ms: float) -> float:
        # a save scheduled at t and answered ms later: the loop lag inside that span
        return round(sum(lag_ms for s, lag_ms in late if t <= s <= t + ms / 1000 + 0.002), 1)

    slow = sorted((s for s in saves if inside(s[0])), key=lambda s: -s[1])[:15]
    return {
        "window_s": round(end - start, 2),
        "ticks": lag["ticks"],
        "late_ticks": dict(sorted(Counter(_bucket(ms) for _, ms in late).items())),
        "lag_total_ms": round(sum(ms for _, ms in late), 1),
        "worst_lags": [
            {"at_s": round(t - start, 3), "ms": ms, "import_statement": statement_at(t)}
            for t, ms in sorted(late, key=lambda x: -x[1])[:15]
        ],
        "collections": {
            "gen1": sum(1 for _, g, _ in collections if g == 1),
            "gen2": sum(1 for _, g, _ in collections if g == 2),
            "max_ms": max((ms for _, _, ms in collections), default=0.0),
        },
        "autosave_waits": dict(Counter(w for _, who, w, _ in samples if who == "autosave").most_common(12)),
        "import_waits": dict(Counter(w for _, who, w, _ in samples if who != "autosave").most_common(12)),
        "import_statements": dict(Counter(q for _, q in import_queries).most_common(12)),
        "slowest_saves": [
            {
                "at_s": round(t - start, 3),
                "ms": round(ms, 1),
                "loop_lag_ms": lag_around(t, ms),
                "import_statement": statement_at(t),
            }
            for t, ms in slow
        ],
    }


def print_diagnosis(d: dict[str, Any]) -> None:
    print(f"diagnosis over the import's {d['window_s']} s:")
    print(f"  loop: late 1 ms ticks {d['late_ticks']}, {d['lag_total_ms']} ms late in all")
    print(f"  collections: {d['collections']}")
    print(f"  autosave backends waited (samples every {SAMPLE * 1000:.0f} ms): {d['autosave_waits']}")
    print(f"  import backend waited: {d['import_waits']}")
    print(f"  import statements sampled: {d['import_statements']}")
    print("  worst loop lags (s into the import, ms, import statement):")
    for w in d["worst_lags"][:10]:
        print(f"    {w['at_s']:8.3f} {w['ms']:8.1f}  {w['import_statement']}")
    print("  slowest saves (s into the import, ms, loop lag within, import statement):")
    for s in d["slowest_saves"][:10]:
        print(f"    {s['at_s']:8.3f} {s['ms']:8.1f} {s['loop_lag_ms']:8.1f}  {s['import_statement']}")

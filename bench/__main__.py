"""`python -m bench NAME [options]`: run one benchmark against its bare baseline."""

from __future__ import annotations

import importlib
import signal
import sys

BENCHMARKS = {
    "questions": "bench.questions",  # the question-bank list over 10,000 questions
    "autosave": "bench.autosave",  # the autosave endpoint vs a bare guarded upsert
    "autosave_ab": "bench.autosave_ab",  # before/after of the autosave endpoint: two checkouts, alternating slices
    "scale": "bench.scale",  # the autosave load on `mlmock serve --workers 1` and `--workers 2`
    "import": "bench.imports",  # a 10,000-question import while autosave runs, vs a bare parse
    "analytics": "bench.analytics",  # analytics pages over 100,000 synthetic attempts vs their bare SQL
    "search": "bench.search",
    "live": "bench.live",  # 200 live sessions: save → mentor-stream latency, 1 and 2 processes, vs a bare relay  # candidate and admin search over 100,000 questions; the bulk seed
    "opcount": "bench.opcount",  # bytecodes and CPU per question-list request vs the baseline, in one process
    "all": "bench.all",  # make bench: each of the above in turn, timed, with a summary table
}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in BENCHMARKS:
        print(f"usage: python -m bench {{{','.join(BENCHMARKS)}}} [options]", file=sys.stderr)
        raise SystemExit(2)
    # stopped by `bench all` at its timeout: unwind, so servers stop and scratch databases are dropped
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    importlib.import_module(BENCHMARKS[sys.argv[1]]).main(sys.argv[2:])


if __name__ == "__main__":
    main()

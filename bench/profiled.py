"""`python -m bench.profiled OUT [uvicorn arguments]`: uvicorn under cProfile with a CPU clock.

Used by `serve(..., profile=path)` (`python -m bench live --profile`). The clock is the process's
CPU time, not the wall clock: on a loaded machine the wall clock mostly measures waiting for a
core. Statistics are written to OUT when the server stops (SIGINT).
"""

from __future__ import annotations

import cProfile
import sys
import time

import uvicorn.main


def main() -> None:
    out = sys.argv[1]
    sys.argv = ["uvicorn", *sys.argv[2:]]
    profiler = cProfile.Profile(time.process_time)
    try:
        profiler.runcall(uvicorn.main.main)
    except (SystemExit, KeyboardInterrupt):
        pass
    finally:
        profiler.dump_stats(out)


if __name__ == "__main__":
    main()

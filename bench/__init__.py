"""Benchmarks with their bare baselines, run in the same process tree: `python -m bench NAME`.

Never part of the timed test suite. Everything listens on 127.0.0.1 only.
"""

# A benchmark is one address sending thousands of requests a second: a flood by design. The
# limits are raised out of reach (not switched off), so the limiter's cost is still measured.
_HUGE = "1000000000/minute"
BENCH_LIMITS = {
    **{
        f"MLMOCK_RATE_{name}": _HUGE
        for name in (
            "SEARCH_PER_USER",
            "SEARCH_PER_IP",
            "IMPORT_PER_USER",
            "IMPORT_PER_IP",
            "PREVIEW_PER_USER",
            "PREVIEW_PER_IP",
            "REGISTER_PER_IP",
            "REGISTER_PER_EMAIL",
        )
    },
    "MLMOCK_AUTOSAVE_RATE_PER_SECOND": "1e9",
    "MLMOCK_AUTOSAVE_BURST": "1000000000",
    "MLMOCK_AUTOSAVE_IP_RATE_PER_SECOND": "1e9",
    "MLMOCK_AUTOSAVE_IP_BURST": "1000000000",
}

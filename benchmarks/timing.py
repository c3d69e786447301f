"""Timing helper shared by the benchmarks (imported from benchmarks/, which run.py puts on the path)."""

from __future__ import annotations

import statistics
import time


def median_time(fn, repeats: int = 3, warmup: bool = True) -> tuple[float, object]:
    """Median wall time (s) of ``repeats`` calls of ``fn`` after one warm-up call (JIT, caches),
    and the last call's result."""
    if warmup:
        fn()
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out

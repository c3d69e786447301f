"""Python's cyclic garbage collector while campaign chunks run.

A run allocates hundreds of thousands of short-lived objects (measurements, track snapshots,
events), so with the default thresholds (a young-generation collection every 700 net
allocations) the collector runs about 400 times per run, and its full passes walk every object
the process holds, some 170,000 of them (modules, geography tables, Numba's dispatchers) that
live as long as the worker: 40-90 ms of CPU per run (7-10 %), measured with ``gc.callbacks``
on the benchmark's IRBM and on lead-time-japan. Inside :func:`quiet_gc` the objects alive when
the first chunk starts are frozen out of the collector's walks (``gc.freeze``) and young
collections run every 100,000 allocations (most of a run's objects are freed by reference
counting before a collection walks them); :func:`collect_run_garbage` after each run frees
what the run left in reference cycles (some 10,000-25,000 objects, its watch among them) by
walking only what is not frozen: the collector's CPU per run 40 -> 9-15 ms (IRBM), 80-90 ->
27-30 ms (lead-time-japan) with young collections every 10,000, 20 -> 12 ms (lead-time-japan,
12 runs) at 100,000; memory as flat from run to run as with the defaults. Nothing the runs
compute depends on it (reference counting still frees everything acyclic at once).

The process's own settings come back when its last chunk ends (chunks may run in several
threads of one process: an in-process cluster); objects frozen then (by anyone) are unfrozen.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: Collector thresholds (young, middle, old generation) while chunks run.
CHUNK_THRESHOLDS = (100_000, 50, 100)

_lock = threading.Lock()
_users = 0
_saved: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def quiet_gc() -> Iterator[None]:
    """Freeze what lives now out of the collector's walks and collect young objects less often,
    for the duration of the block (nested and concurrent blocks share one setting)."""
    global _users, _saved
    with _lock:
        if _users == 0:
            _saved = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(*CHUNK_THRESHOLDS)
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                gc.set_threshold(*_saved)
                gc.unfreeze()


def collect_run_garbage() -> int:
    """After a run: a full collection (inside :func:`quiet_gc`, of what is not frozen: the run's
    leftovers). Returns the number of unreachable objects found."""
    return gc.collect()

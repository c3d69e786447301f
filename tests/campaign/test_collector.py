"""The collector setting of chunk tasks: on inside, the process's own back after the last one."""

from __future__ import annotations

import gc
import threading

from missilewatch.campaign.collector import CHUNK_THRESHOLDS, collect_run_garbage, quiet_gc


def test_quiet_gc_freezes_and_restores():
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    with quiet_gc():
        assert gc.get_threshold() == CHUNK_THRESHOLDS
        frozen = gc.get_freeze_count()
        assert frozen > 1000  # this process's modules and data
        with quiet_gc():  # nested: one setting
            assert gc.get_threshold() == CHUNK_THRESHOLDS and gc.get_freeze_count() == frozen
        assert gc.get_threshold() == CHUNK_THRESHOLDS
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_quiet_gc_in_concurrent_threads_restores_after_the_last():
    before = gc.get_threshold()
    inside, release = threading.Barrier(3), threading.Event()
    seen = []

    def chunk():
        with quiet_gc():
            inside.wait(10)
            release.wait(10)
            seen.append(gc.get_threshold())

    threads = [threading.Thread(target=chunk) for _ in range(2)]
    for t in threads:
        t.start()
    inside.wait(10)  # both chunks are inside
    assert gc.get_threshold() == CHUNK_THRESHOLDS
    release.set()
    for t in threads:
        t.join(10)
    assert seen == [CHUNK_THRESHOLDS, CHUNK_THRESHOLDS]
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_runs_cyclic_garbage_is_collected_between_runs():
    import weakref

    class Node:
        pass

    with quiet_gc():
        a, b = Node(), Node()
        a.other, b.other = b, a
        ref = weakref.ref(a)
        del a, b
        assert ref() is not None  # a cycle: reference counting alone does not free it
        assert collect_run_garbage() >= 2
        assert ref() is None

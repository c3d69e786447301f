"""The Dask engine: a pure function mapped over items in chunks, each chunk's tables written as
Parquet the moment it comes back, so a campaign killed halfway resumes where it stopped.

- Where: a Dask distributed cluster. Without an address (argument, else
  ``$DASK_SCHEDULER_ADDRESS``, else Dask's ``scheduler-address`` setting) a LocalCluster is
  started on this machine: one process per worker, one thread each, ``NUMBA_NUM_THREADS=1``
  so the Numba kernels do not oversubscribe the cores (``in_process``: one in-process worker),
  with its housekeeping slowed to suit tasks of seconds (:data:`LOCAL_CLUSTER_CONFIG`).
- Seeds: chunk ``k`` gets ``SeedSequence(seed).spawn(n_chunks)[k]``; the chunks are cut by
  ``chunk_size`` alone, so results are the same for any number of workers.
- Files (``DIR/chunks/``): ``TABLE-00007.parquet`` per table, then ``done-00007.json`` last; a
  chunk counts as finished only with its marker. ``DIR/manifest.json`` ties the directory to
  one campaign (its digest); another campaign is refused there.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from missilewatch.errors import InputError

#: Environment of LocalCluster workers: one thread per worker for every numerical library.
WORKER_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
              "MKL_NUM_THREADS": "1"}
#: Dask settings of a LocalCluster started here: its housekeeping at a pace that suits tasks of
#: seconds (event-loop watchdog, work stealing, memory and system monitors every 1-2 s instead
#: of every 20-500 ms; no statistical profiler sampling the task every 10 ms). An idle cluster
#: of two workers then uses 0.02 CPU-s per second instead of 0.10, which were taken from the runs
#: on a 2-core machine. A cluster given by address keeps its own settings.
LOCAL_CLUSTER_CONFIG = {
    "distributed.admin.tick.interval": "1s",
    "distributed.scheduler.work-stealing-interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.profile.enabled": False,
}
MANIFEST = "manifest.json"

#: fn(payload, chunk index, items, chunk SeedSequence) -> {table name: rows}
ChunkFn = Callable[[Any, int, list, np.random.SeedSequence], dict[str, list[dict]]]
#: progress(items done, items in all, items already done when this session started)
Progress = Callable[[int, int, int], None]


@dataclass(frozen=True)
class EngineResult:
    """What one call of :func:`run_chunks` did."""

    items: int
    chunks: int
    chunks_resumed: int
    chunks_run: int
    items_run: int
    wall_s: float
    workers: int

    @property
    def items_per_s(self) -> float:
        return self.items_run / self.wall_s if self.wall_s > 0 else float("nan")


def default_workers() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def scheduler_address(explicit: str | None) -> str | None:
    """The cluster to use: the explicit address, else $DASK_SCHEDULER_ADDRESS, else Dask's config."""
    if explicit:
        return explicit
    if os.environ.get("DASK_SCHEDULER_ADDRESS"):
        return os.environ["DASK_SCHEDULER_ADDRESS"]
    import dask

    return dask.config.get("scheduler-address", None) or None


@contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None, in_process: bool = False) -> Iterator[Any]:
    """A Dask client: to the given cluster, or to a LocalCluster started (and closed) here."""
    from distributed import Client, LocalCluster

    if workers is not None and workers < 1:
        raise InputError("--workers", workers, "must be at least 1")
    address = scheduler_address(scheduler)
    if address:
        try:
            client = Client(address, timeout="20s")
        except OSError as exc:
            raise InputError("--scheduler", address, f"no Dask scheduler answers there ({exc})") from None
        try:
            yield client
        finally:
            client.close()
        return
    import dask

    n = workers or default_workers()
    with dask.config.set(LOCAL_CLUSTER_CONFIG):
        if in_process:
            cluster = LocalCluster(n_workers=1, threads_per_worker=n, processes=False, dashboard_address=":0")
        else:
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                                   env=WORKER_ENV)
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
            cluster.close()


def limit_numba_threads() -> None:
    """Inside a task: one Numba thread for this task's parallel kernels (workers share the cores)."""
    try:
        import numba

        numba.set_num_threads(1)
    except (ImportError, ValueError):  # pragma: no cover
        pass


def chunk_seed(seed: int, k: int) -> np.random.SeedSequence:
    """Chunk ``k``'s SeedSequence: ``SeedSequence(seed).spawn(n)[k]`` for any n > k."""
    return np.random.SeedSequence(seed, spawn_key=(k,))


def _chunks(n_items: int, size: int) -> list[range]:
    return [range(i, min(i + size, n_items)) for i in range(0, n_items, size)]


def _chunk_dir(out: Path) -> Path:
    return out / "chunks"


def finished_chunks(out: Path) -> set[int]:
    """Indices of the chunks whose files are complete."""
    d = _chunk_dir(out)
    if not d.is_dir():
        return set()
    return {int(p.stem.split("-")[1]) for p in d.glob("done-*.json")}


def _write_chunk(out: Path, k: int, tables: dict[str, list[dict]], schemas: dict[str, pa.Schema], meta: dict) -> None:
    d = _chunk_dir(out)
    d.mkdir(parents=True, exist_ok=True)
    for name, schema in schemas.items():
        rows = tables.get(name, [])
        table = pa.Table.from_pylist(rows, schema=schema)
        tmp = d / f".{name}-{k:05d}.parquet.tmp"
        pq.write_table(table, tmp)
        os.replace(tmp, d / f"{name}-{k:05d}.parquet")
    tmp = d / f".done-{k:05d}.json.tmp"
    tmp.write_text(json.dumps(meta))
    os.replace(tmp, d / f"done-{k:05d}.json")


def read_table(out: Path | str, name: str, schema: pa.Schema | None = None) -> pa.Table:
    """One table of a run directory: every finished chunk's part, in chunk order."""
    out = Path(out)
    done = sorted(finished_chunks(out))
    parts = [pq.read_table(_chunk_dir(out) / f"{name}-{k:05d}.parquet") for k in done
             if (_chunk_dir(out) / f"{name}-{k:05d}.parquet").is_file()]
    if not parts:
        if schema is None:
            raise InputError("campaign directory", str(out), f"holds no finished chunk of {name}")
        return schema.empty_table()
    return pa.concat_tables(parts, promote_options="default")


def _check_manifest(out: Path, manifest: dict) -> None:
    path = out / MANIFEST
    if path.is_file():
        try:
            old = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            old = {}
        if old.get("digest") != manifest["digest"] or old.get("items") != manifest["items"]:
            raise InputError("-o", str(out), f"holds another campaign ({old.get('name')!r}, digest "
                             f"{old.get('digest')}); choose another directory")
        return
    if out.exists() and any(out.iterdir()):
        raise InputError("-o", str(out), "exists, is not empty and is not a campaign directory")
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=1))


def run_chunks(
    fn: ChunkFn,
    payload: Any,
    items: Sequence[Any],
    out: Path | str,
    *,
    schemas: dict[str, pa.Schema],
    manifest: dict,
    seed: int,
    chunk_size: int,
    client: Any,
    progress: Progress | None = None,
) -> EngineResult:
    """Map ``fn`` over ``items`` in chunks on the Dask ``client``; write each chunk's tables as it
    comes back; skip the chunks a previous session finished. ``manifest`` must hold ``digest``."""
    out = Path(out)
    manifest = {**manifest, "items": len(items), "chunk_size": chunk_size, "seed": seed}
    _check_manifest(out, manifest)
    chunks = _chunks(len(items), chunk_size)
    done = finished_chunks(out)
    todo = [k for k in range(len(chunks)) if k not in done]
    resumed_items = sum(len(chunks[k]) for k in done if k < len(chunks))
    start = time.perf_counter()
    if progress:
        progress(resumed_items, len(items), resumed_items)
    workers = len(client.scheduler_info().get("workers", {})) or 1
    from distributed import as_completed

    futures = {}
    for k in todo:
        part = [items[i] for i in chunks[k]]
        fut = client.submit(fn, payload, k, part, chunk_seed(seed, k), pure=False,
                            key=f"chunk-{manifest['digest']}-{k:05d}")
        futures[fut] = k
    finished = resumed_items
    for fut in as_completed(futures):
        k = futures[fut]
        tables = fut.result()
        _write_chunk(out, k, tables, schemas, {"chunk": k, "items": len(chunks[k])})
        finished += len(chunks[k])
        if progress:
            progress(finished, len(items), resumed_items)
        fut.release()
    wall = time.perf_counter() - start
    return EngineResult(len(items), len(chunks), len(done), len(todo), finished - resumed_items, wall, workers)


class RichProgress:
    """A progress bar on stderr: items done, items per second (this session), time left."""

    def __init__(self, what: str = "runs", description: str = "campaign") -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.what = what
        self._start = time.perf_counter()
        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn(what),
            TextColumn("{task.fields[rate]}"), TextColumn("{task.fields[left]}"),
            console=Console(stderr=True), transient=False,
        )
        self._task = self._progress.add_task(description, total=None, rate="", left="")

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def __call__(self, done: int, total: int, resumed: int) -> None:
        elapsed = time.perf_counter() - self._start
        rate = (done - resumed) / elapsed if elapsed > 0 and done > resumed else 0.0
        left = f"{(total - done) / rate:,.0f} s left" if rate > 0 else ("done" if done >= total else "")
        self._progress.update(self._task, completed=done, total=total, rate=f"{rate:.2f} {self.what}/s", left=left)

"""Any pure function over many items through the campaign engine: chunks on Dask, results as
Parquet per chunk in a work directory, resume after a kill, the same progress bar.

Used by the archive's reconstruction of all launches (``archive report --workers N``): the
items are JSON-ready inputs, the function returns JSON-ready results.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from missilewatch.campaign.engine import Progress, dask_client, limit_numba_threads, read_table, run_chunks

SCHEMAS = {"results": pa.schema([("index", pa.int64()), ("json", pa.string())])}


def _map_chunk(fn: Callable[[Any], Any], k: int, items: list[dict], ss: np.random.SeedSequence) -> dict:
    limit_numba_threads()
    return {"results": [{"index": it["index"], "json": json.dumps(fn(it["item"]))} for it in items]}


def dask_mapper(
    work_dir: Path | str,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    in_process: bool = False,
    chunk_size: int = 4,
    progress: Progress | None = None,
) -> Callable[[Callable[[Any], Any], list], list]:
    """A ``mapper(fn, items) -> [fn(item), ...]`` that runs on Dask. ``work_dir`` keeps one
    folder per distinct piece of work (named by the hash of the function and the items), so
    the same work after a kill resumes from its finished chunks."""
    root = Path(work_dir)

    def mapper(fn: Callable[[Any], Any], items: list) -> list:
        if not items:
            return []
        name = f"{fn.__module__}.{fn.__qualname__}"
        digest = hashlib.sha256(json.dumps([name, items], sort_keys=True, default=str).encode()).hexdigest()[:16]
        out = root / digest
        wrapped = [{"index": i, "item": it} for i, it in enumerate(items)]
        with dask_client(scheduler, workers, in_process) as client:
            run_chunks(_map_chunk, fn, wrapped, out, schemas=SCHEMAS, manifest={"kind": name, "digest": digest},
                       seed=0, chunk_size=chunk_size, client=client, progress=progress)
        table = read_table(out, "results", SCHEMAS["results"]).to_pylist()
        by_index = {r["index"]: json.loads(r["json"]) for r in table}
        return [by_index[i] for i in range(len(items))]

    return mapper

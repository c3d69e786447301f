"""A campaign: the study's runs, in chunks on Dask, each run simulated and put through the watch.

Three tables come out, one Parquet file per chunk each (``DIR/chunks``), merged on reading:

- ``runs``: one row per run: its parameters, seed, status (``ok``; ``failed`` for input that no
  flight fits, with the reason; ``error`` for anything else, with the exception) and metrics;
- ``regions``: per run, launch and region of the study's countries that the flight crossed or
  the watch warned: crossing time, first warning, lead time, outcome (in time, late, missed,
  not crossed);
- ``footprints``: per run and impact prediction: time since launch, whether the 95 % footprint
  held the true impact, its size, the error.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from missilewatch.campaign.collector import collect_run_garbage, quiet_gc
from missilewatch.campaign.engine import (
    EngineResult,
    Progress,
    dask_client,
    limit_numba_threads,
    read_table,
    run_chunks,
)
from missilewatch.campaign.sampling import (
    RunSpec,
    expand,
    launch_azimuth_deg,
    pair_seed,
    run_seed,
    sample,
    scenario_data,
)
from missilewatch.campaign.study import StudySpec, load_policy_file
from missilewatch.errors import InputError, MissilewatchError

_PARAMS = [("run", pa.int64()), ("cell", pa.int64()), ("seed_index", pa.int64()), ("pair", pa.int64()),
           ("site", pa.string()),
           ("target", pa.string()), ("target_kind", pa.string()), ("bearing_deg", pa.float64()),
           ("aim_lat_deg", pa.float64()), ("aim_lon_deg", pa.float64()), ("flight", pa.string()),
           ("launch_time", pa.string()), ("salvo", pa.int64()), ("network", pa.string()), ("policy", pa.string())]
_METRICS = [("measurements", pa.int64()), ("rejected_measurements", pa.int64()), ("launches", pa.int64()),
            ("tracks_confirmed", pa.int64()), ("false_tracks", pa.int64()), ("swaps", pa.int64()),
            ("breaks", pa.int64()), ("gospa_mean_m", pa.float64()), ("position_rmse_m", pa.float64()),
            ("nees_mean", pa.float64()), ("confirmation_s", pa.float64()), ("first_alert_s", pa.float64()),
            ("impact_error_km", pa.float64()), ("footprint_coverage", pa.float64()),
            ("footprint_contains_truth", pa.bool_()), ("regions_crossed", pa.int64()),
            ("regions_warned", pa.int64()), ("regions_warned_not_crossed", pa.int64()),
            ("regions_missed", pa.int64()), ("min_lead_s", pa.float64()), ("alerts", pa.int64()),
            ("updates", pa.int64()), ("cancels", pa.int64()), ("regions_withdrawn", pa.int64()),
            ("threat_of_damage", pa.bool_()), ("flight_time_s", pa.float64()), ("range_km", pa.float64()),
            ("apogee_km", pa.float64())]
SCHEMAS: dict[str, pa.Schema] = {
    "runs": pa.schema(_PARAMS + [("seed", pa.int64()), ("azimuth_deg", pa.float64()), ("status", pa.string()),
                                 ("error", pa.string()), ("wall_s", pa.float64())] + _METRICS),
    "regions": pa.schema([("run", pa.int64()), ("launch_id", pa.string()), ("region", pa.string()),
                          ("country", pa.string()), ("crossed", pa.bool_()), ("crossing_s", pa.float64()),
                          ("crossing_alt_km", pa.float64()), ("warned", pa.bool_()), ("first_alert_s", pa.float64()),
                          ("lead_s", pa.float64()), ("outcome", pa.string())]),
    "footprints": pa.schema([("run", pa.int64()), ("launch_id", pa.string()), ("track_id", pa.int64()),
                             ("t_since_launch_s", pa.float64()), ("time_to_impact_s", pa.float64()),
                             ("after_confirmation", pa.bool_()), ("ballistic", pa.bool_()), ("inside", pa.bool_()),
                             ("semi_major_km", pa.float64()), ("semi_minor_km", pa.float64()),
                             ("error_km", pa.float64())]),
}
#: Columns that depend on the machine, not on the study and its seeds.
TIMING_COLUMNS = ("wall_s",)


@dataclass(frozen=True)
class Payload:
    """What every chunk task needs: the study, its policies (loaded once), the scored countries."""

    study: dict
    policies: dict[str, Any]
    region_country: dict[str, str]


def _region_country(countries: list[str]) -> dict[str, str]:
    from missilewatch.geography.regions import all_regions

    return {r.name: r.country for r in all_regions().regions if r.name and r.country in countries}


def one_run(study: StudySpec, payload: Payload, run: RunSpec) -> dict[str, list[dict]]:
    """Simulate one run and put it through the watch; never raises (failures are rows too).
    Its draws come from its pairing group's SeedSequence (see :mod:`~missilewatch.campaign.sampling`)."""
    ss = pair_seed(study.seed, run.pair)
    from missilewatch.campaign.watch_run import run_through_watch
    from missilewatch.scenarios.schema import parse_scenario

    t0 = time.perf_counter()
    seed = run_seed(ss)
    rng = np.random.default_rng(ss.spawn(1)[0])
    row: dict = {**run.to_dict(), "seed": seed, "azimuth_deg": run.bearing_deg, "status": "ok", "error": None}
    out: dict[str, list[dict]] = {"runs": [row], "regions": [], "footprints": []}
    try:
        data = scenario_data(study, run, seed, rng)
        row["azimuth_deg"] = launch_azimuth_deg(run, data)
        scenario = parse_scenario(data, f"run {run.run}")
        res = run_through_watch(scenario, seed, payload.policies.get(run.policy), set(study.countries),
                                payload.region_country)
        row.update(res.run)
        out["regions"] = [{"run": run.run, **r} for r in res.regions]
        out["footprints"] = [{"run": run.run, **f} for f in res.footprints]
    except MissilewatchError as exc:
        row.update(status="failed", error=str(exc)[:2000])
    except Exception as exc:  # noqa: BLE001 - one broken run is recorded, the campaign goes on
        row.update(status="error", error=f"{type(exc).__name__}: {exc}"[:2000])
    row["wall_s"] = round(time.perf_counter() - t0, 4)
    return out


def run_chunk(payload: Payload, k: int, runs: list[dict], ss: np.random.SeedSequence) -> dict[str, list[dict]]:
    """The Dask task: every run of chunk ``k``. The chunk's SeedSequence ``ss`` is not needed: each
    run's draws come from its pairing group's, so they do not depend on how the runs are chunked."""
    limit_numba_threads()
    study = StudySpec.model_validate(payload.study)
    tables: dict[str, list[dict]] = {name: [] for name in SCHEMAS}
    with quiet_gc():
        for run in runs:
            part = one_run(study, payload, RunSpec(**run))
            for name, rows in part.items():
                tables[name].extend(rows)
            collect_run_garbage()
    return tables


def make_payload(study: StudySpec, base_dir: Path | None) -> Payload:
    """The study with its policy files read (on this machine, so remote workers need no files)."""
    policies = {p.name: (load_policy_file(p.file, base_dir) if p.file else None) for p in study.policies}
    return Payload(study.model_dump(mode="json"), policies, _region_country(study.countries))


def run_campaign(
    study: StudySpec,
    out: Path | str,
    *,
    base_dir: Path | None = None,
    sample_n: int | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    in_process: bool = False,
    client: Any = None,
    progress: Progress | None = None,
) -> EngineResult:
    """Run (or resume) a study's campaign into ``out``; see :mod:`missilewatch.campaign.engine`."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError("-o", str(out), "exists and is not a directory")
    all_runs = expand(study)
    runs = sample(all_runs, sample_n)
    payload = make_payload(study, base_dir)
    manifest = {"kind": "campaign", "name": study.name, "digest": f"{study.digest()}-{sample_n or 'all'}",
                "runs_in_study": len(all_runs), "sample": sample_n}
    items = [r.to_dict() for r in runs]

    def go(c: Any) -> EngineResult:
        return run_chunks(run_chunk, payload, items, out, schemas=SCHEMAS, manifest=manifest, seed=study.seed,
                          chunk_size=study.chunk_size, client=c, progress=progress)

    if client is not None:
        result = go(client)
    else:
        with dask_client(scheduler, workers, in_process) as c:
            result = go(c)
    study_file = out / "study.json"
    if not study_file.is_file():
        study_file.write_text(json.dumps(study.model_dump(mode="json"), indent=1))
    return result


def load_tables(out: Path | str) -> dict[str, pa.Table]:
    """The three tables of a campaign directory (finished chunks only), sorted by run."""
    tables = {}
    for name, schema in SCHEMAS.items():
        t = read_table(out, name, schema)
        tables[name] = t.sort_by([("run", "ascending")]) if t.num_rows else t
    return tables

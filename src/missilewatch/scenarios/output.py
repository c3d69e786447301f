"""Writing a run: DIR/truth.parquet, DIR/measurements.jsonl, DIR/measurements.parquet and
DIR/scenario.yaml. Same run, same bytes.

``truth.parquet``: one row per sample of every object (object_id, launch_id, parent_id, kind,
t_s from the epoch, time_utc, ECEF x/y/z_m and vx/vy/vz_mps, lat_deg, lon_deg, alt_m,
thrusting, event in {launch, burnout, breakup, impact} or null); its metadata holds the epoch,
the scenario name and the seed.

``scenario.yaml``: the scenario as run (seed used, sensors written out in full so the run does
not depend on a later catalogue) plus a ``resolved`` block with what the simulator found for
each launch (azimuth, profile, impact). ``resolved`` is ignored when the file is read back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from missilewatch.earth.kernels import ecef_to_geodetic_v
from missilewatch.scenarios.simulate import SimulationResult
from missilewatch.sensors.measurement_io import (
    utc_strings,
    write_jsonl,
    write_parquet,
    write_parquet_table,
)

FILES = ("truth.parquet", "measurements.jsonl", "measurements.parquet", "scenario.yaml")

if TYPE_CHECKING:  # pyarrow is imported where a table is made (about 35 MB)
    import pyarrow as pa


def _r(x: float, nd: int = 6) -> float:
    return float(round(float(x), nd))


def truth_table(result: SimulationResult) -> pa.Table:
    """All objects' samples as one Arrow table (objects in launch order)."""
    import pyarrow as pa

    cols: dict[str, list[str | None]] = {k: [] for k in ("object_id", "launch_id", "parent_id", "kind")}
    num: dict[str, list[np.ndarray]] = {k: [] for k in (
        "t_s", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps", "lat_deg", "lon_deg", "alt_m")}
    thrusting: list[np.ndarray] = []
    events: list[str | None] = []
    for o in result.objects:
        n = o.t_s.size
        for k, val in (("object_id", o.object_id), ("launch_id", o.launch_id),
                       ("parent_id", o.parent_id), ("kind", o.kind)):
            cols[k].extend([val] * n)
        lat, lon, h = ecef_to_geodetic_v(o.r_ecef[:, 0].copy(), o.r_ecef[:, 1].copy(), o.r_ecef[:, 2].copy())
        num["t_s"].append(o.t_s)
        for j, a in enumerate("xyz"):
            num[f"{a}_m"].append(o.r_ecef[:, j])
            num[f"v{a}_mps"].append(o.v_ecef[:, j])
        num["lat_deg"].append(np.degrees(lat))
        num["lon_deg"].append(np.degrees(lon))
        num["alt_m"].append(h)
        thrusting.append(o.t_s <= o.thrust_end_s)
        ev: list[str | None] = [None] * n
        for i, e in o.events.items():
            ev[i] = e
        events.extend(ev)
    t_all = np.concatenate(num["t_s"]) if num["t_s"] else np.empty(0)
    ns = np.datetime64(result.epoch.replace(tzinfo=None), "ns") + np.round(t_all * 1e9).astype("timedelta64[ns]")
    table = {
        "object_id": pa.array(cols["object_id"], pa.string()),
        "launch_id": pa.array(cols["launch_id"], pa.string()),
        "parent_id": pa.array(cols["parent_id"], pa.string()),
        "kind": pa.array(cols["kind"], pa.string()),
        "t_s": pa.array(t_all, pa.float64()),
        "time_utc": pa.array(ns.astype("datetime64[us]"), pa.timestamp("us", tz="UTC")),
    }
    for k in ("x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps", "lat_deg", "lon_deg", "alt_m"):
        table[k] = pa.array(np.concatenate(num[k]), pa.float64())
    table["thrusting"] = pa.array(np.concatenate(thrusting), pa.bool_())
    table["event"] = pa.array(events, pa.string())
    meta = {"schema": "missilewatch.truth/1", "epoch_utc": utc_strings(result.epoch, np.zeros(1))[0],
            "scenario": result.scenario.name, "seed": str(result.seed),
            "objects": json.dumps(resolved_block(result)["objects"], separators=(",", ":"))}
    return pa.table(table).replace_schema_metadata(meta)


def resolved_block(result: SimulationResult) -> dict[str, Any]:
    """What the simulator found: per launch the flight, per object its impact (degrees, km, s)."""
    launches = []
    for la in result.launches:
        tr = la.trajectory
        lat, lon = tr.impact_lat_lon_deg
        launches.append({
            "id": la.launch_id, "site": la.site_name, "lat_deg": _r(la.lat_deg), "lon_deg": _r(la.lon_deg),
            "launch_time_utc": utc_strings(result.epoch, np.array([la.t_launch_s]))[0], "t_s": _r(la.t_launch_s, 3),
            "method": la.method, "azimuth_deg": _r(la.azimuth_deg),
            "profile": la.profile.name, "kick_deg": _r(la.profile.kick_deg),
            "burnout_s": _r(tr.burnout[0], 3), "flight_time_s": _r(tr.flight_time_s, 3),
            "apogee_km": _r(tr.apogee_m / 1e3, 3), "range_km": _r(tr.ground_range_m / 1e3, 3),
            "impact_lat_deg": _r(lat), "impact_lon_deg": _r(lon),
            **({"target_lat_deg": _r(la.target_lat_deg), "target_lon_deg": _r(la.target_lon_deg)}
               if la.target_lat_deg is not None and la.target_lon_deg is not None else {}),
        })
    objects = []
    for o in result.objects:
        lat, lon = o.impact_lat_lon_deg
        objects.append({"id": o.object_id, "launch": o.launch_id, "kind": o.kind,
                        "t_end_s": _r(o.t_s[-1], 3), "impacted": o.impacted,
                        "end_lat_deg": _r(lat), "end_lon_deg": _r(lon)})
    return {"seed": result.seed, "epoch_utc": utc_strings(result.epoch, np.zeros(1))[0],
            "t_end_s": _r(result.t_end_s, 3), "launches": launches, "objects": objects,
            "measurements": result.stream.counts_by_sensor()}


def scenario_document(result: SimulationResult) -> dict:
    """The scenario as run, as a plain mapping for YAML."""
    doc = result.scenario.model_dump(mode="json", exclude_none=True, exclude={"resolved", "sensors"})
    doc["seed"] = result.seed
    doc["sensors"] = [s.model_dump(mode="json", exclude_none=True) for s in result.sensors]
    doc["resolved"] = resolved_block(result)
    return doc


def write_outputs(result: SimulationResult, out_dir: Path | str) -> dict[str, Path]:
    """Write the four files into ``out_dir`` (created if missing); returns their paths."""
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    paths = {name: d / name for name in FILES}
    write_parquet_table(paths["truth.parquet"], truth_table(result))
    write_jsonl(paths["measurements.jsonl"], result.stream, result.epoch)
    meta = {"scenario": result.scenario.name, "seed": str(result.seed)}
    write_parquet(paths["measurements.parquet"], result.stream, result.epoch, meta)
    header = (f"# Scenario {result.scenario.name} as simulated by missilewatch (seed {result.seed}).\n"
              "# The 'resolved' block is the simulator's output and is ignored when read back.\n")
    text = yaml.safe_dump(scenario_document(result), sort_keys=False, allow_unicode=True, width=100)
    paths["scenario.yaml"].write_text(header + text, encoding="utf-8")
    return paths

"""Where the watch's measurements come from: a built-in scenario or scenario file (simulated
on the spot, with truth), or a directory written by ``missilewatch simulate`` or by real
sensors (``measurements.jsonl``, optionally ``truth.parquet``). Every line becomes either a
measurement or a rejection with its reason; nothing is dropped silently.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import ValidationError

from missilewatch.errors import InputError, MissilewatchError
from missilewatch.scenarios.library import builtin_names, load
from missilewatch.scenarios.simulate import SimulationResult, simulate
from missilewatch.sensors.measurement_io import MeasurementRecord, parse_utc
from missilewatch.sensors.spec import field_path
from missilewatch.tracking.measurements import Measurement, from_record, from_stream

DEFAULT_SCENARIO = "2022-10-04"


@dataclass(frozen=True)
class Incoming:
    """One item of the stream: a measurement, or a rejection (``error``) with the raw text."""

    seq: int
    t_report_s: float
    measurement: Measurement | None = None
    raw: str | None = None
    error: str | None = None

    @property
    def accepted(self) -> bool:
        return self.measurement is not None


@dataclass(frozen=True, eq=False)
class TruthObject:
    """One true object's flight: times (K,) s from the epoch, ECEF positions, velocities (K, 3)."""

    object_id: str
    t_s: np.ndarray
    r_ecef: np.ndarray
    v_ecef: np.ndarray


@dataclass(frozen=True, eq=False)
class TruthLaunch:
    """What really flew (for metrics and the summary only; the watch never reads it).

    ``main``: the missile (its fragments, if it broke up, are in ``objects`` too).
    """

    launch_id: str
    site_name: str
    t_launch_s: float
    main: TruthObject
    objects: tuple[TruthObject, ...]
    impact_lat_deg: float
    impact_lon_deg: float
    t_impact_s: float
    impacted: bool


@dataclass(frozen=True)
class WatchInput:
    """A replayable stream: its name, epoch (UTC of t = 0), items in report order, truth."""

    name: str
    epoch: dt.datetime
    items: tuple[Incoming, ...]
    truth: tuple[TruthLaunch, ...] = ()
    seed: int | None = None
    scenario_text: str | None = None
    reported: dict = field(default_factory=dict)  # launch id -> the figures officials reported


def parse_line(line: str, epoch: dt.datetime, seq: int, where: str) -> Incoming:
    """One JSON line of the measurement format -> a measurement or a rejection naming the fault."""
    try:
        record = MeasurementRecord.model_validate_json(line)
        m = from_record(record, epoch, seq=seq)
        return Incoming(seq, float(m.t_report_s), measurement=m)
    except ValidationError as exc:
        err = exc.errors()[0]
        reason = f"{where}: {field_path(err['loc']) or 'line'}: {err['msg'].removeprefix('Value error, ')}"
    except (MissilewatchError, ValueError, TypeError) as exc:
        reason = f"{where}: {exc}"
    return Incoming(seq, float("-inf"), raw=line.rstrip("\n")[:2000], error=reason)


def _truth_from_simulation(result: SimulationResult) -> tuple[TruthLaunch, ...]:
    out = []
    for la in result.launches:
        objs = tuple(TruthObject(o.object_id, o.t_s, o.r_ecef, o.v_ecef) for o in la.objects)
        main_sim = next(o for o in la.objects if o.parent_id is None)
        main = next(o for o in objs if o.object_id == main_sim.object_id)
        lat, lon = main_sim.impact_lat_lon_deg
        out.append(TruthLaunch(
            launch_id=la.launch_id, site_name=la.site_name, t_launch_s=la.t_launch_s, main=main,
            objects=objs, impact_lat_deg=lat, impact_lon_deg=lon, t_impact_s=float(main.t_s[-1]),
            impacted=main_sim.impacted,
        ))
    return tuple(out)


def from_simulation(result: SimulationResult, name: str) -> WatchInput:
    """A stream from a simulation run (measurements in stream order, all valid)."""
    items = tuple(Incoming(m.seq, float(m.t_report_s), measurement=m) for m in from_stream(result.stream))
    reported = {la.id: dict(la.reported) for la in result.scenario.launches if la.reported}
    return WatchInput(name=name, epoch=result.epoch, items=items, truth=_truth_from_simulation(result),
                      seed=result.seed, reported=reported)


def _truth_from_parquet(path: Path) -> tuple[TruthLaunch, ...]:
    import pyarrow.parquet as pq

    from missilewatch.earth.frames import ecef2geodetic

    tab = pq.read_table(path).to_pydict()
    n = len(tab["object_id"])
    by_object: dict[str, list[int]] = {}
    for i in range(n):
        by_object.setdefault(tab["object_id"][i], []).append(i)
    objects: dict[str, TruthObject] = {}
    for oid, rows in by_object.items():
        rows.sort(key=lambda i: tab["t_s"][i])
        objects[oid] = TruthObject(
            oid, np.array([tab["t_s"][i] for i in rows]),
            np.array([[tab["x_m"][i], tab["y_m"][i], tab["z_m"][i]] for i in rows]),
            np.array([[tab["vx_mps"][i], tab["vy_mps"][i], tab["vz_mps"][i]] for i in rows]))
    out = []
    for lid in sorted({tab["launch_id"][i] for i in range(n)}):
        oids = sorted({tab["object_id"][i] for i in range(n) if tab["launch_id"][i] == lid})
        mains = [o for o in oids if tab["kind"][by_object[o][0]] == "missile"] or oids
        main = objects[mains[0]]
        events = [tab["event"][i] for i in by_object[main.object_id]]
        lat, lon, _ = ecef2geodetic(*main.r_ecef[-1])
        out.append(TruthLaunch(lid, "", float(main.t_s[0]), main, tuple(objects[o] for o in oids),
                               float(lat), float(lon), float(main.t_s[-1]), "impact" in events))
    return tuple(out)


def from_directory(path: Path) -> WatchInput:
    """A stream from ``DIR/measurements.jsonl`` (and ``DIR/truth.parquet`` when present)."""
    jsonl = path / "measurements.jsonl"
    if not jsonl.is_file():
        raise InputError("input", str(path), "directory has no measurements.jsonl")
    lines = jsonl.read_text(encoding="utf-8").splitlines()
    epoch = None
    for line in lines:
        try:
            text = json.loads(line).get("epoch_utc")
        except (json.JSONDecodeError, AttributeError):
            continue
        if text:
            epoch = parse_utc(text)
            break
    if epoch is None:
        times = []
        for line in lines:
            try:
                times.append(parse_utc(json.loads(line)["time_utc"]))
            except (json.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError, MissilewatchError):
                continue
        if not times:
            raise InputError("input", str(jsonl), "holds no readable measurement")
        epoch = min(times)
    items = [parse_line(line, epoch, seq, f"line {seq + 1}") for seq, line in enumerate(lines) if line.strip()]
    truth_path = path / "truth.parquet"
    truth = _truth_from_parquet(truth_path) if truth_path.is_file() else ()
    scenario = path / "scenario.yaml"
    return WatchInput(name=path.name, epoch=epoch, items=tuple(items), truth=truth,
                      scenario_text=scenario.read_text(encoding="utf-8") if scenario.is_file() else None)


def load_input(target: str | None, seed: int | None = None, progress=None) -> WatchInput:
    """A built-in scenario name, a scenario YAML file or a measurement directory (default 2022-10-04)."""
    target = target or DEFAULT_SCENARIO
    path = Path(target)
    if path.is_dir():
        return from_directory(path)
    if target in builtin_names() or path.suffix.lower() in (".yaml", ".yml"):
        spec = load(target)
        result = simulate(spec, seed=seed, progress=progress)
        return from_simulation(result, spec.name if getattr(spec, "name", None) else target)
    raise InputError("input", target, f"is not a directory, a .yaml file or a built-in scenario "
                     f"({', '.join(builtin_names())})")

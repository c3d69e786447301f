"""Where the watch's measurements come from: a built-in scenario or scenario file (simulated
on the spot, with truth), or a directory written by ``missilewatch simulate`` or by real
sensors (``measurements.jsonl``, optionally ``truth.parquet``). Every line becomes either a
measurement or a rejection with its reason; nothing is dropped silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from pydantic import ValidationError

from missilewatch.errors import InputError, MissilewatchError
from missilewatch.pipeline.lines import (
    RawRecord,
    count_records,
    first_epoch_text,
    iter_records,
    printable,
    time_texts,
)
from missilewatch.pipeline.registry import SensorRegistry, catalogue_registry, registry_from_specs
from missilewatch.scenarios.library import builtin_names, load
from missilewatch.scenarios.safe_yaml import read_limited
from missilewatch.scenarios.schema import parse_scenario_text
from missilewatch.scenarios.simulate import SimulationResult, simulate
from missilewatch.sensors.measurement_io import MeasurementRecord, parse_utc
from missilewatch.sensors.spec import field_path
from missilewatch.tracking.measurements import Measurement, from_record, from_stream

DEFAULT_SCENARIO = "2022-10-04"


@dataclass(frozen=True)
class Incoming:
    """One item of the stream, by type either :class:`Accepted` (a measurement to track) or
    :class:`Rejected` (why not: ``field``, a short ``reason`` code for counting, the words in
    ``error``, the raw text). ``Incoming(...)`` builds the right one (``error`` given: rejected).
    A rejected item may carry its parsed ``measurement`` (rejected at the edge, not in parsing).
    """

    seq: int
    t_report_s: float
    measurement: Measurement | None = None
    raw: str | None = None
    error: str | None = None
    field: str = ""
    reason: str = ""
    sensor_id: str | None = None
    record_id: str | None = None

    def __new__(cls, *args, **kwargs):
        if cls is Incoming:
            error = kwargs["error"] if "error" in kwargs else (args[4] if len(args) > 4 else None)
            cls = Rejected if error is not None else Accepted
        return object.__new__(cls)

    def __post_init__(self) -> None:
        self._check()

    def _check(self) -> None:
        raise TypeError("an Incoming is Accepted or Rejected")

    @property
    def accepted(self) -> bool:
        return isinstance(self, Accepted)

    def rejected(self, field: str, reason: str, problem: str, where: str = "") -> Rejected:
        """This item rejected at the edge (keeps its measurement for the sensor's health)."""
        m = self.measurement
        raw = self.raw if self.raw is not None else (
            None if m is None else f"{m.sensor_id} {m.mtype} t={m.t_s:.3f} s report={m.t_report_s:.3f} s")
        where = where or f"line {self.seq + 1}"
        return Rejected(self.seq, self.t_report_s, measurement=m, raw=raw,
                        error=f"{where}: {field}: {problem}", field=field, reason=reason,
                        sensor_id=self.sensor_id or (m.sensor_id if m is not None else None),
                        record_id=self.record_id)


class Accepted(Incoming):
    """A measurement that passed parsing (and, inside the watch, the edge checks)."""

    def _check(self) -> None:
        if self.measurement is None or self.error is not None:
            raise TypeError("an accepted item holds a measurement and no error")


class Rejected(Incoming):
    """A record refused with its reason; counted, stored, never fatal."""

    def _check(self) -> None:
        if not self.error:
            raise TypeError("a rejected item says why (error)")


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
    items: Iterable[Incoming]  # a tuple, or a FileStream read lazily
    truth: tuple[TruthLaunch, ...] = ()
    seed: int | None = None
    scenario_text: str | None = None
    reported: dict = field(default_factory=dict)  # launch id -> the figures officials reported
    sensors: SensorRegistry | None = None  # the sensors known to send (None: the watch's default)


def parse_line(line: str, epoch: dt.datetime, seq: int, where: str) -> Incoming:
    """One JSON line of the measurement format -> a measurement or a rejection naming the fault."""
    try:
        record = MeasurementRecord.model_validate_json(line)
    except ValidationError as exc:
        err = exc.errors()[0]
        fld = field_path(err["loc"]) if err["loc"] else "line"
        if err["type"] == "json_invalid":
            fld, reason = "line", "not_json"
        else:
            reason = "schema"
        problem = printable(err["msg"].removeprefix("Value error, "), 300)
        return Rejected(seq, float("-inf"), raw=printable(line.rstrip("\n"), 2000), error=f"{where}: {fld}: {problem}",
                        field=fld, reason=reason, sensor_id=None)
    return parse_record(record, line, epoch, seq, where)


def parse_record(record: MeasurementRecord, line: str, epoch: dt.datetime, seq: int, where: str) -> Incoming:
    """A record of ``line`` already validated (:func:`parse_line`'s second half) -> a measurement
    or a rejection naming the fault."""
    try:
        m = from_record(record, epoch, seq=seq)
        return Accepted(seq, m.t_report_s if m.t_report_s is not None else m.t_s, measurement=m,
                        record_id=record.record_id)
    except InputError as exc:
        fld, reason, problem = exc.field, "schema", printable(exc.problem, 300)
    except (MissilewatchError, ValueError, TypeError, OverflowError) as exc:
        fld, reason, problem = "time_utc", "schema", printable(str(exc), 300)
    return Rejected(seq, float("-inf"), raw=printable(line.rstrip("\n"), 2000), error=f"{where}: {fld}: {problem}",
                    field=fld, reason=reason, sensor_id=record.sensor_id)


def parse_raw(rec: RawRecord, epoch: dt.datetime) -> Incoming:
    """One record of a file (see :mod:`missilewatch.pipeline.lines`) -> an item; seq = line - 1."""
    where = f"line {rec.lineno}"
    if rec.text is None:
        return Rejected(rec.lineno - 1, float("-inf"), raw=None, error=f"{where}: {rec.field}: {rec.problem}",
                        field=rec.field, reason="unreadable" if rec.field == "encoding" else "oversize")
    return parse_line(rec.text, epoch, rec.lineno - 1, where)


class FileStream:
    """The items of a ``measurements.jsonl`` file, read lazily record by record each time it is
    iterated (memory flat in the file's size); ``len`` counts the records in one pass."""

    def __init__(self, path: Path, epoch: dt.datetime) -> None:
        self.path = path
        self.epoch = epoch
        self._len: int | None = None

    def __iter__(self) -> Iterator[Incoming]:
        for rec in iter_records(self.path):
            yield parse_raw(rec, self.epoch)

    def __len__(self) -> int:
        if self._len is None:
            self._len = count_records(self.path)
        return self._len


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


def _accepted(m: Measurement) -> Accepted:
    """``Incoming(m.seq, report time, measurement=m)`` (an :class:`Accepted`, every field as its
    constructor sets it) without the frozen dataclass's field-by-field set-up: made once per
    simulated measurement, thousands per campaign run."""
    item = object.__new__(Accepted)
    item.__dict__.update(seq=m.seq, t_report_s=m.t_report_s if m.t_report_s is not None else m.t_s, measurement=m,
                         raw=None, error=None, field="", reason="", sensor_id=None, record_id=None)
    return item


def from_simulation(result: SimulationResult, name: str) -> WatchInput:
    """A stream from a simulation run (measurements in stream order, all valid)."""
    items = tuple(_accepted(m) for m in from_stream(result.stream))
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


def _file_epoch(jsonl: Path) -> dt.datetime:
    text = first_epoch_text(jsonl)
    if text is not None:
        try:
            return parse_utc(text)
        except (ValueError, OverflowError) as exc:
            raise InputError("epoch_utc", printable(text), f"is not a UTC time ({exc})") from None
    first = None
    for t in time_texts(jsonl):
        try:
            value = parse_utc(t)
        except (ValueError, OverflowError, MissilewatchError):
            continue
        first = value if first is None or value < first else first
    if first is None:
        raise InputError("input", str(jsonl), "holds no readable measurement")
    return first


def from_directory(path: Path) -> WatchInput:
    """A stream from ``DIR/measurements.jsonl`` (and ``DIR/truth.parquet`` when present), read
    lazily. The sensors of ``DIR/scenario.yaml`` (else the catalogue) are the known ones."""
    jsonl = path / "measurements.jsonl"
    if not jsonl.is_file():
        raise InputError("input", str(path), "directory has no measurements.jsonl")
    epoch = _file_epoch(jsonl)
    truth_path = path / "truth.parquet"
    truth = _truth_from_parquet(truth_path) if truth_path.is_file() else ()
    scenario = path / "scenario.yaml"
    text = read_limited(scenario, "scenario.yaml") if scenario.is_file() else None
    sensors = None
    if text is not None:
        try:
            sensors = registry_from_specs(parse_scenario_text(text, str(scenario)).sensor_specs())
        except MissilewatchError:
            sensors = None  # a damaged scenario file: fall back on the catalogue
    return WatchInput(name=path.name, epoch=epoch, items=FileStream(jsonl, epoch), truth=truth,
                      scenario_text=text, sensors=sensors or catalogue_registry())


def load_input(target: str | None, seed: int | None = None, progress=None) -> WatchInput:
    """A built-in scenario name, a scenario YAML file or a measurement directory (default 2022-10-04)."""
    target = target or DEFAULT_SCENARIO
    path = Path(target)
    if path.is_dir():
        return from_directory(path)
    if target in builtin_names() or path.suffix.lower() in (".yaml", ".yml"):
        spec = load(target)
        result = simulate(spec, seed=seed, progress=progress)
        inp = from_simulation(result, spec.name if getattr(spec, "name", None) else target)
        return replace(inp, sensors=registry_from_specs(spec.sensor_specs()))
    raise InputError("input", target, f"is not a directory, a .yaml file or a built-in scenario "
                     f"({', '.join(builtin_names())})")

"""The simulator: fly every launch, let every sensor look, merge the measurements.

Reproducible: every random draw comes from a ``numpy.random.Generator`` seeded with
``[seed, crc32(name)]`` per sensor (and per break-up), so the same seed gives the same
measurements, and adding or removing one sensor leaves the others' draws unchanged.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from missilewatch.scenarios.launches import ResolvedLaunch, TruthObject, resolve_launch
from missilewatch.scenarios.schema import ScenarioSpec
from missilewatch.sensors.measurements import MeasurementStream, merge
from missilewatch.sensors.spec import InfraredSpec, RadarSpec
from missilewatch.sensors.targets import TargetTruth

#: progress(step description, steps done, total steps)
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SimulationResult:
    """Truth and measurements of one run."""

    scenario: ScenarioSpec
    seed: int
    epoch: dt.datetime
    t_end_s: float
    launches: tuple[ResolvedLaunch, ...]
    sensors: tuple[RadarSpec | InfraredSpec, ...]
    stream: MeasurementStream

    @property
    def objects(self) -> list[TruthObject]:
        return [o for la in self.launches for o in la.objects]


def sensor_rng(seed: int, name: str) -> np.random.Generator:
    """The generator of one named random stream of a run."""
    return np.random.default_rng([int(seed), zlib.crc32(name.encode("utf-8"))])


def simulate(spec: ScenarioSpec, seed: int | None = None, progress: Progress | None = None) -> SimulationResult:
    """Simulate a scenario; ``seed`` overrides the file's."""
    seed = spec.seed if seed is None else int(seed)
    sensors = spec.sensor_specs()
    total = len(spec.launches) + len(sensors)
    done = 0

    def tick(label: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(label, done, total)

    if progress is not None:
        progress("flying launches", 0, total)
    launches = []
    for i, la in enumerate(spec.launches):
        launches.append(resolve_launch(la, spec.launch_t_s(la), spec.truth_dt_s, seed, f"launches[{i}]"))
        tick(f"flew {la.id}")
    objects = [o for la in launches for o in la.objects]
    targets = [TargetTruth(o.object_id, o.t_s, o.r_ecef, o.v_ecef, o.thrust_end_s, o.rcs_scale)
               for o in objects]
    t_end = max(float(o.t_s[-1]) for o in objects) + spec.end_margin_s
    batches = []
    for s in sensors:
        model = s.build()
        batches.append(model.observe(targets, 0.0, t_end, sensor_rng(seed, f"sensor:{s.id}")))
        tick(f"sensor {s.id}")
    return SimulationResult(spec, seed, spec.epoch_utc, t_end, tuple(launches), tuple(sensors), merge(batches))

"""The watch's edge: what every measurement passes before the tracker sees it.

In order: physical plausibility against the sensor registry (:mod:`.plausibility`); the
stream's time window (:mod:`.clock`); duplicates (same sensor, time and values, or same
record id, within the out-of-sequence window) dropped; the sensor's health (:mod:`.health`):
a quarantined sensor's measurements are refused. Every refusal is a :class:`Rejected` item
with the field and a reason code, counted per sensor and reason.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from missilewatch.pipeline.clock import ClockConfig, StreamClock
from missilewatch.pipeline.health import HealthChange, HealthConfig, SensorHealth
from missilewatch.pipeline.plausibility import Fault, check_values
from missilewatch.pipeline.registry import SensorRegistry, catalogue_registry
from missilewatch.pipeline.source import Incoming, Rejected


@dataclass(frozen=True)
class EdgeConfig:
    """Settings of the edge: the time window, sensor health, and the policy for sensors that
    are not registered (``unknown_sensors``: None keeps the registry's, else reject/accept)."""

    clock: ClockConfig = field(default_factory=ClockConfig)
    health: HealthConfig = field(default_factory=HealthConfig)
    unknown_sensors: str | None = None


@dataclass
class EdgeResult:
    """Items decided by one call (in order) and the health changes it caused."""

    items: list[Incoming] = field(default_factory=list)
    changes: list[HealthChange] = field(default_factory=list)


class Edge:
    """The checks in front of the tracker; ``references()`` gives the confirmed tracks'
    snapshots for the sensors' residuals; ``external_clock`` the live clock (s from epoch)."""

    def __init__(self, registry: SensorRegistry | None = None, config: EdgeConfig | None = None,
                 references: Callable[[], Iterable] | None = None,
                 external_clock: Callable[[], float] | None = None) -> None:
        self.config = config or EdgeConfig()
        registry = registry if registry is not None else catalogue_registry()
        if self.config.unknown_sensors is not None:
            registry = registry.with_policy(self.config.unknown_sensors)
        self.registry = registry
        self.clock = StreamClock(self.config.clock, external_clock)
        self.health = SensorHealth(self.config.health)
        self._references = references or (lambda: ())
        self._seen: set[tuple] = set()
        self._seen_order: deque[tuple[float, tuple]] = deque()
        self.counts: Counter[tuple[str, str]] = Counter()  # (sensor or "-", reason) -> n
        self.duplicates = 0

    # -- one item ----------------------------------------------------------------------------

    def admit(self, item: Incoming) -> EdgeResult:
        """Decide an item (it may be held by the clock and decided later)."""
        out = EdgeResult()
        if not item.accepted:
            self._count(item)
            out.items.append(item)
            return out
        m = item.measurement
        assert m is not None
        fault = check_values(m, self.registry)
        if fault is not None:
            self._refuse(out, item, fault)
            return out
        if self.health.quarantined(m.sensor_id):
            fault = self.clock.judge(m)
            if fault is not None:
                self._refuse(out, item, fault)
                return out
            self._residual(out, m)
            self._note(out, self.health.verdict(m.sensor_id, self._now(m), None))
            if self.health.quarantined(m.sensor_id):
                self._refuse(out, item, Fault("sensor_id", "quarantined", f"{m.sensor_id} is quarantined"),
                             verdict=False)
                return out
            self._pass(out, item, residual_done=True)
            return out
        for it, f in self.clock.admit(item, m):
            if f is not None:
                self._refuse(out, it, f)
            else:
                self._pass(out, it)
        return out

    def flush(self) -> EdgeResult:
        """End of the stream: decide every held item."""
        out = EdgeResult()
        for it, f in self.clock.flush():
            if f is not None:
                self._refuse(out, it, f)
            else:
                self._pass(out, it)
        return out

    # -- internals -------------------------------------------------------------------------

    def _pass(self, out: EdgeResult, item: Incoming, residual_done: bool = False) -> None:
        m = item.measurement
        assert m is not None
        if self._duplicate(item):
            self.duplicates += 1
            rej = item.rejected("record", "duplicate", "the same measurement was already received")
            self._count(rej)
            out.items.append(rej)
            return
        if not residual_done:
            self._residual(out, m)
            if self.health.quarantined(m.sensor_id):
                self._refuse(out, item, Fault("sensor_id", "quarantined", f"{m.sensor_id} is quarantined"),
                             verdict=False)
                return
            self._note(out, self.health.verdict(m.sensor_id, self._now(m), None))
        out.items.append(item)

    def _residual(self, out: EdgeResult, m) -> None:
        self._note(out, self.health.residual(m, self._references, self._now(m)))

    def _now(self, m) -> float:
        """The stream's time for health events (the clock; a measurement's own time may lie)."""
        now = self.clock.time_now()
        return now if math.isfinite(now) else m.t_report_s

    def _refuse(self, out: EdgeResult, item: Incoming, fault: Fault, verdict: bool = True) -> None:
        rej = item.rejected(fault.field, fault.reason, fault.problem)
        if verdict and fault.reason not in ("unknown_sensor", "quarantined") and rej.sensor_id:
            self._note(out, self.health.verdict(rej.sensor_id, self._now(item.measurement), fault.reason,
                                                fault.off_s))
        self._count(rej)
        out.items.append(rej)

    def _note(self, out: EdgeResult, change: HealthChange | None) -> None:
        if change is not None:
            out.changes.append(change)

    def _count(self, rej: Incoming) -> None:
        self.counts[(rej.sensor_id or "-", rej.reason or "invalid")] += 1

    def _duplicate(self, item: Incoming) -> bool:
        m = item.measurement
        assert m is not None
        keys: list[tuple] = [("v", m.sensor_id, m.mtype, m.t_s, m.z.tobytes())]
        if item.record_id:
            keys.append(("id", m.sensor_id, item.record_id))
        if any(k in self._seen for k in keys):
            return True
        for k in keys:
            self._seen.add(k)
            self._seen_order.append((m.t_s, k))
        horizon = self.clock.time_now() - self.config.clock.max_age_s - self.config.clock.future_tolerance_s
        while self._seen_order and self._seen_order[0][0] < horizon:
            self._seen.discard(self._seen_order.popleft()[1])
        return False

    def counts_by_sensor(self) -> dict[str, dict[str, int]]:
        """{sensor: {reason: n}} of everything refused or dropped ("-": no sensor readable)."""
        out: dict[str, dict[str, int]] = {}
        for (sensor, reason), n in sorted(self.counts.items()):
            out.setdefault(sensor, {})[reason] = n
        return out


__all__ = ["Edge", "EdgeConfig", "EdgeResult", "Rejected"]

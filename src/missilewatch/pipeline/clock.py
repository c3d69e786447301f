"""The stream's clock, and the time window a measurement must fall in.

A measurement is taken when its report time is not before its time of validity, is not
ahead of the stream's clock by more than ``future_tolerance_s``, and its time of validity is
not older than the out-of-sequence window ``max_age_s`` behind the clock.

Live, the clock is the wall clock (``external``). Replaying a file, the clock is what the
stream itself says, made robust against a few lying records: an item ahead of the clock is
held, not believed, and the clock moves on to it only when the stream as a whole moved on
(the last ``corroborate`` arrivals were all ahead, consistent with one another and came from
at least two sensors; or ``corroborate_single`` such arrivals from one sensor, as after a
coverage gap seen by one radar). A held item that the stream does not follow within
``hold_expiry`` arrivals is refused as ahead of the clock. Times in s from the epoch.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from missilewatch.errors import InputError
from missilewatch.pipeline.plausibility import Fault


@dataclass(frozen=True)
class ClockConfig:
    """Time window of the edge (s) and how the replay clock is corroborated (counts)."""

    future_tolerance_s: float = 30.0
    max_age_s: float = 30.0
    report_skew_s: float = 0.5
    corroborate: int = 3
    corroborate_single: int = 12
    hold_expiry: int = 20
    max_held: int = 512

    def __post_init__(self) -> None:
        for name in ("future_tolerance_s", "max_age_s", "report_skew_s"):
            v = getattr(self, name)
            if not (v >= 0 and math.isfinite(v)):
                raise InputError(name, v, "must be a finite number >= 0 s")
        for name in ("corroborate", "corroborate_single", "hold_expiry", "max_held"):
            if getattr(self, name) < 1:
                raise InputError(name, getattr(self, name), "must be >= 1")


@dataclass
class _Held:
    item: Any
    t_report_s: float
    sensor_id: str
    waited: int = 0


class StreamClock:
    """The clock and the items it holds; :meth:`admit` returns (item, fault or None) pairs
    ready now, in order."""

    def __init__(self, config: ClockConfig | None = None, external: Callable[[], float] | None = None) -> None:
        self.config = config or ClockConfig()
        self.external = external
        self.now = -math.inf
        self._held: list[_Held] = []
        self._recent: deque[tuple[bool, float, str]] = deque(maxlen=max(self.config.corroborate,
                                                                         self.config.corroborate_single))

    @property
    def held(self) -> int:
        return len(self._held)

    def time_now(self) -> float:
        return self.external() if self.external is not None else self.now

    def _static(self, m) -> Fault | None:
        """Faults of the two times alone, whatever the clock."""
        cfg = self.config
        if m.t_report_s < m.t_s - cfg.report_skew_s:
            return Fault("report_time_utc", "report_before_measurement",
                         f"reported {m.t_s - m.t_report_s:,.3f} s before it was measured", m.t_s - m.t_report_s)
        if m.t_report_s - m.t_s > cfg.max_age_s:
            return Fault("time_utc", "too_old", f"measured {m.t_report_s - m.t_s:,.1f} s before it was reported "
                         f"(out-of-sequence window {cfg.max_age_s:g} s)", m.t_report_s - m.t_s)
        return None

    def _window(self, m) -> Fault | None:
        """Faults of the two times (:meth:`_static`), then of the measurement against the clock."""
        fault = self._static(m)
        if fault is not None:
            return fault
        cfg = self.config
        now = self.time_now()
        if math.isfinite(now) and m.t_s < now - cfg.max_age_s:
            return Fault("time_utc", "too_old", f"{now - m.t_s:,.1f} s older than the stream clock "
                         f"(out-of-sequence window {cfg.max_age_s:g} s)", now - m.t_s)
        return None

    def _ahead(self, t_report_s: float) -> bool:
        return not t_report_s <= self.time_now() + self.config.future_tolerance_s

    def judge(self, m) -> Fault | None:
        """The verdict on ``m`` now, without holding it or moving the clock (for a sensor
        already quarantined, whose reports must not steer the clock)."""
        if math.isfinite(self.time_now()) and self._ahead(m.t_report_s):
            return self._future_fault(m.t_report_s)
        return self._window(m)

    def admit(self, item: Any, m: Any) -> list[tuple[Any, Fault | None]]:
        """Take one parsed item (``m`` its measurement); return the items decided now."""
        out: list[tuple[Any, Fault | None]] = []
        static = self._static(m)
        if static is not None:
            return [(item, static)]
        if self.external is not None:
            if self._ahead(m.t_report_s):
                return [(item, self._future_fault(m.t_report_s))]
            return [(item, self._window(m))]
        if self._ahead(m.t_report_s):
            if len(self._held) >= self.config.max_held:
                return [(item, self._future_fault(m.t_report_s))]
            self._held.append(_Held(item, m.t_report_s, m.sensor_id))
            self._recent.append((True, m.t_report_s, m.sensor_id))
            if self._moved_on():
                out.extend(self._release())
            return out
        self._recent.append((False, m.t_report_s, m.sensor_id))
        fault = self._window(m)
        if fault is None:
            self.now = max(self.now, m.t_report_s)
        out.append((item, fault))
        out.extend(self._age_held())
        return out

    def flush(self) -> list[tuple[Any, Fault | None]]:
        """End of the stream: release the largest consistent group of held items, refuse the rest."""
        if not self._held:
            return []
        if not math.isfinite(self.now):
            groups = self._groups(sorted(self._held, key=lambda h: h.t_report_s))
            best = max(groups, key=len)
            self.now = best[0].t_report_s
        out = self._release()
        out.extend((h.item, self._future_fault(h.t_report_s)) for h in self._held)
        self._held.clear()
        return out

    # -- internals -------------------------------------------------------------------------

    def _future_fault(self, t_report_s: float) -> Fault:
        now = self.time_now()
        ahead = "an unset clock" if not math.isfinite(now) else f"{t_report_s - now:,.1f} s ahead of the stream clock"
        return Fault("report_time_utc", "future", f"reported time is {ahead} "
                     f"(tolerance {self.config.future_tolerance_s:g} s)",
                     t_report_s - now if math.isfinite(now) else math.inf)

    def _groups(self, held: list[_Held]) -> list[list[_Held]]:
        groups: list[list[_Held]] = []
        for h in held:
            if groups and h.t_report_s - groups[-1][-1].t_report_s <= self.config.future_tolerance_s:
                groups[-1].append(h)
            else:
                groups.append([h])
        return groups

    def _moved_on(self) -> bool:
        cfg = self.config
        recent = list(self._recent)
        for k, min_sensors in ((cfg.corroborate, 2), (cfg.corroborate_single, 1)):
            last = recent[-k:]
            if len(last) < k or not all(flag for flag, _, _ in last):
                continue
            times = sorted(t for _, t, _ in last)
            widest = max((b - a for a, b in zip(times, times[1:], strict=False)), default=0.0)
            if widest > cfg.future_tolerance_s:
                continue
            if len({s for _, _, s in last}) >= min_sensors:
                self.now = max(self.now, times[0])
                return True
        return False

    def _release(self) -> list[tuple[Any, Fault | None]]:
        out = []
        keep = []
        for h in sorted(self._held, key=lambda h: h.t_report_s):
            if h.t_report_s <= self.now + self.config.future_tolerance_s:
                m = h.item.measurement
                fault = self._window(m)
                if fault is None:
                    self.now = max(self.now, h.t_report_s)
                out.append((h.item, fault))
            else:
                keep.append(h)
        self._held = keep
        self._recent.clear()
        return out

    def _age_held(self) -> list[tuple[Any, Fault | None]]:
        if not self._held:
            return []
        out = []
        keep = []
        for h in self._held:
            h.waited += 1
            if h.t_report_s <= self.now + self.config.future_tolerance_s:
                fault = self._window(h.item.measurement)
                if fault is None:
                    self.now = max(self.now, h.t_report_s)
                out.append((h.item, fault))
            elif h.waited >= self.config.hold_expiry:
                out.append((h.item, self._future_fault(h.t_report_s)))
            else:
                keep.append(h)
        self._held = keep
        return out

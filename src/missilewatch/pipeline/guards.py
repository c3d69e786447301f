"""Guards of the watch's alerts and bookkeeping that bad input must not break.

- :class:`LostTrackGuard`: a track deleted as lost while its alerts are out keeps them until
  its latest possible impact time has passed (no all-clear while it may still be in flight).
- :func:`alert_prefix`: alert identifiers scoped to one run (unique across runs, restarts
  and nodes).
- :class:`RejectLog`: rejections counted without limit, kept in memory up to a bound.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator

import numpy as np

#: Standard deviations of the impact time taken as "latest possible" when samples say less.
IMPACT_TIME_SIGMAS = 4.0


def alert_prefix(scope: str | None = None) -> str:
    """``missilewatch-<scope>``: ``scope`` names the run or node (a fresh random one if None)."""
    scope = scope or uuid.uuid4().hex[:12]
    return f"missilewatch-{scope}"


def latest_impact_s(log) -> float | None:
    """Latest time (s from the epoch) a track's last prediction allows it to fall, or None."""
    if not log.predictions:
        return None
    p = log.predictions[-1].prediction
    times = [p.t_impact_s + IMPACT_TIME_SIGMAS * max(p.t_impact_sigma_s, 0.0)]
    samples = np.asarray(p.samples_t_impact_s, float)
    samples = samples[np.isfinite(samples)]
    if samples.size:
        times.append(float(samples.max()))
    out = max(t for t in times if math.isfinite(t)) if any(math.isfinite(t) for t in times) else None
    return out


class LostTrackGuard:
    """Holds the alerts of lost tracks until their latest possible impact time."""

    def __init__(self) -> None:
        self.until: dict[int, float] = {}

    def hold(self, log, reason: str) -> float | None:
        """Hold ``log``'s alerts if it was lost with regions under alert; the time held until."""
        if not reason.startswith("lost") or log.last_plan is None or not log.last_plan.regions:
            return None
        until = latest_impact_s(log)
        if until is None:
            return None
        self.until[log.track_id] = until
        return until

    def held(self, track_id: int) -> bool:
        return track_id in self.until

    def due(self, clock_s: float) -> list[int]:
        """Tracks whose hold has expired by ``clock_s`` (and are no longer held)."""
        done = [tid for tid, t in self.until.items() if clock_s >= t]
        for tid in done:
            del self.until[tid]
        return done

    def release(self, track_id: int) -> None:
        self.until.pop(track_id, None)


class RejectLog:
    """Rejected items: ``len`` counts all; the first ``keep`` are kept for summaries."""

    def __init__(self, keep: int = 1000) -> None:
        self.keep = keep
        self.count = 0
        self.items: list = []

    def append(self, item) -> None:
        self.count += 1
        if len(self.items) < self.keep:
            self.items.append(item)

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator:
        return iter(self.items)

    def __getitem__(self, index):
        return self.items[index]


def health_text(change) -> str:
    """Operator's words for a sensor quarantined or released."""
    if change.quarantined:
        return f"sensor {change.sensor_id} quarantined: {change.reason}"
    return f"sensor {change.sensor_id} released from quarantine: {change.reason}"


def hand_over(tracks: dict, log, reason: str) -> bool:
    """A track with alerts merged (``reason`` "merged into track N") into a track without any:
    the keeper goes on with the dropped track's alerts (its plan and launch id: one launch, one
    alert series) instead of the dropped track closing them and the keeper issuing anew.
    ``tracks``: the watch's track logs by id. True when handed over (the dropped log is closed)."""
    keeper = tracks.get(int(reason.rsplit(" ", 1)[1])) if reason.startswith("merged into track ") else None
    if keeper is None or log.closed or log.last_plan is None or keeper.last_plan is not None or keeper.closed:
        return False
    keeper.carries, keeper.last_plan, log.closed = log.carries or log.launch_id, log.last_plan, True
    return True

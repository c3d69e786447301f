"""Merging of duplicate tracks of one object.

Two tracks whose positions and velocities, predicted to the later of their two times, agree
within the chi-square ``probability`` (6 dof) are one object: the confirmed (then the older)
identity survives and takes the better estimate (smaller predicted position covariance trace)
with its history, the union of sensors and the earlier origin.

A pair's test depends on the two tracks alone, so a pass tests only the pairs with a track
that changed since the previous pass (an update, a new track), and pairs whose cheap bounds
(:mod:`bound_kernels`) are certainly apart are not predicted at all: the cost of a pass grows
with the number of tracks, not with its square.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from missilewatch.errors import InputError
from missilewatch.tracking.association import chi2_quantile
from missilewatch.tracking.track_state import CONFIRMED, TrackState


@dataclass(frozen=True)
class MergeSettings:
    """Settings of track merging."""

    #: Chi-square probability (6 dof: position and velocity) within which two tracks are one.
    probability: float = 0.999

    def __post_init__(self) -> None:
        if not 0 < self.probability < 1:
            raise InputError("merge_probability", self.probability, "must be in (0, 1)")

    @cached_property
    def gate(self) -> float:
        return chi2_quantile(self.probability, 6)


#: ``candidates(tracks, dirty, gate) -> (pairs (P, 2), times (P,))``: pairs i < j (one of them
#: dirty) that may be within the gate at the later of their times.
Candidates = Callable[[list[TrackState], np.ndarray, float], tuple[np.ndarray, np.ndarray]]
#: ``distances(tracks, pairs, times) -> (q (P,), position covariance traces (P, 2))``.
Distances = Callable[[list[TrackState], np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def _rank(tr: TrackState) -> tuple[bool, float, int]:
    return (tr.status == CONFIRMED, -tr.born_t, -tr.id)


def absorb(keep: TrackState, drop: TrackState, trace_keep: float, trace_drop: float) -> None:
    """``keep`` takes over what ``drop`` knows (better estimate, sensors, origin, counts)."""
    if trace_drop < trace_keep:
        keep.set_estimate(drop.xs, drop.Ps, drop.mu, drop.t)
        keep.history = drop.history
        keep.last_boost_t = drop.last_boost_t
    keep.sensors |= drop.sensors
    keep.last_update_t = max(keep.last_update_t, drop.last_update_t)
    keep.last_report_t = max(keep.last_report_t, drop.last_report_t)
    keep.n_updates += drop.n_updates
    if drop.born_t < keep.born_t:
        keep.origin = drop.origin
        keep.born_t = drop.born_t
        keep.launch_detected = keep.launch_detected or drop.launch_detected
    keep.changed()


class Merger:
    """Merging of duplicates (module docstring)."""

    def __init__(self, settings: MergeSettings) -> None:
        self.settings = settings
        self._seen: dict[int, int] = {}

    def merge(self, tracks: list[TrackState], candidates: Candidates, distances: Distances,
              merged: Callable[[TrackState, TrackState], None]) -> list[TrackState]:
        """The tracks left after merging; ``merged(keep, drop)`` is told of each merge."""
        seen = self._seen
        dirty = np.array([seen.get(tr.id) != tr.version for tr in tracks], dtype=bool)
        out = tracks
        if len(tracks) >= 2 and dirty.any():
            gate = self.settings.gate
            pairs, times = candidates(tracks, dirty, gate)
            if len(pairs):
                out = self._merge_pairs(tracks, pairs, *distances(tracks, pairs, times), merged)
        self._seen = {tr.id: tr.version for tr in out}
        return out

    def _merge_pairs(self, tracks: list[TrackState], pairs: np.ndarray, q: np.ndarray, traces: np.ndarray,
                     merged: Callable[[TrackState, TrackState], None]) -> list[TrackState]:
        gate = self.settings.gate
        gone: set[int] = set()
        for (i, j), qk, (tr_i, tr_j) in zip(pairs.tolist(), q.tolist(), traces.tolist(), strict=True):
            if i in gone or j in gone or not qk <= gate:
                continue
            if _rank(tracks[i]) > _rank(tracks[j]):
                keep, drop, k_drop, t_keep, t_drop = tracks[i], tracks[j], j, tr_i, tr_j
            else:
                keep, drop, k_drop, t_keep, t_drop = tracks[j], tracks[i], i, tr_j, tr_i
            absorb(keep, drop, t_keep, t_drop)
            gone.add(k_drop)
            merged(keep, drop)
        return [tr for k, tr in enumerate(tracks) if k not in gone] if gone else tracks

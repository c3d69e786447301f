"""Merging of duplicate tracks of one object.

Two tracks whose positions and velocities, predicted to the latest track time, agree within
the chi-square ``probability`` (6 dof) are one object: the confirmed (then the older) identity
survives and takes the better estimate (smaller position covariance trace) with its history,
the union of sensors and the earlier origin. Pairs whose cheap bounds (:mod:`bound_kernels`)
are certainly apart are not tested.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.stats import chi2

from missilewatch.errors import InputError
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
        return float(chi2.ppf(self.probability, 6))


#: Combined prediction (x, P) of a track to a time.
Predict = Callable[[TrackState, float], tuple[np.ndarray, np.ndarray]]
#: Index pairs (i, j), i < j, of tracks that may be within a gate at a time (cheap bound).
Candidates = Callable[[list[TrackState], float, float], np.ndarray]


def _rank(tr: TrackState) -> tuple[bool, float, int]:
    return (tr.status == CONFIRMED, -tr.born_t, -tr.id)


def absorb(keep: TrackState, drop: TrackState, pred_keep_P: np.ndarray, pred_drop_P: np.ndarray) -> None:
    """``keep`` takes over what ``drop`` knows (better estimate, sensors, origin, counts)."""
    if np.trace(pred_drop_P[0:3, 0:3]) < np.trace(pred_keep_P[0:3, 0:3]):
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

    def merge(self, tracks: list[TrackState], predict: Predict, candidates: Candidates,
              merged: Callable[[TrackState, TrackState], None]) -> list[TrackState]:
        """The tracks left after merging; ``merged(keep, drop)`` is told of each merge."""
        if len(tracks) < 2:
            return tracks
        t = max(tr.t for tr in tracks)
        gate = self.settings.gate
        pairs = candidates(tracks, t, gate)
        if len(pairs) == 0:
            return tracks
        pred: dict[int, tuple[np.ndarray, np.ndarray]] = {}

        def at(k: int) -> tuple[np.ndarray, np.ndarray]:
            if k not in pred:
                pred[k] = predict(tracks[k], t)
            return pred[k]

        gone: set[int] = set()
        for i, j in pairs.tolist():
            if i in gone or j in gone:
                continue
            (xa, Pa), (xb, Pb) = at(i), at(j)
            d = xa[0:6] - xb[0:6]
            try:
                q = float(d @ np.linalg.solve(Pa[0:6, 0:6] + Pb[0:6, 0:6], d))
            except np.linalg.LinAlgError:
                continue
            if q > gate:
                continue
            (k_keep, keep), (k_drop, drop) = ((i, tracks[i]), (j, tracks[j])) \
                if _rank(tracks[i]) > _rank(tracks[j]) else ((j, tracks[j]), (i, tracks[i]))
            absorb(keep, drop, at(k_keep)[1], at(k_drop)[1])
            gone.add(k_drop)
            merged(keep, drop)
        return [tr for k, tr in enumerate(tracks) if k not in gone]

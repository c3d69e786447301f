"""Confirmation of tentative tracks: M hits among the first N scans of the sensors that have
detected the track (a scan is seen when its sensor reports anything at that time).

Confirmation waits while the track's position is within a chi-square gate of a confirmed
track's (a duplicate about to be merged, e.g. radar detections of a missile whose infrared
track has not yet seen its burnout).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from missilewatch.errors import InputError
from missilewatch.tracking import bound_kernels as bk
from missilewatch.tracking.association import chi2_quantile
from missilewatch.tracking.track_state import CONFIRMED, TrackState


@dataclass(frozen=True)
class ConfirmationSettings:
    """Settings of M-of-N confirmation."""

    #: Hits needed ...
    m: int = 4
    #: ... among the first n scans that could have seen the track.
    n: int = 6
    #: Chi-square probability (3 dof, positions) within which a confirmed track holds off
    #: the confirmation of a tentative one.
    duplicate_probability: float = 0.99999

    def __post_init__(self) -> None:
        if not 1 <= self.m <= self.n:
            raise InputError("confirm_m", self.m, f"must be in [1, confirm_n={self.n}]")
        if not 0 < self.duplicate_probability < 1:
            raise InputError("duplicate_probability", self.duplicate_probability, "must be in (0, 1)")

    @cached_property
    def duplicate_gate(self) -> float:
        return chi2_quantile(self.duplicate_probability, 3)


#: ``near(a, b, gate) -> bool``: the positions of two tracks, predicted to the later of their
#: times, within a chi-square ``gate`` (3 dof).
NearTest = Callable[[TrackState, TrackState, float], bool]


class MofNConfirmer:
    """M-of-N confirmation (module docstring)."""

    def __init__(self, settings: ConfirmationSettings) -> None:
        self.settings = settings

    def hit(self, tr: TrackState) -> None:
        """The track was updated in a scan."""
        if tr.tentative and len(tr.opportunities) < self.settings.n:
            tr.opportunities.append(True)

    def missed(self, tracks: Iterable[TrackState], sensor_id: str, t: float, hit: set[int]) -> list[TrackState]:
        """A scan of ``sensor_id`` at ``t`` without these tentative tracks (ids not in ``hit``)
        that the sensor has seen before; returns the tracks that counted a miss."""
        n = self.settings.n
        out = []
        for tr in tracks:
            if (tr.status != CONFIRMED and tr.id not in hit and sensor_id in tr.sensors and t > tr.born_t
                    and len(tr.opportunities) < n):
                tr.opportunities.append(False)
                out.append(tr)
        return out

    def ready(self, tr: TrackState, tracks: Iterable[TrackState], near: NearTest) -> bool:
        """True when the tentative track has its M hits and no confirmed track is near it."""
        if not tr.tentative or sum(tr.opportunities) < self.settings.m:
            return False
        gate = self.settings.duplicate_gate
        return not any(o is not tr and o.status == CONFIRMED and near(tr, o, gate) for o in tracks)

    def failed(self, tr: TrackState) -> str:
        """Why the tentative track can no longer get its M hits among N scans ("" if it can)."""
        s = self.settings
        if len(tr.opportunities) >= s.n and sum(tr.opportunities) < s.m:
            return f"not confirmed: fewer than {s.m} of {s.n}"
        return ""


def certainly_apart(bound_a: np.ndarray, bound_b: np.ndarray, gate: float) -> bool:
    """Two tracks' cheap bounds (:mod:`bound_kernels`) at one time are farther apart than the
    chi-square ``gate`` of their positions."""
    return bool(bk.apart(bound_a, bound_b, gate))


def positions_within(xa: np.ndarray, Pa: np.ndarray, xb: np.ndarray, Pb: np.ndarray, gate: float) -> bool:
    """Chi-square test of two position estimates (3 dof): within ``gate``."""
    d = xa[0:3] - xb[0:3]
    try:
        q = float(d @ np.linalg.solve(Pa[0:3, 0:3] + Pb[0:3, 0:3], d))
    except np.linalg.LinAlgError:
        return False
    return q <= gate

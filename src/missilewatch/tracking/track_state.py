"""Tracks as the tracker keeps them and as it shows them.

- :class:`TrackSnapshot`, :class:`TrackEvent`, :class:`TrackerOutput`: what ``Tracker.process``
  returns (frozen; a snapshot is taken once per change of its track and shared).
- :class:`TrackState`: the tracker's mutable record of one track; its IMM arrays are views into
  :class:`StateArrays`, one block of memory for all live tracks, so that gating, merging and
  deletion pass every track to a compiled kernel without copying.
- :class:`HistoryEntry`: one filtered measurement and the estimate after it (the out-of-sequence
  buffer's content).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from missilewatch.tracking.measurements import Measurement
from missilewatch.tracking.models import N_STATE, GaussianState


def frozen_instance(cls, /, **values):
    """An instance of the frozen dataclass ``cls`` with every one of its fields in ``values``,
    made without its ``__init__`` (which sets each field through ``object.__setattr__``): the
    tracker makes a snapshot and an event per update. No defaults are filled in."""
    obj = object.__new__(cls)
    obj.__dict__.update(values)
    return obj


TENTATIVE = "tentative"
CONFIRMED = "confirmed"
EVENT_KINDS = ("initiated", "confirmed", "updated", "deleted")

#: A track is "boosting" while the probability of the thrust models exceeds this: its alerts
#: wait, its coast limit is the boost one, and its IMM may restart a motor. Shared by the
#: tracker, the watch's alert gate and the prediction's phase choice.
BOOST_PROBABILITY_THRESHOLD = 0.5


@dataclass(frozen=True)
class TrackSnapshot:
    """A track as it stands: combined estimate, model probabilities and bookkeeping.

    ``origin_ecef``: the track's earliest position estimate (the launch-point end of the
    track); ``launch_detected``: initiated from an infrared launch detection.
    """

    track_id: int
    status: str
    state: GaussianState
    mode_probabilities: np.ndarray
    boost_probability: float
    n_updates: int
    sensors: tuple[str, ...]
    born_t_s: float
    confirmed_t_s: float | None
    last_update_t_s: float
    origin_ecef: np.ndarray
    launch_detected: bool

    @property
    def t_s(self) -> float:
        return self.state.t_s

    @property
    def confirmed(self) -> bool:
        return self.status == CONFIRMED

    @property
    def boosting(self) -> bool:
        """More likely boosting than not (BOOST_PROBABILITY_THRESHOLD)."""
        return self.boost_probability > BOOST_PROBABILITY_THRESHOLD


@dataclass(frozen=True)
class TrackEvent:
    """Something that happened to a track: ``kind`` in EVENT_KINDS, at time ``t_s`` (of the
    measurement, or the tracker clock for deletions), the track as it then stood, why (for
    deletions), and for updates the measurement's ``seq``, its NIS and degrees of freedom."""

    kind: str
    track_id: int
    t_s: float
    track: TrackSnapshot
    reason: str = ""
    measurement_seq: int = -1
    sensor_id: str = ""
    nis: float = math.nan
    nis_dof: int = 0


@dataclass(frozen=True)
class TrackerOutput:
    """Events of one ``process`` call and the tracks alive after it."""

    events: tuple[TrackEvent, ...]
    tracks: tuple[TrackSnapshot, ...]

    @property
    def confirmed(self) -> tuple[TrackSnapshot, ...]:
        return tuple(t for t in self.tracks if t.confirmed)


@dataclass
class HistoryEntry:
    """One filtered measurement of a track (``m`` None: the initial estimate) and the estimate
    after it: IMM arrays, the measurement's NIS, the last time the track was boosting."""

    t: float
    m: Measurement | None
    xs: np.ndarray
    Ps: np.ndarray
    mu: np.ndarray
    nis: float = math.nan
    last_boost_t: float = -math.inf


class StateArrays:
    """IMM estimates of all live tracks in one block: ``xs`` (cap, K, 8), ``Ps`` (cap, K, 8, 8),
    ``mu`` (cap, K), times ``t`` (cap,) s and last boosting times ``last_boost_t`` (cap,) s,
    one slot per track; freed slots are reused, and the block doubles when full."""

    def __init__(self, n_models: int, capacity: int = 16) -> None:
        self.n_models = n_models
        self.xs = np.zeros((capacity, n_models, N_STATE))
        self.Ps = np.zeros((capacity, n_models, N_STATE, N_STATE))
        self.mu = np.zeros((capacity, n_models))
        self.t = np.zeros(capacity)
        self.last_boost_t = np.full(capacity, -math.inf)
        self._free = list(range(capacity - 1, -1, -1))
        self.tracks: dict[int, TrackState] = {}

    def allocate(self, track: TrackState) -> int:
        """A slot for ``track`` (its arrays become views of it)."""
        if not self._free:
            self._grow()
        slot = self._free.pop()
        self.tracks[slot] = track
        return slot

    def release(self, slot: int) -> None:
        self.tracks.pop(slot, None)
        self._free.append(slot)

    def _grow(self) -> None:
        cap = self.t.size
        for name in ("xs", "Ps", "mu", "t", "last_boost_t"):
            old = getattr(self, name)
            new = np.zeros((2 * cap, *old.shape[1:])) if name != "last_boost_t" else np.full(2 * cap, -math.inf)
            new[:cap] = old
            setattr(self, name, new)
        self._free.extend(range(2 * cap - 1, cap - 1, -1))
        for slot, tr in self.tracks.items():
            tr.bind(self, slot)


class TrackState:
    """The tracker's record of one track (mutable). ``xs``, ``Ps``, ``mu`` are views of its
    slot in :class:`StateArrays`; ``t`` and ``last_boost_t`` read and write the slot too."""

    def __init__(self, track_id: int, arrays: StateArrays, xs: np.ndarray, Ps: np.ndarray, mu: np.ndarray,
                 t: float, *, sensors: set[str], opportunities: list[bool], t_report: float,
                 origin: np.ndarray, launch_detected: bool, n_updates: int) -> None:
        self.id = track_id
        self.status = TENTATIVE
        self.version = 0
        self.arrays: StateArrays | _Detached = arrays
        self.slot = arrays.allocate(self)
        self.bind(arrays, self.slot)
        self.set_estimate(xs, Ps, mu, t)
        self.last_boost_t = t
        self.born_t = t
        self.history = [HistoryEntry(t, None, xs.copy(), Ps.copy(), mu.copy(), math.nan, t)]
        self.opportunities = list(opportunities)
        self.sensors = set(sensors)
        self.last_update_t = t
        self.last_report_t = t_report
        self.origin = origin.copy()
        self.launch_detected = launch_detected
        self.n_updates = n_updates
        self.confirmed_t: float | None = None
        self._snapshot: TrackSnapshot | None = None
        self._snapshot_version = -1

    def bind(self, arrays: StateArrays | _Detached, slot: int) -> None:
        self.xs = arrays.xs[slot]
        self.Ps = arrays.Ps[slot]
        self.mu = arrays.mu[slot]

    @property
    def t(self) -> float:
        return float(self.arrays.t[self.slot])

    @t.setter
    def t(self, value: float) -> None:
        self.arrays.t[self.slot] = value

    @property
    def last_boost_t(self) -> float:
        return float(self.arrays.last_boost_t[self.slot])

    @last_boost_t.setter
    def last_boost_t(self, value: float) -> None:
        self.arrays.last_boost_t[self.slot] = value

    @property
    def tentative(self) -> bool:
        return self.status == TENTATIVE

    def set_estimate(self, xs: np.ndarray, Ps: np.ndarray, mu: np.ndarray, t: float) -> None:
        """Copy an estimate into the track's slot."""
        self.xs[...] = xs
        self.Ps[...] = Ps
        self.mu[...] = mu
        self.t = t
        self.version += 1

    def changed(self) -> None:
        """Mark the track changed (its next snapshot is taken anew)."""
        self.version += 1

    def release(self) -> None:
        """Give the slot back (the track is deleted); its arrays become private copies."""
        self.xs, self.Ps, self.mu = self.xs.copy(), self.Ps.copy(), self.mu.copy()
        t, lb = self.t, self.last_boost_t
        if isinstance(self.arrays, StateArrays):
            self.arrays.release(self.slot)
        self.arrays = _Detached(t, lb)
        self.slot = 0

    def snapshot(self, combine, boost_probability, combined: tuple[np.ndarray, np.ndarray] | None = None
                 ) -> TrackSnapshot:
        """The track as it stands (cached until it changes); ``combine(xs, Ps, mu) -> (x, P)``,
        ``boost_probability(mu) -> float``; ``combined``: the (x, P) of the estimate as it
        stands when the caller has it already (taken, not copied)."""
        if self._snapshot is not None and self._snapshot_version == self.version:
            return self._snapshot
        x, P = combine(self.xs, self.Ps, self.mu) if combined is None else combined
        snap = frozen_instance(
            TrackSnapshot, track_id=self.id, status=self.status, state=GaussianState.trusted(self.t, x, P),
            mode_probabilities=self.mu.copy(), boost_probability=boost_probability(self.mu),
            n_updates=self.n_updates, sensors=tuple(sorted(self.sensors)), born_t_s=self.born_t,
            confirmed_t_s=self.confirmed_t, last_update_t_s=self.last_update_t,
            origin_ecef=self.origin.copy(), launch_detected=self.launch_detected,
        )
        self._snapshot, self._snapshot_version = snap, self.version
        return snap


@dataclass
class _Detached:
    """Time and boost time of a deleted track (it no longer holds a slot)."""

    t_value: float
    lb_value: float
    t: np.ndarray = field(init=False)
    last_boost_t: np.ndarray = field(init=False)
    xs: np.ndarray = field(init=False)
    Ps: np.ndarray = field(init=False)
    mu: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.t = np.array([self.t_value])
        self.last_boost_t = np.array([self.lb_value])

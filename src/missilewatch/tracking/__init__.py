"""Tracking: filters on the ballistic dynamics (EKF, UKF, boost/ballistic IMM), radar and
infrared measurement models, track initiation, gating and GNN assignment, multi-sensor fusion
with out-of-sequence measurements, the multi-target tracker, and metrics against truth.

The tracker (:mod:`.tracker`) composes parts with one job each and their own settings:
:mod:`.gating`, :mod:`.association`, :mod:`.initiation`, :mod:`.confirmation`,
:mod:`.deletion`, :mod:`.merging`, :mod:`.oosm` (out-of-sequence buffer), :mod:`.modes` (the
IMM's restart window), on the filter of :mod:`.filters` (``predict``, ``update``, ``gate``).

Kernel modules are named ``<topic>_kernels.py`` and hold Numba functions on arrays and floats
only (``math``, no project objects): :mod:`.dynamics_kernels` (equations of motion, transition
matrix, process noise), :mod:`.measurement_kernels` (measurement models), :mod:`.linalg_kernels`,
:mod:`.ekf_kernels`, :mod:`.ukf_kernels`, :mod:`.imm_kernels`, :mod:`.gate_kernels`,
:mod:`.pair_kernels` (the merge test) and :mod:`.bound_kernels` (cheap bounds before full
predictions).
"""

from missilewatch.tracking.filters import (
    FilterRun,
    KalmanFilter,
    ModeEstimate,
    boost_ballistic_imm,
    ekf,
    ukf,
)
from missilewatch.tracking.measurements import Measurement, from_stream, scans
from missilewatch.tracking.models import (
    GaussianState,
    MotionModel,
    ballistic_model,
    boost_model,
    constant_velocity_model,
    initial_covariance,
    make_state,
)
from missilewatch.tracking.track_state import BOOST_PROBABILITY_THRESHOLD
from missilewatch.tracking.tracker import (
    Tracker,
    TrackerConfig,
    TrackerOutput,
    TrackEvent,
    TrackSnapshot,
)

__all__ = [
    "BOOST_PROBABILITY_THRESHOLD",
    "FilterRun",
    "GaussianState",
    "KalmanFilter",
    "Measurement",
    "ModeEstimate",
    "MotionModel",
    "TrackEvent",
    "TrackSnapshot",
    "Tracker",
    "TrackerConfig",
    "TrackerOutput",
    "ballistic_model",
    "boost_ballistic_imm",
    "boost_model",
    "constant_velocity_model",
    "ekf",
    "from_stream",
    "initial_covariance",
    "make_state",
    "scans",
    "ukf",
]

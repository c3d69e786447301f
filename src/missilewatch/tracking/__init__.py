"""Tracking: filters on the ballistic dynamics (EKF, UKF, boost/ballistic IMM), radar and
infrared measurement models, track initiation, gating and GNN assignment, multi-sensor fusion
with out-of-sequence measurements, the multi-target tracker, and metrics against truth."""

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
from missilewatch.tracking.tracker import (
    Tracker,
    TrackerConfig,
    TrackerOutput,
    TrackEvent,
    TrackSnapshot,
)

__all__ = [
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

"""Motion models of the filters (their forces and process noise) and the Gaussian state.

State (8,), SI units, ECEF: position (m), velocity (m/s), ln(beta) (beta = m/(Cd A) in
kg/m^2), a_T (net thrust acceleration along the velocity, m/s^2). See
:mod:`missilewatch.tracking.dynamics_kernels` for the equations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

import numpy as np

from missilewatch.errors import InputError
from missilewatch.tracking import dynamics_kernels as dk

N_STATE = dk.N_STATE
#: Index slices and indices of the state vector.
POS = slice(0, 3)
VEL = slice(3, 6)
I_LNB = dk.I_LNB
I_AT = dk.I_AT

#: Prior of ln(beta) for a re-entry vehicle: median 5,000 kg/m^2, a factor e (x2.7) at 1 sigma
#: (covers 1,500 kg/m^2 tumbling bodies to 15,000 kg/m^2 warheads within ~1.2 sigma).
LNB_PRIOR_MEAN = math.log(5000.0)
LNB_PRIOR_SIGMA = 1.0


@dataclass(frozen=True)
class MotionModel:
    """Forces and process noise of one filter model.

    ``gravity_order``: -1 none (a linear constant-velocity model), 0 point mass, 2..4 zonal
    J_n; ``rotating``: Coriolis and centrifugal terms of the ECEF frame; ``drag``: drag with
    the estimated beta; ``thrust``: the boost model (net acceleration a_T along the velocity,
    growing as da_T/dt = a_T^2 / exhaust_velocity_mps up to ``a_max_mps2``).
    Noise power spectral densities: ``q_acc`` white acceleration per axis (m^2/s^3),
    ``q_jerk`` white noise on a_T (m^2/s^5), ``q_lnb`` ln(beta) random walk (1/s).
    ``h_max_s``: largest integration step; ``h_max_atm_s``: below 150 km where drag acts.
    ``ignition_at_mps2`` and ``ignition_sigma_mps2`` (thrust models): the Gaussian prior of a_T
    when the IMM moves an unpowered estimate into this model (a stage igniting: a_T is not
    known, the unpowered estimate holds a_T = 0 with no uncertainty).
    """

    name: str = "ballistic"
    gravity_order: int = 2
    rotating: bool = True
    drag: bool = True
    thrust: bool = False
    exhaust_velocity_mps: float = 2800.0
    a_max_mps2: float = 300.0
    q_acc: float = 0.05
    q_jerk: float = 0.0
    q_lnb: float = 1e-4
    h_max_s: float = 10.0
    h_max_atm_s: float = 1.0
    ignition_at_mps2: float = 20.0
    ignition_sigma_mps2: float = 10.0

    def __post_init__(self) -> None:
        if self.gravity_order not in (-1, 0, 2, 3, 4):
            raise InputError("gravity_order", self.gravity_order, "must be -1, 0, 2, 3 or 4")
        for name in ("q_acc", "q_jerk", "q_lnb"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise InputError(name, v, "must be a finite number >= 0")
        for name in ("exhaust_velocity_mps", "a_max_mps2", "h_max_s", "h_max_atm_s",
                     "ignition_at_mps2", "ignition_sigma_mps2"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                raise InputError(name, v, "must be > 0")

    @cached_property
    def params(self) -> np.ndarray:
        """The kernel parameter vector (N_MODEL,)."""
        p = np.zeros(dk.N_MODEL)
        p[dk.M_GRAV_ORDER] = self.gravity_order
        p[dk.M_ROTATING] = 1.0 if self.rotating else 0.0
        p[dk.M_DRAG] = 1.0 if self.drag else 0.0
        p[dk.M_THRUST] = 1.0 if self.thrust else 0.0
        p[dk.M_VE] = self.exhaust_velocity_mps
        p[dk.M_A_MAX] = self.a_max_mps2
        p[dk.M_Q_ACC] = self.q_acc
        p[dk.M_Q_JERK] = self.q_jerk
        p[dk.M_Q_LNB] = self.q_lnb
        p[dk.M_H_MAX] = self.h_max_s
        p[dk.M_H_MAX_ATM] = self.h_max_atm_s
        p[dk.M_IGN_AT] = self.ignition_at_mps2
        p[dk.M_IGN_SIGMA] = self.ignition_sigma_mps2
        return p

    def with_(self, **changes) -> MotionModel:
        """A copy with some fields changed."""
        return replace(self, **changes)


def ballistic_model(**changes) -> MotionModel:
    """Unpowered flight: J2 gravity, rotating Earth, drag with the estimated beta."""
    return MotionModel(**changes)


def boost_model(**changes) -> MotionModel:
    """Powered flight: gravity, rotating Earth, net thrust a_T along the velocity (a gravity
    turn; drag folded into a_T), extra acceleration noise for the pitch programme."""
    base: dict[str, Any] = dict(name="boost", drag=False, thrust=True, q_acc=4.0, q_jerk=4.0, q_lnb=0.0,
                                h_max_s=2.0)
    base.update(changes)
    return MotionModel(**base)


def constant_velocity_model(q_acc: float = 1.0) -> MotionModel:
    """No forces at all: the linear nearly-constant-velocity model (for tests and references)."""
    return MotionModel(name="constant-velocity", gravity_order=-1, rotating=False, drag=False,
                       q_acc=q_acc, q_lnb=0.0)


@dataclass(frozen=True)
class GaussianState:
    """A state estimate at time ``t_s`` (s from the scenario epoch): mean ``x`` (8,) and
    covariance ``P`` (8, 8), layout above."""

    t_s: float
    x: np.ndarray
    P: np.ndarray = field(repr=False)

    def __post_init__(self) -> None:
        x = np.asarray(self.x, dtype=float)
        P = np.asarray(self.P, dtype=float)
        if x.shape != (N_STATE,):
            raise InputError("x", x.shape, f"state must have shape ({N_STATE},)")
        if P.shape != (N_STATE, N_STATE):
            raise InputError("P", P.shape, f"covariance must have shape ({N_STATE}, {N_STATE})")
        if not (np.isfinite(x).all() and np.isfinite(P).all()):
            raise InputError("x/P", "non-finite", "state and covariance must be finite")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "P", P)

    @property
    def r_ecef(self) -> np.ndarray:
        return self.x[POS]

    @property
    def v_ecef(self) -> np.ndarray:
        return self.x[VEL]

    @property
    def beta(self) -> float:
        """Ballistic coefficient (median of the log-normal estimate), kg/m^2."""
        return float(math.exp(self.x[I_LNB]))

    @classmethod
    def trusted(cls, t_s: float, x: np.ndarray, P: np.ndarray) -> GaussianState:
        """A state from arrays the caller has made (float64, shapes (8,), (8, 8), finite):
        no checks or copies (the tracker's snapshots)."""
        obj = object.__new__(cls)
        obj.__dict__.update(t_s=t_s, x=x, P=P)  # a frozen dataclass's fields, set once here
        return obj


def initial_covariance(pos_sigma_m, vel_sigma_mps, lnb_sigma: float = LNB_PRIOR_SIGMA,
                       at_sigma_mps2: float = 0.0) -> np.ndarray:
    """Diagonal 8x8 covariance from per-axis (or scalar) position and velocity sigmas."""
    d = np.zeros(N_STATE)
    d[POS] = np.broadcast_to(np.asarray(pos_sigma_m, float), (3,)) ** 2
    d[VEL] = np.broadcast_to(np.asarray(vel_sigma_mps, float), (3,)) ** 2
    d[I_LNB] = lnb_sigma**2
    d[I_AT] = at_sigma_mps2**2
    return np.diag(d)


def make_state(r_ecef, v_ecef, beta: float = math.exp(LNB_PRIOR_MEAN), a_t: float = 0.0) -> np.ndarray:
    """State vector (8,) from ECEF position (m), velocity (m/s), beta (kg/m^2), a_T (m/s^2)."""
    if not beta > 0:
        raise InputError("beta", beta, "ballistic coefficient must be > 0 kg/m^2")
    return np.concatenate([np.asarray(r_ecef, float), np.asarray(v_ecef, float), [math.log(beta), a_t]])

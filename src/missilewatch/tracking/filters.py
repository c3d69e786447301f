"""Extended and unscented Kalman filters on the ballistic dynamics, and the interacting
multiple model (IMM) of boost and ballistic flight.

One class, :class:`KalmanFilter`, covers all of them: a tuple of motion models (one model:
a plain EKF/UKF; several: an IMM whose Markov mode chain leaves model i after a mean sojourn
of ``sojourn_s[i]`` seconds), and ``kind`` "ekf" (Jacobians: variational equations of the
equations of motion, analytic measurement Jacobians, Joseph-form update) or "ukf" (scaled
unscented transform through the same equations of motion). The estimate is a
:class:`ModeEstimate`; single-model users can pass and get :class:`GaussianState` too.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from missilewatch.errors import InputError
from missilewatch.tracking import bound_kernels as bk
from missilewatch.tracking import gate_kernels as gk
from missilewatch.tracking import imm_kernels as fk
from missilewatch.tracking import pair_kernels as pk
from missilewatch.tracking import update_kernels as uk
from missilewatch.tracking.measurement_kernels import MAX_MEAS_DIM, MEAS_DIM, N_SENSOR
from missilewatch.tracking.measurements import Measurement
from missilewatch.tracking.models import (
    N_STATE,
    GaussianState,
    MotionModel,
    ballistic_model,
    boost_model,
)
from missilewatch.tracking.track_state import BOOST_PROBABILITY_THRESHOLD

KINDS = ("ekf", "ukf")
#: The code array (1,) of a one-measurement scan, per measurement code (shared: never written).
_ONE_CODE = tuple(np.array([c], dtype=np.int64) for c in range(len(MEAS_DIM)))
#: The gate's anchors when there are none (empty: every row's anchor time reads as NaN).
_NO_ANCHORS = (np.empty((0, 1, N_STATE)), np.empty((0, 1, N_STATE, N_STATE)), np.empty((0, 1)), np.empty(0))


@dataclass(frozen=True)
class ModeEstimate:
    """Estimate of an IMM (or a single filter): per-model states ``xs`` (K, 8), covariances
    ``Ps`` (K, 8, 8), model probabilities ``mu`` (K,), at time ``t_s``."""

    t_s: float
    xs: np.ndarray
    Ps: np.ndarray = field(repr=False)
    mu: np.ndarray

    @cached_property
    def state(self) -> GaussianState:
        """Moment-matched combined estimate."""
        x = np.empty(N_STATE)
        P = np.empty((N_STATE, N_STATE))
        fk.combine(self.xs, self.Ps, self.mu, x, P)
        return GaussianState(self.t_s, x, P)

    def copy_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.xs.copy(), self.Ps.copy(), self.mu.copy()


@dataclass(frozen=True)
class KalmanFilter:
    """EKF/UKF (one model) or IMM-EKF/IMM-UKF (several) on the models' equations of motion."""

    models: tuple[MotionModel, ...] = (ballistic_model(),)
    kind: str = "ekf"
    sojourn_s: tuple[float, ...] | None = None
    ukf_alpha: float = 1.0
    ukf_beta: float = 2.0
    ukf_kappa: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InputError("kind", self.kind, f"must be one of {', '.join(KINDS)}")
        if not self.models:
            raise InputError("models", self.models, "needs at least one motion model")
        soj = self.sojourn_s if self.sojourn_s is not None else (math.inf,) * len(self.models)
        if len(soj) != len(self.models) or any(not (s > 0) for s in soj):
            raise InputError("sojourn_s", soj, "needs one mean sojourn time > 0 s per model")
        object.__setattr__(self, "sojourn_s", tuple(float(s) for s in soj))
        if not self.ukf_alpha > 0 or N_STATE + self.ukf_kappa <= 0:
            raise InputError("ukf_alpha", self.ukf_alpha, "needs alpha > 0 and n + kappa > 0")

    # -- kernel arrays ---------------------------------------------------------------------

    @cached_property
    def mps(self) -> np.ndarray:
        return np.ascontiguousarray(np.stack([m.params for m in self.models]))

    @cached_property
    def tau(self) -> np.ndarray:
        return np.array(self.sojourn_s, dtype=float)

    @cached_property
    def ukf_params(self) -> np.ndarray:
        return np.array([self.ukf_alpha, self.ukf_beta, self.ukf_kappa])

    @property
    def use_ukf(self) -> bool:
        return self.kind == "ukf"

    @property
    def n_models(self) -> int:
        return len(self.models)

    @cached_property
    def thrust_models(self) -> np.ndarray:
        """Boolean mask of the models with thrust."""
        return np.array([m.thrust for m in self.models])

    # -- in-place array forms (the tracker's) --------------------------------------------

    def combine(self, xs: np.ndarray, Ps: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Moment-matched combined state (8,) and covariance (8, 8) of IMM arrays."""
        x = np.empty(N_STATE)
        P = np.empty((N_STATE, N_STATE))
        fk.combine(xs, Ps, mu, x, P)
        return x, P

    def predict_arrays(self, xs: np.ndarray, Ps: np.ndarray, mu: np.ndarray, dt: float,
                       tau: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Combined prediction (x, P) of IMM arrays over ``dt`` s (the arrays are unchanged);
        ``tau``: mean sojourn times (default the filter's)."""
        x = np.empty(N_STATE)
        P = np.empty((N_STATE, N_STATE))
        fk.predict_combined(xs, Ps, mu, dt, self.mps, self.tau if tau is None else tau, self.use_ukf,
                            self.ukf_params, x, P)
        return x, P

    def predict_models(self, xs: np.ndarray, Ps: np.ndarray, mu: np.ndarray, dt: float, tau: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`predict_arrays` with what it combines: the models predicted over ``dt`` s
        (``xs`` (K, 8), ``Ps`` (K, 8, 8)), their predicted probabilities (K,), then the combined
        (x, P), the same as :meth:`predict_arrays` gives (the arrays given are unchanged)."""
        K = self.n_models
        xp, Pp, cbar = np.empty((K, N_STATE)), np.empty((K, N_STATE, N_STATE)), np.empty(K)
        fk.predict_models(xs, Ps, mu, dt, self.mps, tau, self.use_ukf, self.ukf_params, xp, Pp, cbar)
        x, P = self.combine(xp, Pp, cbar)
        return xp, Pp, cbar, x, P

    def update_arrays(self, xs: np.ndarray, Ps: np.ndarray, mu: np.ndarray, dt: float, m: Measurement,
                      tau: np.ndarray | None = None, predicted: GatePrediction | None = None) -> tuple[float, int]:
        """One IMM cycle in place: predict over ``dt`` s and update with ``m``; returns (NIS, dof).
        ``predicted``: the gate's prediction of these arrays over the same ``dt`` (reused)."""
        z, R, sp = m.kernel_inputs
        if predicted is not None:
            xs[...] = predicted.xs
            Ps[...] = predicted.Ps
            return fk.imm_correct(xs, Ps, mu, predicted.cbar.copy(), z, R, m.code, sp, self.use_ukf,
                                  self.ukf_params)
        return fk.imm_step(xs, Ps, mu, dt, z, R, m.code, sp, self.mps, self.tau if tau is None else tau,
                           self.use_ukf, self.ukf_params)

    def update_slot(self, xs: np.ndarray, Ps: np.ndarray, mu: np.ndarray, t_ref: np.ndarray,
                    last_boost_t: np.ndarray, slot: int, m: Measurement, predicted: GatePrediction, chain: ModeChain,
                    collapse_probability: float) -> SlotUpdate:
        """Update the estimate in ``slot`` of the arrays (``xs`` (N, K, 8) ... ``t_ref``,
        ``last_boost_t`` (N,)) with ``m`` from the gate's prediction to ``m.t_s``, with the
        mode chain's bookkeeping after it (:func:`update_kernels.update_slot`)."""
        z, R, sp = m.kernel_inputs
        K = self.n_models
        out = SlotUpdate(np.empty((K, N_STATE)), np.empty((K, N_STATE, N_STATE)), np.empty(K), np.empty(N_STATE),
                         np.empty((N_STATE, N_STATE)))
        out.nis, out.dof, out.last_boost_t = uk.update_slot(
            xs, Ps, mu, t_ref, last_boost_t, slot, predicted.xs, predicted.Ps, predicted.cbar, m.t_s, z, R, m.code,
            sp, self.use_ukf, self.ukf_params, chain.tau_table, chain.window, self.thrust_models,
            BOOST_PROBABILITY_THRESHOLD, collapse_probability, out.xs, out.Ps, out.mu, out.x, out.P)
        return out

    def gate(self, xs: np.ndarray, Ps: np.ndarray, mu: np.ndarray, t_ref: np.ndarray, last_boost_t: np.ndarray,
             chain: ModeChain, rows: np.ndarray, t_scan: float, scan: ScanArrays, thresholds: np.ndarray,
             min_mode_probability: float, use_bound: bool = True,
             anchors: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None) -> GateResult:
        """Gate distances and costs of a scan's measurements against the estimates in ``rows``
        of the arrays (``xs`` (N, K, 8) ... ``t_ref``, ``last_boost_t`` (N,)) with the mode
        chain ``chain``; ``anchors``: (xs, Ps, mu, t) of the estimates' anchored predictions,
        indexed like the arrays (t NaN: none); see :func:`gate_kernels.gate_tracks`."""
        T, M, K = rows.size, scan.z.shape[0], self.n_models
        res = GateResult(np.empty((T, M)), np.empty((T, M)), np.empty((T, K, N_STATE)),
                         np.empty((T, K, N_STATE, N_STATE)), np.empty((T, K)), np.zeros(T, dtype=bool))
        axs, aPs, amu, at = anchors if anchors is not None else _NO_ANCHORS
        gk.gate_tracks(xs, Ps, mu, t_ref, last_boost_t, chain.tau_table, chain.window, rows, t_scan, self.mps,
                       self.use_ukf, self.ukf_params, scan.z, scan.R, scan.codes, scan.sp, thresholds,
                       min_mode_probability, use_bound, res.d2, res.cost, res.xs, res.Ps, res.cbar, res.predicted,
                       axs, aPs, amu, at)
        return res

    def bounds(self, xs: np.ndarray, Ps: np.ndarray, mu: np.ndarray, t_ref: np.ndarray, last_boost_t: np.ndarray,
               chain: ModeChain, rows: np.ndarray, t: float) -> np.ndarray:
        """Cheap bounds (len(rows), N_BOUND) of the moment-matched predictions of the estimates
        ``rows`` of the arrays to ``t`` (:func:`bound_kernels.bound_rows`)."""
        out = np.empty((rows.size, bk.N_BOUND))
        bk.bound_rows(xs, Ps, mu, t_ref, last_boost_t, chain.tau_table, chain.window, rows, t, self.mps, out)
        return out

    def close_pairs(self, xs: np.ndarray, Ps: np.ndarray, mu: np.ndarray, t_ref: np.ndarray,
                    last_boost_t: np.ndarray, chain: ModeChain, rows: np.ndarray, dirty: np.ndarray,
                    gate: float) -> tuple[np.ndarray, np.ndarray]:
        """Pairs of the estimates ``rows`` (one of them ``dirty``) not certainly apart for the
        chi-square ``gate`` at the later of their times, and those times
        (:func:`pair_kernels.candidate_pairs`)."""
        n = rows.size
        pairs = np.empty((n * (n - 1) // 2, 2), dtype=np.int64)
        times = np.empty(n * (n - 1) // 2)
        k = pk.candidate_pairs(xs, Ps, mu, t_ref, last_boost_t, chain.tau_table, chain.window, rows, dirty,
                               self.mps, gate, pairs, times)
        return pairs[:k], times[:k]

    def pair_distances(self, xs: np.ndarray, Ps: np.ndarray, mu: np.ndarray, t_ref: np.ndarray,
                       last_boost_t: np.ndarray, chain: ModeChain, rows: np.ndarray, pairs: np.ndarray,
                       times: np.ndarray, n_dim: int) -> tuple[np.ndarray, np.ndarray]:
        """Chi-square distances (P,) of the first ``n_dim`` components between the pairs'
        moment-matched predictions to ``times`` (P,), and their predicted position covariance
        traces (P, 2) (:func:`pair_kernels.pair_distances`)."""
        q = np.empty(len(pairs))
        traces = np.empty((len(pairs), 2))
        pk.pair_distances(xs, Ps, mu, t_ref, last_boost_t, chain.tau_table, chain.window, rows, self.mps,
                          self.use_ukf, self.ukf_params, pairs, times, n_dim, q, traces)
        return q, traces

    def bound(self, xs: np.ndarray, Ps: np.ndarray, mu: np.ndarray, dt: float, tau: np.ndarray,
              min_probability: float = -1.0) -> np.ndarray:
        """Cheap bound of the prediction over ``dt`` (:func:`bound_kernels.motion_bound`; by
        default of the moment-matched mixture)."""
        out = np.empty(bk.N_BOUND)
        bk.motion_bound(xs, Ps, mu, tau, self.mps, dt, min_probability, out)
        return out

    # -- estimates -------------------------------------------------------------------------

    def estimate(self, state: GaussianState, mu=None) -> ModeEstimate:
        """The same Gaussian in every model, with model probabilities ``mu`` (default equal)."""
        K = self.n_models
        mu = np.full(K, 1.0 / K) if mu is None else np.asarray(mu, float)
        if mu.shape != (K,) or np.any(mu < 0) or not math.isclose(mu.sum(), 1.0, rel_tol=1e-9):
            raise InputError("mu", mu, f"must be {K} probabilities summing to 1")
        xs = np.repeat(state.x[None], K, 0)
        Ps = np.repeat(state.P[None], K, 0)
        for j, m in enumerate(self.models):
            if not m.thrust:
                xs[j, 7] = 0.0
                Ps[j, 7, :] = 0.0
                Ps[j, :, 7] = 0.0
        return ModeEstimate(state.t_s, xs, Ps, mu.copy())

    def _as_estimate(self, est) -> ModeEstimate:
        if isinstance(est, ModeEstimate):
            if est.xs.shape[0] != self.n_models:
                raise InputError("estimate", est.xs.shape, f"must hold {self.n_models} models")
            return est
        if isinstance(est, GaussianState):
            return self.estimate(est)
        raise InputError("estimate", type(est).__name__, "must be a GaussianState or ModeEstimate")

    def predict(self, est, t_s: float):
        """Prediction to ``t_s`` without a measurement; same type as ``est``.

        A ModeEstimate is mixed and each model predicted (the IMM time update); a
        GaussianState gets the moment-matched mixture of the models' predictions.
        """
        e = self._as_estimate(est)
        dt = float(t_s) - e.t_s
        if isinstance(est, GaussianState):
            x = np.empty(N_STATE)
            P = np.empty((N_STATE, N_STATE))
            fk.predict_combined(e.xs, e.Ps, e.mu, dt, self.mps, self.tau, self.use_ukf,
                                self.ukf_params, x, P)
            return GaussianState(float(t_s), x, P)
        xs, Ps, mu = e.copy_arrays()
        cbar = np.empty(self.n_models)
        fk.imm_mix(xs, Ps, mu, dt, self.tau, self.mps, cbar)
        for j in range(self.n_models):
            if cbar[j] > 0 and not fk.time_update(xs[j], Ps[j], dt, self.mps[j], self.use_ukf,
                                                  self.ukf_params):
                raise InputError("P", "not positive semi-definite", "covariance lost definiteness")
        return ModeEstimate(float(t_s), xs, Ps, cbar / cbar.sum())

    def predict_mean(self, state: GaussianState, t_s: float) -> np.ndarray:
        """The mean of ``predict(state, t_s).x`` (N_STATE,), without propagating covariances
        where the filter allows it (the EKF's mean does not depend on them)."""
        if self.use_ukf:
            return self.predict(state, t_s).x
        out = np.empty(N_STATE)
        fk.predict_mean_combined(state.x, self._equal_mu, float(t_s) - state.t_s, self.mps, self.tau, out)
        return out

    @cached_property
    def _equal_mu(self) -> np.ndarray:
        """Equal model probabilities, as :meth:`estimate` gives a GaussianState (the kernel
        only reads them)."""
        return np.full(self.n_models, 1.0 / self.n_models)

    def update(self, est, m: Measurement):
        """Time update to ``m.t_s`` then measurement update with ``m``.

        Returns (estimate, NIS); the estimate has the type of ``est``.
        """
        e = self._as_estimate(est)
        xs, Ps, mu = e.copy_arrays()
        z, R = m.padded()
        nis, _d = fk.imm_step(xs, Ps, mu, m.t_s - e.t_s, z, R, m.code, m.sensor_vector, self.mps,
                              self.tau, self.use_ukf, self.ukf_params)
        out = ModeEstimate(m.t_s, xs, Ps, mu)
        return (out.state if isinstance(est, GaussianState) else out), float(nis)

    def run(self, est, measurements: Iterable[Measurement]) -> FilterRun:
        """Filter a time-ordered sequence in one compiled loop; estimates after every update."""
        e = self._as_estimate(est)
        ms = list(measurements)
        n = len(ms)
        ts = np.array([m.t_s for m in ms], dtype=float)
        if n and (np.any(np.diff(ts) < 0) or ts[0] < e.t_s):
            raise InputError("measurements", "out of order", "must be in time order after the estimate")
        z = np.zeros((n, 4))
        R = np.zeros((n, 4, 4))
        for i, m in enumerate(ms):
            z[i], R[i] = m.padded()
        codes = np.array([m.code for m in ms], dtype=np.int64)
        sp = np.array([m.sensor_vector for m in ms]).reshape(n, 8)
        xs, Ps, mu = e.copy_arrays()
        ox = np.empty((n, N_STATE))
        oP = np.empty((n, N_STATE, N_STATE))
        om = np.empty((n, self.n_models))
        on = np.empty(n)
        fk.run_sequence(xs, Ps, mu, e.t_s, ts, z, R, codes, sp, self.mps, self.tau, self.use_ukf,
                        self.ukf_params, ox, oP, om, on)
        return FilterRun(ts, ox, oP, om, on, np.array([m.dim for m in ms], dtype=np.int64),
                         ModeEstimate(ts[-1] if n else e.t_s, xs, Ps, mu))


@dataclass(frozen=True)
class ModeChain:
    """Mean sojourn times of the IMM's modes as they change over a track's life: row 1 of
    ``tau_table`` (2, K) within ``window`` s after the track was last boosting, else row 0."""

    tau_table: np.ndarray
    window: float


@dataclass(frozen=True)
class ScanArrays:
    """Kernel inputs of a scan's M measurements: ``z`` (M, 4), ``R`` (M, 4, 4), ``codes`` (M,),
    sensor vectors ``sp`` (M, 8)."""

    z: np.ndarray
    R: np.ndarray
    codes: np.ndarray
    sp: np.ndarray

    @classmethod
    def of(cls, scan: list[Measurement]) -> ScanArrays:
        if len(scan) == 1:  # made once per measurement (gated again by reprocessing, merging)
            m = scan[0]
            got = m.__dict__.get("_scan_arrays")
            if got is None:
                z, R, sp = m.kernel_inputs
                got = object.__new__(cls)  # a frozen instance without its field-by-field set-up
                got.__dict__.update(z=z[None], R=R[None], codes=_ONE_CODE[m.code], sp=sp[None])
                m.__dict__["_scan_arrays"] = got
            return got
        n = len(scan)
        z = np.empty((n, MAX_MEAS_DIM))
        R = np.empty((n, MAX_MEAS_DIM, MAX_MEAS_DIM))
        sp = np.empty((n, N_SENSOR))
        for i, m in enumerate(scan):
            z[i], R[i], sp[i] = m.kernel_inputs
        return cls(z, R, np.array([m.code for m in scan], dtype=np.int64), sp)


@dataclass
class SlotUpdate:
    """What :meth:`KalmanFilter.update_slot` gives: the estimate after the update (copies:
    ``xs`` (K, 8), ``Ps``, ``mu`` (K,)), its moment-matched ``x`` (8,), ``P`` (8, 8), the
    measurement's NIS and dof, the track's last boosting time (s)."""

    xs: np.ndarray
    Ps: np.ndarray
    mu: np.ndarray
    x: np.ndarray
    P: np.ndarray
    nis: float = math.nan
    dof: int = 0
    last_boost_t: float = -math.inf


@dataclass(frozen=True)
class GatePrediction:
    """A gate's IMM prediction of one track to the scan: mixed-and-predicted ``xs`` (K, 8),
    ``Ps`` (K, 8, 8) and predicted mode probabilities ``cbar`` (K,)."""

    xs: np.ndarray
    Ps: np.ndarray
    cbar: np.ndarray


@dataclass(frozen=True)
class GateResult:
    """Gate distances ``d2`` (T, M), costs ``cost`` (T, M), and the predictions made (rows with
    ``predicted`` True) of :meth:`KalmanFilter.gate`."""

    d2: np.ndarray
    cost: np.ndarray
    xs: np.ndarray
    Ps: np.ndarray
    cbar: np.ndarray
    predicted: np.ndarray

    def prediction(self, row: int) -> GatePrediction | None:
        if not self.predicted[row]:
            return None
        return GatePrediction(self.xs[row], self.Ps[row], self.cbar[row])


@dataclass(frozen=True)
class FilterRun:
    """Estimates after each update of :meth:`KalmanFilter.run`: times (N,), states (N, 8),
    covariances (N, 8, 8), model probabilities (N, K), NIS (N,) with its degrees of freedom."""

    t_s: np.ndarray
    x: np.ndarray
    P: np.ndarray
    mu: np.ndarray
    nis: np.ndarray
    nis_dof: np.ndarray
    final: ModeEstimate


def ekf(model: MotionModel | None = None) -> KalmanFilter:
    """Extended Kalman filter on one model (default: ballistic)."""
    return KalmanFilter((model or ballistic_model(),), "ekf")


def ukf(model: MotionModel | None = None, alpha: float = 1.0, beta: float = 2.0,
        kappa: float = 0.0) -> KalmanFilter:
    """Unscented Kalman filter on one model (default: ballistic)."""
    return KalmanFilter((model or ballistic_model(),), "ukf", None, alpha, beta, kappa)


#: Mean sojourn times (s) of the boost/ballistic IMM: a boost lasts about a minute or two; a
#: ballistic flight never thrusts again. The tracker makes the ballistic sojourn finite for a
#: minute after a track was last boosting (``TrackerConfig.restart_window_s``): a next stage
#: igniting after staging or a coast.
BOOST_SOJOURN_S = 60.0
BALLISTIC_SOJOURN_S = math.inf


def boost_ballistic_imm(kind: str = "ekf", ballistic: MotionModel | None = None,
                        boost: MotionModel | None = None) -> KalmanFilter:
    """IMM of ballistic (model 0) and boost (model 1) flight."""
    return KalmanFilter((ballistic or ballistic_model(), boost or boost_model()), kind,
                        (BALLISTIC_SOJOURN_S, BOOST_SOJOURN_S))

"""Impact prediction from a track: where and when it falls (with a 95% footprint), how high it
flies, its range class and trajectory type.

The track's Gaussian (position, velocity, ln beta) is carried to the ground by
``flight.propagate_to_impact`` (rotating Earth, J2, drag with each sample's beta):

- ``method="unscented"``: the 2n+1 sigma points (n = 7) of the scaled unscented transform;
  impact mean and east/north covariance from their weights;
- ``method="monte-carlo"``: ``n_samples`` draws.

A track still burning (boost probability above ``boost_threshold``) is not assumed to stop
now: that fraction of the prediction is a Monte Carlo of continued thrust, each draw burning
for a remaining time uniform in [0, v_e/a_T - v_e/a_max] (a constant-mass-flow stage cannot
burn longer before its acceleration runs away) with v_e uniform in 2,300-3,300 m/s, then
falling. The footprint is the ellipse of the mixture's mean and covariance.

Range class and trajectory type come from ``flight.capability``: the trajectory type from
(ground range, apogee) against the minimum-energy apogee; the range class from the range of
the minimum-energy trajectory with the same burnout energy (the Keplerian surface speed of
the predicted arc), so a lofted test of an ICBM is classed as an ICBM.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from pyproj import Geod

from missilewatch.earth import kernels as ek
from missilewatch.errors import InputError
from missilewatch.flight.boost import RangeClass
from missilewatch.flight.capability import (
    TrajectoryType,
    keplerian_surface_speed_mps,
    minimum_energy_range_km,
    trajectory_type,
)
from missilewatch.flight.propagate import PARALLEL_MIN_STATES, ForceModel, Tolerance, propagate_to_impact
from missilewatch.prediction import kernels as pk
from missilewatch.prediction.footprint import Footprint, from_offsets_km, offsets_km
from missilewatch.tracking.models import I_AT, I_LNB, GaussianState, ballistic_model, boost_model
from missilewatch.tracking.tracker import TrackSnapshot

GEOD = Geod(ellps="WGS84")
METHODS = ("unscented", "monte-carlo")
#: Exhaust velocities (m/s) drawn for continued thrust: liquid and solid motors.
EXHAUST_VELOCITY_RANGE_MPS = (2300.0, 3300.0)
#: A motor still burning accelerates the missile by at least this much (m/s^2, net of drag):
#: below it the thrust could not hold a ballistic missile up against gravity.
MIN_BURNING_ACCEL_MPS2 = 5.0
#: Largest mass ratio (mass now / mass at burnout) of what is left of a stage: its net thrust
#: acceleration grows at most this many times before the propellant is gone.
MAX_REMAINING_MASS_RATIO = 10.0
_BALLISTIC = ballistic_model()
_BOOST = boost_model()
_FORCE = ForceModel()
_TOL = Tolerance()
#: The filter state's (r, v, ln beta) components, and their block of its covariance.
_IDX = np.r_[0:6, I_LNB]
_IX = np.ix_(_IDX, _IDX)
#: ln beta of the samples is held within [ln 50, ln 1e6] kg/m^2.
_LN_BETA_MIN, _LN_BETA_MAX = math.log(50.0), math.log(1e6)


@dataclass(frozen=True)
class _Impacts:
    """Where the samples of a prediction fall: status (``flight.kernels.STATUS_*``), time (s),
    ECEF position (m) and geodetic latitude, longitude (deg) of each impact, NaN where none."""

    status: np.ndarray
    t_impact_s: np.ndarray
    r_impact: np.ndarray
    lat_deg: np.ndarray
    lon_deg: np.ndarray


def _sample_impacts(S: np.ndarray, t0: float | np.ndarray, t_max_s: float) -> _Impacts:
    """The samples' (rows of ``S``: r, v, ln beta) ground impacts under the prediction's force
    model, through ``flight``'s integrator at its default tolerances, in one compiled call
    (:func:`~missilewatch.prediction.kernels.sample_impacts`: what ``flight.propagate_to_impact``
    returns for them, without the checks and array work around each call)."""
    if not np.isfinite(S).all():
        raise InputError("r_ecef/v_ecef", "non-finite", "positions and velocities must be finite")
    if not t_max_s > 0:
        raise InputError("t_max_s", t_max_s, "must be > 0 s")
    n = S.shape[0]
    beta = np.exp(np.clip(S[:, 6], _LN_BETA_MIN, _LN_BETA_MAX))
    if n >= PARALLEL_MIN_STATES:  # a large Monte Carlo: flight's batch on all cores
        b = propagate_to_impact(S[:, 0:3], S[:, 3:6], beta, force=_FORCE, t0=t0, t_max_s=t_max_s, tol=_TOL)
        lat_deg, lon_deg, _h = b.impact_geodetic
        return _Impacts(b.status, b.t_impact_s, b.r_impact, lat_deg, lon_deg)
    inv_beta = 1.0 / beta
    t0_arr = np.full(n, t0) if np.ndim(t0) == 0 else np.ascontiguousarray(t0, dtype=float)
    impact = np.empty((n, 7))
    status = np.empty(n, dtype=np.int64)
    lat, lon = np.empty(n), np.empty(n)
    f, tol = _FORCE, _TOL
    pk.sample_impacts(np.ascontiguousarray(S), t0_arr, inv_beta, float(f.gravity_order), 1.0 if f.rotating else 0.0,
                      1.0 if f.drag else 0.0, float(t_max_s), tol.rtol, tol.atol_m, tol.h_max_s,
                      impact, status, lat, lon)
    return _Impacts(status, impact[:, 0], impact[:, 1:4], np.degrees(lat), np.degrees(lon))


@dataclass(frozen=True)
class ImpactPrediction:
    """Predicted fall of a tracked object (degrees and km at this edge, SI otherwise).

    ``t_s``: time of the track estimate; ``t_impact_s`` and ``t_impact_sigma_s``: impact time
    (s from the epoch). ``footprint``: ``confidence`` ellipse. ``samples_*``: the sigma points
    or draws (impact latitude, longitude, time) with ``sample_weights``. ``impact_probability``:
    weight of the samples that reach the ground within ``t_max_s`` (the others would orbit).
    ``apogee_km``: highest altitude of the predicted (ballistic) arc, past or future.
    ``range_km``: geodesic distance from the launch point (given, or the track's origin) to the
    impact; ``standard_range_km``: the minimum-energy range of the same burnout energy.
    """

    t_s: float
    t_impact_s: float
    t_impact_sigma_s: float
    impact_lat_deg: float
    impact_lon_deg: float
    footprint: Footprint
    samples_lat_deg: np.ndarray = field(repr=False)
    samples_lon_deg: np.ndarray = field(repr=False)
    samples_t_impact_s: np.ndarray = field(repr=False)
    sample_weights: np.ndarray = field(repr=False)
    method: str
    impact_probability: float
    boost_probability: float
    apogee_km: float
    launch_lat_deg: float | None
    launch_lon_deg: float | None
    range_km: float | None
    standard_range_km: float | None
    range_class: RangeClass | None
    trajectory_type: TrajectoryType | None

    @property
    def time_to_impact_s(self) -> float:
        return self.t_impact_s - self.t_s

    def contains(self, lat_deg, lon_deg):
        """True where the point (degrees) lies inside the footprint."""
        return self.footprint.contains(lat_deg, lon_deg)


def _sigma_points(mean: np.ndarray, cov: np.ndarray, alpha=1.0, beta=2.0, kappa=0.0):
    n = mean.size
    lam = alpha * alpha * (n + kappa) - n
    w, V = np.linalg.eigh(0.5 * (cov + cov.T))
    L = V * np.sqrt(np.maximum(w, 0.0))
    c = math.sqrt(n + lam)
    cLT = c * L.T
    pts = np.empty((2 * n + 1, n))
    pts[0] = mean
    np.add(mean, cLT, out=pts[1:n + 1])
    np.subtract(mean, cLT, out=pts[n + 1:])
    wm = np.full(2 * n + 1, 0.5 / (n + lam))
    wc = wm.copy()
    wm[0] = lam / (n + lam)
    wc[0] = wm[0] + 1.0 - alpha * alpha + beta
    return pts, wm, wc


def _draw(mean: np.ndarray, cov: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    w, V = np.linalg.eigh(0.5 * (cov + cov.T))
    L = V * np.sqrt(np.maximum(w, 0.0))
    return mean + rng.standard_normal((n, mean.size)) @ L.T


def _continued_thrust(x: np.ndarray, P: np.ndarray, n: int, rng: np.random.Generator):
    """Burnout states (n, 8) and burn durations of draws that keep thrusting."""
    X = _draw(x, P, n, rng)
    ve = rng.uniform(*EXHAUST_VELOCITY_RANGE_MPS, n)
    a = np.clip(X[:, I_AT], MIN_BURNING_ACCEL_MPS2, _BOOST.a_max_mps2)
    X[:, I_AT] = a
    a_end = np.minimum(a * MAX_REMAINING_MASS_RATIO, _BOOST.a_max_mps2)
    tmax = np.maximum(ve / a - ve / a_end, 0.0)
    burn = rng.uniform(0.0, 1.0, n) * tmax
    return pk.thrust_to_burnout(np.ascontiguousarray(X), burn, ve, _BOOST.params), burn


def apogee_m(x: np.ndarray, t_limit_s: float = 4000.0) -> float:
    """Highest geodetic altitude (m) of the ballistic arc through state ``x`` (8,), searched
    forward while climbing or backward while descending (RK4 of the filters' model;
    :func:`~missilewatch.prediction.kernels.apogee_height`)."""
    s = np.array(x, float)
    s[I_AT] = 0.0
    return float(pk.apogee_height(s, _BALLISTIC.params, float(t_limit_s)))


def standard_range_km(range_km: float, apogee_km: float) -> float:
    """Range (km) of the minimum-energy trajectory whose surface speed equals that of the
    Keplerian arc of ``range_km`` and ``apogee_km`` (the same burnout energy)."""
    return minimum_energy_range_km(keplerian_surface_speed_mps(max(range_km, 1.0), max(apogee_km, 0.1)))


def predict_impact(
    track: TrackSnapshot | GaussianState,
    *,
    method: str = "unscented",
    n_samples: int = 400,
    thrust_samples: int | None = None,
    rng: np.random.Generator | None = None,
    boost_probability: float | None = None,
    boost_threshold: float = 0.01,
    launch_lat_deg: float | None = None,
    launch_lon_deg: float | None = None,
    confidence: float = 0.95,
    t_max_s: float = 10_000.0,
) -> ImpactPrediction:
    """Impact point, time and footprint of a track (see the module docstring).

    ``track``: a tracker snapshot or a GaussianState (then ``boost_probability`` says how
    likely it is still thrusting; default 0). ``thrust_samples``: draws of the continued-thrust
    part (default ``n_samples``). ``rng``: the generator of the Monte Carlo draws
    (default: seeded with 0, so a prediction is reproducible).
    """
    if method not in METHODS:
        raise InputError("method", method, f"must be one of {', '.join(METHODS)}")
    if not isinstance(n_samples, int | np.integer) or n_samples < 10:
        raise InputError("n_samples", n_samples, "must be an integer >= 10")
    n_thrust = n_samples if thrust_samples is None else thrust_samples
    if not isinstance(n_thrust, int | np.integer) or n_thrust < 10:
        raise InputError("thrust_samples", thrust_samples, "must be an integer >= 10")
    if isinstance(track, TrackSnapshot):
        state = track.state
        pb = track.boost_probability if boost_probability is None else boost_probability
        if launch_lat_deg is None and launch_lon_deg is None:
            la, lo, _ = ek.ecef_to_geodetic(*(float(c) for c in track.origin_ecef))
            launch_lat_deg, launch_lon_deg = math.degrees(la), math.degrees(lo)
    elif isinstance(track, GaussianState):
        state = track
        pb = 0.0 if boost_probability is None else boost_probability
    else:
        raise InputError("track", type(track).__name__, "must be a TrackSnapshot or GaussianState")
    if not 0.0 <= pb <= 1.0:
        raise InputError("boost_probability", pb, "must be in [0, 1]")
    if (launch_lat_deg is None) != (launch_lon_deg is None):
        raise InputError("launch_lat_deg/launch_lon_deg", (launch_lat_deg, launch_lon_deg),
                         "give both or neither")
    x, P = state.x, state.P
    t0 = state.t_s
    xb, Pb = x[_IDX], P[_IX]
    # Ballistic part: the Gaussian of (r, v, ln beta).
    if method == "unscented":
        pts, wm, wc = _sigma_points(xb, Pb)
    else:
        rng = rng if rng is not None else np.random.default_rng(0)
        pts = _draw(xb, Pb, n_samples, rng)
        wm = wc = np.full(n_samples, 1.0 / n_samples)
    t_s0: float | np.ndarray = t0
    if pb >= boost_threshold:
        rng = rng if rng is not None else np.random.default_rng(0)
        burn_states, burn = _continued_thrust(x, P, int(n_thrust), rng)
        S = np.concatenate([pts, burn_states[:, _IDX]])
        t_s0 = np.concatenate([np.full(len(pts), t0), t0 + burn])
        wb = np.full(int(n_thrust), pb / n_thrust)
        wm_all = np.concatenate([wm * (1.0 - pb), wb])
        wc_all = np.concatenate([wc * (1.0 - pb), wb])
    else:
        S, wm_all, wc_all = pts, wm, wc
    imp = _sample_impacts(S, t_s0, t_max_s)
    ok = imp.status == 0
    if not ok.any():
        raise InputError("track", "no impact", f"no sample reaches the ground within {t_max_s} s")
    lat, lon = imp.lat_deg, imp.lon_deg
    w_total = wm_all.sum()
    wm_ok, wc_ok, lat_ok, lon_ok = wm_all[ok], wc_all[ok], lat[ok], lon[ok]
    wsum = wm_ok.sum()
    impact_prob = float(wsum / w_total) if w_total > 0 else float(ok.mean())
    # Moments in a local frame about the weighted mean impact point.
    r_ok = imp.r_impact[ok]
    r_mean = (wm_ok[:, None] * r_ok).sum(0) / wsum
    lat0, lon0, _ = ek.ecef_to_geodetic(float(r_mean[0]), float(r_mean[1]), float(r_mean[2]))
    lat0, lon0 = math.degrees(lat0), math.degrees(lon0)
    e0, n0 = offsets_km(lat_ok, lon_ok, lat0, lon0).T
    # Weights: the unscented covariance weights are used as they are (they do not sum to 1),
    # both sets divided by the mean weight that reached the ground.
    wmo = wm_ok / wsum
    wco = wc_ok / wsum
    clat_arr, clon_arr = from_offsets_km(np.array(wmo @ e0), np.array(wmo @ n0), lat0, lon0)
    clat, clon = float(clat_arr), float(clon_arr)
    e, n = offsets_km(lat_ok, lon_ok, clat, clon).T
    de, dn = e - wmo @ e, n - wmo @ n
    C = np.array([[wco @ (de * de), wco @ (de * dn)], [wco @ (dn * de), wco @ (dn * dn)]])
    fp = Footprint(clat, clon, C, confidence)
    ti = imp.t_impact_s[ok]
    t_mean = float(wmo @ ti)
    t_sig = float(math.sqrt(max(wco @ (ti - t_mean) ** 2, 0.0)))
    apo_km = apogee_m(x) / 1e3
    rng_km = std_km = None
    rclass = ttype = None
    if launch_lat_deg is not None:
        rng_km = float(GEOD.inv(launch_lon_deg, launch_lat_deg, clon, clat)[2] / 1e3)
        ttype = trajectory_type(max(rng_km, 1.0), apo_km)
        std_km = standard_range_km(rng_km, apo_km)
        rclass = RangeClass.from_range_km(std_km)
    return ImpactPrediction(
        t_s=t0, t_impact_s=t_mean, t_impact_sigma_s=t_sig, impact_lat_deg=clat, impact_lon_deg=clon,
        footprint=fp, samples_lat_deg=np.asarray(lat_ok), samples_lon_deg=np.asarray(lon_ok),
        samples_t_impact_s=ti, sample_weights=wmo, method=method, impact_probability=impact_prob,
        boost_probability=float(pb), apogee_km=apo_km, launch_lat_deg=launch_lat_deg,
        launch_lon_deg=launch_lon_deg, range_km=rng_km, standard_range_km=std_km,
        range_class=rclass, trajectory_type=ttype,
    )

"""EKF measurement updates per second on the salvo scenario, against Stone Soup's EKF.

Measurements: every detection (radar range/azimuth/elevation[/range rate] and infrared line of
sight) of the eight missiles of ``salvo-srbm-8`` after their burnout, in time order per
missile, truth-associated (no clutter), so both filters see the same sequences.

Ours: ``tracking.ekf_kernels.ekf_sequence`` (one compiled loop per missile: RK4 time update
with variational equations, Joseph-form update). Peer: Stone Soup's
``ExtendedKalmanPredictor`` and ``ExtendedKalmanUpdater`` with our ballistic model plugged in
as a ``GaussianTransitionModel`` (function, Jacobian = transition matrix, covariance) and our
radar/infrared models as ``MeasurementModel`` s, called in its usual per-detection loop. Same
initial states, same measurements, same run; the final estimates agree (reported). An update
is one time update plus one measurement update. Also reported: the whole multi-target
tracker (association, IMM, initiation, out-of-sequence reprocessing) on the full stream with
clutter, measurements per second, against Stone Soup's EKF alone and against the tracker before
the fast-watch work (``previous.run_previous``, same run), scan by scan and one measurement at
a time (as the watch feeds it).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
import time

import numpy as np
from previous import run_previous
from timing import median_time

from missilewatch.scenarios import builtin, simulate
from missilewatch.tracking import Tracker, ballistic_model, from_stream, scans
from missilewatch.tracking import dynamics_kernels as dk
from missilewatch.tracking import ekf_kernels as ek
from missilewatch.tracking import measurement_kernels as mk

MODEL = ballistic_model()
MP = MODEL.params
EPOCH = dt.datetime(2022, 6, 5, 0, 8, tzinfo=dt.UTC)


def _sequences():
    """Per missile: (t0, x0, P0, ts, z, R, codes, sp) of its post-burnout detections."""
    r = simulate(builtin("salvo-srbm-8"))
    s = r.stream
    out = []
    for la in r.launches:
        o = la.objects[0]
        t_b = o.thrust_end_s + 5.0
        sel = np.nonzero((s.object_id == o.object_id) & (s.t_s > t_b))[0]
        sel = sel[np.argsort(s.t_s[sel], kind="stable")]
        codes = np.array([{"range_az_el": mk.MC_RAE, "range_az_el_rr": mk.MC_RAE_RR,
                           "los_angles": mk.MC_LOS}[m] for m in s.mtype[sel]], dtype=np.int64)
        z = np.nan_to_num(s.values[sel])
        R = np.nan_to_num(s.covariance[sel])
        sp = np.hstack([s.sensor_r_ecef[sel], s.sensor_v_ecef[sel], s.sensor_lat_rad[sel][:, None],
                        s.sensor_lon_rad[sel][:, None]])
        k = int(np.searchsorted(o.t_s, t_b))
        x0 = np.concatenate([o.r_ecef[k], o.v_ecef[k], [math.log(5000.0), 0.0]])
        x0[:3] += 200.0
        x0[3:6] += 5.0
        P0 = np.diag([300.0**2] * 3 + [20.0**2] * 3 + [1.0, 0.0])
        out.append((float(o.t_s[k]), x0, P0, s.t_s[sel].copy(), z, R, codes, sp))
    return r, out


def _ours(seqs):
    finals = []
    for t0, x0, P0, ts, z, R, codes, sp in seqs:
        x, P = x0.copy(), P0.copy()
        ek.ekf_sequence(x, P, t0, ts, z, R, codes, sp, MP)
        finals.append(x)
    return finals


def _stonesoup_models():
    from stonesoup.base import Property
    from stonesoup.models.base import GaussianModel, TimeVariantModel
    from stonesoup.models.measurement.base import MeasurementModel
    from stonesoup.models.transition.base import TransitionModel
    from stonesoup.types.angle import Bearing
    from stonesoup.types.array import CovarianceMatrix, StateVector

    class MissilewatchBallistic(TransitionModel, GaussianModel, TimeVariantModel):
        """Our ballistic equations of motion, transition matrix and process noise."""

        params: np.ndarray = Property(doc="missilewatch model parameter vector")

        @property
        def ndim_state(self):
            return 8

        def function(self, state, noise=False, **kwargs):
            x = np.asarray(state.state_vector, dtype=float).ravel().copy()
            dk.propagate_state(x, kwargs["time_interval"].total_seconds(), self.params)
            return StateVector(x)

        def jacobian(self, state, **kwargs):
            x = np.asarray(state.state_vector, dtype=float).ravel().copy()
            Phi = np.empty((8, 8))
            dk.transition_matrix(x, kwargs["time_interval"].total_seconds(), self.params, Phi)
            return Phi

        def covar(self, time_interval=None, **kwargs):
            # Our process noise is the nearly-constant-velocity one per sub-step (closed form
            # for intervals up to the 10-s step) plus the ln(beta) random walk.
            h = time_interval.total_seconds()
            q = self.params[dk.M_Q_ACC]
            Q = np.zeros((8, 8))
            Q[0:3, 0:3] = q * h**3 / 3 * np.eye(3)
            Q[0:3, 3:6] = Q[3:6, 0:3] = q * h**2 / 2 * np.eye(3)
            Q[3:6, 3:6] = q * h * np.eye(3)
            Q[6, 6] = self.params[dk.M_Q_LNB] * h
            return CovarianceMatrix(Q)

    class MissilewatchSensor(MeasurementModel, GaussianModel):
        """Our radar / infrared measurement function and Jacobian for one detection."""

        code: int = Property(doc="measurement code")
        sensor: np.ndarray = Property(doc="sensor vector (8,)")
        noise: np.ndarray = Property(doc="noise covariance (d, d)")
        mapping: tuple = Property(default=(0, 1, 2), doc="unused")

        @property
        def ndim_meas(self):
            return mk.MEAS_DIM[self.code]

        @property
        def ndim_state(self):
            return 8

        def function(self, state, noise=False, **kwargs):
            zh = np.zeros(4)
            H = np.zeros((4, 8))
            mk.measure(np.asarray(state.state_vector, float).ravel(), self.code, self.sensor, zh, H, False)
            d = self.ndim_meas
            w = mk.WRAP_INDEX[self.code]
            return StateVector([Bearing(zh[i]) if i == w else zh[i] for i in range(d)])

        def jacobian(self, state, **kwargs):
            zh = np.zeros(4)
            H = np.zeros((4, 8))
            mk.measure(np.asarray(state.state_vector, float).ravel(), self.code, self.sensor, zh, H, True)
            return H[: self.ndim_meas]

        def covar(self, **kwargs):
            return CovarianceMatrix(self.noise)

    return MissilewatchBallistic, MissilewatchSensor, Bearing


def _stonesoup_inputs(seqs):
    from stonesoup.types.detection import Detection
    from stonesoup.types.state import GaussianState as SSGaussian

    Ballistic, Sensor, Bearing = _stonesoup_models()
    transition = Ballistic(params=MP)
    prepared = []
    for t0, x0, P0, ts, z, R, codes, sp in seqs:
        dets = []
        for k in range(ts.size):
            d = mk.MEAS_DIM[codes[k]]
            w = mk.WRAP_INDEX[codes[k]]
            model = Sensor(code=int(codes[k]), sensor=sp[k].copy(), noise=R[k, :d, :d].copy())
            vec = [Bearing(z[k, i]) if i == w else z[k, i] for i in range(d)]
            dets.append(Detection(np.array(vec, dtype=object).reshape(-1, 1),
                                  timestamp=EPOCH + dt.timedelta(seconds=float(ts[k])),
                                  measurement_model=model))
        prior = SSGaussian(x0.reshape(-1, 1), P0, timestamp=EPOCH + dt.timedelta(seconds=t0))
        prepared.append((prior, dets))
    return transition, prepared


def _stonesoup(transition, prepared):
    from stonesoup.predictor.kalman import ExtendedKalmanPredictor
    from stonesoup.types.hypothesis import SingleHypothesis
    from stonesoup.updater.kalman import ExtendedKalmanUpdater

    predictor = ExtendedKalmanPredictor(transition)
    updater = ExtendedKalmanUpdater(measurement_model=None)
    finals = []
    for prior, dets in prepared:
        state = prior
        for det in dets:
            pred = predictor.predict(state, timestamp=det.timestamp)
            state = updater.update(SingleHypothesis(pred, det))
        finals.append(np.asarray(state.state_vector, float).ravel())
    return finals


_PREVIOUS = """
import json, time
from previous import run_previous
from timing import median_time
from missilewatch.scenarios import builtin, simulate
from missilewatch.tracking import Tracker, from_stream, scans
ms = from_stream(simulate(builtin("salvo-srbm-8")).stream)
batches = list(scans(ms))
def track_all():
    tr = Tracker()
    for scan in batches:
        tr.process(scan)
def track_each():
    tr = Tracker()
    for m in ms:
        tr.process(m)
t_all, _ = median_time(track_all, 3)
t_each, _ = median_time(track_each, 3)
def cpu(fn):
    times = []
    for _ in range(3):
        c0 = time.process_time()
        fn()
        times.append(time.process_time() - c0)
    return sorted(times)[1]
print(json.dumps({"scans": len(ms) / t_all, "each": len(ms) / t_each,
                  "scans_cpu": len(ms) / cpu(track_all), "each_cpu": len(ms) / cpu(track_each)}))
"""


def _median_time(fn, repeats):
    return median_time(fn, repeats, warmup=False)


def _median_cpu(fn, repeats):
    """Median CPU time (s) of ``repeats`` calls (the machine is shared: wall time is noisy)."""
    times = []
    for _ in range(repeats):
        c0 = time.process_time()
        fn()
        times.append(time.process_time() - c0)
    return statistics.median(times)


def run() -> list[dict]:
    sim, seqs = _sequences()
    n = int(sum(s[3].size for s in seqs))
    _ours(seqs)  # compile outside the timing
    t_ours, ours = _median_time(lambda: _ours(seqs), 7)
    transition, prepared = _stonesoup_inputs(seqs)
    t_peer, peer = _median_time(lambda: _stonesoup(transition, prepared), 3)
    diff = max(float(np.linalg.norm(a[:3] - b[:3])) for a, b in zip(ours, peer, strict=False))
    ours_rate, peer_rate = n / t_ours, n / t_peer
    ms = from_stream(sim.stream)
    batches = list(scans(ms))

    def track_all():
        tr = Tracker()
        for scan in batches:
            tr.process(scan)
        return tr

    def track_each():
        tr = Tracker()
        for m in ms:
            tr.process(m)
        return tr

    track_all()
    t_trk, _ = _median_time(track_all, 3)
    t_each, _ = _median_time(track_each, 3)
    trk_rate = len(ms) / t_trk
    each_rate = len(ms) / t_each
    cpu_trk, cpu_each = _median_cpu(track_all, 3), _median_cpu(track_each, 3)
    prev = run_previous(_PREVIOUS)
    return [
        {"name": "tracking_ekf_updates_salvo", "ours": ours_rate, "peer": peer_rate,
         "unit": "updates/s", "ratio": ours_rate / peer_rate, "peer_name": "stonesoup EKF",
         "updates": n, "max_final_position_difference_m": diff},
        {"name": "tracking_tracker_measurements_salvo", "ours": trk_rate, "peer": peer_rate,
         "unit": "measurements/s", "ratio": trk_rate / peer_rate,
         "peer_name": "stonesoup EKF updates alone (no association)", "measurements": len(ms),
         "ours_per_cpu_s": len(ms) / cpu_trk, "one_at_a_time_per_cpu_s": len(ms) / cpu_each, "target": 20000},
        {"name": "tracking_tracker_vs_previous_salvo", "ours": trk_rate,
         "peer": prev["scans"] if prev else None, "unit": "measurements/s",
         "ratio": trk_rate / prev["scans"] if prev else None,
         "peer_name": "tracker before the fast-watch work, scan by scan", "measurements": len(ms),
         "one_at_a_time": each_rate,
         "one_at_a_time_previous": prev["each"] if prev else None,
         "one_at_a_time_ratio": each_rate / prev["each"] if prev else None,
         "ours_per_cpu_s": len(ms) / cpu_trk, "previous_per_cpu_s": prev["scans_cpu"] if prev else None,
         "ratio_cpu": len(ms) / cpu_trk / prev["scans_cpu"] if prev else None,
         "one_at_a_time_per_cpu_s": len(ms) / cpu_each,
         "one_at_a_time_previous_per_cpu_s": prev["each_cpu"] if prev else None},
    ]


if __name__ == "__main__":
    import json

    for row in run():
        print(json.dumps(row))

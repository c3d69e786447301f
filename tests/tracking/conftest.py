"""Shared fixtures of the tracking tests: truth flights and simulated scenarios (cached)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from missilewatch.earth import geodetic2ecef
from missilewatch.flight import Tolerance, fly, generic_profile
from missilewatch.tracking import Measurement
from missilewatch.tracking import measurement_kernels as mk
from missilewatch.tracking.models import N_STATE


@pytest.fixture(scope="session")
def mrbm_flight():
    """A generic MRBM flown east from 40 N, 127 E (1-s samples; burnout ~110 s)."""
    return fly(40.0, 127.0, 80.0, generic_profile("MRBM"))


@pytest.fixture(scope="session")
def exact_flight():
    """The same flight integrated to ~0.1 mm (the default tolerance leaves ~1 m errors, which
    a filter without process noise would notice)."""
    return fly(40.0, 127.0, 80.0, generic_profile("MRBM"),
               tol=Tolerance(rtol=1e-11, atol_m=1e-4, h_max_s=5.0))


@pytest.fixture(scope="session")
def salvo_run():
    from missilewatch.scenarios import builtin, simulate
    from missilewatch.tracking import Tracker, from_stream, scans

    r = simulate(builtin("salvo-srbm-8"))
    tr = Tracker()
    events = []
    for scan in scans(from_stream(r.stream)):
        events.extend(tr.process(scan).events)
    return r, tr, events


@pytest.fixture(scope="session")
def aomori_run():
    from missilewatch.scenarios import builtin, simulate
    from missilewatch.tracking import Tracker, from_stream, scans

    r = simulate(builtin("2022-10-04"))
    tr = Tracker()
    events = []
    for scan in scans(from_stream(r.stream)):
        events.extend(tr.process(scan).events)
    return r, tr, events


RADAR_SIGMAS = np.array([30.0, 2e-3, 2e-3, 1.0])


def radar_site(lat_deg: float, lon_deg: float, h_m: float = 0.0) -> np.ndarray:
    """Kernel sensor vector of a fixed radar."""
    sp = np.zeros(8)
    sp[0:3] = geodetic2ecef(lat_deg, lon_deg, h_m)
    sp[6] = math.radians(lat_deg)
    sp[7] = math.radians(lon_deg)
    return sp


def radar_measurements(t, r, v, sp, rng, sigmas=RADAR_SIGMAS, sensor_id="radar") -> list[Measurement]:
    """Noisy range/az/el/range-rate measurements of the truth (t (N,), r, v (N, 3))."""
    out = []
    H = np.zeros((4, N_STATE))
    for k in range(len(t)):
        x = np.concatenate([r[k], v[k], [0.0, 0.0]])
        z = np.zeros(4)
        mk.measure(x, mk.MC_RAE_RR, sp, z, H, False)
        z = z + rng.standard_normal(4) * sigmas
        z[1] %= 2 * math.pi
        out.append(Measurement(float(t[k]), sensor_id, "range_az_el_rr", z, np.diag(sigmas**2),
                               sp[0:3], sp[3:6], sp[6], sp[7]))
    return out


def ncv_matrices(dt: float, q: float) -> tuple[np.ndarray, np.ndarray]:
    """Textbook nearly-constant-velocity F and Q on the 8-state layout (Bar-Shalom 6.2.2):
    F = [[I, dt I], [0, I]], Q = q [[dt^3/3, dt^2/2], [dt^2/2, dt]]."""
    F = np.eye(8)
    F[0:3, 3:6] = dt * np.eye(3)
    Q = np.zeros((8, 8))
    Q[0:3, 0:3] = q * dt**3 / 3 * np.eye(3)
    Q[0:3, 3:6] = Q[3:6, 0:3] = q * dt**2 / 2 * np.eye(3)
    Q[3:6, 3:6] = q * dt * np.eye(3)
    return F, Q

"""Numba kernels of the measurement models: predicted measurement h(x) and its Jacobian H.

Measurement codes (``mcode``) and their components (SI, the ``missilewatch.measurement/1``
conventions of :mod:`missilewatch.sensors.measurement_io`):

- MC_RAE (0): slant range (m), azimuth (rad, clockwise from north, [0, 2 pi)), elevation (rad)
  in the east-north-up frame at the sensor;
- MC_RAE_RR (1): the same plus range rate (m/s, positive opening) relative to the sensor's
  ECEF velocity;
- MC_LOS (2): line-of-sight angles in ECEF axes of the unit vector u from the sensor to the
  object: alpha = atan2(u_y, u_x) in [0, 2 pi), delta = asin(u_z);
- MC_POS (3): ECEF position (m): a linear model, for position reports and for tests.

Sensor vector ``sp`` (8,): ECEF position (3) m, ECEF velocity (3) m/s, geodetic latitude and
longitude (rad) of the sensor. Written by hand so the filter kernels can call them compiled.
"""

from __future__ import annotations

import math

from numba import njit

from missilewatch.tracking.dynamics_kernels import N_STATE

MC_RAE = 0
MC_RAE_RR = 1
MC_LOS = 2
MC_POS = 3
MEAS_DIM = (3, 4, 2, 3)
#: Largest measurement dimension: kernels pad z to (MAX_MEAS_DIM,) and R, S to square blocks.
MAX_MEAS_DIM = 4
#: Component wrapped to [-pi, pi) in innovations (-1: none).
WRAP_INDEX = (1, 1, 0, -1)
TWO_PI = 2.0 * math.pi
#: Sensor vector layout: ECEF position (SP_R .. SP_R + 2), velocity (SP_V ..), latitude, longitude.
SP_R = 0
SP_V = 3
SP_LAT = 6
SP_LON = 7
N_SENSOR = 8


@njit(cache=True, nogil=True, error_model="numpy")
def meas_dim(mcode):
    """Number of components of measurement code ``mcode``."""
    if mcode == MC_RAE:
        return 3
    if mcode == MC_RAE_RR:
        return 4
    if mcode == MC_LOS:
        return 2
    return 3


@njit(cache=True, nogil=True, error_model="numpy")
def wrap_index(mcode):
    """Index of the angle component of ``mcode`` wrapped in innovations (-1: none)."""
    if mcode == MC_RAE or mcode == MC_RAE_RR:
        return 1
    if mcode == MC_LOS:
        return 0
    return -1


@njit(cache=True, nogil=True, error_model="numpy")
def wrap_angle(a):
    """Angle into [-pi, pi)."""
    return (a + math.pi) % TWO_PI - math.pi


@njit(cache=True, nogil=True, error_model="numpy")
def measure(x, mcode, sp, zhat, H, with_jacobian):
    """Predicted measurement of state ``x`` into ``zhat`` (MAX_MEAS_DIM,) and, optionally, H
    (MAX_MEAS_DIM, N_STATE).

    Rows and entries past the code's dimension are left untouched.
    """
    dx = x[0] - sp[0]
    dy = x[1] - sp[1]
    dz = x[2] - sp[2]
    if mcode == MC_POS:
        zhat[0], zhat[1], zhat[2] = x[0], x[1], x[2]
        if with_jacobian:
            for i in range(3):
                for j in range(N_STATE):
                    H[i, j] = 1.0 if i == j else 0.0
        return
    if with_jacobian:
        for i in range(MAX_MEAS_DIM):
            for j in range(N_STATE):
                H[i, j] = 0.0
    if mcode == MC_LOS:
        rho2 = dx * dx + dy * dy
        rho = math.sqrt(rho2)
        r2 = rho2 + dz * dz
        zhat[0] = math.atan2(dy, dx) % TWO_PI
        zhat[1] = math.atan2(dz, rho)
        if with_jacobian:
            H[0, 0] = -dy / rho2
            H[0, 1] = dx / rho2
            H[1, 0] = -dx * dz / (r2 * rho)
            H[1, 1] = -dy * dz / (r2 * rho)
            H[1, 2] = rho / r2
        return
    # Radar: rotate to ENU at the sensor.
    sl, cl = math.sin(sp[SP_LAT]), math.cos(sp[SP_LAT])
    so, co = math.sin(sp[SP_LON]), math.cos(sp[SP_LON])
    re = (-so, co, 0.0)
    rn = (-sl * co, -sl * so, cl)
    ru = (cl * co, cl * so, sl)
    e = re[0] * dx + re[1] * dy
    n = rn[0] * dx + rn[1] * dy + rn[2] * dz
    u = ru[0] * dx + ru[1] * dy + ru[2] * dz
    hor2 = e * e + n * n
    hor = math.sqrt(hor2)
    r2 = hor2 + u * u
    r = math.sqrt(r2)
    zhat[0] = r
    zhat[1] = math.atan2(e, n) % TWO_PI
    zhat[2] = math.atan2(u, hor)
    if with_jacobian:
        # d/d(e, n, u), then times the rotation (d enu / d r_ecef = rows re, rn, ru).
        dr = (e / r, n / r, u / r)
        daz = (n / hor2, -e / hor2, 0.0)
        f = 1.0 / (r2 * hor)
        de = (-e * u * f, -n * u * f, hor2 * f)
        for j in range(3):
            H[0, j] = dr[0] * re[j] + dr[1] * rn[j] + dr[2] * ru[j]
            H[1, j] = daz[0] * re[j] + daz[1] * rn[j]
            H[2, j] = de[0] * re[j] + de[1] * rn[j] + de[2] * ru[j]
    if mcode == MC_RAE_RR:
        dvx = x[3] - sp[3]
        dvy = x[4] - sp[4]
        dvz = x[5] - sp[5]
        rr = (dx * dvx + dy * dvy + dz * dvz) / r
        zhat[3] = rr
        if with_jacobian:
            H[3, 0] = (dvx - rr * dx / r) / r
            H[3, 1] = (dvy - rr * dy / r) / r
            H[3, 2] = (dvz - rr * dz / r) / r
            H[3, 3] = dx / r
            H[3, 4] = dy / r
            H[3, 5] = dz / r

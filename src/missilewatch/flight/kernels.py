"""Numba kernels of powered and ballistic flight in the rotating ECEF (WGS84) frame.

Written by hand because no library integrates ~10^5 trajectories with a ground-impact event
fast enough: SciPy's ``solve_ivp`` costs ~10 ms per trajectory in Python overhead alone. The
integrator is Dormand-Prince 5(4) with step-size control (the method of ``solve_ivp``'s RK45),
cubic Hermite dense output, and the impact found on the interpolant at altitude 0 above the
ellipsoid. Kernels use ``math`` only and take flat arrays, so they can be swapped or moved to a
GPU.

State ``y``: [x, y, z, vx, vy, vz] in m and m/s (ECEF when rotating, inertial when not).
Segment parameters ``p`` (float64 array, indices P_*): force model and thrust programme.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from missilewatch.earth.constants import OMEGA_EARTH, WGS84_A
from missilewatch.earth.kernels import (
    H_TOP,
    atmosphere_density,
    ecef_to_geodetic,
    geodetic_height,
    gravity_ecef,
    radial_height,
)

# Parameter vector layout (one segment of flight with constant programme).
P_INV_BETA = 0  # 1/ballistic coefficient at segment start, m^2/kg (0: no drag)
P_ORDER = 1  # gravity: 0 point mass, 2/3/4 zonal harmonics up to J_n
P_ROTATING = 2  # 1: rotating Earth (Coriolis + centrifugal), 0: inertial frame
P_DRAG = 3  # 1: aerodynamic drag on
P_MODE = 4  # thrust mode: MODE_* below
P_VE = 5  # effective exhaust velocity, m/s
P_TAU = 6  # time at which the stage mass would reach zero, s (a = ve / (tau - t))
P_AZIMUTH = 7  # launch azimuth, rad from north
P_PITCH_T0 = 8  # start of the pitch-over, s
P_PITCH_RATE = 9  # pitch rate during pitch-over, rad/s
P_PITCH0 = 10  # pitch from vertical at P_PITCH_T0, rad
P_T_SEG0 = 11  # segment start time, s (mass scaling of the boost ballistic coefficient)
N_PARAMS = 12

MODE_BALLISTIC = 0.0
MODE_VERTICAL = 1.0
MODE_PITCH = 2.0
MODE_GRAVITY_TURN = 3.0

# Drag accelerations below this (m/s^2) are not computed: over an hour they move a missile
# by less than a millimetre.
_NEGLIGIBLE_ACCEL = 1e-10

# Velocity tolerance per metre of position tolerance (s^-1).
VEL_ATOL_PER_M = 1e-3

# Dormand-Prince 5(4) tableau.
_C2, _C3, _C4, _C5 = 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0
_A21 = 1.0 / 5.0
_A31, _A32 = 3.0 / 40.0, 9.0 / 40.0
_A41, _A42, _A43 = 44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0
_A51, _A52, _A53, _A54 = 19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0
_A61, _A62, _A63, _A64, _A65 = (
    9017.0 / 3168.0,
    -355.0 / 33.0,
    46732.0 / 5247.0,
    49.0 / 176.0,
    -5103.0 / 18656.0,
)
_B1, _B3, _B4, _B5, _B6 = 35.0 / 384.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0
_E1, _E3, _E4, _E5, _E6, _E7 = (
    71.0 / 57600.0,
    -71.0 / 16695.0,
    71.0 / 1920.0,
    -17253.0 / 339200.0,
    22.0 / 525.0,
    -1.0 / 40.0,
)

# Status codes of a propagation.
STATUS_IMPACT = 0
STATUS_TIMEOUT = 1
STATUS_STEP_UNDERFLOW = 2
STATUS_START_UNDERGROUND = 3  # the state was below the ellipsoid to begin with: not integrated


@njit(cache=True, nogil=True)
def local_up_east_north(x, y, z):
    """Geodetic up, east and north unit vectors (ECEF) at an ECEF point; also height, m."""
    lat, lon, h = ecef_to_geodetic(x, y, z)
    sl, cl = math.sin(lat), math.cos(lat)
    so, co = math.sin(lon), math.cos(lon)
    return (cl * co, cl * so, sl), (-so, co, 0.0), (-sl * co, -sl * so, cl), h


@njit(cache=True, nogil=True)
def deriv(t, y, p, out):
    """Time derivative of the state ``y`` under segment parameters ``p``; writes ``out``."""
    x, yy, z, vx, vy, vz = y[0], y[1], y[2], y[3], y[4], y[5]
    ax, ay, az = gravity_ecef(x, yy, z, int(p[P_ORDER]))
    if p[P_ROTATING] != 0.0:
        w = OMEGA_EARTH
        ax += 2.0 * w * vy + w * w * x
        ay += -2.0 * w * vx + w * w * yy
    mode = p[P_MODE]
    inv_beta = p[P_INV_BETA]
    if mode != MODE_BALLISTIC:
        remaining = p[P_TAU] - t
        thrust = p[P_VE] / remaining
        inv_beta = inv_beta * (p[P_TAU] - p[P_T_SEG0]) / remaining
        if mode == MODE_GRAVITY_TURN:
            v = math.sqrt(vx * vx + vy * vy + vz * vz)
            dx, dy, dz = vx / v, vy / v, vz / v
        else:
            up, east, north, _h = local_up_east_north(x, yy, z)
            if mode == MODE_VERTICAL:
                dx, dy, dz = up[0], up[1], up[2]
            else:
                th = p[P_PITCH0] + p[P_PITCH_RATE] * (t - p[P_PITCH_T0])
                ct, st = math.cos(th), math.sin(th)
                sa, ca = math.sin(p[P_AZIMUTH]), math.cos(p[P_AZIMUTH])
                dx = ct * up[0] + st * (sa * east[0] + ca * north[0])
                dy = ct * up[1] + st * (sa * east[1] + ca * north[1])
                dz = ct * up[2] + st * (sa * east[2] + ca * north[2])
        ax += thrust * dx
        ay += thrust * dy
        az += thrust * dz
    if p[P_DRAG] != 0.0 and inv_beta > 0.0:
        r = math.sqrt(x * x + yy * yy + z * z)
        if r - WGS84_A < H_TOP:  # r - a is a lower bound of the height; no air above H_TOP
            v2 = vx * vx + vy * vy + vz * vz
            rho = atmosphere_density(radial_height(x, yy, z, r))
            if 0.5 * rho * v2 * inv_beta > _NEGLIGIBLE_ACCEL:
                k = -0.5 * rho * math.sqrt(v2) * inv_beta
                ax += k * vx
                ay += k * vy
                az += k * vz
    out[0], out[1], out[2] = vx, vy, vz
    out[3], out[4], out[5] = ax, ay, az


@njit(cache=True, nogil=True)
def dopri5_step(t, y, h, p, k, ytmp, ynew):
    """One Dormand-Prince 5(4) step from (t, y) with ``k[0]`` = f(t, y) already filled.

    Writes the 5th-order solution into ``ynew`` and ``k[6]`` = f(t+h, ynew) (FSAL). Returns the
    scaled error estimate vector through ``ytmp`` (absolute error per component).
    """
    for i in range(6):
        ytmp[i] = y[i] + h * _A21 * k[0, i]
    deriv(t + _C2 * h, ytmp, p, k[1])
    for i in range(6):
        ytmp[i] = y[i] + h * (_A31 * k[0, i] + _A32 * k[1, i])
    deriv(t + _C3 * h, ytmp, p, k[2])
    for i in range(6):
        ytmp[i] = y[i] + h * (_A41 * k[0, i] + _A42 * k[1, i] + _A43 * k[2, i])
    deriv(t + _C4 * h, ytmp, p, k[3])
    for i in range(6):
        ytmp[i] = y[i] + h * (_A51 * k[0, i] + _A52 * k[1, i] + _A53 * k[2, i] + _A54 * k[3, i])
    deriv(t + _C5 * h, ytmp, p, k[4])
    for i in range(6):
        ytmp[i] = y[i] + h * (
            _A61 * k[0, i] + _A62 * k[1, i] + _A63 * k[2, i] + _A64 * k[3, i] + _A65 * k[4, i]
        )
    deriv(t + h, ytmp, p, k[5])
    for i in range(6):
        ynew[i] = y[i] + h * (
            _B1 * k[0, i] + _B3 * k[2, i] + _B4 * k[3, i] + _B5 * k[4, i] + _B6 * k[5, i]
        )
    deriv(t + h, ynew, p, k[6])
    for i in range(6):
        ytmp[i] = h * (
            _E1 * k[0, i]
            + _E3 * k[2, i]
            + _E4 * k[3, i]
            + _E5 * k[4, i]
            + _E6 * k[5, i]
            + _E7 * k[6, i]
        )


@njit(cache=True, nogil=True)
def hermite(y0, f0, y1, f1, h, s, out):
    """Cubic Hermite interpolation of the state at fraction ``s`` of a step of length ``h``.

    Position uses position and velocity at both ends; velocity uses velocity and acceleration.
    """
    s2 = s * s
    s3 = s2 * s
    h00 = 2.0 * s3 - 3.0 * s2 + 1.0
    h10 = s3 - 2.0 * s2 + s
    h01 = -2.0 * s3 + 3.0 * s2
    h11 = s3 - s2
    for i in range(6):
        out[i] = h00 * y0[i] + h10 * h * f0[i] + h01 * y1[i] + h11 * h * f1[i]


@njit(cache=True, nogil=True)
def _height(y):
    return geodetic_height(y[0], y[1], y[2])


@njit(cache=True, nogil=True)
def _below_equatorial_radius(y):
    """True when the point may be at or under the ellipsoid (|r| <= a); cheap pre-check."""
    return y[0] * y[0] + y[1] * y[1] + y[2] * y[2] <= WGS84_A * WGS84_A


@njit(cache=True, nogil=True)
def _refine_impact(t0, y0, f0, y1, f1, h, work, out):
    """Time of altitude 0 inside a step whose ends straddle the ground; state into ``out``.

    Illinois (modified regula falsi) on the Hermite interpolant: converges to < 1 us.
    """
    a, b = 0.0, 1.0
    fa, fb = _height(y0), _height(y1)
    side = 0
    s = 1.0
    for _ in range(60):
        s = (a * fb - b * fa) / (fb - fa)
        hermite(y0, f0, y1, f1, h, s, work)
        fs = _height(work)
        if fs * fb > 0.0:
            b, fb = s, fs
            if side == -1:
                fa *= 0.5
            side = -1
        else:
            a, fa = s, fs
            if side == 1:
                fb *= 0.5
            side = 1
        if abs(fs) < 1e-4 or (b - a) * h < 1e-7:
            break
    hermite(y0, f0, y1, f1, h, s, out)
    return t0 + s * h


@njit(cache=True, nogil=True)
def _polish_impact(t0, y0, t_guess, p, k, ytmp, ywork, out):
    """Impact time to ~1e-6 m in height by secant iteration on single DOPRI5 steps from (t0, y0).

    The Hermite estimate is only as good as a cubic over the whole (possibly 300-s) step; a
    fresh step of the exact length lands on the integrator's own solution. ``k[0]`` must hold
    f(t0, y0); k[1:] are overwritten. Leaves the state at the returned time in ``out``.
    """
    tau1 = t_guess - t0
    dopri5_step(t0, y0, tau1, p, k, ytmp, out)
    f1 = _height(out)
    tau0 = tau1 - 1e-3
    dopri5_step(t0, y0, tau0, p, k, ytmp, ywork)
    f0 = _height(ywork)
    for _ in range(20):
        if abs(f1) < 1e-6 or f1 == f0:
            break
        tau2 = tau1 - f1 * (tau1 - tau0) / (f1 - f0)
        tau0, f0 = tau1, f1
        tau1 = tau2
        dopri5_step(t0, y0, tau1, p, k, ytmp, out)
        f1 = _height(out)
    return t0 + tau1


@njit(cache=True, nogil=True)
def integrate(
    y,
    t,
    t_end,
    p,
    rtol,
    atol,
    h,
    h_max,
    stop_on_ground,
    grid_dt,
    grid_next,
    grid,
    grid_n,
    k,
    work,
):
    """Advance ``y`` (in place) from ``t`` to ``t_end`` or to ground impact.

    Samples the trajectory on a uniform grid (every ``grid_dt`` s from ``grid_next``) into rows
    of ``grid`` ([t, x, y, z, vx, vy, vz]) starting at row ``grid_n``, when ``grid_dt`` > 0.
    ``atol`` applies to positions (m); velocities use ``atol * VEL_ATOL_PER_M`` (m/s).
    Returns (t, status, h, grid_next, grid_n, impacted) with status STATUS_*.
    ``work`` is a (4, 6) scratch array; ``k`` a (7, 6) stage array.
    """
    ytmp = work[0]
    ynew = work[1]
    yint = work[2]
    deriv(t, y, p, k[0])
    max_rows = grid.shape[0]
    if h <= 0.0:
        h = min(h_max, max(1e-3, t_end - t))
    while t < t_end:
        if t + h > t_end:
            h = t_end - t
        dopri5_step(t, y, h, p, k, ytmp, ynew)
        err = 0.0
        for i in range(6):
            sc = (atol if i < 3 else atol * VEL_ATOL_PER_M) + rtol * max(abs(y[i]), abs(ynew[i]))
            e = ytmp[i] / sc
            err += e * e
        err = math.sqrt(err / 6.0)
        if err > 1.0:
            h *= max(0.2, 0.9 * err ** -0.2)
            if h < 1e-9:
                return t, STATUS_STEP_UNDERFLOW, h, grid_next, grid_n, False
            continue
        # Accepted step: check for ground impact on the way down.
        impacted = False
        t_hit = t + h
        if stop_on_ground and _below_equatorial_radius(ynew):
            hn = _height(ynew)
            if hn <= 0.0 and _height(y) > 0.0:
                t_hit = _refine_impact(t, y, k[0], ynew, k[6], h, yint, work[3])
                impacted = True
        if grid_dt > 0.0:
            while grid_next <= t_hit + 1e-12 and grid_n < max_rows:
                s = (grid_next - t) / h
                hermite(y, k[0], ynew, k[6], h, s, yint)
                grid[grid_n, 0] = grid_next
                for i in range(6):
                    grid[grid_n, i + 1] = yint[i]
                grid_n += 1
                grid_next += grid_dt
        if impacted:
            # Grid samples above used the Hermite estimate; now land exactly (overwrites k).
            t_hit = _polish_impact(t, y, t_hit, p, k, ytmp, yint, work[3])
            for i in range(6):
                y[i] = work[3, i]
            return t_hit, STATUS_IMPACT, h, grid_next, grid_n, True
        for i in range(6):
            y[i] = ynew[i]
            k[0, i] = k[6, i]
        t += h
        fac = 5.0 if err == 0.0 else min(5.0, max(0.2, 0.9 * err ** -0.2))
        h = min(h * fac, h_max)
    return t, STATUS_TIMEOUT, h, grid_next, grid_n, False


@njit(cache=True, nogil=True)
def _propagate_one(y, t0, p, t_max, rtol, atol, h_max, grid_dt, grid, k, work):
    t, status, h, gnext, gn, _imp = integrate(
        y, t0, t0 + t_max, p, rtol, atol, 0.0, h_max, True, grid_dt, t0, grid, 0, k, work
    )
    return t, status, gn


@njit(cache=True, nogil=True)
def _propagate_row(i, states, t0, inv_beta, order, rotating, drag, t_max, rtol, atol, h_max, grid_dt, grids,
                   impact, status, n_samples):
    """State ``i`` of a batch to ground impact (the body of both batch drivers)."""
    p = np.zeros(N_PARAMS)
    p[P_INV_BETA] = inv_beta[i]
    p[P_ORDER] = order
    p[P_ROTATING] = rotating
    p[P_DRAG] = drag
    p[P_MODE] = MODE_BALLISTIC
    k = np.empty((7, 6))
    work = np.empty((4, 6))
    y = states[i].copy()
    grid = grids[i] if grid_dt > 0.0 else grids[0]
    t, st, gn = _propagate_one(y, t0[i], p, t_max, rtol, atol, h_max, grid_dt, grid, k, work)
    impact[i, 0] = t
    for j in range(6):
        impact[i, j + 1] = y[j]
    status[i] = st
    n_samples[i] = gn


@njit(cache=True, parallel=True)
def propagate_batch(
    states, t0, inv_beta, order, rotating, drag, t_max, rtol, atol, h_max, grid_dt, grids, impact,
    status, n_samples,
):
    """Propagate N ballistic states to ground impact in parallel.

    states (N, 6); t0, inv_beta (N,); writes impact (N, 7) = [t, x, y, z, vx, vy, vz], status (N,)
    and, when ``grid_dt`` > 0, trajectories into grids (N, K, 7) with n_samples (N,) rows used.
    """
    for i in prange(states.shape[0]):
        _propagate_row(i, states, t0, inv_beta, order, rotating, drag, t_max, rtol, atol, h_max, grid_dt, grids,
                       impact, status, n_samples)


@njit(cache=True, nogil=True)
def propagate_batch_serial(
    states, t0, inv_beta, order, rotating, drag, t_max, rtol, atol, h_max, grid_dt, grids, impact,
    status, n_samples,
):
    """:func:`propagate_batch` on the calling thread: for small batches (a track's sigma
    points), where waking a thread team costs more than it saves, above all on a busy machine."""
    for i in range(states.shape[0]):
        _propagate_row(i, states, t0, inv_beta, order, rotating, drag, t_max, rtol, atol, h_max, grid_dt, grids,
                       impact, status, n_samples)


@njit(cache=True, nogil=True)
def fly_segments(y, seg_params, seg_t_end, t_max, rtol, atol, h_max, grid_dt, grid, burnout):
    """Fly a sequence of segments (boost stages, then ballistic) from t=0 to ground impact.

    ``seg_params`` (S, N_PARAMS), ``seg_t_end`` (S,) absolute end times (the last segment, the
    ballistic one, ends at ``t_max``). Samples every ``grid_dt`` s into ``grid`` (K, 7).
    Writes the state at the end of the last powered segment into ``burnout`` [t, x..vz].
    Returns (t_impact, status, rows) and leaves the impact state in ``y``.
    """
    k = np.empty((7, 6))
    work = np.empty((4, 6))
    t = 0.0
    h = 0.0
    gnext = 0.0
    gn = 0
    status = STATUS_TIMEOUT
    n_seg = seg_params.shape[0]
    burnout[0] = 0.0
    for j in range(6):
        burnout[j + 1] = y[j]
    for s in range(n_seg):
        p = seg_params[s]
        t_end = min(seg_t_end[s], t_max)
        h_seg = h if p[P_MODE] == MODE_BALLISTIC else min(h, 2.0) if h > 0.0 else 0.0
        t, status, h, gnext, gn, impacted = integrate(
            y, t, t_end, p, rtol, atol, h_seg, h_max, True, grid_dt, gnext, grid, gn, k, work
        )
        if p[P_MODE] != MODE_BALLISTIC:
            burnout[0] = t
            for j in range(6):
                burnout[j + 1] = y[j]
        if impacted or status == STATUS_STEP_UNDERFLOW:
            return t, status, gn
    return t, status, gn

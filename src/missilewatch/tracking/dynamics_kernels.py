"""Numba kernels of the tracking filters' motion model: ballistic (and boosting) flight in the
rotating ECEF frame, its Jacobian, state-transition matrix and process noise.

Written by hand because the filters need the state *and* its 8x8 transition matrix over a
step of a second or two, ~10^5 times a second; SciPy's integrators cost more in call overhead
alone. Same forces as :func:`missilewatch.flight.kernels.deriv` (zonal gravity from
``earth.kernels.gravity_ecef``, Coriolis and centrifugal terms, USSA76 drag on the radial
height), integrated with classical RK4 on fixed sub-steps together with the variational
equations Phi' = A(x) Phi.

State ``x`` (N_STATE = 8), SI units, ECEF:
    0..2  position, m
    3..5  velocity, m/s
    6     ln(beta), beta = m / (Cd A) the ballistic coefficient in kg/m^2
    7     a_T, net acceleration along the velocity while the motor burns, m/s^2
          (thrust minus drag; held at 0 by the ballistic model)

Model parameters ``mp`` (float64, indices M_*): which forces act and the process noise.
Boost model: thrust acceleration a_T along the ECEF velocity (a gravity turn) growing as a
constant-mass-flow rocket's, da_T/dt = a_T^2 / v_e (a = v_e / (tau - t)), no separate drag.
Ballistic model: drag with the estimated beta, a_T = 0.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from missilewatch.earth.constants import GM_EARTH, J2, OMEGA_EARTH, R_GRAVITY, WGS84_A, WGS84_E2
from missilewatch.earth.kernels import atmosphere_density, geodetic_height, gravity_ecef

N_STATE = 8
I_LNB = 6
I_AT = 7

# Model parameter layout.
M_GRAV_ORDER = 0  # -1: no gravity (a linear, constant-velocity model), 0: point mass, 2..4: J_n
M_ROTATING = 1  # 1: rotating frame terms (Coriolis, centrifugal)
M_DRAG = 2  # 1: drag with beta = exp(x[6])
M_THRUST = 3  # 1: boost model (a_T along velocity), 0: a_T held at 0
M_VE = 4  # exhaust velocity of the thrust growth law, m/s
M_A_MAX = 5  # a_T stops growing above this, m/s^2
M_Q_ACC = 6  # power spectral density of white acceleration noise (each axis), m^2/s^3
M_Q_JERK = 7  # PSD of white noise on a_T (along velocity), m^2/s^5
M_Q_LNB = 8  # PSD of the random walk of ln(beta), 1/s
M_H_MAX = 9  # largest integration step, s
M_H_MAX_ATM = 10  # largest step where drag acts (below _ATM_TOP_M), s
M_IGN_AT = 11  # thrust models: mean a_T of a motor igniting (entered from an unpowered model), m/s^2
M_IGN_SIGMA = 12  # its standard deviation, m/s^2
N_MODEL = 13

_ONE_MINUS_E2 = 1.0 - WGS84_E2
_W = OMEGA_EARTH
# Above this height drag is not computed (USSA76 density < 1e-9 kg/m^3 above ~400 km, and
# the flight kernels stop at 1000 km); below it the step is limited to M_H_MAX_ATM.
_ATM_TOP_M = 1_000_000.0
_DRAG_STEP_TOP_M = 150_000.0
_NEGLIGIBLE_ACCEL = 1e-10
_J2_K = 1.5 * J2 * GM_EARTH * R_GRAVITY * R_GRAVITY


@njit(cache=True, nogil=True, error_model="numpy")
def radial_height(x, y, z):
    """Height above the ellipsoid along the geocentric radius, m (flight.kernels' drag height)."""
    r = math.sqrt(x * x + y * y + z * z)
    cos2 = (x * x + y * y) / (r * r)
    return r - WGS84_A * math.sqrt(_ONE_MINUS_E2 / (1.0 - WGS84_E2 * cos2))


@njit(cache=True, nogil=True, error_model="numpy")
def _radial_height_gradient(x, y, z):
    """Gradient (3,) of :func:`radial_height`: h = r - a sqrt((1 - e2) / (1 - e2 c)),
    c = (x^2 + y^2) / r^2."""
    r2 = x * x + y * y + z * z
    r = math.sqrt(r2)
    c = (x * x + y * y) / r2
    g = _ONE_MINUS_E2 / (1.0 - WGS84_E2 * c)
    f = 0.5 * WGS84_A / math.sqrt(g) * _ONE_MINUS_E2 * WGS84_E2 / ((1.0 - WGS84_E2 * c) ** 2)
    r4 = r2 * r2
    dcx = 2.0 * x * z * z / r4
    dcy = 2.0 * y * z * z / r4
    dcz = -2.0 * (x * x + y * y) * z / r4
    return x / r - f * dcx, y / r - f * dcy, z / r - f * dcz


@njit(cache=True, nogil=True, error_model="numpy")
def _drag_coefficient(x, mp, slope=True):
    """k = 0.5 rho / beta (1/m) where drag acts, else 0; and 0.5 d(rho)/dh / beta (kg/m^4;
    0 without ``slope``: the derivative alone needs no slope)."""
    if mp[M_DRAG] == 0.0:
        return 0.0, 0.0
    px, py, pz = x[0], x[1], x[2]
    r = math.sqrt(px * px + py * py + pz * pz)
    if r - WGS84_A >= _ATM_TOP_M:
        return 0.0, 0.0
    h = radial_height(px, py, pz)
    rho = atmosphere_density(h)
    inv_beta = math.exp(-x[I_LNB])
    v2 = x[3] * x[3] + x[4] * x[4] + x[5] * x[5]
    if 0.5 * rho * v2 * inv_beta <= _NEGLIGIBLE_ACCEL:
        return 0.0, 0.0
    if not slope:
        return 0.5 * rho * inv_beta, 0.0
    drho = (atmosphere_density(h + 25.0) - atmosphere_density(h - 25.0)) / 50.0
    return 0.5 * rho * inv_beta, 0.5 * drho * inv_beta


@njit(cache=True, nogil=True, error_model="numpy")
def deriv(x, mp, out):
    """Time derivative of the state ``x`` (8,) under model ``mp``; writes ``out`` (8,)."""
    _deriv(x, mp, out, _drag_coefficient(x, mp, False)[0])


@njit(cache=True, nogil=True, error_model="numpy")
def _deriv(x, mp, out, k):
    """:func:`deriv` with the drag coefficient ``k`` of :func:`_drag_coefficient` at ``x`` given."""
    px, py, pz, vx, vy, vz = x[0], x[1], x[2], x[3], x[4], x[5]
    order = int(mp[M_GRAV_ORDER])
    if order >= 0:
        ax, ay, az = gravity_ecef(px, py, pz, order)
    else:
        ax, ay, az = 0.0, 0.0, 0.0
    if mp[M_ROTATING] != 0.0:
        ax += 2.0 * _W * vy + _W * _W * px
        ay += -2.0 * _W * vx + _W * _W * py
    if k > 0.0:
        s = math.sqrt(vx * vx + vy * vy + vz * vz)
        ax -= k * s * vx
        ay -= k * s * vy
        az -= k * s * vz
    dat = 0.0
    if mp[M_THRUST] != 0.0:
        at = x[I_AT]
        ux, uy, uz = _thrust_direction(x)
        ax += at * ux
        ay += at * uy
        az += at * uz
        if 0.0 < at < mp[M_A_MAX]:
            dat = at * at / mp[M_VE]
    out[0], out[1], out[2] = vx, vy, vz
    out[3], out[4], out[5] = ax, ay, az
    out[6] = 0.0
    out[7] = dat


@njit(cache=True, nogil=True, error_model="numpy")
def _thrust_direction(x):
    """Unit vector of the ECEF velocity (the radial direction when nearly at rest)."""
    s = math.sqrt(x[3] * x[3] + x[4] * x[4] + x[5] * x[5])
    if s < 1.0:
        r = math.sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2])
        return x[0] / r, x[1] / r, x[2] / r
    return x[3] / s, x[4] / s, x[5] / s


@njit(cache=True, nogil=True, error_model="numpy")
def gravity_gradient(px, py, pz, order, G):
    """d(gravity)/d(position) (3x3, 1/s^2) of the point mass plus J2 (when order >= 2)."""
    r2 = px * px + py * py + pz * pz
    r = math.sqrt(r2)
    p = (px, py, pz)
    mu_r3 = GM_EARTH / (r2 * r)
    for i in range(3):
        for j in range(3):
            G[i, j] = mu_r3 * (3.0 * p[i] * p[j] / r2 - (1.0 if i == j else 0.0))
    if order >= 2:
        # a_i = -k p_i c_i / r^5, c = 1 - 5 s (x, y), 3 - 5 s (z), s = z^2 / r^2.
        s = pz * pz / r2
        f = -_J2_K / (r2 * r2 * r)
        for i in range(3):
            c = (1.0 - 5.0 * s) if i < 2 else (3.0 - 5.0 * s)
            for j in range(3):
                ds = (2.0 * pz * (1.0 if j == 2 else 0.0) - 2.0 * s * p[j]) / r2
                G[i, j] += f * ((c if i == j else 0.0) - 5.0 * p[i] * p[j] * c / r2 - 5.0 * p[i] * ds)


@njit(cache=True, nogil=True, error_model="numpy")
def jacobian_rows(x, mp, A):
    """Rows 3..5 (acceleration) of df/dx into ``A`` (3, 8); returns d(a_T')/d(a_T).

    Rows 0..2 of df/dx are [0 I 0 0] and row 6 is zero; row 7 is zero but for the a_T term.
    """
    k, dk = _drag_coefficient(x, mp)
    return _jacobian_rows(x, mp, A, np.empty((3, 3)), k, dk)


@njit(cache=True, nogil=True, error_model="numpy")
def _jacobian_rows(x, mp, A, G, k, dk):
    """:func:`jacobian_rows` with the gravity gradient's scratch ``G`` (3, 3) and the drag
    coefficient and its slope of :func:`_drag_coefficient` at ``x`` given."""
    for i in range(3):
        for j in range(N_STATE):
            A[i, j] = 0.0
    order = int(mp[M_GRAV_ORDER])
    if order >= 0:
        gravity_gradient(x[0], x[1], x[2], order, G)
        for i in range(3):
            for j in range(3):
                A[i, j] = G[i, j]
    if mp[M_ROTATING] != 0.0:
        A[0, 0] += _W * _W
        A[1, 1] += _W * _W
        A[0, 4] += 2.0 * _W
        A[1, 3] -= 2.0 * _W
    vx, vy, vz = x[3], x[4], x[5]
    if k > 0.0:
        s = math.sqrt(vx * vx + vy * vy + vz * vz)
        v = (vx, vy, vz)
        gh = _radial_height_gradient(x[0], x[1], x[2])
        for i in range(3):
            for j in range(3):
                A[i, 3 + j] -= k * ((s if i == j else 0.0) + v[i] * v[j] / s)
                A[i, j] -= dk * s * v[i] * gh[j]
            A[i, I_LNB] += k * s * v[i]
    dat = 0.0
    if mp[M_THRUST] != 0.0:
        at = x[I_AT]
        u = _thrust_direction(x)
        s = math.sqrt(vx * vx + vy * vy + vz * vz)
        if s >= 1.0:
            for i in range(3):
                for j in range(3):
                    A[i, 3 + j] += at * ((1.0 if i == j else 0.0) - u[i] * u[j]) / s
        for i in range(3):
            A[i, I_AT] += u[i]
        if 0.0 < at < mp[M_A_MAX]:
            dat = 2.0 * at / mp[M_VE]
    return dat


@njit(cache=True, nogil=True, error_model="numpy")
def _phi_rate(A, dat, M, out):
    """out = J M for the sparse Jacobian J (rows 0..2 = [0 I 0 0], rows 3..5 = A, row 7 = dat)."""
    n = M.shape[1]
    for j in range(n):
        out[0, j] = M[3, j]
        out[1, j] = M[4, j]
        out[2, j] = M[5, j]
        for i in range(3):
            acc = 0.0
            for m in range(N_STATE):
                acc += A[i, m] * M[m, j]
            out[3 + i, j] = acc
        out[6, j] = 0.0
        out[7, j] = dat * M[7, j]


@njit(cache=True, nogil=True, error_model="numpy")
def rk4_workspace():
    """Scratch arrays of :func:`rk4_step_in` (made once per propagation, not per step): the
    stages k1..k4 and the trial state (5, 8), the Jacobian rows (3, 8), the STM stages K1..K4
    and trial (5, 8, 8), the identity (8, 8), the gravity gradient (3, 3)."""
    n = N_STATE
    return np.empty((5, n)), np.empty((3, n)), np.empty((5, n, n)), np.eye(n), np.empty((3, 3))


@njit(cache=True, nogil=True, error_model="numpy")
def rk4_step(x, h, mp, Phi, with_stm):
    """One RK4 step of length ``h`` (s, may be negative) of the state ``x`` (in place).

    With ``with_stm`` writes the step's state-transition matrix (8x8) into ``Phi``.
    """
    rk4_step_in(x, h, mp, Phi, with_stm, rk4_workspace())


@njit(cache=True, nogil=True, error_model="numpy")
def rk4_step_in(x, h, mp, Phi, with_stm, ws):
    """:func:`rk4_step` in the scratch arrays ``ws`` of :func:`rk4_workspace`."""
    n = N_STATE
    vec, A, mat, I8, G = ws
    k1, k2, k3, k4, xt = vec[0], vec[1], vec[2], vec[3], vec[4]
    K1, K2, K3, K4, Mt = mat[0], mat[1], mat[2], mat[3], mat[4]
    kd = _drag_coefficient(x, mp, with_stm)  # once for the derivative and the Jacobian
    _deriv(x, mp, k1, kd[0])
    if with_stm:
        dat = _jacobian_rows(x, mp, A, G, kd[0], kd[1])
        _phi_rate(A, dat, I8, K1)
    for i in range(n):
        xt[i] = x[i] + 0.5 * h * k1[i]
    kd = _drag_coefficient(xt, mp, with_stm)
    _deriv(xt, mp, k2, kd[0])
    if with_stm:
        dat = _jacobian_rows(xt, mp, A, G, kd[0], kd[1])
        for i in range(n):
            for j in range(n):
                Mt[i, j] = I8[i, j] + 0.5 * h * K1[i, j]
        _phi_rate(A, dat, Mt, K2)
    for i in range(n):
        xt[i] = x[i] + 0.5 * h * k2[i]
    kd = _drag_coefficient(xt, mp, with_stm)
    _deriv(xt, mp, k3, kd[0])
    if with_stm:
        dat = _jacobian_rows(xt, mp, A, G, kd[0], kd[1])
        for i in range(n):
            for j in range(n):
                Mt[i, j] = I8[i, j] + 0.5 * h * K2[i, j]
        _phi_rate(A, dat, Mt, K3)
    for i in range(n):
        xt[i] = x[i] + h * k3[i]
    kd = _drag_coefficient(xt, mp, with_stm)
    _deriv(xt, mp, k4, kd[0])
    if with_stm:
        dat = _jacobian_rows(xt, mp, A, G, kd[0], kd[1])
        for i in range(n):
            for j in range(n):
                Mt[i, j] = I8[i, j] + h * K3[i, j]
        _phi_rate(A, dat, Mt, K4)
        for i in range(n):
            for j in range(n):
                Phi[i, j] = I8[i, j] + h / 6.0 * (K1[i, j] + 2.0 * K2[i, j] + 2.0 * K3[i, j] + K4[i, j])
    for i in range(n):
        x[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i])


@njit(cache=True, nogil=True, error_model="numpy")
def step_limit(x, mp):
    """Largest integration step (s) at state ``x``: shorter where drag acts."""
    h = mp[M_H_MAX]
    if mp[M_DRAG] != 0.0 and mp[M_H_MAX_ATM] < h:
        if geodetic_height(x[0], x[1], x[2]) < _DRAG_STEP_TOP_M:
            h = mp[M_H_MAX_ATM]
    return h


@njit(cache=True, nogil=True, error_model="numpy")
def add_process_noise(x, h, mp, P):
    """P += Q(h): white acceleration noise (each axis) and, with thrust, white noise on a_T
    integrated along the velocity direction; ln(beta) random walk. ``h`` may be negative."""
    ah = abs(h)
    sg = 1.0 if h >= 0.0 else -1.0
    h2 = ah * ah
    h3 = h2 * ah
    qa = mp[M_Q_ACC]
    for i in range(3):
        P[i, i] += qa * h3 / 3.0
        P[i, i + 3] += sg * qa * h2 / 2.0
        P[i + 3, i] += sg * qa * h2 / 2.0
        P[i + 3, i + 3] += qa * ah
    P[I_LNB, I_LNB] += mp[M_Q_LNB] * ah
    if mp[M_THRUST] != 0.0:
        qj = mp[M_Q_JERK]
        u = _thrust_direction(x)
        h4 = h3 * ah
        h5 = h4 * ah
        P[I_AT, I_AT] += qj * ah
        for i in range(3):
            P[3 + i, I_AT] += sg * qj * h2 / 2.0 * u[i]
            P[I_AT, 3 + i] += sg * qj * h2 / 2.0 * u[i]
            P[i, I_AT] += qj * h3 / 6.0 * u[i]
            P[I_AT, i] += qj * h3 / 6.0 * u[i]
            for j in range(3):
                uu = u[i] * u[j]
                P[i, j] += qj * h5 / 20.0 * uu
                P[i, 3 + j] += sg * qj * h4 / 8.0 * uu
                P[3 + i, j] += sg * qj * h4 / 8.0 * uu
                P[3 + i, 3 + j] += qj * h3 / 3.0 * uu


@njit(cache=True, nogil=True, error_model="numpy")
def stop_thrust(x, P, dt, mp):
    """The ballistic model has no thrust state: a_T = 0 with no uncertainty.

    A state that still carries thrust (an IMM mixed in from the boost model) has its motor
    stop at a time uniform within the coming interval ``dt``, not at its start: the mean
    impulse along the velocity (a dt/2 in velocity, a dt^2/3 in position) is added and so is
    its covariance (moments of the uniform stop time u dt: velocity a dt u, position
    a dt^2 (u - u^2/2)), with E[a^2] = a^2 + var(a).
    """
    if mp[M_THRUST] != 0.0:
        return
    a = x[I_AT]
    if a != 0.0 and dt != 0.0:
        h = abs(dt)
        m2 = a * a + P[I_AT, I_AT]
        u = _thrust_direction(x)
        dv = a * h / 2.0
        dr = a * h * h / 3.0
        vv = h * h * (m2 / 3.0 - a * a / 4.0)
        rr = h**4 * (m2 * 2.0 / 15.0 - a * a / 9.0)
        rv = h**3 * (m2 * 5.0 / 24.0 - a * a / 6.0)
        for i in range(3):
            x[i] += dr * u[i]
            x[3 + i] += dv * u[i]
            for j in range(3):
                uu = u[i] * u[j]
                P[i, j] += rr * uu
                P[i, 3 + j] += rv * uu
                P[3 + i, j] += rv * uu
                P[3 + i, 3 + j] += vv * uu
    x[I_AT] = 0.0
    for i in range(N_STATE):
        P[I_AT, i] = 0.0
        P[i, I_AT] = 0.0


@njit(cache=True, nogil=True, error_model="numpy")
def predict(x, P, dt, mp):
    """EKF time update over ``dt`` s (in place): x <- f(x), P <- Phi P Phi' + Q per sub-step."""
    stop_thrust(x, P, dt, mp)
    n = N_STATE
    Phi = np.empty((n, n))
    T = np.empty((n, n))
    x0 = np.empty(n)
    ws = rk4_workspace()
    done = 0.0
    total = abs(dt)
    sg = 1.0 if dt >= 0.0 else -1.0
    while done < total:
        h = min(step_limit(x, mp), total - done)
        if total - done - h < 1e-9:
            h = total - done
        x0[:] = x
        rk4_step_in(x, sg * h, mp, Phi, True, ws)
        # T = Phi P, then P = T Phi'
        for i in range(n):
            for j in range(n):
                acc = 0.0
                for m in range(n):
                    acc += Phi[i, m] * P[m, j]
                T[i, j] = acc
        for i in range(n):
            for j in range(i, n):
                acc = 0.0
                for m in range(n):
                    acc += T[i, m] * Phi[j, m]
                P[i, j] = acc
                P[j, i] = acc
        add_process_noise(x0, sg * h, mp, P)
        done += h
    if mp[M_THRUST] == 0.0:
        x[I_AT] = 0.0


@njit(cache=True, nogil=True, error_model="numpy")
def propagate_state(x, dt, mp):
    """State-only propagation over ``dt`` s (in place), same sub-steps as :func:`predict`."""
    if mp[M_THRUST] == 0.0:
        x[I_AT] = 0.0
    dummy = np.empty((1, 1))
    ws = rk4_workspace()
    done = 0.0
    total = abs(dt)
    sg = 1.0 if dt >= 0.0 else -1.0
    while done < total:
        h = min(step_limit(x, mp), total - done)
        if total - done - h < 1e-9:
            h = total - done
        rk4_step_in(x, sg * h, mp, dummy, False, ws)
        done += h


@njit(cache=True, nogil=True, error_model="numpy")
def transition_matrix(x, dt, mp, Phi):
    """State-transition matrix over ``dt`` (product of the sub-steps'); advances ``x``."""
    n = N_STATE
    step = np.empty((n, n))
    T = np.empty((n, n))
    ws = rk4_workspace()
    for i in range(n):
        for j in range(n):
            Phi[i, j] = 1.0 if i == j else 0.0
    done = 0.0
    total = abs(dt)
    sg = 1.0 if dt >= 0.0 else -1.0
    while done < total:
        h = min(step_limit(x, mp), total - done)
        if total - done - h < 1e-9:
            h = total - done
        rk4_step_in(x, sg * h, mp, step, True, ws)
        for i in range(n):
            for j in range(n):
                acc = 0.0
                for m in range(n):
                    acc += step[i, m] * Phi[m, j]
                T[i, j] = acc
        for i in range(n):
            for j in range(n):
                Phi[i, j] = T[i, j]
        done += h


@njit(cache=True, nogil=True, error_model="numpy")
def process_noise(x, dt, mp, Q):
    """Process noise accumulated over ``dt`` (propagated between sub-steps) into ``Q``: the
    covariance :func:`predict` adds to Phi P Phi'."""
    n = N_STATE
    for i in range(n):
        for j in range(n):
            Q[i, j] = 0.0
    xx = x.copy()
    if mp[M_THRUST] == 0.0:
        xx[I_AT] = 0.0
    predict(xx, Q, dt, mp)

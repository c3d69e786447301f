"""Generate src/missilewatch/earth/data/ussa1976_density.npz (US Standard Atmosphere 1976).

Writes log(density) and log(pressure) on a uniform geometric-altitude grid 0 .. 1000 km
(step DZ_M), read by missilewatch.earth.kernels.atmosphere_density and
missilewatch.earth.atmosphere.pressure (linear interpolation in log space).

Source: the `ussa1976` package (dev dependency), which integrates the 1976 species
equations above 86 km, with one correction (see `_fixed_oxygen_diffusion_term`).
Run:  .venv/bin/python scripts/make_atmosphere_table.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import ussa1976
import ussa1976.core as usc

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "missilewatch" / "earth" / "data" / "ussa1976_density.npz"
Z_TOP_M = 1_000_000.0
DZ_M = 250.0


def _fixed_oxygen_diffusion_term(z_grid, g, t, dt_dz, d, k):
    """Atomic-oxygen term of eq. (36) of the 1976 standard with the mixture's molar mass.

    ussa1976 <= 0.3.4 passes the molar mass of N2 as the mixture's mean molar mass M in
    the eddy-diffusion term of atomic oxygen below 115 km, where the standard uses M
    (M0 = 28.9644 g/mol up to 100 km, as the package itself does for O2, Ar and He).
    That leaves n(O) about 7 % too high from 100 km up (the package's own tests only hold
    O to 10 %), so total density is up to 6.7 % too high at 300-600 km.  With M, n(O)
    matches the standard's Table VIII to < 0.3 % and density its Table I to < 0.5 %.
    """
    mask1 = z_grid < 115e3
    mask2 = ~mask1
    x1 = usc.f_below_115_km(
        g=g[mask1],
        t=t[mask1],
        dt_dz=dt_dz[mask1],
        m=usc.compute_mean_molar_mass_high_altitude(z=z_grid[mask1]),
        mi=usc.M["O"],
        alpha=usc.ALPHA["O"],
        d=d,
        k=k,
    )
    x2 = usc.f_above_115_km(
        g=g[mask2], t=t[mask2], dt_dz=dt_dz[mask2], mi=usc.M["O"], alpha=usc.ALPHA["O"]
    )
    return np.concatenate((x1, x2))


def compute(z_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """USSA76 (density kg/m^3, pressure Pa) at geometric altitudes z_m (0 .. 1000 km)."""
    original = usc.thermal_diffusion_term_atomic_oxygen
    usc.thermal_diffusion_term_atomic_oxygen = _fixed_oxygen_diffusion_term
    try:
        ds = ussa1976.compute(z=np.asarray(z_m, dtype=np.float64), variables=["rho", "p"])
        return (
            np.asarray(ds["rho"].values, dtype=np.float64),
            np.asarray(ds["p"].values, dtype=np.float64),
        )
    finally:
        usc.thermal_diffusion_term_atomic_oxygen = original


def compute_density(z_m: np.ndarray) -> np.ndarray:
    """USSA76 mass density (kg/m^3) at geometric altitudes z_m (0 .. 1000 km), corrected."""
    return compute(z_m)[0]


def main() -> int:
    n = int(round(Z_TOP_M / DZ_M)) + 1
    z = np.linspace(0.0, Z_TOP_M, n)
    rho, p = compute(z)
    for name, a in (("density", rho), ("pressure", p)):
        if not np.all(np.isfinite(a)) or np.any(a <= 0.0) or np.any(np.diff(a) >= 0.0):
            print(f"{name} is not finite, positive and decreasing", file=sys.stderr)
            return 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        OUT, log_rho=np.log(rho), log_p=np.log(p), z0_m=np.float64(0.0), dz_m=np.float64(DZ_M)
    )
    # Numba freezes module-level arrays into its on-disk cache and does not notice a new
    # table: drop the cached kernels so the next import recompiles them.
    cache_dir = OUT.parent.parent / "__pycache__"
    for f in list(cache_dir.glob("kernels.*.nbi")) + list(cache_dir.glob("kernels.*.nbc")):
        f.unlink()
    print(f"wrote {OUT.relative_to(ROOT)}: {n} points, dz = {DZ_M} m")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

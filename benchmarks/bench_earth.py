"""Earth kernels against their peers, measured in the same run (median of repeats).

- ECEF -> geodetic over 200,000 points: ours (Numba closed form) vs pyproj (PROJ) and
  pymap3d; the maximum height error of each against the exact forward transform is reported.
- ECEF -> AER over 200,000 points: ours vs pymap3d.
- USSA76 density over 2,000 altitudes: ours (table kernel) vs the ussa1976 package.
"""

from __future__ import annotations

import numpy as np
import pymap3d
from pyproj import Transformer
from timing import median_time

from missilewatch import earth
from missilewatch.earth import kernels as k

N = 200_000
REPEATS = 5


def _median_time(fn, repeats: int = REPEATS) -> float:
    return median_time(fn, repeats, warmup=True)[0]


def _row(name, ours_s, peer, peer_s, n, **extra):
    return {
        "name": name,
        "ours": ours_s / n * 1e9,
        "peer": peer_s / n * 1e9,
        "peer_name": peer,
        "unit": "ns per point",
        "ratio": peer_s / ours_s,
        **extra,
    }


def run() -> list[dict]:
    rng = np.random.default_rng(3)
    lat = np.arcsin(rng.uniform(-1, 1, N))
    lon = rng.uniform(-np.pi, np.pi, N)
    h = rng.uniform(-10e3, 2e6, N)
    x, y, z = k.geodetic_to_ecef_v(lat, lon, h)
    results = []

    ours_t = _median_time(lambda: k.ecef_to_geodetic_v(x, y, z))
    ours_err = float(np.abs(k.ecef_to_geodetic_v(x, y, z)[2] - h).max())
    tr = Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True)
    proj_t = _median_time(lambda: tr.transform(x, y, z))
    proj_err = float(np.abs(tr.transform(x, y, z)[2] - h).max())
    results.append(
        _row("ecef2geodetic_vs_pyproj", ours_t, "pyproj", proj_t, N,
             max_dh_ours_m=ours_err, max_dh_peer_m=proj_err)
    )
    p3_t = _median_time(lambda: pymap3d.ecef2geodetic(x, y, z), repeats=3)
    p3_err = float(np.abs(pymap3d.ecef2geodetic(x, y, z)[2] - h).max())
    results.append(
        _row("ecef2geodetic_vs_pymap3d", ours_t, "pymap3d", p3_t, N,
             max_dh_ours_m=ours_err, max_dh_peer_m=p3_err)
    )

    lat0, lon0, h0 = 35.0, 139.0, 50.0
    ours_t = _median_time(lambda: earth.ecef2aer(x, y, z, lat0, lon0, h0))
    peer_t = _median_time(lambda: pymap3d.ecef2aer(x, y, z, lat0, lon0, h0), repeats=3)
    results.append(_row("ecef2aer_vs_pymap3d", ours_t, "pymap3d", peer_t, N))

    try:
        import ussa1976
    except ImportError:
        return results
    zz = np.sort(rng.uniform(0.0, 1e6, 2000))
    ours_t = _median_time(lambda: k.atmosphere_density_v(zz))
    peer_t = _median_time(lambda: ussa1976.compute(z=zz, variables=["rho"]), repeats=3)
    results.append(_row("density_vs_ussa1976", ours_t, "ussa1976", peer_t, zz.size))
    return results

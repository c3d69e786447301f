"""Figure of one reconstructed flight: altitude against downrange, and the ground track."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from missilewatch.flight.reconstruct import Reconstruction  # noqa: E402


def plot_reconstruction(rec: Reconstruction, path: str | Path, title: str | None = None) -> Path:
    """Write a PNG with the altitude profile and the ground track; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tr = rec.trajectory
    lat, lon, h = tr.geodetic
    down_km = tr.downrange_m() / 1e3
    alt_km = h / 1e3
    burn = tr.t_s <= rec.burnout_time_s

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5.2), gridspec_kw={"width_ratios": [1.1, 1]})
    ax1.plot(down_km[~burn], alt_km[~burn], color="tab:blue", label="ballistic")
    ax1.plot(down_km[burn], alt_km[burn], color="tab:red", lw=2.5, label="boost")
    i = tr.apogee_index
    ax1.annotate(f"apogee {rec.apogee_km:,.0f} km\nt = {tr.t_s[i]:,.0f} s", (down_km[i], alt_km[i]),
                 textcoords="offset points", xytext=(10, -30))
    ax1.set_xlabel("downrange (km)")
    ax1.set_ylabel("altitude above WGS84 (km)")
    ax1.set_ylim(bottom=0)
    ax1.grid(alpha=0.3)
    ax1.legend(loc="upper right")
    ax1.set_title(f"range {rec.range_km:,.0f} km, flight {rec.flight_time_s / 60:.1f} min, "
                  f"{rec.trajectory_type.value}")

    lon_u = np.degrees(np.unwrap(np.radians(lon)))
    ax2.plot(lon_u, lat, color="tab:blue")
    ax2.plot(lon_u[burn], lat[burn], color="tab:red", lw=2.5)
    ax2.plot(lon_u[0], lat[0], "k^", ms=9, label=f"launch ({rec.launch_name})")
    ax2.plot(lon_u[-1], lat[-1], "rx", ms=10, mew=2.5, label=f"impact {lat[-1]:.2f}, {lon[-1]:.2f}")
    minutes = np.arange(0, tr.t_s[-1], 60.0 * max(1, int(tr.t_s[-1] // 600)))
    for m in minutes[1:]:
        j = int(np.searchsorted(tr.t_s, m))
        ax2.plot(lon_u[j], lat[j], "o", color="tab:blue", ms=3)
        ax2.annotate(f"{m / 60:.0f} min", (lon_u[j], lat[j]), fontsize=7, textcoords="offset points",
                     xytext=(2, 4))
    ax2.set_aspect(1.0 / np.cos(np.radians(np.mean(lat))))
    pad = 3.0
    ax2.set_xlim(lon_u.min() - pad, lon_u.max() + pad)
    ax2.set_ylim(lat.min() - pad, lat.max() + pad)
    ax2.set_xlabel("longitude (deg E)")
    ax2.set_ylabel("latitude (deg N)")
    ax2.grid(alpha=0.3)
    ax2.legend(loc="best", fontsize=8)
    ax2.set_title("ground track (WGS84)")
    fig.suptitle(title or f"Reconstructed flight from {rec.launch_name}: apogee {rec.apogee_km:,.0f} km, "
                 f"burnout {rec.burnout_speed_mps / 1e3:.2f} km/s at {rec.burnout_altitude_km:.0f} km")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path

"""Plots of the archive (Matplotlib, Agg canvas: no display, no global pyplot state).

* apogee against range for every missile, with curves of constant burnout speed and the
  minimum-energy line;
* launches (missiles) per year by type;
* a map of launch sites, reconstructed impact points and ground tracks;
* the ground track and altitude profile of one reconstructed flight.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from missilewatch.earth.constants import GM_EARTH
from missilewatch.flight.capability import R_MEAN, minimum_energy_apogee_km

TYPE_COLOURS = {
    "SRBM": "#1f77b4", "MRBM": "#2ca02c", "IRBM": "#ff7f0e", "ICBM": "#d62728", "SLBM": "#9467bd",
    "SLV": "#8c564b", "HGV": "#e377c2", "long-range": "#bcbd22", "Unknown": "#7f7f7f",
}


def constant_speed_curve(speed_mps: float, n: int = 400, radius_m: float = R_MEAN) -> tuple[np.ndarray, np.ndarray]:
    """(range_km, apogee_km) of Keplerian arcs leaving a spherical Earth at ``speed_mps``.

    Swept over flight-path angles 0.1°-89.9°: range angle psi from
    tan(psi/2) = nu sin g cos g / (1 - nu cos² g), nu = v² R / GM; apogee from the conic's
    semi-major axis and eccentricity. Arcs that would not come back (nu >= 2) are left out.
    """
    gamma = np.radians(np.linspace(0.1, 89.9, n))
    nu = speed_mps**2 * radius_m / GM_EARTH
    psi = 2.0 * np.arctan2(nu * np.sin(gamma) * np.cos(gamma), 1.0 - nu * np.cos(gamma) ** 2)
    energy = speed_mps**2 / 2.0 - GM_EARTH / radius_m
    a = -GM_EARTH / (2.0 * energy)
    p = (radius_m * speed_mps * np.cos(gamma)) ** 2 / GM_EARTH
    e = np.sqrt(np.clip(1.0 - p / a, 0.0, None))
    apogee = a * (1.0 + e) - radius_m
    return radius_m * psi / 1e3, apogee / 1e3


def _save(fig: Figure, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=110)
    return path


def plot_apogee_range(points: list[dict[str, Any]], path: Path, labels: Sequence[dict[str, Any]] = (),
                      speeds_kms: Sequence[float] = (1, 2, 3, 4, 5, 6, 7)) -> Path:
    """Apogee against range (log-log) with constant-burnout-speed curves and the minimum-energy line.

    ``points``: dicts with range_km, apogee_km, type; ``labels``: range_km, apogee_km, label.
    """
    fig = Figure(figsize=(9, 6.5))
    ax = fig.add_subplot()
    for v in speeds_kms:
        r, h = constant_speed_curve(v * 1000.0)
        ok = (r > 5) & (h > 1)
        ax.plot(r[ok], h[ok], color="0.6", lw=0.8, ls="--", zorder=1)
        if ok.any():
            i = int(np.argmax(np.where(ok, r, -1)))  # farthest point: on the minimum-energy line
            ax.annotate(f"{v} km/s", (r[i], h[i]), xytext=(4, -10), textcoords="offset points", fontsize=7,
                        color="0.35")
    ranges = np.geomspace(10, 19_000, 300)
    ax.plot(ranges, [minimum_energy_apogee_km(x) for x in ranges], color="k", lw=1.4,
            label="minimum-energy trajectory", zorder=2)
    by_type: dict[str, list[dict]] = {}
    for p in points:
        if p.get("range_km") and p.get("apogee_km") and p["range_km"] > 0 and p["apogee_km"] > 0:
            by_type.setdefault(p.get("type") or "Unknown", []).append(p)
    for t, pts in sorted(by_type.items()):
        ax.scatter([p["range_km"] for p in pts], [p["apogee_km"] for p in pts], s=22, alpha=0.8,
                   color=TYPE_COLOURS.get(t, "#17becf"), edgecolor="k", linewidth=0.3, label=f"{t} ({len(pts)})",
                   zorder=3)
    labelled = sorted(labels, key=lambda p: (p["range_km"], p["apogee_km"]))
    for k, p in enumerate(labelled):
        # Alternate sides so that labels of neighbouring points do not overprint each other.
        offset = (5, -3) if k % 2 == 0 else (-42, -3)
        ax.annotate(p["label"], (p["range_km"], p["apogee_km"]), xytext=offset, textcoords="offset points",
                    fontsize=7)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(10, 20_000)
    ax.set_ylim(5, 12_000)
    ax.set_xlabel("range (km)")
    ax.set_ylabel("apogee (km)")
    ax.set_title("North Korean missile tests: apogee against range\n"
                 "dashed: Keplerian arcs of constant burnout speed from the surface")
    ax.grid(True, which="both", alpha=0.25)
    ax.legend(loc="upper left", fontsize=8)
    return _save(fig, path)


def plot_launches_per_year(rows: list[dict], path: Path) -> Path:
    """Stacked bars: missiles launched per year, by type. ``rows``: dicts with year, type."""
    years = sorted({r["year"] for r in rows if r.get("year")})
    if not years:
        years = [0]
    all_years = list(range(min(years), max(years) + 1))
    types = sorted({r.get("type") or "Unknown" for r in rows})
    counts = {t: np.array([sum(1 for r in rows if r.get("year") == y and (r.get("type") or "Unknown") == t)
                           for y in all_years]) for t in types}
    fig = Figure(figsize=(10, 4.8))
    ax = fig.add_subplot()
    bottom = np.zeros(len(all_years))
    for t in types:
        ax.bar(all_years, counts[t], bottom=bottom, label=t, color=TYPE_COLOURS.get(t, "#17becf"), width=0.8)
        bottom += counts[t]
    ax.set_xlabel("year")
    ax.set_ylabel("missiles launched")
    ax.set_title("North Korean missile tests per year, by type (one count per missile)")
    ax.legend(ncol=4, fontsize=8, loc="upper left")
    ax.grid(True, axis="y", alpha=0.3)
    return _save(fig, path)


def _coastlines(bounds: tuple[float, float, float, float]) -> list[np.ndarray]:
    """Country outlines within ``bounds`` (lon_min, lon_max, lat_min, lat_max) from the geography data.

    Empty when the geography package or its data is not available.
    """
    try:
        from missilewatch.errors import DataError
        from missilewatch.geography.data import countries
    except ImportError:
        return []
    try:
        topo = countries()
    except (DataError, OSError, ValueError):
        return []
    lon0, lon1, lat0, lat1 = bounds
    out = []
    for r in range(len(topo.ring_offsets) - 1):
        xy = topo.ring_lonlat(r)
        if xy[:, 0].max() < lon0 or xy[:, 0].min() > lon1 or xy[:, 1].max() < lat0 or xy[:, 1].min() > lat1:
            continue
        out.append(xy)
    return out


def _zone_mask(bounds: tuple[float, float, float, float], country: str,
               step_deg: float = 0.1) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(lon grid, lat grid, mask) of a country's territorial sea and EEZ, or None without geography."""
    try:
        from missilewatch.errors import DataError
        from missilewatch.geography.zones import classify_points
    except ImportError:
        return None
    lon = np.arange(bounds[0], bounds[1] + step_deg / 2, step_deg)
    lat = np.arange(bounds[2], bounds[3] + step_deg / 2, step_deg)
    lon_g, lat_g = np.meshgrid(lon, lat)
    try:
        z = classify_points(lat_g, lon_g)
        from missilewatch.geography.data import countries
        from missilewatch.geography.zones import ZONE_BY_CODE

        k = countries().index_of(country)
        sea_codes = [i for i, zone in enumerate(ZONE_BY_CODE) if zone.value in ("territorial_sea", "eez")]
        mask = (np.isin(z.zone_code, sea_codes) & (z.country_index == k)).reshape(lat_g.shape)
    except (DataError, ImportError):
        return None
    except Exception:  # noqa: BLE001 - the zone layer is optional: the map is drawn without it
        return None
    return lon_g, lat_g, mask


def plot_map(sites: list[dict[str, Any]], impacts: list[dict[str, Any]], tracks: list[dict[str, Any]], path: Path,
             bounds: tuple[float, float, float, float] = (118.0, 180.0, 22.0, 52.0)) -> Path:
    """Launch sites, reconstructed impact points and ground tracks (equirectangular, lon/lat degrees).

    ``sites``: name, lat_deg, lon_deg, count; ``impacts``: lat_deg, lon_deg, type;
    ``tracks``: lat_deg, lon_deg arrays and a label.
    """
    lon0, lon1, lat0, lat1 = bounds
    fig = Figure(figsize=(11, 6.2))
    ax = fig.add_subplot()
    ax.set_facecolor("#eaf2f8")
    coast = _coastlines(bounds)
    for xy in coast:
        ax.fill(xy[:, 0], xy[:, 1], color="#d9d4c7", ec="#7a7568", lw=0.4, zorder=1)
    eez = _zone_mask(bounds, "JPN")
    if eez is not None:
        lon_g, lat_g, mask = eez
        ax.contourf(lon_g, lat_g, mask.astype(float), levels=[0.5, 1.5], colors=["#5dade2"], alpha=0.25, zorder=0.5)
        ax.contour(lon_g, lat_g, mask.astype(float), levels=[0.5], colors=["#2874a6"], linewidths=0.7, zorder=0.6)
        ax.plot([], [], color="#2874a6", lw=2, alpha=0.6, label="Japan: territorial sea and EEZ")
    for t in tracks:
        ax.plot(t["lon_deg"], t["lat_deg"], lw=0.9, alpha=0.7, color=TYPE_COLOURS.get(t.get("type") or "", "#555"),
                zorder=2)
    for i in impacts:
        ax.scatter(i["lon_deg"], i["lat_deg"], marker="x", s=22, color=TYPE_COLOURS.get(i.get("type") or "", "#555"),
                   zorder=3)
    if sites:
        sizes = [12 + 6 * math.sqrt(s.get("count", 1)) for s in sites]
        ax.scatter([s["lon_deg"] for s in sites], [s["lat_deg"] for s in sites], marker="^", s=sizes, color="#c0392b",
                   edgecolor="k", linewidth=0.4, zorder=4, label="launch site (size: launches)")
    handles = [ax.scatter([], [], marker="x", color=c, label=f"impact / track {t}")
               for t, c in TYPE_COLOURS.items() if any(i.get("type") == t for i in impacts)]
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    ax.set_aspect(1.0 / math.cos(math.radians((lat0 + lat1) / 2)))
    ax.set_xlabel("longitude (deg E)")
    ax.set_ylabel("latitude (deg N)")
    note = "" if coast else " (no coastline data available)"
    ax.set_title("Launch sites, reconstructed ground tracks and impact points" + note +
                 "\nimpact points assume a bearing from the reported landing area where no impact point is known",
                 fontsize=10)
    ax.grid(True, alpha=0.3)
    if sites or handles:
        ax.legend(fontsize=8, loc="lower right")
    return _save(fig, path)


def plot_ground_track(track: dict, title: str, path: Path) -> Path:
    """One flight: ground track (lon/lat) and altitude against time. ``track``: t_s, lat_deg, lon_deg, alt_km."""
    fig = Figure(figsize=(11, 4.5))
    ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.3, 1]})
    lon, lat = np.asarray(track["lon_deg"]), np.asarray(track["lat_deg"])
    pad = 3.0
    bounds = (lon.min() - pad, lon.max() + pad, lat.min() - pad, lat.max() + pad)
    for xy in _coastlines(bounds):
        ax1.fill(xy[:, 0], xy[:, 1], color="#d9d4c7", ec="#7a7568", lw=0.4)
    ax1.plot(lon, lat, color="#c0392b", lw=1.5)
    ax1.scatter(lon[0], lat[0], marker="^", color="#c0392b", edgecolor="k", zorder=3, label="launch")
    ax1.scatter(lon[-1], lat[-1], marker="x", color="k", zorder=3, label="impact")
    ax1.set_xlim(bounds[0], bounds[1])
    ax1.set_ylim(bounds[2], bounds[3])
    ax1.set_aspect(1.0 / math.cos(math.radians(float(lat.mean()))))
    ax1.set_xlabel("longitude (deg E)")
    ax1.set_ylabel("latitude (deg N)")
    ax1.legend(fontsize=8)
    ax1.grid(True, alpha=0.3)
    ax2.plot(np.asarray(track["t_s"]) / 60.0, track["alt_km"], color="#1f77b4")
    ax2.set_xlabel("time since launch (min)")
    ax2.set_ylabel("altitude (km)")
    ax2.grid(True, alpha=0.3)
    fig.suptitle(title, fontsize=10)
    return _save(fig, path)

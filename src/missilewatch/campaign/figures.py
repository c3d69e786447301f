"""Figures of a campaign report (matplotlib, Agg): a map of Japan's prefectures, lead time against
bearing, footprint calibration, distributions. Each function takes pandas frames and a path."""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402

from missilewatch.campaign.study import PREFECTURE_COUNTRY  # noqa: E402

NOMINAL_COVERAGE = 0.95
BEARING_BIN_DEG = 10.0
MIN_BIN_PREDICTIONS = 20
_MISSED_COLOUR = "#222222"
_NO_DATA_COLOUR = "#e6e6e6"


@lru_cache(maxsize=1)
def _prefecture_rings() -> dict[str, list[np.ndarray]]:
    """Outer rings (lon, lat) of every part of each prefecture, from the geography package."""
    from missilewatch.geography.regions import all_regions

    out: dict[str, list[np.ndarray]] = {}
    for r in all_regions().regions:
        if r.country == PREFECTURE_COUNTRY and r.name:
            parts = getattr(r.geometry, "geoms", [r.geometry])
            out[r.name] = [np.asarray(p.exterior.coords) for p in parts if p.area > 1e-4]
    return out


def _map_panel(ax, values: dict[str, float], title: str, vmin: float, vmax: float, cmap) -> None:
    rings = _prefecture_rings()
    polys, colours = [], []
    norm = matplotlib.colors.Normalize(vmin, vmax)
    for name, parts in rings.items():
        v = values.get(name, math.nan)
        if v is None or (isinstance(v, float) and math.isnan(v)):
            c = _NO_DATA_COLOUR
        elif v == -math.inf:
            c = _MISSED_COLOUR
        else:
            c = cmap(norm(v))
        for ring in parts:
            polys.append(ring)
            colours.append(c)
    ax.add_collection(PolyCollection(polys, facecolors=colours, edgecolors="#666666", linewidths=0.3))
    ax.set_xlim(122.5, 146.5)
    ax.set_ylim(24.0, 46.0)
    ax.set_aspect(1.0 / math.cos(math.radians(35.0)))
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("longitude (deg E)")
    ax.set_ylabel("latitude (deg N)")
    sm = matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap)
    plt.colorbar(sm, ax=ax, shrink=0.75, label="lead time (s)")


def plot_lead_map(table: pd.DataFrame, path: Path, title: str) -> Path:
    """Two maps: median and 5th-percentile lead time per prefecture (grey: never crossed;
    black: 5th percentile is a miss, i.e. at least 5 % of the crossings got no warning)."""
    med = dict(zip(table["region"], table["median_lead_s"], strict=True)) if len(table) else {}
    p5 = dict(zip(table["region"], table["p5_lead_s"], strict=True)) if len(table) else {}
    finite = [v for v in list(med.values()) + list(p5.values()) if v is not None and np.isfinite(v)]
    vmin = min([0.0] + finite)
    vmax = max([60.0] + finite)
    cmap = plt.get_cmap("viridis")
    fig, axes = plt.subplots(1, 2, figsize=(13, 6.2))
    _map_panel(axes[0], med, "median lead time per prefecture", vmin, vmax, cmap)
    _map_panel(axes[1], p5, "5th-percentile lead time (black: missed in >= 5 %)", vmin, vmax, cmap)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_lead_difference_map(diff: dict[str, float], path: Path, title: str) -> Path:
    """Map of the change of median lead time between two variants (s; grey: no data)."""
    finite = [abs(v) for v in diff.values() if np.isfinite(v)]
    span = max([10.0] + finite)
    fig, ax = plt.subplots(figsize=(7, 6.2))
    _map_panel(ax, diff, title, -span, span, plt.get_cmap("RdBu"))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_lead_vs_bearing(runs: pd.DataFrame, path: Path) -> Path:
    """Per site: each run's smallest lead time over the regions it crossed, against the launch
    bearing, with the median per 10-degree bin; runs that crossed a region without warning are
    marked x at the bottom."""
    sites = sorted(runs["site"].unique()) if len(runs) else []
    n = max(1, len(sites))
    ncols = min(4, n)
    nrows = math.ceil(n / ncols)
    fig, grid = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 3.9 * nrows), squeeze=False)
    axes = grid.ravel()
    for ax in axes[len(sites):]:
        ax.set_visible(bool(not sites and ax is axes[0]))
    variants = sorted(runs["variant"].unique()) if len(runs) else []
    colours = {v: f"C{i}" for i, v in enumerate(variants)}
    for ax, site in zip(axes, sites, strict=False):
        sub = runs[(runs["site"] == site) & (runs["regions_crossed"].fillna(0) > 0)]
        floor = float(np.nanmin(sub["min_lead_s"])) if sub["min_lead_s"].notna().any() else 0.0
        for v in variants:
            s = sub[sub["variant"] == v]
            ok = s[s["min_lead_s"].notna()]
            ax.scatter(ok["azimuth_deg"], ok["min_lead_s"], s=14, alpha=0.7, color=colours[v], label=v)
            missed = s[s["regions_missed"].fillna(0) > 0]
            if len(missed):
                ax.scatter(missed["azimuth_deg"], np.full(len(missed), min(floor, 0.0) - 20.0), marker="x",
                           color=colours[v], label=f"{v}: a crossed region missed")
            if len(ok) >= 3:  # median per 10-degree bin of bearing
                b = (ok["azimuth_deg"] / BEARING_BIN_DEG).round() * BEARING_BIN_DEG
                med = ok.groupby(b)["min_lead_s"].median()
                ax.plot(med.index, med.values, color=colours[v], lw=1, marker="_", ms=10)
        ax.axhline(0.0, color="k", lw=0.6)
        ax.set_title(f"{site}", fontsize=10)
        ax.set_xlabel("launch bearing (deg from north)")
        ax.set_ylabel("smallest lead time over crossed regions (s)")
        ax.grid(alpha=0.3)
        if variants:
            ax.legend(fontsize=7)
    if not sites:
        axes[0].text(0.5, 0.5, "no runs", ha="center")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def wilson(k: float, n: float, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion k/n (95 % by default)."""
    if n <= 0:
        return math.nan, math.nan
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return max(0.0, c - h), min(1.0, c + h)


def plot_calibration(fp: pd.DataFrame, by_time: pd.DataFrame, path: Path) -> Path:
    """Left: observed coverage of the 95 % footprint (predictions after confirmation, ballistic)
    per variant and flight, with its Wilson interval; right: coverage of all predictions against
    time since launch (bins with fewer than MIN_BIN_PREDICTIONS predictions left out)."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    variants = sorted(fp["variant"].unique()) if len(fp) else []
    groups = sorted(fp.groupby(["variant", "flight"]).groups) if len(fp) else []
    xs, ys, lo, hi = [], [], [], []
    for i, (v, flight) in enumerate(groups):
        s = fp[(fp["variant"] == v) & (fp["flight"] == flight) & fp["after_confirmation"] & fp["ballistic"]]
        k, n = float(s["inside"].sum()), float(len(s))
        a, b = wilson(k, n)
        xs.append(i)
        ys.append(k / n if n else math.nan)
        lo.append(a)
        hi.append(b)
    if xs:
        y = np.array(ys)
        axes[0].bar(xs, y, color=[f"C{variants.index(v)}" for v, _ in groups], alpha=0.8)
        err = np.clip([y - np.array(lo), np.array(hi) - y], 0.0, None)
        axes[0].errorbar(xs, y, yerr=np.nan_to_num(err), fmt="none", ecolor="k", capsize=4)
        axes[0].set_xticks(xs, [f"{v}\n{f}" if len(variants) > 1 else f for v, f in groups], rotation=15, fontsize=8)
    axes[0].axhline(NOMINAL_COVERAGE, color="r", ls="--", label="nominal 95 %")
    axes[0].set_ylim(0, 1.02)
    axes[0].set_ylabel("fraction of predictions whose footprint holds the impact")
    axes[0].set_title("footprint calibration (after confirmation, ballistic)", fontsize=10)
    axes[0].legend(fontsize=8)
    for i, v in enumerate(variants):
        s = by_time[(by_time["variant"] == v) & (by_time["predictions"] >= MIN_BIN_PREDICTIONS)]
        if s.empty:
            continue
        # One point per bin; a gap (bins with too few predictions) breaks the line.
        step = float(np.diff(np.sort(by_time["t_mid_s"].unique())).min()) if by_time["t_mid_s"].nunique() > 1 else 1.0
        full = pd.DataFrame({"t_mid_s": np.arange(s["t_mid_s"].min(), s["t_mid_s"].max() + step / 2, step)})
        s = full.merge(s, on="t_mid_s", how="left")
        axes[1].plot(s["t_mid_s"], s["coverage"], marker="o", ms=3, color=f"C{i}", label=v)
        axes[1].fill_between(s["t_mid_s"], s["lo"], s["hi"], color=f"C{i}", alpha=0.15)
    axes[1].axhline(NOMINAL_COVERAGE, color="r", ls="--", label="nominal 95 %")
    axes[1].set_ylim(0, 1.02)
    axes[1].set_xlabel("time since launch (s)")
    axes[1].set_ylabel(f"coverage (bins of >= {MIN_BIN_PREDICTIONS} predictions)")
    axes[1].set_title("coverage against time since launch", fontsize=10)
    axes[1].grid(alpha=0.3)
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _ecdf(ax, values: np.ndarray, label: str, colour: str) -> None:
    v = np.sort(values[np.isfinite(values)])
    if v.size:
        ax.step(v, np.arange(1, v.size + 1) / v.size, where="post", label=f"{label} (n={v.size})", color=colour)


def plot_distributions(runs: pd.DataFrame, path: Path) -> Path:
    """Cumulative distributions of the final impact error and of the time to confirmation."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    for i, v in enumerate(sorted(runs["variant"].unique()) if len(runs) else []):
        s = runs[runs["variant"] == v]
        _ecdf(axes[0], s["impact_error_km"].to_numpy(float), v, f"C{i}")
        _ecdf(axes[1], s["confirmation_s"].to_numpy(float), v, f"C{i}")
    axes[0].set_xscale("log")
    axes[0].set_xlabel("final impact error (km)")
    axes[1].set_xlabel("time from launch to a confirmed track (s)")
    for ax, t in zip(axes, ("impact error", "time to confirmation"), strict=True):
        ax.set_ylabel("fraction of runs")
        ax.set_ylim(0.0, 1.02)
        ax.set_title(t, fontsize=10)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path

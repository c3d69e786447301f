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
#: Prefectures crossed fewer times than this are hatched on the maps.
FEW_CROSSINGS = 5
_MISSED_COLOUR = "#222222"
_NO_DATA_COLOUR = "#e6e6e6"
#: No data on the difference map: darker than the diverging map's near-white zero.
_NO_DATA_DIFFERENCE_COLOUR = "#a8a8a8"


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


def _map_panel(ax, values: dict[str, float], title: str, vmin: float, vmax: float, cmap,
               counts: dict[str, int] | None = None, label: str = "lead time (s)",
               no_data: str = _NO_DATA_COLOUR) -> None:
    """Prefectures coloured by ``values``; with ``counts``, those with fewer than
    FEW_CROSSINGS crossings are hatched (their percentiles rest on a handful of flights)."""
    rings = _prefecture_rings()
    polys, colours, few = [], [], []
    norm = matplotlib.colors.Normalize(vmin, vmax)
    for name, parts in rings.items():
        if counts is not None and 0 < counts.get(name, 0) < FEW_CROSSINGS:
            few.extend(parts)
        v = values.get(name, math.nan)
        if v is None or (isinstance(v, float) and math.isnan(v)):
            c = no_data
        elif v == -math.inf:
            c = _MISSED_COLOUR
        else:
            c = cmap(norm(v))
        for ring in parts:
            polys.append(ring)
            colours.append(c)
    ax.add_collection(PolyCollection(polys, facecolors=colours, edgecolors="#666666", linewidths=0.3))
    if few:
        ax.add_collection(PolyCollection(few, facecolors="none", edgecolors="#ffffff", hatch="////",
                                         linewidths=0.0))
    ax.set_xlim(122.5, 146.5)
    ax.set_ylim(24.0, 46.0)
    ax.set_aspect(1.0 / math.cos(math.radians(35.0)))
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("longitude (deg E)")
    ax.set_ylabel("latitude (deg N)")
    sm = matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap)
    plt.colorbar(sm, ax=ax, shrink=0.75, label=label)


def plot_lead_map(table: pd.DataFrame, path: Path, title: str) -> Path:
    """Two maps: median and 5th-percentile lead time per prefecture (grey: never crossed;
    black: 5th percentile is a miss, i.e. at least 5 % of the crossings got no warning; hatched:
    fewer than FEW_CROSSINGS crossings)."""
    med = dict(zip(table["region"], table["median_lead_s"], strict=True)) if len(table) else {}
    p5 = dict(zip(table["region"], table["p5_lead_s"], strict=True)) if len(table) else {}
    counts = dict(zip(table["region"], table["crossings"], strict=True)) if len(table) else {}
    finite = [v for v in list(med.values()) + list(p5.values()) if v is not None and np.isfinite(v)]
    vmin = min([0.0] + finite)
    vmax = max([60.0] + finite)
    cmap = plt.get_cmap("viridis")
    fig, axes = plt.subplots(1, 2, figsize=(13, 6.2))
    _map_panel(axes[0], med, f"median lead time per prefecture (hatched: < {FEW_CROSSINGS} crossings)",
               vmin, vmax, cmap, counts)
    _map_panel(axes[1], p5, "5th-percentile lead time (black: missed in >= 5 %)", vmin, vmax, cmap, counts)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_lead_difference_map(diff: dict[str, float], path: Path, title: str) -> Path:
    """Map of the change of median lead time between two variants (s; grey: no data, distinct
    from the white of no change)."""
    finite = [abs(v) for v in diff.values() if np.isfinite(v)]
    span = max([10.0] + finite)
    fig, ax = plt.subplots(figsize=(7, 6.2))
    _map_panel(ax, diff, f"{title}\n(grey: not crossed in both; white: no change)", -span, span,
               plt.get_cmap("RdBu"), label="change of median lead time (s; blue: more warning)",
               no_data=_NO_DATA_DIFFERENCE_COLOUR)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_lead_vs_bearing(runs: pd.DataFrame, path: Path) -> Path:
    """Per site: each run's smallest lead time over the regions it crossed, against the launch
    bearing, one colour per flight (lead time depends on the trajectory as much as on the
    bearing; with one flight, one colour per variant) and one marker per variant, with the
    median per 10-degree bin; runs that crossed a region without warning are marked x at the
    bottom."""
    sites = sorted(runs["site"].unique()) if len(runs) else []
    n = max(1, len(sites))
    ncols = min(4, n)
    nrows = math.ceil(n / ncols)
    fig, grid = plt.subplots(nrows, ncols, figsize=(4.6 * ncols, 3.9 * nrows), squeeze=False)
    axes = grid.ravel()
    for ax in axes[len(sites):]:
        ax.set_visible(bool(not sites and ax is axes[0]))
    variants = sorted(runs["variant"].unique()) if len(runs) else []
    flights = sorted(runs["flight"].unique()) if len(runs) else []
    # Colour by flight; with one flight and several variants, by variant (else they look alike).
    by_variant = len(flights) == 1 and len(variants) > 1
    colour_of = {(v, f): f"C{variants.index(v) if by_variant else flights.index(f)}" for v in variants
                 for f in flights}
    markers = {v: m for v, m in zip(variants, "o^sDv<>p" * 4, strict=False)}
    styles = {v: ls for v, ls in zip(variants, ["-", "--", ":", "-."] * 8, strict=False)}

    def name(v: str, f: str) -> str:
        return f"{v}: {f}" if len(variants) > 1 else f

    for ax, site in zip(axes, sites, strict=False):
        sub = runs[(runs["site"] == site) & (runs["regions_crossed"].fillna(0) > 0)]
        floor = float(np.nanmin(sub["min_lead_s"])) if sub["min_lead_s"].notna().any() else 0.0
        for v in variants:
            for f in flights:
                s = sub[(sub["variant"] == v) & (sub["flight"] == f)]
                ok = s[s["min_lead_s"].notna()]
                if len(ok):
                    ax.scatter(ok["azimuth_deg"], ok["min_lead_s"], s=14, alpha=0.7, color=colour_of[v, f],
                               marker=markers[v], label=name(v, f))
                missed = s[s["regions_missed"].fillna(0) > 0]
                if len(missed):
                    ax.scatter(missed["azimuth_deg"], np.full(len(missed), min(floor, 0.0) - 20.0), marker="x",
                               color=colour_of[v, f], label=f"{name(v, f)}: a crossed region missed")
                if len(ok) >= 3:  # median per 10-degree bin of bearing
                    b = (ok["azimuth_deg"] / BEARING_BIN_DEG).round() * BEARING_BIN_DEG
                    med = ok.groupby(b)["min_lead_s"].median()
                    ax.plot(med.index, med.values, color=colour_of[v, f], lw=1, ls=styles[v], alpha=0.8)
        ax.axhline(0.0, color="k", lw=0.6)
        ax.set_title(f"{site}", fontsize=10)
        ax.set_xlabel("launch bearing (deg from north)")
        ax.set_ylabel("smallest lead time over crossed regions (s)")
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=6)
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


#: Resamples of the runs for the coverage intervals (fixed seed: the same report every time).
BOOTSTRAP_RESAMPLES = 1000


def coverage_interval(inside: pd.Series, run: pd.Series, level: float = 0.95) -> tuple[float, float]:
    """Interval of a coverage (share of ``inside``) whose predictions come in runs: the predictions
    of one run share its errors, so the runs are resampled (cluster bootstrap, percentile
    interval), not the predictions. With one run, Wilson's interval of its predictions."""
    g = pd.DataFrame({"inside": inside.to_numpy(bool), "run": run.to_numpy()}).groupby("run")["inside"]
    k, n = g.sum().to_numpy(float), g.size().to_numpy(float)
    if n.size == 0:
        return math.nan, math.nan
    if n.size == 1:
        return wilson(k[0], n[0])
    rng = np.random.default_rng(0)
    pick = rng.integers(0, n.size, (BOOTSTRAP_RESAMPLES, n.size))
    share = k[pick].sum(axis=1) / n[pick].sum(axis=1)
    a = (1.0 - level) / 2.0
    return float(np.quantile(share, a)), float(np.quantile(share, 1.0 - a))


def plot_calibration(fp: pd.DataFrame, by_time: pd.DataFrame, path: Path) -> Path:
    """Left: observed coverage of the 95 % footprint (predictions after confirmation, ballistic)
    per variant and flight, with its interval over runs (:func:`coverage_interval`); right:
    coverage of all predictions against time since launch (bins with fewer than
    MIN_BIN_PREDICTIONS predictions left out)."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    variants = sorted(fp["variant"].unique()) if len(fp) else []
    groups = sorted(fp.groupby(["variant", "flight"]).groups) if len(fp) else []
    xs, ys, lo, hi = [], [], [], []
    for i, (v, flight) in enumerate(groups):
        s = fp[(fp["variant"] == v) & (fp["flight"] == flight) & fp["after_confirmation"] & fp["ballistic"]]
        k, n = float(s["inside"].sum()), float(len(s))
        a, b = coverage_interval(s["inside"], s["campaign"].astype(str) + "/" + s["run"].astype(str))
        xs.append(i)
        ys.append(k / n if n else math.nan)
        lo.append(a)
        hi.append(b)
    bottom = 0.0
    if xs:
        # Points with their intervals (not bars from 0), on an axis zoomed to the data and the
        # nominal line, so 99 % and 95 % look different.
        y = np.array(ys)
        err = np.clip([y - np.array(lo), np.array(hi) - y], 0.0, None)
        for i, (v, _) in enumerate(groups):
            axes[0].errorbar([xs[i]], [y[i]], yerr=np.nan_to_num(err[:, i : i + 1]), fmt="o", ms=6, capsize=4,
                             color=f"C{variants.index(v)}")
            axes[0].annotate(f"{y[i]:.1%}", (xs[i], y[i]), xytext=(8, -3), textcoords="offset points", fontsize=7)
        axes[0].set_xticks(xs, [f"{v}\n{f}" if len(variants) > 1 else f for v, f in groups], rotation=15, fontsize=8)
        axes[0].set_xlim(-0.6, len(xs) - 0.4)
        finite_lo = [a for a in lo if np.isfinite(a)]
        bottom = max(0.0, min([NOMINAL_COVERAGE] + finite_lo) - 0.05)
    axes[0].axhline(NOMINAL_COVERAGE, color="r", ls="--", label="nominal 95 %")
    axes[0].set_ylim(bottom, 1.005)
    axes[0].grid(alpha=0.3, axis="y")
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
    shown = by_time[by_time["predictions"] >= MIN_BIN_PREDICTIONS]["lo"].dropna()
    axes[1].set_ylim(max(0.0, min([NOMINAL_COVERAGE] + shown.tolist()) - 0.05), 1.005)
    axes[1].set_xlabel("time since launch (s)")
    axes[1].set_ylabel(f"coverage (bins of >= {MIN_BIN_PREDICTIONS} predictions)")
    axes[1].set_title("coverage against time since launch", fontsize=10)
    axes[1].grid(alpha=0.3)
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


#: Impact errors below this (km) are drawn at it on the logarithmic axis (1 m: the tables' resolution).
ERROR_FLOOR_KM = 1e-3


def _ecdf(ax, values: np.ndarray, label: str, colour: str, ls: str = "-", floor: float | None = None) -> None:
    v = np.sort(values[np.isfinite(values)])
    if floor is not None:
        v = np.maximum(v, floor)
    if v.size:
        ax.step(v, np.arange(1, v.size + 1) / v.size, where="post", label=f"{label} (n={v.size})", color=colour,
                ls=ls)


def plot_distributions(runs: pd.DataFrame, errors: pd.DataFrame, path: Path) -> Path:
    """Left: cumulative distributions of the impact error of the last prediction made at least
    300, 120, 60 and 0 s before the true impact (``errors``: report.error_before_impact), one
    line style per variant; right: of the time from launch to a confirmed track."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    variants = sorted(runs["variant"].unique()) if len(runs) else []
    styles = ["-", "--", ":", "-."]
    times = sorted(errors["before_s"].unique(), reverse=True) if len(errors) else []
    for i, v in enumerate(variants):
        ls = styles[i % len(styles)]
        for j, t in enumerate(times):
            e = errors[(errors["variant"] == v) & (errors["before_s"] == t)]["error_km"].to_numpy(float)
            when = "last prediction" if t == 0 else f"{t:g} s before impact"
            _ecdf(axes[0], e, f"{v}: {when}" if len(variants) > 1 else when, f"C{j}", ls, ERROR_FLOOR_KM)
        _ecdf(axes[1], runs[runs["variant"] == v]["confirmation_s"].to_numpy(float), v, f"C{i}", ls)
    axes[0].set_xscale("log")
    axes[0].set_xlabel(f"impact error (km; below {ERROR_FLOOR_KM * 1e3:g} m drawn at {ERROR_FLOOR_KM * 1e3:g} m)")
    axes[1].set_xlabel("time from launch to a confirmed track (s)")
    for ax, t in zip(axes, ("impact error of the prediction made that long before impact",
                            "time to confirmation"), strict=True):
        ax.set_ylabel("fraction of launches" if ax is axes[0] else "fraction of runs")
        ax.set_ylim(0.0, 1.02)
        ax.set_title(t, fontsize=10)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path

"""The campaign report: tables and pictures a planner would want, from one campaign directory or
two side by side (two sensor networks, two policies).

Writes to the output folder: ``index.html``; ``map_lead_*.png`` (median and 5th-percentile lead
time per prefecture), ``map_lead_difference.png`` (two variants), ``lead_vs_bearing.png``,
``footprint_calibration.png``, ``distributions.png``; and the Parquet tables behind them
(``runs``, ``regions``, ``footprints`` merged, ``prefecture_lead``, ``summary``,
``calibration_by_time``, ``error_before_impact``, ``paired`` differences when one campaign has
two variants).

Variants: the runs are grouped by campaign (when two are compared), network and policy (when a
study has more than one). Lead time of a region is the time from the first warning that named
it to the moment the true ground track entered it (negative: warned late); a region the flight
crossed without any warning is a miss, counted below every lead time in the percentiles.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from missilewatch.campaign import figures
from missilewatch.campaign.runs import load_tables
from missilewatch.errors import InputError

#: Bins of time since launch for the calibration curve (s).
CALIBRATION_BIN_S = 60.0
#: Times before the true impact at which the impact error is read (s; 0: the last prediction).
ERROR_BEFORE_IMPACT_S = (300.0, 120.0, 60.0, 0.0)


def _frames(dirs: list[Path], labels: list[str]) -> dict[str, pd.DataFrame]:
    parts: dict[str, list[pd.DataFrame]] = {"runs": [], "regions": [], "footprints": []}
    for d, label in zip(dirs, labels, strict=True):
        if not (d / "manifest.json").is_file():
            raise InputError("campaign directory", str(d), "is not a campaign directory (no manifest.json)")
        tables = load_tables(d)
        for name, t in tables.items():
            df = t.to_pandas()
            df.insert(0, "campaign", label)
            parts[name].append(df)
    out = {k: pd.concat(v, ignore_index=True) for k, v in parts.items()}
    runs = out["runs"]
    if runs.empty:
        raise InputError("campaign directory", ", ".join(map(str, dirs)), "holds no finished run")
    keys = []
    if len(dirs) > 1:
        keys.append("campaign")
    keys += [k for k in ("network", "policy") if runs[k].nunique() > 1]
    runs["variant"] = runs[keys].astype(str).agg(" / ".join, axis=1) if keys else runs["campaign"]
    ctx = runs[["campaign", "run", "variant", "site", "target", "flight", "network", "policy", "azimuth_deg"]]
    for name in ("regions", "footprints"):
        out[name] = out[name].merge(ctx, on=["campaign", "run"], how="left")
    return out


def _p5(leads: pd.Series, missed: int) -> float:
    v = np.concatenate([leads.to_numpy(float), np.full(missed, -np.inf)])
    if v.size == 0:
        return math.nan
    return float(np.percentile(v, 5, method="inverted_cdf"))


def prefecture_lead(regions: pd.DataFrame) -> pd.DataFrame:
    """Per variant and region: crossings, warned in time / late / missed, median and 5th-percentile
    lead time, and warnings of regions that were not crossed (corridor or false warnings)."""
    rows = []
    for (variant, region), g in regions.groupby(["variant", "region"], sort=True):
        crossed = g[g["crossed"]]
        warned_leads = crossed["lead_s"].dropna()
        missed = int((crossed["outcome"] == "missed").sum())
        both = np.concatenate([warned_leads.to_numpy(float), np.full(missed, -np.inf)])
        rows.append({
            "variant": variant, "region": region, "country": g["country"].iloc[0],
            "crossings": len(crossed), "in_time": int((crossed["outcome"] == "in time").sum()),
            "late": int((crossed["outcome"] == "late").sum()), "missed": missed,
            "warned_not_crossed": int((g["outcome"] == "not crossed").sum()),
            "median_lead_s": float(np.median(both)) if both.size else math.nan,
            "p5_lead_s": _p5(warned_leads, missed),
        })
    return pd.DataFrame(rows, columns=["variant", "region", "country", "crossings", "in_time", "late", "missed",
                                       "warned_not_crossed", "median_lead_s", "p5_lead_s"])


def calibration_by_time(fp: pd.DataFrame) -> pd.DataFrame:
    """Coverage of the 95 % footprint against time since launch (bins of CALIBRATION_BIN_S), with
    its 95 % interval over runs (:func:`figures.coverage_interval`)."""
    rows = []
    for variant, g in fp.groupby("variant", sort=True):
        b = np.floor(g["t_since_launch_s"] / CALIBRATION_BIN_S).astype(int)
        for k, s in g.groupby(b, sort=True):
            n, hit = len(s), int(s["inside"].sum())
            lo, hi = figures.coverage_interval(s["inside"], s["campaign"].astype(str) + "/" + s["run"].astype(str))
            rows.append({"variant": variant, "t_mid_s": (k + 0.5) * CALIBRATION_BIN_S, "predictions": n,
                         "runs": len(s[["campaign", "run"]].drop_duplicates()), "coverage": hit / n, "lo": lo,
                         "hi": hi, "ballistic_fraction": float(s["ballistic"].mean())})
    return pd.DataFrame(rows, columns=["variant", "t_mid_s", "predictions", "runs", "coverage", "lo", "hi",
                                       "ballistic_fraction"])


def error_before_impact(fp: pd.DataFrame, before_s: Sequence[float] = ERROR_BEFORE_IMPACT_S) -> pd.DataFrame:
    """Per variant, run, launch and time ``before_s`` (s before the true impact): the error (km) of
    the last impact prediction made at least that long before the impact. A launch with no
    prediction that early has no row for that time."""
    cols = ["variant", "campaign", "run", "launch_id", "before_s", "time_to_impact_s", "error_km"]
    if fp.empty:
        return pd.DataFrame(columns=cols)
    parts = []
    for t in before_s:
        early = fp[fp["time_to_impact_s"] >= t].sort_values("t_since_launch_s")
        last = early.groupby(["variant", "campaign", "run", "launch_id"], sort=True).tail(1)
        parts.append(last.assign(before_s=t)[cols])
    return pd.concat(parts, ignore_index=True)


def summary(runs: pd.DataFrame, regions: pd.DataFrame, fp: pd.DataFrame) -> pd.DataFrame:
    """One row per variant: the figures to compare."""
    rows = []
    for variant, r in runs.groupby("variant", sort=True):
        ok = r[r["status"] == "ok"]
        reg = regions[(regions["variant"] == variant) & regions["crossed"]]
        f = fp[(fp["variant"] == variant) & fp["after_confirmation"] & fp["ballistic"]]
        leads = reg["lead_s"].dropna()
        missed = int((reg["outcome"] == "missed").sum())

        def q(s: pd.Series, p: float) -> float:
            s = s.dropna()
            return float(np.percentile(s, p)) if len(s) else math.nan

        rows.append({
            "variant": variant, "runs": len(r), "ok": len(ok), "failed": int((r["status"] == "failed").sum()),
            "errors": int((r["status"] == "error").sum()),
            "crossings": len(reg), "missed_crossings": missed,
            "median_lead_s": float(np.median(np.r_[leads.to_numpy(float), np.full(missed, -np.inf)]))
            if len(reg) else math.nan,
            "p5_lead_s": _p5(leads, missed),
            "warned_not_crossed_per_run": float(ok["regions_warned_not_crossed"].mean()) if len(ok) else math.nan,
            "footprint_coverage": float(f["inside"].mean()) if len(f) else math.nan,
            "coverage_predictions": len(f),
            "median_impact_error_km": q(ok["impact_error_km"], 50), "p95_impact_error_km": q(ok["impact_error_km"], 95),
            "median_confirmation_s": q(ok["confirmation_s"], 50), "p95_confirmation_s": q(ok["confirmation_s"], 95),
            "unconfirmed_runs": int(ok["confirmation_s"].isna().sum()),
            "false_tracks_per_run": float(ok["false_tracks"].mean()) if len(ok) else math.nan,
            "swaps": int(ok["swaps"].sum()), "breaks": int(ok["breaks"].sum()),
            "median_gospa_m": q(ok["gospa_mean_m"], 50),
            "alerts": int(ok["alerts"].sum()), "cancels": int(ok["cancels"].sum()),
            "regions_withdrawn": int(ok["regions_withdrawn"].sum()),
            "median_run_s": q(r["wall_s"], 50),
        })
    return pd.DataFrame(rows)


#: Per-run figures compared pair by pair between two variants.
PAIRED_COLUMNS = ("min_lead_s", "first_alert_s", "confirmation_s", "impact_error_km", "footprint_coverage",
                  "regions_warned_not_crossed")


def variant_order(runs: pd.DataFrame) -> list[str]:
    """The variants in the order they were given: campaign directories as named (the first is
    the baseline), then the study's networks and policies in file order (runs are in run order,
    and a cell's runs go through the networks and policies in that order)."""
    return [str(v) for v in pd.unique(runs["variant"])]


def paired_differences(runs: pd.DataFrame) -> pd.DataFrame:
    """With exactly two variants in one campaign: per figure, the runs of the same pairing group
    (same flight, same seed) compared, second variant minus first (:func:`variant_order`: the
    study's second network or policy against its first): pairs, median and mean change, and how
    often the second is larger. Empty otherwise."""
    variants = variant_order(runs)
    if len(variants) != 2 or runs["campaign"].nunique() != 1 or "pair" not in runs:
        return pd.DataFrame()
    ok = runs[runs["status"] == "ok"]
    a = ok[ok["variant"] == variants[0]].set_index("pair")
    b = ok[ok["variant"] == variants[1]].set_index("pair")
    both = a.index.intersection(b.index)
    rows = []
    for col in PAIRED_COLUMNS:
        d = (b.loc[both, col].astype(float) - a.loc[both, col].astype(float)).dropna()
        rows.append({"figure": col, "change": f"{variants[1]} minus {variants[0]}", "pairs": len(d),
                     "median_change": float(d.median()) if len(d) else math.nan,
                     "mean_change": float(d.mean()) if len(d) else math.nan,
                     "share_larger": float((d > 0).mean()) if len(d) else math.nan})
    return pd.DataFrame(rows)


def _html_table(df: pd.DataFrame, max_rows: int = 200) -> str:
    def cell(v) -> str:
        if isinstance(v, float):
            if math.isnan(v):
                return "-"
            if math.isinf(v):
                return "missed" if v < 0 else "inf"
            return f"{v:,.3g}" if abs(v) < 10 else f"{v:,.0f}"
        return html.escape(str(v))

    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "\n".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
                     for row in df.head(max_rows).itertuples(index=False))
    more = f"<p class='note'>{len(df) - max_rows} more rows in the Parquet file.</p>" if len(df) > max_rows else ""
    return f"<table><tr>{head}</tr>\n{body}</table>{more}"


_CSS = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222}
table{border-collapse:collapse;font-size:12px;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 6px}
th{background:#f0f0f0}img{max-width:100%;border:1px solid #ddd}.note{color:#555;font-size:12px}
h2{border-bottom:1px solid #ccc}"""


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text).strip("-").lower() or "all"


def write_report(directories: Sequence[Path | str], out: Path | str | None = None,
                 labels: list[str] | None = None) -> Path:
    """Write the report of one campaign directory (or two, compared) and return ``index.html``."""
    dirs = [Path(d) for d in directories]
    if not 1 <= len(dirs) <= 2:
        raise InputError("campaign directories", len(dirs), "give one, or two to compare")
    labels = labels or [d.name for d in dirs]
    if len(set(labels)) != len(labels):
        labels = [f"{i + 1}:{lab}" for i, lab in enumerate(labels)]
    folder = Path(out) if out is not None else dirs[0] / "report"
    folder.mkdir(parents=True, exist_ok=True)
    fr = _frames(dirs, labels)
    runs, regions, fp = fr["runs"], fr["regions"], fr["footprints"]
    lead = prefecture_lead(regions)
    cal = calibration_by_time(fp)
    summ = summary(runs, regions, fp)
    paired = paired_differences(runs)
    errors = error_before_impact(fp)
    for name, df in (("runs", runs), ("regions", regions), ("footprints", fp), ("prefecture_lead", lead),
                     ("calibration_by_time", cal), ("summary", summ), ("paired", paired),
                     ("error_before_impact", errors)):
        df.to_parquet(folder / f"{name}.parquet", index=False)
    maps = []
    variants = variant_order(runs)
    for v in variants:
        png = folder / f"map_lead_{_slug(v)}.png"
        figures.plot_lead_map(lead[lead["variant"] == v], png, f"warning lead time: {v}")
        maps.append((v, png))
    diff_png = None
    if len(variants) == 2:
        a = lead[lead["variant"] == variants[0]].set_index("region")["median_lead_s"]
        b = lead[lead["variant"] == variants[1]].set_index("region")["median_lead_s"]
        both = a.index.intersection(b.index)
        diff = {r: float(b[r] - a[r]) if np.isfinite(a[r]) and np.isfinite(b[r]) else math.nan for r in both}
        diff_png = figures.plot_lead_difference_map(
            diff, folder / "map_lead_difference.png", f"median lead time: {variants[1]} minus {variants[0]}")
    figures.plot_lead_vs_bearing(runs[runs["status"] == "ok"], folder / "lead_vs_bearing.png")
    figures.plot_calibration(fp, cal, folder / "footprint_calibration.png")
    figures.plot_distributions(runs[runs["status"] == "ok"], errors, folder / "distributions.png")

    failures = runs[runs["status"] != "ok"][["campaign", "run", "site", "target", "flight", "status", "error"]]
    parts = [f"<!doctype html><meta charset='utf-8'><title>campaign report</title><style>{_CSS}</style>",
             f"<h1>Campaign report: {html.escape(' vs '.join(labels))}</h1>",
             "<p class='note'>Every run is a simulated launch put through the whole watch (tracker, impact "
             "prediction, assessment, alerts). Lead time: from the first warning naming a region to the true "
             "ground track entering it; a crossed region never warned is a miss (below every lead time). "
             "Footprint coverage: share of predictions (after confirmation, past boost) whose 95 % footprint "
             "holds the true impact.</p>",
             "<h2>Summary</h2>", _html_table(summ)]
    if len(paired):
        parts += ["<h2>Paired comparison</h2><p class='note'>Runs of the same pairing group (same flight, "
                  "same seed; unchanged sensors see the same noise) compared directly.</p>", _html_table(paired)]
    parts.append("<h2>Lead time per prefecture</h2>")
    for v, png in maps:
        parts.append(f"<h3>{html.escape(v)}</h3><img src='{png.name}' alt='lead time map {html.escape(v)}'>")
    if diff_png is not None:
        parts.append(f"<h3>Difference</h3><img src='{diff_png.name}' alt='difference of median lead time'>")
    parts.append(_html_table(lead.sort_values(["region", "variant"])))
    parts += ["<h2>Lead time against bearing</h2><img src='lead_vs_bearing.png' alt='lead time against bearing'>",
              "<h2>Footprint calibration</h2><img src='footprint_calibration.png' alt='footprint calibration'>",
              _html_table(cal),
              "<h2>Impact error and time to confirmation</h2><p class='note'>Impact error of the last "
              "prediction made at least 300, 120, 60 and 0 s before the true impact (the last one is made "
              "seconds before it, so its error says little).</p><img src='distributions.png' alt='distributions'>"]
    if len(failures):
        parts += ["<h2>Runs that did not complete</h2>", _html_table(failures)]
    index = folder / "index.html"
    index.write_text("\n".join(parts), encoding="utf-8")
    return index

"""One run through the whole watch, and what a campaign keeps of it.

This is the campaign package's only contact with the watch (``pipeline``): the simulation is
fed to :func:`missilewatch.pipeline.replay.replay` (tracker, prediction, assessment, alerts),
and the metrics are read from its summary and its per-track prediction records. A change of
the watch's API is a change of this file alone.

Times are seconds since the launch of the missile concerned; distances km.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from pyproj import Geod

from missilewatch.assessment.policy import Policy
from missilewatch.pipeline.replay import replay
from missilewatch.pipeline.source import from_simulation
from missilewatch.pipeline.watch import WatchConfig
from missilewatch.scenarios.schema import ScenarioSpec
from missilewatch.scenarios.simulate import simulate

GEOD = Geod(ellps="WGS84")


@dataclass
class WatchOutcome:
    """Per-run metrics (``run``), per launch and region (``regions``), per prediction (``footprints``)."""

    run: dict
    regions: list[dict] = field(default_factory=list)
    footprints: list[dict] = field(default_factory=list)


def _round(v: float | None, nd: int = 1) -> float | None:
    return None if v is None or not math.isfinite(v) else round(float(v), nd)


def _region_rows(la: dict, region_country: dict[str, str], countries: set[str]) -> list[dict]:
    crossed: dict[str, dict] = {}
    for o in la["truth"]["overflown"]:
        if o["country"] in countries and o["region"] and o["region"] not in crossed:
            crossed[o["region"]] = o
    warned = la["first_alert_s"]
    rows = []
    for name in sorted(set(crossed) | set(warned)):
        o = crossed.get(name)
        alert = warned.get(name)
        lead = None if o is None or alert is None else o["enter_s"] - alert
        if o is None:
            outcome = "not crossed"
        elif alert is None:
            outcome = "missed"
        else:
            outcome = "in time" if lead is not None and lead >= 0 else "late"
        rows.append({
            "launch_id": la["launch_id"], "region": name,
            "country": o["country"] if o else region_country.get(name),
            "crossed": o is not None, "crossing_s": _round(o["enter_s"]) if o else None,
            "crossing_alt_km": _round(o["alt_enter_km"]) if o else None,
            "warned": alert is not None, "first_alert_s": _round(alert), "lead_s": _round(lead), "outcome": outcome,
        })
    return rows


def _against_truth(preds: list, lat_deg: float, lon_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """For each prediction: does its footprint hold the true impact (lat_deg, lon_deg), and its
    error (km); one geodesic call for all (as ``Footprint.contains``: azimuthal-equidistant
    east/north offset from the footprint's centre, the predicted impact point)."""
    if not preds:
        return np.zeros(0, dtype=bool), np.zeros(0)
    lat0 = np.array([p.footprint.center_lat_deg for p in preds])
    lon0 = np.array([p.footprint.center_lon_deg for p in preds])
    az, _baz, d = GEOD.inv(lon0, lat0, np.full(lat0.shape, lon_deg), np.full(lat0.shape, lat_deg))
    a = np.radians(np.asarray(az, float))
    d_km = np.asarray(d, float) / 1e3
    off = np.stack([d_km * np.sin(a), d_km * np.cos(a)], axis=-1)
    Ci = np.linalg.inv(np.array([p.footprint.covariance_enu_km2 for p in preds]))
    m2 = np.einsum("ni,nij,nj->n", off, Ci, off)
    return m2 <= np.array([p.footprint.scale2 for p in preds]), d_km


def run_through_watch(scenario: ScenarioSpec, seed: int, policy: Policy | None, countries: set[str],
                      region_country: dict[str, str]) -> WatchOutcome:
    """Simulate ``scenario`` with ``seed``, replay it through the watch, keep the metrics.

    ``countries``: ISO alpha-3 codes whose regions are scored; ``region_country``: region name
    -> country for warned regions that were not crossed.
    """
    sim = simulate(scenario, seed=seed)
    inp = from_simulation(sim, scenario.name)
    config = WatchConfig(policy=policy) if policy is not None else None
    result = replay(inp, config=config)
    s, watch = result.summary, result.watch
    max_boost = watch.policy.gate.max_boost_probability
    regions: list[dict] = []
    footprints: list[dict] = []
    truth = {la.launch_id: la for la in inp.truth}
    confirm, errors, coverage = [], [], []
    for la in s.get("launch_details", []):
        regions.extend(_region_rows(la, region_country, countries))
        tl = truth[la["launch_id"]]
        if la["confirmed_s"] is not None:
            confirm.append(la["confirmed_s"])
        if la.get("impact_error_km") is not None:
            errors.append(la["impact_error_km"])
        if la.get("footprint_coverage_ballistic") is not None:
            coverage.append(la["footprint_coverage_ballistic"])
        t_conf = tl.t_launch_s + la["confirmed_s"] if la["confirmed_s"] is not None else math.inf
        recs = [(int(tid), rec) for tid in la["tracks"] if (log := watch.tracks.get(tid)) is not None
                for rec in log.predictions]
        inside, err_km = _against_truth([rec.prediction for _, rec in recs], tl.impact_lat_deg, tl.impact_lon_deg)
        for (tid, rec), hit, err in zip(recs, inside, err_km, strict=True):
            a, b = rec.prediction.footprint.semi_axes_km
            footprints.append({
                "launch_id": la["launch_id"], "track_id": tid,
                "t_since_launch_s": round(rec.t_s - tl.t_launch_s, 2),
                "time_to_impact_s": round(tl.t_impact_s - rec.t_s, 2),
                "after_confirmation": rec.t_s >= t_conf,
                "ballistic": rec.boost_probability <= max_boost,
                "inside": bool(hit),
                "semi_major_km": round(float(a), 3), "semi_minor_km": round(float(b), 3),
                "error_km": round(float(err), 3),
            })
    crossed = {r["region"] for r in regions if r["crossed"]}
    warned_any: set[str] = set()
    n_alert = n_update = n_cancel = n_withdrawn = 0
    for m in s["alerts"]:
        kind = m["msg_type"]
        n_alert += kind == "Alert"
        n_update += kind == "Update"
        n_cancel += kind == "Cancel"
        n_withdrawn += len(m["cancelled"])
        if kind in ("Alert", "Update") and not m["final"]:
            warned_any.update(r for r in m["regions"] if region_country.get(r) in countries)
    missed = {r["region"] for r in regions if r["outcome"] == "missed"}
    leads = [r["lead_s"] for r in regions if r["crossed"] and r["lead_s"] is not None]
    firsts = [v for la in s.get("launch_details", []) for v in la["first_alert_s"].values()]
    run = {
        "measurements": s["measurements"], "rejected_measurements": s["rejected_measurements"],
        "launches": s["launches"], "tracks_confirmed": s["tracks_confirmed"],
        "false_tracks": s.get("false_tracks"), "swaps": s.get("swaps"), "breaks": s.get("breaks"),
        "gospa_mean_m": s.get("gospa_mean_m"), "position_rmse_m": s.get("position_rmse_m"),
        "nees_mean": (s.get("nees") or {}).get("mean"),
        "confirmation_s": _round(min(confirm)) if confirm else None,
        "first_alert_s": _round(min(firsts)) if firsts else None,
        "impact_error_km": _round(max(errors), 3) if errors else None,
        "footprint_coverage": _round(sum(coverage) / len(coverage), 4) if coverage else None,
        "footprint_contains_truth": s.get("footprint_contains_truth"),
        "regions_crossed": len(crossed), "regions_warned": len(warned_any),
        "regions_warned_not_crossed": len(warned_any - crossed), "regions_missed": len(missed),
        "min_lead_s": _round(min(leads)) if leads else None,
        "alerts": n_alert, "updates": n_update, "cancels": n_cancel, "regions_withdrawn": n_withdrawn,
        "threat_of_damage": bool(s["threat_of_damage"]),
        "flight_time_s": _round(max(la.t_impact_s - la.t_launch_s for la in inp.truth)),
        "range_km": _round(max(la["truth"]["range_km"] for la in s.get("launch_details", [])))
        if s.get("launch_details") else None,
        "apogee_km": _round(max(la["truth"]["apogee_km"] for la in s.get("launch_details", [])))
        if s.get("launch_details") else None,
    }
    return WatchOutcome(run, regions, footprints)

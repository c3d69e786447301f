"""The run's summary: what the watch did, scored against the truth (when the input has it) and
set against the figures officials reported."""

from __future__ import annotations

import math

import numpy as np
from pyproj import Geod

from missilewatch.alerts.model import MsgType
from missilewatch.earth.kernels import ecef_to_geodetic_v
from missilewatch.geography.overflight import GroundTrack, overflights
from missilewatch.pipeline.source import TruthLaunch, WatchInput
from missilewatch.tracking.metrics import chi2_interval, evaluate

GEOD = Geod(ellps="WGS84")


def truth_ground_track(la: TruthLaunch) -> GroundTrack:
    """The true flight's sub-point track, times in s since its launch."""
    r = la.main.r_ecef
    lat, lon, h = ecef_to_geodetic_v(r[:, 0].copy(), r[:, 1].copy(), r[:, 2].copy())
    t = la.main.t_s - la.t_launch_s
    keep = np.concatenate([[True], np.diff(t) > 1e-6])
    return GroundTrack.from_arrays(t[keep], np.degrees(lat)[keep], np.degrees(lon)[keep],
                                   np.maximum(h[keep] / 1e3, 0.0))


def _distance_km(lat1, lon1, lat2, lon2) -> float:
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2] / 1e3)


def _launch_summary(watch, la: TruthLaunch, track_ids: list[int], reported: dict) -> dict:
    logs = [watch.tracks[t] for t in track_ids if t in watch.tracks]
    preds = sorted((p for log in logs for p in log.predictions), key=lambda p: p.t_s)
    confirmed = [log.confirmed_t_s for log in logs if log.confirmed_t_s is not None]
    t_conf = min(confirmed) if confirmed else math.inf
    after = [p for p in preds if p.t_s >= t_conf]
    inside = [bool(p.prediction.contains(la.impact_lat_deg, la.impact_lon_deg)) for p in after]
    ballistic = [hit for hit, p in zip(inside, after, strict=True) if not watch.policy.boosting(p.boost_probability)]
    final = preds[-1] if preds else None
    gt = truth_ground_track(la)
    truth_over = overflights(gt)
    crossings: dict[str, float] = {}
    for o in truth_over:
        key = o.region or o.country_name
        crossings.setdefault(key, round(o.enter_s, 1))
    launch_time = watch.epoch.timestamp() + la.t_launch_s
    first_alert: dict[str, float] = {}
    alerts = []
    for log in logs:
        for msg in watch.alerts.messages(log.launch_id):
            alerts.append(msg)
            if msg.msg_type in (MsgType.ALERT, MsgType.UPDATE) and not msg.plan.final:
                for name in msg.region_names:
                    first_alert.setdefault(name, round(msg.sent.timestamp() - launch_time, 1))
    lead = {r: round(crossings[r] - s, 1) for r, s in first_alert.items() if r in crossings}
    out = {
        "launch_id": la.launch_id,
        "site": la.site_name,
        "tracks": track_ids,
        "confirmed_s": None if not confirmed else round(t_conf - la.t_launch_s, 1),
        "truth": {
            "impact": {"lat_deg": round(la.impact_lat_deg, 4), "lon_deg": round(la.impact_lon_deg, 4)},
            "flight_time_s": round(la.t_impact_s - la.t_launch_s, 1),
            "apogee_km": round(float(gt.alt_km.max()), 1),
            "range_km": round(_distance_km(gt.lat_deg[0], gt.lon_deg[0], la.impact_lat_deg, la.impact_lon_deg), 1),
            "overflown": [o.to_dict() for o in truth_over],
        },
        "coast_crossing_s": crossings,
        "first_alert_s": first_alert,
        "alert_lead_s": lead,
        "predictions": len(preds),
        "predictions_after_confirmation": len(after),
        "footprint_coverage": round(float(np.mean(inside)), 3) if inside else None,
        "footprint_coverage_ballistic": round(float(np.mean(ballistic)), 3) if ballistic else None,
        "reported": reported,
    }
    if final is not None:
        p, d = final.prediction, final.assessment
        out.update({
            "impact_error_km": round(_distance_km(p.impact_lat_deg, p.impact_lon_deg,
                                                  la.impact_lat_deg, la.impact_lon_deg), 2),
            "footprint_contains_truth": bool(p.contains(la.impact_lat_deg, la.impact_lon_deg)),
            "final_prediction": {
                "t_s": round(final.t_s - la.t_launch_s, 1),
                "impact": {"lat_deg": round(p.impact_lat_deg, 4), "lon_deg": round(p.impact_lon_deg, 4)},
                "semi_axes_km": [round(v, 2) for v in p.footprint.semi_axes_km],
                "apogee_km": round(p.apogee_km, 1),
                "range_km": None if p.range_km is None else round(p.range_km, 1),
                "range_class": p.range_class.value if p.range_class else None,
                "trajectory_type": p.trajectory_type.value if p.trajectory_type else None,
            },
            "assessment": d.to_dict() if d is not None else None,
        })
    return out


def _alert_dict(msg) -> dict:
    return {
        "identifier": msg.identifier,
        "launch_id": msg.launch_id,
        "msg_type": msg.msg_type.value,
        "sent_utc": msg.sent.isoformat(),
        "regions": msg.region_names,
        "cancelled": [name for name, _ in msg.cancelled_regions],
        "passed": list(msg.passed_regions),
        "final": msg.plan.final,
        "threat_of_damage": msg.plan.threat_of_damage,
    }


def summarize(watch, inp: WatchInput) -> dict:
    """JSON-ready summary of a run (see ``missilewatch replay --json``)."""
    confirmed = [log for log in watch.tracks.values() if log.confirmed_t_s is not None]
    decisions = [log.predictions[-1].assessment for log in confirmed
                 if log.predictions and log.predictions[-1].assessment is not None]
    out: dict = {
        "input": inp.name,
        "epoch_utc": inp.epoch.isoformat(),
        "measurements": watch.accepted + len(watch.rejected) + watch.duplicates,
        "rejected_measurements": len(watch.rejected),
        "duplicates_dropped": watch.duplicates,
        "rejections": [r.error for r in watch.rejected[:20]],
        "rejections_by_sensor": watch.edge.counts_by_sensor(),
        "sensor_health": watch.edge.health.summary(),
        "launches": len(inp.truth) if inp.truth else len(confirmed),
        "tracks_confirmed": len(confirmed),
        "alerts": [_alert_dict(m) for m in watch.alerts.messages()],
        "threat_of_damage": any(d.threat_of_damage for d in decisions),
        "intercept_recommended": any(d.intercept_recommended for d in decisions),
        "tracker": {k: v for k, v in vars(watch.tracker.stats).items()},
    }
    if not inp.truth:
        return out
    objects = [o for la in inp.truth for o in la.objects]
    ev = evaluate(watch.track_events, objects)
    n = len(ev.updates)
    lo, hi = chi2_interval(6, n) if n else (math.nan, math.nan)
    out["false_tracks"] = len(ev.false_tracks)
    out["swaps"] = ev.swaps
    out["breaks"] = ev.breaks
    g = ev.gospa_m[np.isfinite(ev.gospa_m)]
    out["gospa_mean_m"] = round(float(g.mean()), 1) if g.size else None
    out["position_rmse_m"] = round(ev.position_rmse_m, 1) if n else None
    out["velocity_rmse_mps"] = round(ev.velocity_rmse_mps, 2) if n else None
    out["nees"] = {
        "updates": n,
        "mean": round(ev.mean_nees, 3) if n else None,
        "bounds_95": [round(lo, 3), round(hi, 3)],
        "mean_within_bounds": bool(lo <= ev.mean_nees <= hi) if n else None,
        "fraction_inside_single_95": round(ev.nees_fraction_inside(), 3) if n else None,
        "mean_nis_per_dof": round(ev.mean_normalised_nis, 3) if n else None,
    }
    launches = []
    for la in inp.truth:
        tids = sorted({t for o in la.objects for t in ev.tracks_per_object.get(o.object_id, ())})
        launches.append(_launch_summary(watch, la, tids, inp.reported.get(la.launch_id, {})))
    out["launch_details"] = launches
    out["first_alert_s"] = {k: v for la in launches for k, v in la["first_alert_s"].items()}
    out["coast_crossing_s"] = {k: v for la in launches for k, v in la["coast_crossing_s"].items()}
    errs = [la["impact_error_km"] for la in launches if "impact_error_km" in la]
    out["impact_error_km"] = max(errs) if errs else None
    contains = [la["footprint_contains_truth"] for la in launches if "footprint_contains_truth" in la]
    out["footprint_contains_truth"] = all(contains) if contains else None
    cov = [la["footprint_coverage"] for la in launches if la["footprint_coverage"] is not None]
    out["footprint_coverage"] = round(float(np.mean(cov)), 3) if cov else None
    return out

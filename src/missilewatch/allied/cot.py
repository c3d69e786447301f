"""Cursor-on-Target (CoT 2.0) XML of the fused tracks and the impact footprints, made here,
deterministically (same input, same bytes) and at full precision (``repr`` of the floats).

- A track: ``type="a-h-A-W-M-S-S"`` (hostile; air track, as a missile in flight is one in
  MIL-STD-2525: weapon / missile in flight / surface-launched / surface-to-surface); ``point``
  lat, lon (deg), ``hae`` (height above the WGS84 ellipsoid, m), ``ce`` / ``le`` (1-sigma
  horizontal circular and vertical errors, m, from the covariance); ``track`` course (deg from
  true north) and speed (horizontal, m/s); the fused track's provenance in ``remarks`` and
  ``__missilewatch``.
- A footprint: ``type="u-d-c-e"`` (a drawn ellipse) at the predicted impact point, with
  ``shape/ellipse`` ``major`` and ``minor`` (semi-axes, m) and ``angle`` (the major axis, deg
  clockwise from true north); ``stale`` is the predicted impact time.

``time`` and ``start`` are the estimate's time; ``stale`` of a track is ``stale_s`` later.
"""

from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET

import numpy as np

from missilewatch.earth.frames import ecef2geodetic, enu_rotation

TRACK_TYPE = "a-h-A-W-M-S-S"
FOOTPRINT_TYPE = "u-d-c-e"
HOW = "m-f"  # machine, fused


def cot_time(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _f(v: float) -> str:
    return repr(float(v))


def _event(uid: str, typ: str, t: dt.datetime, stale: dt.datetime, lat: float, lon: float, hae: float,
           ce: float, le: float) -> ET.Element:
    ev = ET.Element("event", {"version": "2.0", "uid": uid, "type": typ, "how": HOW, "time": cot_time(t),
                              "start": cot_time(t), "stale": cot_time(stale)})
    ET.SubElement(ev, "point", {"lat": _f(lat), "lon": _f(lon), "hae": _f(hae), "ce": _f(ce), "le": _f(le)})
    return ev


def track_cot(node: str, track: dict, stale_s: float = 30.0) -> str:
    """One fused track (:meth:`FusedTrack.to_dict`) as a CoT event."""
    r, v, P = np.array(track["r_ecef_m"]), np.array(track["v_ecef_mps"]), np.array(track["P_ecef"])
    lat, lon, h = (float(x) for x in ecef2geodetic(*r))
    R = enu_rotation(math.radians(lat), math.radians(lon))
    v_enu = R @ v
    P_enu = R @ P[:3, :3] @ R.T
    ce = math.sqrt(max((P_enu[0, 0] + P_enu[1, 1]) / 2.0, 0.0))
    le = math.sqrt(max(P_enu[2, 2], 0.0))
    t = dt.datetime.fromisoformat(track["t_utc"])
    ev = _event(f"missilewatch.{node}.{track['id']}", TRACK_TYPE, t, t + dt.timedelta(seconds=stale_s),
                lat, lon, h, ce, le)
    detail = ET.SubElement(ev, "detail")
    course = math.degrees(math.atan2(v_enu[0], v_enu[1])) % 360.0
    ET.SubElement(detail, "track", {"course": _f(course), "speed": _f(math.hypot(v_enu[0], v_enu[1]))})
    ET.SubElement(detail, "contact", {"callsign": f"{node} {track['id']}"})
    prov = "; ".join(f"{p['node']} {p['track']} ({', '.join(p['sensors'])})" for p in track["provenance"])
    ET.SubElement(detail, "remarks").text = f"ballistic missile track fused from: {prov}"
    mw = ET.SubElement(detail, "__missilewatch", {"node": node, "vertical_speed": _f(v_enu[2])})
    for p in track["provenance"]:
        ET.SubElement(mw, "source", {"node": p["node"], "track": p["track"], "sensors": ",".join(p["sensors"])})
    return ET.tostring(ev, encoding="unicode")


def footprint_cot(node: str, track: str, prediction: dict) -> str:
    """A prediction's 95 % footprint (event data of kind ``prediction``) as a CoT ellipse."""
    t = dt.datetime.fromisoformat(prediction["t_utc"])
    impact = dt.datetime.fromisoformat(prediction["impact_utc"])
    a, b = float(prediction["semi_major_km"]) * 1e3, float(prediction["semi_minor_km"]) * 1e3
    ev = _event(f"missilewatch.{node}.{track}.footprint", FOOTPRINT_TYPE, t, max(impact, t),
                float(prediction["impact_lat_deg"]), float(prediction["impact_lon_deg"]), 0.0, a, 0.0)
    detail = ET.SubElement(ev, "detail")
    shape = ET.SubElement(detail, "shape")
    ET.SubElement(shape, "ellipse", {"major": _f(a), "minor": _f(b), "angle": _f(prediction["orientation_deg"])})
    ET.SubElement(detail, "contact", {"callsign": f"{node} {track} impact 95%"})
    ET.SubElement(detail, "remarks").text = (f"predicted impact of {track} at {prediction['impact_utc']}, 95 % "
                                             f"footprint {a / 1e3:g} x {b / 1e3:g} km")
    return ET.tostring(ev, encoding="unicode")

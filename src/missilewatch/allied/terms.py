"""Sharing terms: what this node sends one partner, read from a TOML file per partner.

```toml
partner = "ROK"                 # the partner node these terms are for
mode = "tracks"                 # "measurements" | "tracks" | "predictions"
sensors = ["shariki-tpy2"]      # mode "measurements": the sensors whose measurements go out
delay_s = 0.0                   # hold every message this long (wall-clock seconds) before it goes
coarsen_km = 0.0                # round positions to a grid of this size (tracks, predictions)
[area]                          # nothing about an object outside it is shared
bbox = [30.0, 120.0, 46.0, 150.0]          # lat_min, lon_min, lat_max, lon_max (degrees)
# polygon = [[lat, lon], [lat, lon], ...]  # or a polygon (at least 3 corners)
```

What each mode sends (nothing else ever leaves the node):

- ``predictions``: launches, impact predictions, decisions, impacts, alert messages, session
  opening and closing;
- ``tracks``: the above and the local tracks (state and covariance, sensors that made them);
- ``measurements``: the predictions' kinds and the raw measurements of the named sensors
  (the partner tracks them itself; tracks are not sent as well, so the partner does not count
  the same measurements twice). Raw measurements cannot be coarsened.

Sensor states, rejected records and notes never leave the node. A message is about a place
(a measurement's measured position; a track's position; for a track's predictions, decisions
and alerts the track's latest position): with an area set, a message about a place outside it,
or about no known place (a bearing-only infrared measurement), is withheld.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import Polygon, box

from missilewatch.allied.keys import check_node_id
from missilewatch.errors import InputError

MODES = ("predictions", "tracks", "measurements")
PREDICTION_KINDS = frozenset({"launch", "prediction", "decision", "impact", "alert.issued", "alert.updated",
                              "alert.cancelled", "alert.closed", "session.opened", "session.closed"})
TRACK_KINDS = frozenset({"track.initiated", "track.updated", "track.confirmed", "track.deleted"})
MEASUREMENT = "measurement"
KNOWN_KEYS = {"partner", "mode", "sensors", "delay_s", "coarsen_km", "area"}


@dataclass(frozen=True)
class Terms:
    """The terms of one partner (validated)."""

    partner: str
    mode: str
    sensors: frozenset[str] = frozenset()
    delay_s: float = 0.0
    coarsen_km: float = 0.0
    area: Polygon | None = None

    def kinds(self) -> frozenset[str]:
        """Event kinds this partner may receive."""
        if self.mode == "predictions":
            return PREDICTION_KINDS
        if self.mode == "tracks":
            return PREDICTION_KINDS | TRACK_KINDS
        return PREDICTION_KINDS | {MEASUREMENT}

    def inside(self, lat_deg: float, lon_deg: float) -> bool:
        if self.area is None:
            return True
        return bool(shapely.contains_xy(self.area, lon_deg, lat_deg) or shapely.touches(
            self.area, shapely.Point(lon_deg, lat_deg)))


def _number(problems: list[str], raw: dict, name: str) -> float:
    v = raw.get(name, 0.0)
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
        problems.append(f"{name}: must be a number >= 0 (got {v!r})")
        return 0.0
    return float(v)


def _area(problems: list[str], raw: Any) -> Polygon | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - {"bbox", "polygon"} or len(raw) != 1:
        problems.append(f"area: must be a table with exactly one of bbox, polygon (got {raw!r})")
        return None
    if "bbox" in raw:
        b = raw["bbox"]
        ok = isinstance(b, list) and len(b) == 4 and all(isinstance(v, int | float) and not isinstance(v, bool)
                                                          for v in b)
        if not ok or not (-90 <= b[0] < b[2] <= 90 and -180 <= b[1] < b[3] <= 180):
            problems.append(f"area.bbox: must be [lat_min, lon_min, lat_max, lon_max] in degrees, min < max "
                            f"(got {b!r})")
            return None
        return box(b[1], b[0], b[3], b[2])
    pts = raw["polygon"]
    good = isinstance(pts, list) and len(pts) >= 3 and all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(v, int | float) and not isinstance(v, bool) for v in p)
        and -90 <= p[0] <= 90 and -180 <= p[1] <= 180 for p in pts)
    if not good:
        problems.append(f"area.polygon: must be at least 3 [lat, lon] corners in degrees (got {pts!r})")
        return None
    poly = Polygon([(p[1], p[0]) for p in pts])
    if not poly.is_valid or poly.area <= 0:
        problems.append(f"area.polygon: must not cross itself and must enclose an area (got {pts!r})")
        return None
    return poly


def parse_terms(raw: dict, where: str, partner: str | None = None) -> Terms:
    """Terms from a parsed TOML table; every bad field is named in one InputError."""
    problems = [f"{k}: unknown field" for k in sorted(set(raw) - KNOWN_KEYS)]
    who = raw.get("partner")
    try:
        check_node_id("partner", who)
    except InputError as exc:
        problems.append(str(exc))
    if partner is not None and who != partner:
        problems.append(f"partner: these terms are for {who!r}, not for the peer {partner!r}")
    mode = raw.get("mode")
    if mode not in MODES:
        problems.append(f"mode: must be one of {', '.join(MODES)} (got {mode!r})")
    sensors = raw.get("sensors", [])
    if not isinstance(sensors, list) or not all(isinstance(s, str) and s for s in sensors):
        problems.append(f"sensors: must be a list of sensor ids (got {sensors!r})")
        sensors = []
    if mode == "measurements" and not sensors:
        problems.append("sensors: mode measurements needs the sensors whose measurements are shared")
    if mode in ("tracks", "predictions") and sensors:
        problems.append(f"sensors: only mode measurements shares sensors' measurements (mode is {mode!r})")
    delay = _number(problems, raw, "delay_s")
    coarsen = _number(problems, raw, "coarsen_km")
    if mode == "measurements" and coarsen > 0:
        problems.append("coarsen_km: raw measurements cannot be coarsened (use mode tracks or predictions)")
    area = _area(problems, raw.get("area"))
    if problems:
        raise InputError(where, "terms", "; ".join(problems))
    return Terms(str(who), str(mode), frozenset(sensors), delay, coarsen, area)


def load_terms(path: Path, partner: str | None = None) -> Terms:
    try:
        raw = tomllib.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("terms", str(path), f"cannot be read ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError("terms", str(path), f"is not valid TOML ({exc})") from exc
    return parse_terms(raw, f"terms {path}", partner)

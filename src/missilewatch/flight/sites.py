"""Catalogue of launch sites by name, and parsing of ``SITE|LAT,LON`` strings."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from missilewatch.errors import InputError


@dataclass(frozen=True)
class LaunchSite:
    """A named launch site: WGS84 latitude and longitude in degrees."""

    name: str
    lat_deg: float
    lon_deg: float
    aliases: tuple[str, ...] = ()


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@lru_cache(maxsize=1)
def launch_sites() -> dict[str, LaunchSite]:
    """All catalogued sites keyed by normalised name and alias."""
    raw = json.loads(resources.files("missilewatch.flight").joinpath("data/launch_sites.json").read_text())
    out: dict[str, LaunchSite] = {}
    for s in raw["sites"]:
        site = LaunchSite(s["name"], float(s["lat_deg"]), float(s["lon_deg"]), tuple(s["aliases"]))
        for n in (site.name, *site.aliases):
            out[_key(n)] = site
    return out


def find_site(name: str) -> LaunchSite | None:
    """The site whose name or alias matches ``name`` (case and punctuation ignored).

    Also matches a catalogued name at the start of a longer description, e.g.
    "Sunan (Pyongyang International Airport)".
    """
    sites = launch_sites()
    key = _key(name)
    if key in sites:
        return sites[key]
    head = _key(re.split(r"[(,;]", name)[0])
    return sites.get(head)


_LATLON = re.compile(r"^\s*([-+]?\d+(?:\.\d*)?)\s*[, ]\s*([-+]?\d+(?:\.\d*)?)\s*$")


def parse_lat_lon(text: str, field: str = "position") -> tuple[float, float]:
    """Parse ``"LAT,LON"`` in degrees; raise InputError naming ``field`` when malformed."""
    m = _LATLON.match(text)
    if not m:
        raise InputError(field, text, "expected LAT,LON in degrees, e.g. 40.6,126.4")
    lat, lon = float(m.group(1)), float(m.group(2))
    check_lat_lon(lat, lon, field)
    return lat, lon


def check_lat_lon(lat: float, lon: float, field: str = "position") -> None:
    """Raise InputError unless lat in [-90, 90] and lon in [-180, 360], both finite."""
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise InputError(f"{field} latitude", lat, "must be within [-90, 90] degrees")
    if not (math.isfinite(lon) and -180.0 <= lon <= 360.0):
        raise InputError(f"{field} longitude", lon, "must be within [-180, 360] degrees")


def resolve_site(text: str, field: str = "launch") -> tuple[str, float, float]:
    """Resolve a site name or ``LAT,LON`` to (label, lat_deg, lon_deg)."""
    if _LATLON.match(text):
        lat, lon = parse_lat_lon(text, field)
        return f"{lat:.3f},{lon:.3f}", lat, lon
    site = find_site(text)
    if site is None:
        known = sorted({s.name for s in launch_sites().values()})
        raise InputError(field, text, f"unknown launch site; known: {', '.join(known)}, or LAT,LON")
    return site.name, site.lat_deg, site.lon_deg

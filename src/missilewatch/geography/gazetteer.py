"""Reference places (capes, islands, cities) and phrases like "about 3,180 km east of Kamaishi".

Distances and bearings are WGS84 geodesics (pyproj's GeographicLib port).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from pyproj import Geod

from missilewatch.errors import InputError
from missilewatch.geography.data import read_json

GEOD = Geod(ellps="WGS84")
COMPASS_8 = ("north", "northeast", "east", "southeast", "south", "southwest", "west", "northwest")


@dataclass(frozen=True)
class Place:
    name: str
    country: str
    region: str | None
    lat_deg: float
    lon_deg: float


@dataclass(frozen=True)
class Relative:
    """A position given relative to a reference place."""

    place: Place
    distance_km: float
    bearing_deg: float  # from the place to the position, clockwise from north

    @property
    def compass(self) -> str:
        return compass_point(self.bearing_deg)

    def phrase(self) -> str:
        """'about 3,180 km east of Kamaishi' (rounded as official releases do)."""
        if self.distance_km < 1.0:
            return f"at {self.place.name}"
        return f"about {format_km(self.distance_km)} km {self.compass} of {self.place.name}"


@lru_cache(maxsize=1)
def places() -> tuple[Place, ...]:
    return tuple(Place(**p) for p in read_json("gazetteer.json")["places"])


def place(name: str) -> Place:
    """A reference place by name (case-insensitive)."""
    for p in places():
        if p.name.lower() == name.strip().lower():
            return p
    raise InputError("place", name, f"unknown reference place; known: {', '.join(p.name for p in places())}")


def compass_point(bearing_deg: float) -> str:
    """8-wind compass name of a bearing (degrees clockwise from north)."""
    return COMPASS_8[int(np.floor(((bearing_deg % 360.0) + 22.5) / 45.0)) % 8]


def format_km(km: float) -> str:
    """Round like official releases: 10 km steps from 100 km, 1 km below, thousands separated."""
    value = round(km / 10.0) * 10 if km >= 100.0 else round(km)
    return f"{int(value):,}"


def relative_to(place_: Place, lat_deg: float, lon_deg: float) -> Relative:
    az, _, d = GEOD.inv(place_.lon_deg, place_.lat_deg, lon_deg, lat_deg)
    return Relative(place_, d / 1000.0, az % 360.0)


def nearest_reference(lat_deg: float, lon_deg: float, countries: tuple[str, ...] | None = None) -> Relative:
    """The nearest reference place (optionally among some countries' places)."""
    cands = [p for p in places() if countries is None or p.country in countries]
    if not cands:
        raise InputError("countries", countries, "no reference places for these countries")
    lon0 = np.array([p.lon_deg for p in cands])
    lat0 = np.array([p.lat_deg for p in cands])
    _, _, d = GEOD.inv(lon0, lat0, np.full(len(cands), lon_deg), np.full(len(cands), lat_deg))
    return relative_to(cands[int(np.argmin(d))], lat_deg, lon_deg)


def offset(place_: Place, distance_km: float, bearing_deg: float) -> tuple[float, float]:
    """(lat_deg, lon_deg) at a distance and bearing from a place (e.g. '250 km west of Oga')."""
    lon, lat, _ = GEOD.fwd(place_.lon_deg, place_.lat_deg, bearing_deg, distance_km * 1000.0)
    return float(lat), float(lon)


_BEARINGS = {"north": 0.0, "east": 90.0, "south": 180.0, "west": 270.0}
_DESCRIPTION = re.compile(r"about ([\d,]+) km (north|east|south|west) of (?:the )?([A-Z][\w-]+(?: [A-Z][\w-]+)*)")


def parse_relative(description: str) -> tuple[float, float, Place]:
    """(distance_km, bearing_deg, place) of an official phrase such as "about 250 km west of the
    Oga Peninsula (Akita)"; InputError when none is found or the place is unknown."""
    m = _DESCRIPTION.search(description)
    if not m:
        raise InputError("description", description, "no 'about N km <direction> of <place>' in it")
    return float(m.group(1).replace(",", "")), _BEARINGS[m.group(2)], place(m.group(3))


def _overflown_point(overflight: str, ref: Place) -> Place | None:
    """The overflown point of a report: a place it names, the reference if it lies in the
    overflown region, or the place named like the region (Aomori)."""
    if not overflight:
        return None
    for p in places():
        if p.name in overflight:
            return p
    region = overflight.split()[0]
    if ref.region == region:
        return ref
    return place(region)


def place_described(description: str, launch_lat_deg: float, launch_lon_deg: float,
                    overflight: str = "") -> tuple[float, float]:
    """(lat_deg, lon_deg) of an impact described as "about N km east of <place>".

    Where the report also names what the missile flew over (``overflight``, e.g. "Hokkaido
    (Oshima Peninsula to Cape Erimo)"), the direction word is only approximate: the impact is put
    on the geodesic from the launch site through the overflown point, N km from the place.
    """
    km, bearing, ref = parse_relative(description)
    via = _overflown_point(overflight, ref)
    if via is None:
        return offset(ref, km, bearing)
    az, _, d_via = GEOD.inv(launch_lon_deg, launch_lat_deg, via.lon_deg, via.lat_deg)
    # Bisection along the geodesic beyond the overflown point: distance from the reference = km.
    lo, hi = d_via, d_via + 2.5 * km * 1000.0 + 5e5
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lon, lat, _ = GEOD.fwd(launch_lon_deg, launch_lat_deg, az, mid)
        _, _, d = GEOD.inv(ref.lon_deg, ref.lat_deg, lon, lat)
        lo, hi = (mid, hi) if d < km * 1000.0 else (lo, mid)
    lon, lat, _ = GEOD.fwd(launch_lon_deg, launch_lat_deg, az, 0.5 * (lo + hi))
    return float(lat), float(lon)

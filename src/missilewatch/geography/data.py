"""Loading the geographic data shipped in ``geography/data`` (built by scripts/build_geography_data.py).

Country land is Natural Earth 1:10m Admin 0 (via npm ``world-atlas``); borders are as the data
has them (de facto) and no claim is made on any dispute.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from missilewatch.errors import DataError

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True, eq=False)
class CountryTopology:
    """Country polygons as a planar topology of arcs (lon/lat degrees).

    ``arc_owner[i]`` lists the (up to two) countries whose inside/outside flips across arc i
    (-1 = none); ``arc_uses[i] == 1`` marks coastline (land on one side, sea on the other).
    """

    lon_deg: np.ndarray  # (n_vertices,) float64
    lat_deg: np.ndarray  # (n_vertices,) float64
    arc_offsets: np.ndarray  # (n_arcs + 1,) int64 into the vertex arrays
    arc_owner: np.ndarray  # (n_arcs, 2) int16
    arc_uses: np.ndarray  # (n_arcs,) int8
    ring_arcs: np.ndarray  # signed arc references (~i = arc i reversed)
    ring_offsets: np.ndarray
    ring_country: np.ndarray
    ring_is_hole: np.ndarray
    country_code: tuple[str, ...]  # ISO 3166-1 alpha-3, "" where the entity has none
    country_name: tuple[str, ...]
    lat_min_deg: float  # southern limit of the data (Antarctica is cut there)

    @property
    def n_countries(self) -> int:
        return len(self.country_code)

    def index_of(self, code: str) -> int:
        """Index of the country with ISO alpha-3 ``code``; DataError if absent."""
        try:
            return self.country_code.index(code.upper())
        except ValueError:
            raise DataError(f"no country with ISO alpha-3 code {code!r} in the data") from None

    def polar_closure(self, r: int) -> np.ndarray | None:
        """For a ring that circles a pole (Antarctica), the planar closure from its east end at
        +180 down past the pole to its west end at -180 ((4, 2) lon/lat, beyond +-90 so that
        no ray of the point-in-polygon walk meets its horizontal part); None for other rings."""
        first, last = self._ring_end_lons(r)
        if abs(first) != 180.0 or first != -last:  # cheap test first: most rings are not polar
            return None
        xy = self.ring_lonlat(r)
        turn = np.sum(np.diff(np.degrees(np.unwrap(np.radians(xy[:, 0])))))
        if abs(turn) < 359.0 or xy[0, 0] != -xy[-1, 0] or abs(xy[0, 0]) != 180.0:
            return None
        pole = -91.0 if np.mean(xy[:, 1]) < 0 else 91.0
        return np.array([xy[-1], [xy[-1, 0], pole], [xy[0, 0], pole], xy[0]])

    def _ring_end_lons(self, r: int) -> tuple[float, float]:
        """Longitudes of the first and last vertex of ring r (without building it)."""
        refs = self.ring_arcs[self.ring_offsets[r] : self.ring_offsets[r + 1]]
        head, tail = int(refs[0]), int(refs[-1])
        i, j = (head if head >= 0 else ~head), (tail if tail >= 0 else ~tail)
        first = self.arc_offsets[i] if head >= 0 else self.arc_offsets[i + 1] - 1
        last = self.arc_offsets[j + 1] - 1 if tail >= 0 else self.arc_offsets[j]
        return float(self.lon_deg[first]), float(self.lon_deg[last])

    def ring_lonlat(self, r: int) -> np.ndarray:
        """(n, 2) lon/lat degrees of ring r (closed)."""
        parts: list[np.ndarray] = []
        for ref in self.ring_arcs[self.ring_offsets[r] : self.ring_offsets[r + 1]]:
            i = int(ref) if ref >= 0 else ~int(ref)
            a, b = self.arc_offsets[i], self.arc_offsets[i + 1]
            xy = np.column_stack([self.lon_deg[a:b], self.lat_deg[a:b]])
            if ref < 0:
                xy = xy[::-1]
            parts.append(xy if not parts else xy[1:])
        return np.concatenate(parts)


def _fix_antimeridian(lon: np.ndarray, arc_offsets: np.ndarray) -> np.ndarray:
    """Give vertices at +-180 the sign of their arc's nearest vertex off the antimeridian.

    The TopoJSON writes some points of the antimeridian cut as -180 inside rings that lie at
    +180 (and the reverse), which in the plane turns a short edge into one across the whole map.
    """
    lon = lon.copy()
    for i in np.flatnonzero(np.diff(arc_offsets) > 0):
        a, b = int(arc_offsets[i]), int(arc_offsets[i + 1])
        x = lon[a:b]
        on = np.abs(x) == 180.0
        if not on.any() or on.all():
            continue
        idx = np.flatnonzero(~on)
        for j in np.flatnonzero(on):
            k = idx[np.argmin(np.abs(idx - j))]
            x[j] = 180.0 if x[k] > 0 else -180.0
    return lon


def _require(path: Path) -> Path:
    if not path.is_file():
        raise DataError(f"geographic data file missing: {path} (run scripts/build_geography_data.py)")
    return path


def load_countries(path: Path | None = None) -> CountryTopology:
    """Read ``countries.npz`` (default: the packaged one)."""
    path = _require(path or DATA_DIR / "countries.npz")
    try:
        with np.load(path) as z:
            q = z["vertex_q"].astype(np.float64)
            sx, sy = z["scale"]
            tx, ty = z["translate"]
            return CountryTopology(
                lon_deg=_fix_antimeridian(q[:, 0] * sx + tx, z["arc_offsets"]),
                lat_deg=q[:, 1] * sy + ty,
                arc_offsets=z["arc_offsets"],
                arc_owner=z["arc_owner"],
                arc_uses=z["arc_uses"],
                ring_arcs=z["ring_arcs"],
                ring_offsets=z["ring_offsets"],
                ring_country=z["ring_country"],
                ring_is_hole=z["ring_is_hole"],
                country_code=tuple(str(c) for c in z["country_code"]),
                country_name=tuple(str(c) for c in z["country_name"]),
                lat_min_deg=float(ty),
            )
    except (KeyError, ValueError, OSError) as exc:
        raise DataError(f"geographic data file damaged: {path}: {exc}") from exc


@lru_cache(maxsize=1)
def countries() -> CountryTopology:
    """The packaged country topology (loaded once)."""
    return load_countries()


def region_features() -> tuple[dict, ...]:
    """Admin-1 region features (GeoJSON-like dicts with properties country, name, code), read
    anew on each call (``regions.all_regions`` keeps what it builds from them; ~10 MB parsed)."""
    path = _require(DATA_DIR / "regions.json")
    try:
        return tuple(json.loads(path.read_text())["features"])
    except (KeyError, ValueError) as exc:
        raise DataError(f"geographic data file damaged: {path}: {exc}") from exc


def read_json(name: str) -> dict:
    """A small hand-written JSON data file of the package (straits, gazetteer)."""
    path = _require(DATA_DIR / name)
    try:
        return json.loads(path.read_text())
    except ValueError as exc:
        raise DataError(f"geographic data file damaged: {path}: {exc}") from exc

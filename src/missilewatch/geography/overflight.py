"""Which countries and admin regions a ground track passes over, when, and how high.

The track is the sub-missile point at the given times; between samples it is taken as the
straight lon/lat line (10 s steps of a ballistic flight are at most ~70 km apart, where the
straight line and the great circle differ by a few hundred metres). Crossing points are exact
intersections of that line with the region outlines (a Numba kernel), mapped back to time and altitude
by linear interpolation along the track.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from missilewatch.errors import InputError
from missilewatch.geography.regions import Region, all_regions, bounding_pad_deg, ground_km
from missilewatch.geography.zones import validate_lat_lon

#: Resampling step (km) of a ground track for its closest approach to regions.
RESAMPLE_STEP_KM = 5.0
#: Samples nearest in the lon/lat plane that are measured on the ground, per region.
CANDIDATES = 8
#: km per degree used to space the resampled points (a rough figure is enough).
RESAMPLE_KM_PER_DEG = 111.2


@dataclass(frozen=True, eq=False)
class GroundTrack:
    """Sub-point track of a flight: time since launch (s), geodetic lat/lon (deg), altitude (km)."""

    t_s: np.ndarray
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    alt_km: np.ndarray

    @classmethod
    def from_arrays(cls, t_s, lat_deg, lon_deg, alt_km) -> GroundTrack:
        """Validate and build (InputError names the bad field)."""
        lat, lon = validate_lat_lon(lat_deg, lon_deg)
        try:
            t = np.asarray(t_s, dtype=np.float64).ravel()
            alt = np.asarray(alt_km, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            raise InputError("t_s/alt_km", (t_s, alt_km), "must be numbers") from None
        if not (len(t) == len(lat) == len(lon) == len(alt)):
            raise InputError("t_s", len(t), f"t_s, lat_deg, lon_deg, alt_km need equal lengths ({len(lat)} points)")
        if len(t) < 2:
            raise InputError("t_s", len(t), "a ground track needs at least 2 points")
        if not (np.all(np.isfinite(t)) and np.all(np.isfinite(alt))):
            raise InputError("t_s/alt_km", "non-finite", "times and altitudes must be finite")
        if np.any(np.diff(t) <= 0):
            raise InputError("t_s", t, "times must increase strictly")
        return cls(t, lat, lon, alt)

    @classmethod
    def from_mapping(cls, track: dict) -> GroundTrack:
        """From a dict with arrays t_s, lat_deg, lon_deg, alt_km (as ``Reconstruction.ground_track``)."""
        try:
            return cls.from_arrays(track["t_s"], track["lat_deg"], track["lon_deg"], track["alt_km"])
        except KeyError as exc:
            raise InputError("track", sorted(track), f"missing array {exc.args[0]!r}") from None

    def unwrapped_lon_deg(self) -> np.ndarray:
        """Longitudes made continuous across the antimeridian (may leave [-180, 180])."""
        return np.degrees(np.unwrap(np.radians(self.lon_deg)))

    def at(self, t_s: float) -> tuple[float, float, float]:
        """Interpolated (lat_deg, lon_deg, alt_km) at a time."""
        lon = np.interp(t_s, self.t_s, self.unwrapped_lon_deg())
        return (
            float(np.interp(t_s, self.t_s, self.lat_deg)),
            float(((lon + 180.0) % 360.0) - 180.0),
            float(np.interp(t_s, self.t_s, self.alt_km)),
        )


@dataclass(frozen=True)
class Overflight:
    """One passage over a region: entry and exit times (s since launch) and altitudes (km)."""

    country: str | None
    country_name: str
    region: str | None
    enter_s: float
    exit_s: float
    alt_enter_km: float
    alt_exit_km: float
    alt_min_km: float

    @property
    def label(self) -> str:
        return f"{self.region} ({self.country_name})" if self.region else self.country_name

    def to_dict(self) -> dict:
        """JSON form; ``alt_km`` is the lowest altitude over the region."""
        return {
            "country": self.country,
            "country_name": self.country_name,
            "region": self.region,
            "enter_s": round(self.enter_s, 1),
            "exit_s": round(self.exit_s, 1),
            "alt_km": round(self.alt_min_km, 1),
            "alt_enter_km": round(self.alt_enter_km, 1),
            "alt_exit_km": round(self.alt_exit_km, 1),
        }


def overflights(track: GroundTrack, merge_gap_s: float = 1.0) -> list[Overflight]:
    """Every passage of the track over a region or country, in time order.

    Where the track's lon/lat polyline crosses the regions' outlines (``region_kernels.
    track_passes``; regions whose bounding box misses the track's are not looked at), mapped
    to time and altitude by linear interpolation along the track.

    Passages over the same region separated by less than ``merge_gap_s`` (a crossing of a
    narrow bay) are merged.
    """
    from missilewatch.geography import region_kernels as RK

    lon_u = track.unwrapped_lon_deg()
    xy = np.column_stack([lon_u, track.lat_deg])
    seglen = np.hypot(np.diff(xy[:, 0]), np.diff(xy[:, 1]))
    cum = np.concatenate([[0.0], np.cumsum(seglen)])
    rs = all_regions()
    e = rs.edges
    found: list[tuple[Region, float, float]] = []
    for shift in (0.0, -360.0, 360.0):
        x = np.ascontiguousarray(xy[:, 0] + shift)
        if shift and not (np.any(x > -180.0) and np.any(x < 180.0)):
            continue
        y = np.ascontiguousarray(xy[:, 1])
        box = e.bbox
        cand = np.flatnonzero((box[:, 0] <= x.max()) & (box[:, 2] >= x.min())
                              & (box[:, 1] <= y.max()) & (box[:, 3] >= y.min()))
        if not len(cand):
            continue
        regs, starts, ends = RK.track_passes(x, y, cum, cand.astype(np.int64), e.part_off, e.edge_off, e.edges,
                                             e.part_bbox, e.chunk_off, e.chunk_edge_off, e.chunk_bbox)
        found.extend((rs.regions[r], a, b) for r, a, b in zip(regs, starts, ends, strict=True))
    passes = []
    for region, a, b in found:
        t0 = float(np.interp(a, cum, track.t_s))
        t1 = float(np.interp(b, cum, track.t_s))
        passes.append((region, t0, t1))
    passes.sort(key=lambda p: (p[1], p[2]))
    merged: list[list] = []
    for region, t0, t1 in passes:
        for m in merged:
            if m[0] is region and t0 - m[2] <= merge_gap_s and t1 >= m[1] - merge_gap_s:
                m[1], m[2] = min(m[1], t0), max(m[2], t1)
                break
        else:
            merged.append([region, t0, t1])
    out = []
    for region, t0, t1 in sorted(merged, key=lambda m: m[1]):
        inside = (track.t_s > t0) & (track.t_s < t1)
        a0 = float(np.interp(t0, track.t_s, track.alt_km))
        a1 = float(np.interp(t1, track.t_s, track.alt_km))
        amin = float(min(a0, a1, *track.alt_km[inside])) if inside.any() else min(a0, a1)
        out.append(Overflight(region.country, region.country_name, region.name, t0, t1, a0, a1, amin))
    return out


def _locate(xy: np.ndarray, cum: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Distance along the polyline ``xy`` (cumulative vertex distances ``cum``) of points lying
    on it: the projection on its nearest segment (the first on a tie), as Shapely's
    ``line_locate_point``."""
    a, d = xy[:-1], np.diff(xy, axis=0)
    length2 = np.einsum("ij,ij->i", d, d)
    rel = pts[:, None, :] - a[None, :, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.clip(np.einsum("pij,ij->pi", rel, d) / length2, 0.0, 1.0)
    t = np.where(length2 > 0, t, 0.0)
    gap = rel - t[:, :, None] * d[None, :, :]
    k = np.argmin(np.einsum("pij,pij->pi", gap, gap), axis=1)
    return cum[k] + t[np.arange(len(pts)), k] * np.sqrt(length2[k])


def closest_approaches(track: GroundTrack, regions: np.ndarray, within_km: float,
                       step_km: float = RESAMPLE_STEP_KM) -> tuple[np.ndarray, np.ndarray]:
    """(time s, distance km) where the ground track comes closest to each region (indices into
    ``all_regions().regions``), for the regions it comes within ``within_km`` of ((nan, inf)
    for the others).

    The track is resampled every ``step_km`` (roughly); per region the ``CANDIDATES`` samples
    nearest in the lon/lat plane (0 inside; found by branch and bound on the region's bounding
    box, among the samples that its padded bounding box can hold within ``within_km``) are
    measured on the ground (see ``regions.distances_km``) and the nearest is kept.
    """
    from missilewatch.geography import region_kernels as RK

    ids = np.ascontiguousarray(regions, dtype=np.int64).ravel()
    if not len(ids):
        return np.empty(0), np.empty(0)
    ts, lat, lon = _resample(track, step_km)
    e = all_regions().edges
    cand = np.empty((len(ids), CANDIDATES), dtype=np.int64)
    pad_lat, pad_lon = bounding_pad_deg(lat, within_km)
    RK.track_nearest_candidates(lon, lat, ids, *e.arrays, pad_lat, pad_lon, CANDIDATES, cand)
    rows, cols = np.nonzero(cand >= 0)
    pts = cand[rows, cols]
    km = np.full(cand.shape, np.inf)
    km[rows, cols] = ground_km(lat[pts], lon[pts], ids[rows])
    best = np.argmin(km, axis=1)
    j = np.arange(len(ids))
    t = np.where(cand[j, best] >= 0, ts[np.maximum(cand[j, best], 0)], np.nan)
    return t, km[j, best]


def _resample(track: GroundTrack, step_km: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(t_s, lat_deg, lon_deg in [-180, 180)) of the track every ~step_km (vectorised linspace)."""
    lon_u = track.unwrapped_lon_deg()
    east = np.diff(lon_u) * np.cos(np.radians(track.lat_deg[:-1]))
    seg_km = np.hypot(east, np.diff(track.lat_deg)) * RESAMPLE_KM_PER_DEG
    n = np.maximum(1, np.ceil(seg_km / step_km).astype(int))
    # n[i] points per segment i, at fractions 0, 1/n[i], ... of it.
    seg = np.repeat(np.arange(len(n)), n)
    frac = (np.arange(seg.size) - np.repeat(np.cumsum(n) - n, n)) / n[seg]
    ts = track.t_s[seg] + frac * np.diff(track.t_s)[seg]
    ts = np.append(ts, track.t_s[-1])
    lat = np.interp(ts, track.t_s, track.lat_deg)
    lon = ((np.interp(ts, track.t_s, lon_u) + 180.0) % 360.0) - 180.0
    return ts, np.ascontiguousarray(lat), np.ascontiguousarray(lon)

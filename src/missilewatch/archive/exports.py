"""Exports of launches and reconstructed flights: CSV, GeoJSON, KML and CZML (czml3).

Every export is built from :func:`launch_rows`: one dict per launch event with its summary
(km, deg, UTC ISO strings) and, where the flight could be reconstructed, its ground track.
KML is written with the standard library's ElementTree (a plain XML document); CZML through
czml3's validated models.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

from sqlalchemy.orm import Session

from missilewatch.archive.analysis import analyse_all
from missilewatch.archive.query import summaries
from missilewatch.errors import InputError
from missilewatch.store import LaunchAnalysis

FORMATS = ("csv", "geojson", "kml", "czml")
CSV_COLUMNS = (
    "id", "date", "launch_time_utc", "site", "site_lat_deg", "site_lon_deg", "missile", "type", "missiles",
    "range_km", "apogee_km", "sources", "analysis", "figures_from", "azimuth_deg", "azimuth_from",
    "trajectory_type", "range_class", "standard_range_km", "burnout_speed_mps", "flight_time_s",
    "impact_lat_deg", "impact_lon_deg", "impact_zone", "impact_country", "overflown_countries", "analysis_note",
    # Each source's figure and its kind (flown, capability) beside the merged one (launch_figures).
    "reported_flight_time_s", "range_km_values", "apogee_km_values", "flight_time_s_values",
)


def launch_rows(session: Session, analyses: list[LaunchAnalysis] | None = None) -> list[dict]:
    """One dict per launch event: summary plus analysis (reconstructing what is not cached)."""
    analyses = analyses if analyses is not None else analyse_all(session)
    by_event = {a.event_id: a for a in analyses}
    out = []
    for row in summaries(session):
        a = by_event.get(row["id"])
        rec = (a.result or {}).get("reconstruction") if a else None
        closed = (a.result or {}).get("closed_form") if a else None
        row = dict(row)
        row.update(
            analysis=a.status if a else None,
            figures_from=(a.inputs or {}).get("figures_from") if a else None,
            azimuth_deg=(a.inputs or {}).get("azimuth_deg") if a and rec else None,
            azimuth_from=(a.inputs or {}).get("azimuth_from") if a and rec else None,
            trajectory_type=(closed or {}).get("trajectory_type"),
            range_class=rec["range_class"] if rec else None,
            standard_range_km=rec["standard_range_km"] if rec else None,
            burnout_speed_mps=rec["burnout_speed_mps"] if rec else None,
            flight_time_s=rec["flight_time_s"] if rec else None,
            impact_lat_deg=rec["impact"]["lat_deg"] if rec else None,
            impact_lon_deg=rec["impact"]["lon_deg"] if rec else None,
            impact_zone=((rec or {}).get("geography") or {}).get("impact_zone"),
            impact_country=((rec or {}).get("geography") or {}).get("impact_country"),
            impact_coast_distance_km=((rec or {}).get("geography") or {}).get("impact_coast_distance_km"),
            overflown_countries=" ".join(((rec or {}).get("geography") or {}).get("overflown_countries") or []) or None,
            analysis_note=a.reason if a else None,
            track=rec["ground_track"] if rec else None,
        )
        out.append(row)
    return out


def to_csv(rows: list[dict]) -> str:
    """CSV text, one line per launch event (ground tracks left out)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in CSV_COLUMNS})
    return buf.getvalue()


def _props(r: dict) -> dict:
    return {k: r.get(k) for k in CSV_COLUMNS if k not in ("site_lat_deg", "site_lon_deg")}


def to_geojson(rows: list[dict]) -> dict:
    """GeoJSON FeatureCollection: a Point per launch site (RFC 7946 lon, lat) and a
    LineString (lon, lat, height m) per reconstructed flight."""
    features = []
    for r in rows:
        if r.get("site_lat_deg") is None:
            continue
        features.append({"type": "Feature", "id": f"launch-{r['id']}", "properties": {**_props(r), "kind": "launch"},
                         "geometry": {"type": "Point", "coordinates": [r["site_lon_deg"], r["site_lat_deg"]]}})
        if r.get("track"):
            coords = [[p["lon_deg"], p["lat_deg"], round(p["alt_km"] * 1000.0, 1)] for p in r["track"]]
            features.append({"type": "Feature", "id": f"flight-{r['id']}",
                             "properties": {"launch_id": r["id"], "kind": "reconstructed flight",
                                            "date": r.get("date"), "missile": r.get("missile"),
                                            "range_km": r.get("range_km"), "apogee_km": r.get("apogee_km"),
                                            "figures_from": r.get("figures_from"),
                                            "azimuth_from": r.get("azimuth_from")},
                             "geometry": {"type": "LineString", "coordinates": coords}})
    return {"type": "FeatureCollection", "features": features}


KML_NS = "http://www.opengis.net/kml/2.2"


def to_kml(rows: list[dict]) -> str:
    """KML 2.2 document: a Placemark per launch site and per reconstructed flight (absolute heights)."""
    ET.register_namespace("", KML_NS)
    q = lambda tag: f"{{{KML_NS}}}{tag}"  # noqa: E731
    kml = ET.Element(q("kml"))
    doc = ET.SubElement(kml, q("Document"))
    ET.SubElement(doc, q("name")).text = "missilewatch archive"
    style = ET.SubElement(doc, q("Style"), id="flight")
    line = ET.SubElement(style, q("LineStyle"))
    ET.SubElement(line, q("color")).text = "ff2b39c0"
    ET.SubElement(line, q("width")).text = "2"
    sites = ET.SubElement(doc, q("Folder"))
    ET.SubElement(sites, q("name")).text = "Launches"
    flights = ET.SubElement(doc, q("Folder"))
    ET.SubElement(flights, q("name")).text = "Reconstructed flights"
    for r in rows:
        if r.get("site_lat_deg") is None:
            continue
        title = f"{r.get('date') or '?'} {r.get('missile') or 'unknown missile'} ({r.get('type') or '?'})"
        pm = ET.SubElement(sites, q("Placemark"), id=f"launch-{r['id']}")
        ET.SubElement(pm, q("name")).text = title
        ET.SubElement(pm, q("description")).text = (
            f"{r.get('site') or 'unknown site'}; {r['missiles']} missile(s); range {r.get('range_km')} km; "
            f"apogee {r.get('apogee_km')} km")
        if r.get("date") and r.get("date_precision") == "day":
            ts = ET.SubElement(pm, q("TimeStamp"))
            ET.SubElement(ts, q("when")).text = r["launch_time_utc"] or r["date"]
        pt = ET.SubElement(pm, q("Point"))
        ET.SubElement(pt, q("coordinates")).text = f"{r['site_lon_deg']},{r['site_lat_deg']},0"
        if r.get("track"):
            fl = ET.SubElement(flights, q("Placemark"), id=f"flight-{r['id']}")
            ET.SubElement(fl, q("name")).text = title
            ET.SubElement(fl, q("description")).text = (
                f"reconstructed from {r.get('figures_from')}; azimuth {r.get('azimuth_from')}")
            ET.SubElement(fl, q("styleUrl")).text = "#flight"
            ls = ET.SubElement(fl, q("LineString"))
            ET.SubElement(ls, q("altitudeMode")).text = "absolute"
            ET.SubElement(ls, q("coordinates")).text = " ".join(
                f"{p['lon_deg']},{p['lat_deg']},{p['alt_km'] * 1000.0:.0f}" for p in r["track"])
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(kml, encoding="unicode")


def _epoch(r: dict) -> datetime | None:
    if r.get("launch_time_utc"):
        return datetime.fromisoformat(r["launch_time_utc"])
    if r.get("date") and r.get("date_precision") == "day":
        return datetime.combine(datetime.fromisoformat(r["date"]).date(), time(0, 0), tzinfo=UTC)
    return None


def to_czml(rows: list[dict]) -> str:
    """CZML (czml3): the document packet, then per reconstructed flight a time-tagged position
    (cartographic degrees, metres) with its path; per other launch a point at the site."""
    from czml3 import Color, Document, Label, Packet, Point, PolylineMaterial, Position
    from czml3 import Path as CzPath
    from czml3.properties import SolidColorMaterial

    from missilewatch.czmlclock import document_packet, play_multiplier

    packets = []
    flights: list[tuple[datetime, datetime]] = []  # start and end of each time-tagged flight
    for r in rows:
        if r.get("site_lat_deg") is None:
            continue
        name = f"{r.get('date') or '?'} {r.get('missile') or 'unknown missile'}"
        epoch = _epoch(r)
        if r.get("track") and epoch is not None:
            coords: list[float] = []
            for p in r["track"]:
                coords += [p["t_s"], p["lon_deg"], p["lat_deg"], p["alt_km"] * 1000.0]
            flights.append((epoch + timedelta(seconds=r["track"][0]["t_s"]),
                            epoch + timedelta(seconds=r["track"][-1]["t_s"])))
            packets.append(Packet(
                id=f"flight-{r['id']}", name=name,
                description=f"reconstructed from {r.get('figures_from')}; azimuth {r.get('azimuth_from')}",
                position=Position(epoch=epoch, cartographicDegrees=coords),
                point=Point(pixelSize=6, color=Color(rgba=[255, 220, 0, 255])),
                path=CzPath(show=True, width=2, leadTime=0, trailTime=r["track"][-1]["t_s"] + 60.0,
                            material=PolylineMaterial(solidColor=SolidColorMaterial(
                                color=Color(rgba=[192, 57, 43, 255])))),
            ))
        packets.append(Packet(
            id=f"launch-{r['id']}", name=name,
            position=Position(cartographicDegrees=[r["site_lon_deg"], r["site_lat_deg"], 0.0]),
            point=Point(pixelSize=8, color=Color(rgba=[192, 57, 43, 255])),
            label=Label(text=r.get("site") or name, font="11px sans-serif", show=False),
        ))
    # The clock covers every flight and opens on the latest one, playing it in about a minute.
    latest = max(flights, default=None)
    doc = document_packet("missilewatch archive", min((f[0] for f in flights), default=None),
                          max((f[1] for f in flights), default=None), latest[0] if latest else None,
                          None if latest is None else play_multiplier((latest[1] - latest[0]).total_seconds()))
    return Document(packets=[doc, *packets]).dumps()


def export(session: Session, fmt: str, path: Path | str) -> Path:
    """Write the archive in ``fmt`` (csv, geojson, kml, czml) to ``path``."""
    fmt = (fmt or "").lower()
    if fmt not in FORMATS:
        raise InputError("format", fmt, f"expected one of {', '.join(FORMATS)}")
    path = Path(path)
    if path.exists() and path.is_dir():
        raise InputError("output", str(path), "is a directory; give a file name")
    rows = launch_rows(session)
    if fmt == "csv":
        text = to_csv(rows)
    elif fmt == "geojson":
        text = json.dumps(to_geojson(rows), ensure_ascii=False)
    elif fmt == "kml":
        text = to_kml(rows)
    else:
        text = to_czml(rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path

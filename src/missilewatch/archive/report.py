"""The HTML report of the whole archive: figures, tables, disagreements, problems, exports."""

from __future__ import annotations

import html
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from missilewatch.archive.analysis import analyse_all
from missilewatch.archive.exports import launch_rows, to_csv, to_czml, to_geojson, to_kml
from missilewatch.archive.launch_figures import describe
from missilewatch.archive.merge import merged_record
from missilewatch.archive.plots import plot_apogee_range, plot_ground_track, plot_launches_per_year, plot_map
from missilewatch.errors import InputError
from missilewatch.store import Fact, ImportProblem, Missile, Source

# Ground-track figures are drawn for reconstructed flights at least this long (km).
TRACK_FIGURE_MIN_KM = 1000.0

_CSS = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1150px;color:#222}
table{border-collapse:collapse;font-size:12px;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 6px}
th{background:#f0f0f0}tr.flag td{background:#fff3e0}img{max-width:100%;border:1px solid #ddd}
.note{color:#555;font-size:12px}h2{border-bottom:1px solid #ccc}
"""


def _e(v: object) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.1f}"
    return html.escape(str(v))


def _table(headers: list[str], rows: list[list], classes: list[str] | None = None) -> str:
    out = ["<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in headers) + "</tr>"]
    for i, r in enumerate(rows):
        cls = f' class="{classes[i]}"' if classes and classes[i] else ""
        out.append(f"<tr{cls}>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>")
    return "\n".join(out) + "</table>"


def write_report(session: Session, out_dir: Path | str, mapper=None) -> Path:
    """Analyse the archive and write ``index.html``, its PNG figures and the four exports to ``out_dir``
    (``mapper``: where the reconstructions run, see :func:`~missilewatch.archive.analysis.analyse_all`)."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError("output", str(out), "exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    analyses = analyse_all(session, mapper=mapper)
    rows = launch_rows(session, analyses)
    if not rows:
        raise InputError("database", "", "the archive is empty; run `archive import-cns` or `archive ingest` first")

    # Figures.
    missiles = session.scalars(select(Missile)).all()
    points = [{"range_km": m.range_m / 1e3, "apogee_km": m.apogee_m / 1e3, "type": m.type or "Unknown"}
              for m in missiles if m.range_m and m.apogee_m]
    for r in rows:
        if r["origin"] == "report" and r.get("range_km") and r.get("apogee_km"):
            points.append({"range_km": r["range_km"], "apogee_km": r["apogee_km"], "type": r.get("type") or "Unknown"})
    # Labels: the flights over Japan and the high ICBM tests.
    labels = [{"range_km": r["range_km"], "apogee_km": r["apogee_km"], "label": (r.get("date") or "")[:7]}
              for r in rows if r.get("range_km") and r.get("apogee_km")
              and (r["range_km"] >= 2500 or r["apogee_km"] >= 2000)]
    plot_apogee_range(points, out / "apogee_range.png", labels=labels)
    per_year = [{"year": (m.date_utc.year if m.date_utc else None), "type": m.type or "Unknown"} for m in missiles]
    per_year += [{"year": int(r["date"][:4]), "type": r.get("type") or "Unknown"}
                 for r in rows if r["origin"] == "report" and r.get("date")]
    plot_launches_per_year(per_year, out / "launches_per_year.png")
    sites: Counter[str] = Counter()
    where: dict[str, tuple[float, float]] = {}
    for r in rows:
        if r.get("site_lat_deg") is not None:
            key = r.get("site") or f"{r['site_lat_deg']:.2f},{r['site_lon_deg']:.2f}"
            sites[key] += 1
            where[key] = (r["site_lat_deg"], r["site_lon_deg"])
    site_list = [{"name": k, "lat_deg": where[k][0], "lon_deg": where[k][1], "count": n} for k, n in sites.items()]
    impacts = [{"lat_deg": r["impact_lat_deg"], "lon_deg": r["impact_lon_deg"], "type": r.get("range_class")}
               for r in rows if r.get("impact_lat_deg") is not None]
    tracks = [{"lat_deg": [p["lat_deg"] for p in r["track"]], "lon_deg": [p["lon_deg"] for p in r["track"]],
               "type": r.get("range_class")} for r in rows if r.get("track")]
    plot_map(site_list, impacts, tracks, out / "map.png")
    track_figs = []
    for r in rows:
        if r.get("track") and (r.get("range_km") or 0) >= TRACK_FIGURE_MIN_KM:
            name = f"track_{r['id']}.png"
            title = (f"{r.get('date')} {r.get('missile') or ''}: reconstructed from {r.get('figures_from')}; "
                     f"azimuth {r.get('azimuth_deg')}° {r.get('azimuth_from')}")
            plot_ground_track({k: [p[k] for p in r["track"]] for k in ("t_s", "lat_deg", "lon_deg", "alt_km")},
                              title, out / name)
            track_figs.append((r, name))

    # Exports beside the report.
    (out / "launches.csv").write_text(to_csv(rows), encoding="utf-8")
    (out / "launches.geojson").write_text(json.dumps(to_geojson(rows)), encoding="utf-8")
    (out / "launches.kml").write_text(to_kml(rows), encoding="utf-8")
    (out / "launches.czml").write_text(to_czml(rows), encoding="utf-8")

    # Tables.
    sources = session.scalars(select(Source).order_by(Source.id)).all()
    problems = session.scalars(select(ImportProblem).order_by(ImportProblem.source_id, ImportProblem.row)).all()
    status = Counter(a.status for a in analyses)
    reported_events = sorted({e for e in session.scalars(
        select(Fact.event_id).join(Source, Source.id == Fact.source_id).where(Source.kind == "report")) if e})
    n_missiles = session.scalar(select(func.count()).select_from(Missile)) or 0

    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>missilewatch archive</title>"
             f"<style>{_CSS}</style></head><body>",
             "<h1>missilewatch: archive of North Korean missile launches</h1>",
             f"<p class='note'>Generated {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}. "
             f"{len(rows)} launch events, {n_missiles} missiles, {len(sources)} sources. "
             f"Flights reconstructed: {status.get('ok', 0)}; no fitting flight: {status.get('failed', 0)}; "
             f"figures missing: {status.get('insufficient', 0)}.</p>",
             "<h2>Apogee against range</h2><img src='apogee_range.png' alt='apogee against range'>",
             "<h2>Launches per year</h2><img src='launches_per_year.png' alt='launches per year'>",
             "<h2>Sites, tracks and impact points</h2><img src='map.png' alt='map'>"]

    parts.append("<h2>Launches described by reports</h2>")
    for eid in reported_events:
        rec = merged_record(session, eid)
        f = rec["fields"]
        parts.append(f"<h3>{_e(rec['local_date'])} &mdash; {_e(rec['missile_name'])} ({_e(rec['missile_type'])}),"
                     f" event {rec['id']}</h3>")
        lines = []
        for name in ("range_km", "apogee_km", "flight_time_s"):
            if f[name]:
                merged = "-" if f[name]["value"] is None else f"{f[name]['value']:,.6g}"
                flag = " <b>disagreement</b>" if f[name]["disagreement"] else ""
                lines.append(f"<li>{name}: <b>{merged}</b> &mdash; {_e(describe(f[name]['values']))}{flag}</li>")
        lines.append(f"<li>EEZ: {_e(f['eez']['value'])} ({_e(f['eez']['whose'])}); overflight: "
                     f"{_e(', '.join(f['overflight']['value']) or None)}</li>")
        if f["impact_description"]:
            lines.append(f"<li>impact: {_e(f['impact_description']['value'])}</li>")
        resp: Counter[str] = Counter()
        for r in rec["responses"]:
            who = r.get("country") or ", ".join(r.get("countries", []))
            if r.get("action") == "missile_launch":
                lines.append(f"<li>response: {_e(who)} fired {r['count']} {_e(r['missile'])} "
                             f"({r['succeeded']} hit, {r['failed']} failed) &mdash; <i>{_e(r['evidence'])}</i></li>")
            else:
                resp[who] += 1
        if resp:
            lines.append("<li>responses by country: " + ", ".join(f"{_e(k)} {v}" for k, v in resp.items()) + "</li>")
        lines.append("<li>sources: " + "; ".join(_e(s['title'] or s['uri']) for s in rec["sources"]) + "</li>")
        parts.append("<ul>" + "".join(lines) + "</ul>")

    zoned = [r for r in rows if r.get("impact_zone")]
    if zoned:
        in_japan = [r for r in zoned if r.get("impact_country") == "JPN"]
        over = [r for r in zoned if r.get("overflown_countries")]
        parts.append("<h2>Where the reconstructed flights fell</h2>"
                     f"<p>{len(zoned)} reconstructed impacts placed in zones (geography package): "
                     f"{len(in_japan)} in Japan's territorial sea or EEZ, {len(over)} flights over another "
                     "country's land. Impact points lie on the assumed bearing: read them as estimates.</p>")
        parts.append(_table(["date", "missile", "range km", "impact zone", "country", "km from coast", "overflew"],
                            [[_e(r["date"]), _e(r["missile"]), _e(r["range_km"]), _e(r["impact_zone"]),
                              _e(r["impact_country"]), _e(r.get("impact_coast_distance_km")),
                              _e(r["overflown_countries"])]
                             for r in in_japan + [x for x in over if x not in in_japan]]))
    lofted = [r for r in rows if r.get("trajectory_type") == "lofted" and r.get("standard_range_km")]
    parts.append("<h2>Lofted tests: range on a standard trajectory</h2>"
                 "<p class='note'>The same generic boost, flown on the range-maximising trajectory (non-rotating "
                 "Earth); compare D. Wright (UCS, 2017): Hwasong-14 of 4 July 2017 about 6,700 km.</p>")
    parts.append(_table(["date", "missile", "range km", "apogee km", "standard range km", "class", "burnout m/s"],
                        [[_e(r["date"]), _e(r["missile"]), _e(r["range_km"]), _e(r["apogee_km"]),
                          _e(r["standard_range_km"]), _e(r["range_class"]), _e(r["burnout_speed_mps"])]
                         for r in lofted]))
    if track_figs:
        parts.append("<h2>Ground tracks</h2>")
        for r, name in track_figs:
            parts.append(f"<p>{_e(r['date'])} {_e(r['missile'])}</p><img src='{name}' alt='ground track {r['id']}'>")

    parts.append("<h2>All launches</h2>")
    parts.append(_table(
        ["id", "date", "site", "missile", "type", "n", "range km", "apogee km", "trajectory", "std range km",
         "analysis"],
        [[str(r["id"]), _e(r["date"]), _e(r["site"]), _e(r["missile"]), _e(r["type"]), str(r["missiles"]),
          _e(r["range_km"]), _e(r["apogee_km"]), _e(r["trajectory_type"]), _e(r["standard_range_km"]),
          _e(r["analysis"]) + (f" <span class='note'>{_e(r['analysis_note'])}</span>" if r["analysis_note"] else "")]
         for r in rows],
        ["flag" if r["analysis"] == "failed" else "" for r in rows]))
    parts.append("<h2>Import problems</h2>")
    parts.append(f"<p>{len(problems)} values could not be read as they stand "
                 f"({sum(p.action == 'dropped' for p in problems)} left empty, "
                 f"{sum(p.action == 'repaired' for p in problems)} read under a stated assumption).</p>")
    parts.append(_table(["source", "row", "column", "raw", "reason", "action"],
                        [[str(p.source_id), str(p.row), _e(p.column), _e(p.raw), _e(p.reason), _e(p.action)]
                         for p in problems]))
    parts.append("<h2>Sources</h2>")
    parts.append(_table(["id", "kind", "title", "date", "file"],
                        [[str(s.id), _e(s.kind), _e(s.title), _e(s.published_date), _e(s.uri)] for s in sources]))
    parts.append("<p>Exports: <a href='launches.csv'>CSV</a> &middot; <a href='launches.geojson'>GeoJSON</a> &middot; "
                 "<a href='launches.kml'>KML</a> &middot; <a href='launches.czml'>CZML</a></p></body></html>")
    index = out / "index.html"
    index.write_text("\n".join(parts), encoding="utf-8")
    return index

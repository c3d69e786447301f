"""The replay report: an HTML page with the plots, the timeline and the alerts, beside the CAP
files (one per message, with English and Japanese texts), CZML and GeoJSON of the flights, and
the summary as JSON."""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402
from shapely.geometry import box  # noqa: E402

from missilewatch.alerts.cap import render_cap  # noqa: E402
from missilewatch.alerts.text import render_text  # noqa: E402
from missilewatch.geography.regions import all_regions  # noqa: E402
from missilewatch.pipeline.replay import ReplayResult  # noqa: E402
from missilewatch.pipeline.summary import GEOD, truth_ground_track  # noqa: E402


def _local(epoch: dt.datetime, t_s: float, tz: dt.tzinfo) -> str:
    return (epoch + dt.timedelta(seconds=t_s)).astimezone(tz).strftime("%H:%M:%S")


def _estimates(log) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A track's estimated positions: t, lat, lon (deg), altitude (km)."""
    from missilewatch.earth.frames import ecef2geodetic

    t = np.array([p[0] for p in log.positions])
    r = np.array([p[1] for p in log.positions]).reshape(-1, 3)
    lat, lon, h = ecef2geodetic(r[:, 0], r[:, 1], r[:, 2])
    return t, np.asarray(lat), np.asarray(lon), np.asarray(h) / 1e3


def _draw_land(ax, extent, highlight: set[str]) -> None:
    x0, x1, y0, y1 = extent
    view = box(x0, y0, x1, y1)
    for region in all_regions().regions:
        geom = region.geometry
        if not geom.intersects(view):
            continue
        part = shapely.intersection(geom, view)
        hot = region.name in highlight
        for poly in getattr(part, "geoms", [part]):
            if poly.geom_type != "Polygon" or poly.is_empty:
                continue
            xs, ys = poly.exterior.xy
            ax.fill(xs, ys, color="#f4c7a1" if hot else "#e8e4d8", ec="#9a9486", lw=0.4, zorder=1)


def plot_flight(result: ReplayResult, path: Path) -> Path:
    """Altitude against time and the ground track (truth, estimates, alerted regions)."""
    w = result.watch
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 5.5), gridspec_kw={"width_ratios": [1, 1.2]})
    lons, lats = [], []
    alerted = {name for m in w.alerts.messages() for name in m.region_names}
    for la in result.input.truth:
        gt = truth_ground_track(la)
        ax1.plot(gt.t_s, gt.alt_km, color="0.3", lw=1.5, label=f"truth {la.launch_id}")
        lon_u = gt.unwrapped_lon_deg()
        ax2.plot(lon_u, gt.lat_deg, color="0.2", lw=1.5, zorder=3)
        lons += list(lon_u)
        lats += list(gt.lat_deg)
    t0 = result.input.truth[0].t_launch_s if result.input.truth else 0.0
    for log in w.tracks.values():
        if log.confirmed_t_s is None or not log.positions:
            continue
        t, lat, lon, alt = _estimates(log)
        ax1.plot(t - t0, alt, ".", ms=2, label=f"track T{log.track_id}")
        ax2.plot(np.degrees(np.unwrap(np.radians(lon))), lat, ".", ms=2, zorder=4)
        lons += list(lon)
        lats += list(lat)
        for rec in log.predictions[-1:]:
            fp = rec.prediction.footprint
            plat, plon = fp.polygon()
            ax2.plot(plon, plat, color="tab:red", lw=1.2, zorder=5)
            ax2.plot(rec.prediction.impact_lon_deg, rec.prediction.impact_lat_deg, "rx", ms=8, zorder=6)
            lons.append(rec.prediction.impact_lon_deg)
            lats.append(rec.prediction.impact_lat_deg)
    ax1.set_xlabel("time since launch (s)")
    ax1.set_ylabel("altitude (km)")
    ax1.set_ylim(bottom=0)
    ax1.grid(alpha=0.3)
    ax1.legend(fontsize=8, loc="upper right")
    if lons:
        pad = 2.0
        extent = (min(lons) - pad, max(lons) + pad, min(lats) - pad, max(lats) + pad)
        _draw_land(ax2, extent, alerted)
        ax2.set_xlim(extent[0], extent[1])
        ax2.set_ylim(extent[2], extent[3])
        ax2.set_aspect(1.0 / np.cos(np.radians(np.mean(lats))))
    ax2.set_xlabel("longitude (deg)")
    ax2.set_ylabel("latitude (deg)")
    ax2.set_title("ground track: truth (line), track estimates (dots), final 95% footprint (red); "
                  "alerted regions shaded", fontsize=9)
    fig.suptitle(f"missilewatch replay: {result.input.name}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_prediction_error(result: ReplayResult, path: Path) -> Path:
    """Impact prediction error and footprint size against time since launch (log scale)."""
    w = result.watch
    fig, ax = plt.subplots(figsize=(10, 4.8))
    tracks_of = {d["launch_id"]: d["tracks"] for d in result.summary.get("launch_details", [])}
    for la in result.input.truth:
        ids = tracks_of.get(la.launch_id, [])
        recs = sorted((p for t in ids if t in w.tracks for p in w.tracks[t].predictions), key=lambda p: p.t_s)
        if not recs:
            continue
        t = np.array([p.t_s - la.t_launch_s for p in recs])
        err = np.array([GEOD.inv(p.prediction.impact_lon_deg, p.prediction.impact_lat_deg,
                                 la.impact_lon_deg, la.impact_lat_deg)[2] / 1e3 for p in recs])
        size = np.array([p.prediction.footprint.semi_major_km for p in recs])
        inside = np.array([bool(p.prediction.contains(la.impact_lat_deg, la.impact_lon_deg)) for p in recs])
        ax.semilogy(t, np.maximum(err, 1e-3), "-", color="tab:blue", label=f"{la.launch_id} impact error")
        ax.semilogy(t, size, "--", color="tab:orange", label=f"{la.launch_id} 95% semi-major axis")
        ax.semilogy(t[~inside], np.maximum(err[~inside], 1e-3), "v", color="tab:red", ms=4,
                    label="truth outside footprint" if (~inside).any() else None)
    ax.set_xlabel("time since launch (s)")
    ax.set_ylabel("km")
    ax.grid(alpha=0.3, which="both")
    handles, labels = ax.get_legend_handles_labels()
    seen = {}
    for h, lab in zip(handles, labels, strict=True):
        if lab and lab not in seen:
            seen[lab] = h
    ax.legend(seen.values(), seen.keys(), fontsize=8)
    ax.set_title("impact prediction error against truth, and footprint size")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def geojson(result: ReplayResult) -> dict:
    """Truth ground tracks, track estimates, final predicted impacts and 95% footprints."""
    feats = []
    for la in result.input.truth:
        gt = truth_ground_track(la)
        feats.append({"type": "Feature", "properties": {"kind": "truth", "launch_id": la.launch_id},
                      "geometry": {"type": "LineString",
                                   "coordinates": [[float(o), float(a), float(h) * 1e3] for o, a, h in
                                                   zip(gt.lon_deg, gt.lat_deg, gt.alt_km, strict=True)]}})
    for log in result.watch.tracks.values():
        if log.confirmed_t_s is None or not log.positions:
            continue
        t, lat, lon, alt = _estimates(log)
        feats.append({"type": "Feature", "properties": {"kind": "track", "track": log.launch_id},
                      "geometry": {"type": "LineString",
                                   "coordinates": [[float(o), float(a), float(h) * 1e3] for o, a, h in
                                                   zip(lon, lat, alt, strict=True)]}})
        if log.predictions:
            p = log.predictions[-1].prediction
            feats.append({"type": "Feature", "properties": {"kind": "predicted impact", "track": log.launch_id,
                                                            "t_impact_s": p.t_impact_s},
                          "geometry": {"type": "Point", "coordinates": [p.impact_lon_deg, p.impact_lat_deg]}})
            plat, plon = p.footprint.polygon()
            ring = [[float(o), float(a)] for o, a in zip(plon, plat, strict=True)]
            feats.append({"type": "Feature", "properties": {"kind": "footprint 95%", "track": log.launch_id},
                          "geometry": {"type": "Polygon", "coordinates": [ring]}})
    return {"type": "FeatureCollection", "features": feats}


def czml(result: ReplayResult) -> str:
    """CZML (czml3): truth flights and track estimates as time-tagged paths."""
    from czml3 import Color, Document, Packet, Point, PolylineMaterial, Position
    from czml3 import Path as CzPath
    from czml3.properties import SolidColorMaterial

    from missilewatch.czmlclock import document_packet

    epoch = result.input.epoch
    packets = []
    span: list[float] = []  # first and last time (s from epoch) of every flight

    def flight(pid, name, t, lat, lon, alt_km, rgba):
        coords: list[float] = []
        for ti, a, o, h in zip(t, lat, lon, alt_km, strict=True):
            coords += [float(ti), float(o), float(a), float(h) * 1e3]
        span.extend((float(t[0]), float(t[-1])))
        packets.append(Packet(
            id=pid, name=name, position=Position(epoch=epoch, cartographicDegrees=coords),
            point=Point(pixelSize=6, color=Color(rgba=rgba)),
            path=CzPath(show=True, width=2, leadTime=0, trailTime=float(t[-1] - t[0]) + 60.0,
                        material=PolylineMaterial(solidColor=SolidColorMaterial(color=Color(rgba=rgba)))),
        ))

    for la in result.input.truth:
        gt = truth_ground_track(la)
        flight(f"truth-{la.launch_id}", f"truth {la.launch_id}", gt.t_s + la.t_launch_s, gt.lat_deg,
               gt.lon_deg, gt.alt_km, [80, 80, 80, 255])
    for log in result.watch.tracks.values():
        if log.confirmed_t_s is not None and len(log.positions) > 1:
            t, lat, lon, alt = _estimates(log)
            keep = np.concatenate([[True], np.diff(t) > 0])
            flight(f"track-{log.launch_id}", f"track {log.launch_id}", t[keep], lat[keep], lon[keep], alt[keep],
                   [192, 57, 43, 255])
    start = epoch + dt.timedelta(seconds=min(span)) if span else None
    end = epoch + dt.timedelta(seconds=max(span)) if span else None
    doc = document_packet(f"missilewatch replay {result.input.name}", start, end)
    return Document(packets=[doc, *packets]).dumps()


def write_report(result: ReplayResult, out: Path | str, tz: dt.tzinfo) -> Path:
    """Write the report folder; returns the HTML page's path."""
    out = Path(out)
    (out / "alerts").mkdir(parents=True, exist_ok=True)
    w, s = result.watch, result.summary
    (out / "summary.json").write_text(json.dumps(s, indent=1, default=str), encoding="utf-8")
    (out / "flight.geojson").write_text(json.dumps(geojson(result)), encoding="utf-8")
    (out / "flight.czml").write_text(czml(result), encoding="utf-8")
    timeline = [f"{_local(w.epoch, e.t_s, tz)}  {e.kind:<10} {e.text}" for e in w.timeline]
    (out / "timeline.txt").write_text("\n".join(timeline) + "\n", encoding="utf-8")
    alert_rows = []
    for i, msg in enumerate(w.alerts.messages(), start=1):
        stem = f"{i:03d}-{msg.identifier}"
        (out / "alerts" / f"{stem}.xml").write_text(render_cap(msg), encoding="utf-8")
        en, ja = render_text(msg, "en", tz), render_text(msg, "ja", tz)
        (out / "alerts" / f"{stem}.en.txt").write_text(en + "\n", encoding="utf-8")
        (out / "alerts" / f"{stem}.ja.txt").write_text(ja + "\n", encoding="utf-8")
        alert_rows.append((msg, stem, en, ja))
    plot_flight(result, out / "flight.png")
    plot_prediction_error(result, out / "prediction_error.png")
    rows = "".join(
        f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(json.dumps(v, default=str))}</td></tr>"
        for k, v in s.items() if k not in ("launch_details", "alerts", "tracker", "rejections")
    )
    alerts_html = "".join(
        f"<li><b>{html.escape(m.msg_type.value)}</b> "
        f"{html.escape(_local(w.epoch, (m.sent - w.epoch).total_seconds(), tz))}"
        f" — <a href='alerts/{stem}.xml'>CAP</a><br>{html.escape(en)}<br>{html.escape(ja)}</li>"
        for m, stem, en, ja in alert_rows
    ) or "<li>none</li>"
    details = "".join(f"<h3>{html.escape(d['launch_id'])}</h3>"
                      f"<pre>{html.escape(json.dumps(d, indent=1, default=str))}</pre>"
                      for d in s.get("launch_details", []))
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>missilewatch replay: {html.escape(result.input.name)}</title>
<style>body{{font-family:sans-serif;max-width:1200px;margin:auto}}td{{padding:2px 8px;vertical-align:top}}
pre{{background:#f6f6f6;padding:8px;overflow:auto}}img{{max-width:100%}}</style></head><body>
<h1>missilewatch replay: {html.escape(result.input.name)}</h1>
<p>Epoch {html.escape(w.epoch.isoformat())}; times below in {html.escape(str(tz))}.
Files: <a href="summary.json">summary.json</a>, <a href="flight.czml">flight.czml</a>,
<a href="flight.geojson">flight.geojson</a>, <a href="timeline.txt">timeline.txt</a>, <a href="alerts/">alerts/</a>.</p>
<h2>Summary</h2><table>{rows}</table>
<h2>Flight</h2><img src="flight.png" alt="altitude and ground track">
<h2>Impact prediction</h2><img src="prediction_error.png" alt="impact prediction error and footprint size">
<h2>Alerts</h2><ol>{alerts_html}</ol>
<h2>Timeline</h2><pre>{html.escape(chr(10).join(timeline))}</pre>
<h2>Launches against truth and the reported figures</h2>{details}
</body></html>"""
    page_path = out / "report.html"
    page_path.write_text(page, encoding="utf-8")
    return page_path

"""``missilewatch archive``: import the CNS database, ingest reports, list, show, report, export."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from missilewatch.errors import InputError

if TYPE_CHECKING:
    from missilewatch.store import Database

archive_app = typer.Typer(help="The analysts' archive of launches: import, ingest, list, show, report, export.",
                          no_args_is_help=True)


def _db(ctx: typer.Context) -> Database:
    from missilewatch.store import Database

    root = ctx.find_root()
    return Database.from_settings(root.obj["settings"]())


def _echo_json(obj: object) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def _km(v: float | None) -> str:
    return "-" if v is None else f"{v:,.0f}"


def _brief(value: object, limit: int = 120) -> str:
    """A printable, short rendering of a value for an error line."""
    text = "".join(c if c.isprintable() and ord(c) < 0x2000 else "?" for c in str(value))
    return text if len(text) <= limit else text[:limit] + f"... ({len(text):,} characters)"


@archive_app.command("import-cns")
def import_cns_cmd(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="CNS North Korea Missile Test Database export (.csv or .xlsx)."),
    as_json: bool = typer.Option(False, "--json", help="Print the import summary as one JSON object."),
) -> None:
    """Import the CNS database: one missile per row, grouped into launch events; re-import adds nothing."""
    from missilewatch.archive.cns import import_cns

    try:
        with _db(ctx).session() as s:
            summary = import_cns(s, file)
    except InputError as exc:  # a random file's header is binary noise: name it briefly
        raise InputError(exc.field, _brief(exc.value), exc.problem[:200]) from None
    d = summary.to_dict()
    if as_json:
        _echo_json(d)
        return
    typer.echo(f"{d['rows']} rows -> {d['missiles']} missiles in {d['events']} launch events, {d['facts']} values")
    typer.echo("absent values: " + ", ".join(f"{k} {v}" for k, v in sorted(d["absent_values"].items())))
    typer.echo(f"unreadable values: {d['unreadable_values']} (left empty); repaired values: {d['repaired_values']}")
    for p in d["problems"]:
        typer.echo(f"  row {p['row']}, column {p['column']!r}: {p['raw']!r} - {p['reason']} [{p['action']}]")


@archive_app.command("ingest")
def ingest_cmd(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., help="Plain-text reports (.txt)."),
    as_json: bool = typer.Option(False, "--json", help="Print, per report, the facts found with their evidence."),
) -> None:
    """Read news reports and official statements; store their facts and link them to launches."""
    from missilewatch.archive.ingest import derived_date, ingest_report
    from missilewatch.archive.merge import link_reports

    db = _db(ctx)
    results = []
    with db.session() as s:
        for f in files:
            results.append(ingest_report(s, f))
        links = link_reports(s)  # final links, once every report is in
    out = []
    with db.session() as s:
        for r in results:
            d = r.to_dict()
            d["event_id"] = links.get(r.source_id)
            if d["date"] is None:
                d["date"] = derived_date(s, r.source_id, r.extraction)
            out.append(d)
    if as_json:
        _echo_json(out)
        return
    for d in out:
        if not d["launch_facts"]:
            typer.echo(f"{d['file']}: no launch fact found; no launch event made")
            continue
        typer.echo(f"{d['file']}: event {d['event_id']}")
        date = (d["date"] or {}).get("value") or (f"a {d['weekday']}" if d["weekday"] else "unknown date")
        rng, apo = (d["range_km"] or {}).get("value"), (d["apogee_km"] or {}).get("value")
        typer.echo(f"  date {date}; missile {(d['missile'] or {}).get('value', '-')}; "
                   f"range {_km(rng)} km; apogee {_km(apo)} km")
        typer.echo(f"  EEZ {d['eez']['value']} ({d['eez'].get('whose') or '-'}); overflight "
                   f"{', '.join(d['overflight']['value']) or '-'}; {len(d['responses'])} responses")


@archive_app.command("list")
def list_cmd(
    ctx: typer.Context,
    year: int = typer.Option(None, "--year", help="Only launches of this year."),
    missile_type: str = typer.Option(None, "--type",
                                     help="Only launches with this missile type (SRBM, IRBM, ICBM ...)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON list."),
) -> None:
    """List launch events, oldest first."""
    from missilewatch.archive.query import summaries

    with _db(ctx).session() as s:
        rows = summaries(s, year=year, missile_type=missile_type)
    if as_json:
        _echo_json(rows)
        return
    typer.echo(f"{'id':>4}  {'date':10}  {'site':32}  {'missile':28}  {'type':10} {'n':>2} "
               f"{'range km':>9} {'apogee km':>9}")
    for r in rows:
        typer.echo(f"{r['id']:>4}  {r['date'] or '-':10}  {(r['site'] or '-')[:32]:32}  "
                   f"{(r['missile'] or '-')[:28]:28}  {(r['type'] or '-')[:10]:10} {r['missiles']:>2} "
                   f"{_km(r['range_km']):>9} {_km(r['apogee_km']):>9}")
    typer.echo(f"{len(rows)} launch events")


@archive_app.command("show")
def show_cmd(
    ctx: typer.Context,
    event_id: int = typer.Argument(..., metavar="ID", help="Launch event id (see `archive list`)."),
    as_json: bool = typer.Option(False, "--json", help="Print the merged record as one JSON object."),
    plot: Path = typer.Option(None, "--plot", help="Also draw the reconstructed ground track to this PNG."),
) -> None:
    """Everything known about one launch: every value with its sources, disagreements flagged,
    and the reconstructed flight."""
    from missilewatch.archive.analysis import analyse_event
    from missilewatch.archive.merge import merged_record
    from missilewatch.store import LaunchEvent

    if event_id < 1:
        raise InputError("id", event_id, "launch event ids start at 1")
    with _db(ctx).session() as s:
        rec = merged_record(s, event_id)
        ev = s.get(LaunchEvent, event_id)
        if ev is None:  # merged_record has refused a missing id already
            raise InputError("id", event_id, "no launch event with this id")
        a = analyse_event(s, ev)
        rec["analysis"] = {"status": a.status, "reason": a.reason, "inputs": a.inputs, **(a.result or {})}
    recon = rec["analysis"].get("reconstruction")
    if plot is not None:
        if recon is None:
            raise InputError("plot", str(plot), f"launch {event_id} has no reconstructed flight ({a.reason})")
        from missilewatch.archive.plots import plot_ground_track

        track = {k: [p[k] for p in recon["ground_track"]] for k in ("t_s", "lat_deg", "lon_deg", "alt_km")}
        plot_ground_track(track, f"{rec['local_date'] or rec['date_utc']} {rec['missile_name'] or ''}: "
                                 f"reconstructed from {a.inputs['figures_from']}; azimuth {a.inputs['azimuth_from']}",
                          plot)
    if as_json:
        _echo_json(rec)
        return
    typer.echo(f"launch event {rec['id']} ({rec['key']})")
    typer.echo(f"  date {rec['local_date'] or '-'} local, {rec['date_utc'] or '-'} UTC; "
               f"time {rec['launch_time_utc'] or '-'}")
    site = rec["site"]
    typer.echo(f"  site {site['name'] or '-'} ({site['lat_deg']}, {site['lon_deg']})")
    typer.echo(f"  missile {rec['missile_name'] or '-'} [{rec['missile_type'] or '-'}] x{rec['missile_count']}")
    from missilewatch.archive.launch_figures import describe

    for name in ("range_km", "apogee_km", "flight_time_s"):
        item = rec["fields"][name]
        if item:
            flag = "  DISAGREEMENT" if item["disagreement"] else ""
            merged = "-" if item["value"] is None else f"{item['value']:,.6g}"
            typer.echo(f"  {name}: {merged} - {describe(item['values'])}{flag}")
    for name in ("impact_description", "launch_site"):
        item = rec["fields"][name]
        if item:
            typer.echo(f"  {name}: {item['value']}")
    eez = rec["fields"]["eez"]
    over = ", ".join(rec["fields"]["overflight"]["value"]) or "-"
    typer.echo(f"  EEZ: {eez['value']} ({eez['whose'] or '-'}); overflight: {over}")
    grouped: dict[tuple[str, str], list[dict]] = {}
    for r in rec["responses"]:
        who = r.get("country") or ", ".join(r.get("countries", []))
        grouped.setdefault((who, r.get("action")), []).append(r)
    for (who, action), items in grouped.items():
        r = items[0]
        extra = (f" {r['count']} x {r['missile']}, {r['succeeded']} hit, {r['failed']} failed"
                 if action == "missile_launch" else "")
        typer.echo(f"  response: {who}: {action}{extra} ({len({i['source_id'] for i in items})} source(s))")
    for d in rec["disagreements"]:
        typer.echo(f"  disagreement: {d}")
    an = rec["analysis"]
    if recon:
        geo = recon.get("geography") or {}
        typer.echo(f"  reconstructed: {recon['range_class']}, {recon['trajectory_type']}, burnout "
                   f"{recon['burnout_speed_mps']:.0f} m/s, flight {recon['flight_time_s']:.0f} s, standard range "
                   f"{recon['standard_range_km']:,.0f} km; impact {recon['impact']['lat_deg']:.2f}, "
                   f"{recon['impact']['lon_deg']:.2f}" + (f" ({geo['impact_zone']}"
                   f"{' ' + geo['impact_country'] if geo.get('impact_country') else ''})"
                   if geo.get("impact_zone") else ""))
    else:
        typer.echo(f"  analysis: {an['status']} ({an['reason']})")
    typer.echo(f"  sources: {len(rec['sources'])}")
    if plot is not None:
        typer.echo(f"  ground track: {plot}")


@archive_app.command("report")
def report_cmd(
    ctx: typer.Context,
    out: Path = typer.Option(..., "-o", "--out", help="Directory for index.html, its figures and the exports."),
    workers: int = typer.Option(None, "--workers", help="Reconstruct on a Dask LocalCluster of N workers."),
    scheduler: str = typer.Option(None, "--scheduler", help="Reconstruct on this Dask cluster (tcp://HOST:8786)."),
) -> None:
    """Reconstruct what can be reconstructed and write the HTML report of the whole archive."""
    from missilewatch.archive.report import write_report

    mapper = None
    bar: contextlib.AbstractContextManager = contextlib.nullcontext()
    if workers is not None or scheduler is not None:  # the campaign engine: chunks, resume, progress
        from missilewatch.campaign.engine import RichProgress
        from missilewatch.campaign.parallel import dask_mapper

        progress = RichProgress("launches", "reconstructing")
        bar = progress
        mapper = dask_mapper(out / ".reconstructions", scheduler=scheduler, workers=workers, progress=progress)
    with _db(ctx).session() as s, bar:
        index = write_report(s, out, mapper=mapper)
    typer.echo(f"report written: {index}")


@archive_app.command("export")
def export_cmd(
    ctx: typer.Context,
    fmt: str = typer.Option(..., "--format", help="csv, geojson, kml or czml."),
    out: Path = typer.Option(..., "-o", "--out", help="Output file."),
) -> None:
    """Export launches and reconstructed flights (CSV, GeoJSON, KML, CZML)."""
    from missilewatch.archive.exports import export

    with _db(ctx).session() as s:
        path = export(s, fmt, out)
    typer.echo(f"{fmt.lower()} written: {path}")


def register(app: typer.Typer) -> None:
    """Add the ``archive`` command group to the root app."""
    app.add_typer(archive_app, name="archive")

"""``missilewatch replay``: the main job — replay a scenario or measurement directory through
the watch, print the live timeline, summarise against the reported figures, write a report."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
from collections.abc import Sized
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from missilewatch.errors import InputError

_KIND_STYLE = {"launch": "bold red", "confirmed": "cyan", "prediction": "white", "alert": "bold yellow",
               "impact": "bold magenta", "deleted": "dim", "rejected": "red"}


def parse_tz(text: str) -> dt.tzinfo:
    """A display time zone as an offset, e.g. "+09:00" (default JST), or "UTC"."""
    if text.upper() in ("UTC", "Z"):
        return dt.UTC
    m = re.fullmatch(r"([+-])(\d{1,2}):?(\d{2})?", text.strip())
    if not m:
        raise InputError("--tz", text, "expected an offset such as +09:00, or UTC")
    sign = 1 if m.group(1) == "+" else -1
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    if hours > 14 or minutes >= 60:
        raise InputError("--tz", text, "offset out of range")
    offset = dt.timedelta(hours=hours, minutes=minutes) * sign
    return dt.timezone(offset, "JST") if offset == dt.timedelta(hours=9) else dt.timezone(offset)


def check_out_dir(out: Path) -> None:
    """The report folder can be written: not an existing file, creatable, writable (checked
    before the run, so a long replay never ends on a refused folder)."""
    if out.exists() and not out.is_dir():
        raise InputError("--out", str(out), "is an existing file; give a folder for the report")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError("--out", str(out), f"cannot be created ({exc.strerror})") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise InputError("--out", str(out), "is not writable")


def _figures_table(summary: dict) -> Table:
    t = Table(title="Against the reported figures", show_lines=False)
    for col in ("launch", "figure", "missilewatch (final prediction)", "truth (simulated)", "reported"):
        t.add_column(col)
    for la in summary.get("launch_details", []):
        rep = la.get("reported") or {}
        fin = la.get("final_prediction") or {}
        tru = la.get("truth") or {}
        a = la.get("assessment") or {}
        rows = [
            ("range", f"{fin.get('range_km') or 0:,.0f} km", f"{tru.get('range_km', 0):,.0f} km",
             f"{rep['range_km']:,} km" if "range_km" in rep else "-"),
            ("apogee", f"{fin.get('apogee_km') or 0:,.0f} km", f"{tru.get('apogee_km', 0):,.0f} km",
             f"{rep['apogee_km']:,} km" if "apogee_km" in rep else "-"),
            ("flight time", "-", f"{tru.get('flight_time_s', 0):,.0f} s",
             f"{rep['flight_time_s']:,} s" if "flight_time_s" in rep else "-"),
            ("impact", a.get("impact_reference", "-") + f", {a.get('impact_zone', '-')}",
             f"{la.get('impact_error_km', float('nan')):.1f} km from the prediction", str(rep.get("impact", "-"))),
            ("overflown", ", ".join(o["region"] or o["country_name"] for o in a.get("overflown", [])
                                    if o.get("country") == "JPN") or "-",
             ", ".join(f"{k} at {v:.0f} s" for k, v in la.get("coast_crossing_s", {}).items()),
             str(rep.get("overflight", "-"))),
            ("threat", "threat of damage" if a.get("threat_of_damage") else "no threat of damage predicted", "", ""),
            ("first alert", ", ".join(f"{k} at {v:.0f} s" for k, v in la.get("first_alert_s", {}).items()) or "none",
             ", ".join(f"{k}: {v:.0f} s before" for k, v in la.get("alert_lead_s", {}).items()), ""),
        ]
        for name, ours, truth, reported in rows:
            t.add_row(la["launch_id"], name, ours, truth, reported)
    return t


def register(app: typer.Typer) -> None:
    @app.command("replay")
    def replay_cmd(
        ctx: typer.Context,
        target: str = typer.Argument(None, help="Built-in scenario, scenario .yaml, or a directory from "
                                                "'missilewatch simulate' (default: 2022-10-04)."),
        speed: float = typer.Option(None, "--speed", help="Replay X times faster than real time "
                                                          "(default: as fast as possible)."),
        db: str = typer.Option(None, "--db", help="Database URL (overrides the global --db)."),
        out: Path = typer.Option(None, "--out", help="Write the report (HTML, plots, CAP, CZML, GeoJSON) here."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON summary object."),
        seed: int = typer.Option(None, "--seed", help="Seed of the simulation (scenarios only)."),
        tz: str = typer.Option("+09:00", "--tz", help="Display time zone offset (times are UTC inside)."),
        no_store: bool = typer.Option(False, "--no-store", help="Do not record the run in the database."),
        unknown_sensors: str = typer.Option(None, "--unknown-sensors",
                                            help="Measurements of sensors not in the scenario or catalogue: "
                                                 "reject (default) or accept."),
    ) -> None:
        """Replay launches through the watch: tracks, predictions, decisions and alerts."""
        from missilewatch.cli.dburl import command_db_url
        from missilewatch.pipeline.replay import Interrupted, replay
        from missilewatch.pipeline.source import load_input
        from missilewatch.store import Database

        zone = parse_tz(tz)
        if out is not None:
            check_out_dir(out)
        if unknown_sensors is not None and unknown_sensors not in ("reject", "accept"):
            raise InputError("--unknown-sensors", unknown_sensors, "must be reject or accept")
        if speed is not None and not speed > 0:
            raise InputError("--speed", speed, "must be > 0")
        console = Console(stderr=as_json, highlight=False)
        with console.status("simulating the scenario ..." if not (target and Path(target).is_dir()) else "reading ..."):
            inp = load_input(target, seed=seed)
        database = None
        if not no_store:
            database = Database(command_db_url(ctx, db))

        def show(ev) -> None:
            if as_json:
                return
            when = (inp.epoch + dt.timedelta(seconds=ev.t_s)).astimezone(zone).strftime("%H:%M:%S")
            t0 = inp.truth[0].t_launch_s if inp.truth else 0.0
            console.print(f"{when} {zone.tzname(None) or ''} T{ev.t_s - t0:+6.0f}s "
                          f"[{_KIND_STYLE.get(ev.kind, 'white')}]{ev.kind:<10}[/] {ev.text}")

        if not as_json:
            count = f"{len(inp.items)} measurements" if isinstance(inp.items, Sized) else "measurements streamed"
            console.print(f"[bold]replaying {inp.name}[/]: {count}, epoch {inp.epoch.isoformat()}")
        if unknown_sensors is not None and inp.sensors is not None:
            inp = dataclasses.replace(inp, sensors=inp.sensors.with_policy(unknown_sensors))
        try:
            result = replay(inp, speed=speed, db=database, on_event=show)
        except Interrupted as exc:
            stored = f"; run {exc.run_id} stored as interrupted" if exc.run_id is not None else ""
            typer.echo(f"error: interrupted{stored}", err=True)
            raise typer.Exit(2) from None
        summary = result.summary
        if result.run_id is not None:
            summary["run_id"] = result.run_id
        if out is not None:
            from missilewatch.pipeline.report import write_report

            page = write_report(result, out, zone)
            summary["report"] = str(page)
        if as_json:
            typer.echo(json.dumps(summary, default=str))
            return
        console.print(_figures_table(summary))
        console.print(f"tracks confirmed: {summary['tracks_confirmed']}, "
                      f"false tracks: {summary.get('false_tracks', '-')}, "
                      f"rejected measurements: {summary['rejected_measurements']}, "
                      f"footprint coverage: {summary.get('footprint_coverage', '-')}, "
                      f"NEES mean {((summary.get('nees') or {}).get('mean'))} "
                      f"(95% bounds {((summary.get('nees') or {}).get('bounds_95'))})")
        if out is not None:
            console.print(f"report: {summary['report']}")

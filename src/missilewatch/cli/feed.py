"""``missilewatch feed``: play a scenario or a measurement directory into a live server."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import typer

from missilewatch.errors import InputError


def register(app: typer.Typer) -> None:
    @app.command("feed")
    def feed_cmd(
        target: str = typer.Argument(..., help="Built-in scenario, scenario .yaml, or a 'simulate' directory."),
        to: str = typer.Option("http://127.0.0.1:8400", "--to", help="The server's address."),
        speed: float = typer.Option(None, "--speed", help="X times real time (default: as fast as possible)."),
        sensors: list[str] = typer.Option(None, "--sensors", help="Only these sensor ids (repeat)."),
        key: str = typer.Option(None, "--key", envvar="MISSILEWATCH_KEY", help="API key for every sensor "
                                                                              "(an admin key, or one sensor's)."),
        keys_file: Path = typer.Option(None, "--keys", help="JSON file: sensor id -> API key."),
        seed: int = typer.Option(None, "--seed", help="Seed of the simulation (scenarios only)."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON summary."),
        clock_utc: str = typer.Option(None, "--clock-utc", help="With --speed: the data time played at --start-at "
                                                                "(default: the first record's), so several feeds "
                                                                "(e.g. one per node) keep one clock."),
        start_at: float = typer.Option(None, "--start-at", help="Unix time at which --clock-utc is played "
                                                                "(default: now)."),
    ) -> None:
        """Each sensor on its own connection, in report-time order, with retries."""
        from missilewatch.service.feed import Feeder, measurement_dir, read_lines

        keys: dict[str, str] = {}
        if keys_file is not None:
            try:
                keys = {str(k): str(v) for k, v in json.loads(keys_file.read_text()).items()}
            except (OSError, ValueError, AttributeError) as exc:
                raise InputError("--keys", str(keys_file), f"cannot be read as a JSON object ({exc})") from exc
        if key:
            keys["*"] = key
        if not keys:
            raise InputError("--key", None, "give --key, --keys or $MISSILEWATCH_KEY")
        lines = read_lines(measurement_dir(target, seed), sensors or None)
        if not lines:
            raise InputError("target", target, "no records to send")
        t0_data: dt.datetime | None = None
        t0_wall: float | None = None
        if clock_utc is not None:
            from missilewatch.sensors.measurement_io import parse_utc

            try:
                t0_data = parse_utc(clock_utc)
            except ValueError as exc:
                raise InputError("--clock-utc", clock_utc, "must be an ISO 8601 UTC time") from exc
        if start_at is not None:
            t0_wall = time.monotonic() + (start_at - time.time())
        late_s = max(0.0, time.monotonic() - t0_wall) if t0_wall is not None else 0.0
        stats = Feeder(to, keys, speed).run(lines, t0_data, t0_wall)
        summary = {"sent": stats.total("sent"), "accepted": stats.total("accepted"),
                   "duplicate": stats.total("duplicate"), "rejected": stats.total("rejected"),
                   "retries": stats.retries, "failed": stats.failed, "wall_s": round(stats.wall_s, 2),
                   "sensors": len(stats.sent), "late_start_s": round(late_s, 3)}
        if as_json:
            typer.echo(json.dumps(summary))
        else:
            typer.echo(f"fed {summary['sent']} records from {summary['sensors']} sensors in {summary['wall_s']} s: "
                       f"{summary['accepted']} accepted, {summary['duplicate']} duplicate, "
                       f"{summary['rejected']} rejected, {summary['retries']} retries")
            for f in stats.failed:
                typer.echo(f"  not delivered: {f}")
        if stats.failed:
            raise typer.Exit(1)

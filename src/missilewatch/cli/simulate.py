"""``missilewatch simulate NAME|FILE.yaml -o DIR [--seed N]``: truth and measurements."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from missilewatch.errors import InputError
from missilewatch.scenarios.library import load
from missilewatch.scenarios.output import resolved_block, write_outputs
from missilewatch.scenarios.simulate import simulate


def register(app: typer.Typer) -> None:
    @app.command("simulate")
    def simulate_cmd(
        scenario: str = typer.Argument(..., help="A built-in scenario name or a scenario .yaml file."),
        out: Path = typer.Option(..., "-o", "--out", help="Output folder (created if missing)."),
        seed: int = typer.Option(None, "--seed", help="Random seed (default: the scenario's)."),
        as_json: bool = typer.Option(False, "--json", help="Print a JSON summary on stdout."),
    ) -> None:
        """Simulate a scenario: DIR/truth.parquet, DIR/measurements.jsonl, DIR/measurements.parquet,
        DIR/scenario.yaml."""
        if seed is not None and not 0 <= seed < 2**63:
            raise InputError("--seed", seed, "must be in [0, 2^63)")
        if out.exists() and not out.is_dir():
            raise InputError("-o", str(out), "exists and is not a folder")
        spec = load(scenario)
        err = Console(stderr=True)
        t0 = time.perf_counter()
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=err, transient=False) as bar:
            task = bar.add_task(f"simulating {spec.name}", total=len(spec.launches) + 1)

            def progress(label: str, done: int, total: int) -> None:
                bar.update(task, description=label, completed=done, total=total + 1)

            result = simulate(spec, seed=seed, progress=progress)
            bar.update(task, description="writing files")
            paths = write_outputs(result, out)
            bar.update(task, description=f"simulated {spec.name}", completed=bar.tasks[0].total)
        elapsed = time.perf_counter() - t0
        res = resolved_block(result)
        summary = {
            "scenario": spec.name, "seed": result.seed, "out": str(out), "elapsed_s": round(elapsed, 3),
            "files": {k: str(v) for k, v in paths.items()}, "measurements": len(result.stream),
            "by_sensor": res["measurements"], "launches": res["launches"], "objects": res["objects"],
        }
        if as_json:
            typer.echo(json.dumps(summary))
            return
        con = Console(width=120)
        t = Table(title=f"{spec.name}: {len(result.stream)} measurements",
                  caption=f"seed {result.seed}, {elapsed:.2f} s")
        for col in ("sensor", "detections", "false alarms"):
            t.add_column(col)
        for sid, c in res["measurements"].items():
            t.add_row(sid, str(c["detections"]), str(c["false_alarms"]))
        con.print(t)
        for la in res["launches"]:
            con.print(f"{la['id']}: {la['site']} az {la['azimuth_deg']:.1f} deg, apogee {la['apogee_km']:.0f} km, "
                      f"range {la['range_km']:.0f} km, impact {la['impact_lat_deg']:.3f}, "
                      f"{la['impact_lon_deg']:.3f} after {la['flight_time_s']:.0f} s")
        con.print(f"wrote {', '.join(str(p) for p in paths.values())}")

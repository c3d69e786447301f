"""``missilewatch scenario list|show``: the built-in scenarios."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from missilewatch.scenarios.library import builtin_names, builtin_text, load, summaries


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Built-in scenarios: list them, show one.", no_args_is_help=True)

    @group.command("list")
    def list_cmd(as_json: bool = typer.Option(False, "--json", help="Print one JSON list.")) -> None:
        """List the built-in scenarios."""
        rows = summaries()
        if as_json:
            typer.echo(json.dumps(rows))
            return
        t = Table(title="Built-in scenarios")
        for col in ("name", "launches", "first launch (UTC)", "title"):
            t.add_column(col)
        for r in rows:
            t.add_row(r["name"], str(r["launches"]), r["epoch_utc"], r["title"])
        Console(width=140).print(t)

    @group.command("show")
    def show_cmd(
        name: str = typer.Argument(..., help="A built-in scenario name or a scenario .yaml file."),
        as_json: bool = typer.Option(False, "--json", help="Print the validated scenario as one JSON object."),
    ) -> None:
        """Show a scenario: its YAML (or, with --json, the validated fields)."""
        spec = load(name)
        if as_json:
            doc = spec.model_dump(mode="json", exclude_none=True, exclude={"sensors"})
            doc["sensors"] = [s.id for s in spec.sensor_specs()]
            typer.echo(json.dumps(doc))
            return
        if name in builtin_names():
            typer.echo(builtin_text(name).rstrip("\n"))
        else:
            with open(name, encoding="utf-8") as fh:
                typer.echo(fh.read().rstrip("\n"))

    app.add_typer(group, name="scenario")


__all__ = ["register"]

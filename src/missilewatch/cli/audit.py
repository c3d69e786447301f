"""``missilewatch audit verify``: check the live service's hash-chained audit trail."""

from __future__ import annotations

import json

import typer


def register(app: typer.Typer) -> None:
    audit_app = typer.Typer(help="The live service's audit trail.", no_args_is_help=True)
    app.add_typer(audit_app, name="audit")

    @audit_app.command("verify")
    def verify_cmd(
        ctx: typer.Context,
        db: str = typer.Option(None, "--db", help="Database URL (overrides the global --db)."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """Recompute every hash of the chain; exit 1 when an entry was changed, removed or inserted."""
        from missilewatch.cli.dburl import command_db_url
        from missilewatch.service.app import open_database
        from missilewatch.service.audit import verify_chain

        r = verify_chain(open_database(command_db_url(ctx, db)))
        if as_json:
            typer.echo(json.dumps({"ok": r.ok, "entries": r.entries, "bad_id": r.bad_id, "problem": r.problem}))
        elif r.ok:
            typer.echo(f"audit chain intact: {r.entries} entries")
        else:
            typer.echo(f"audit chain BROKEN at entry {r.bad_id}: {r.problem} ({r.entries} entries verified before)")
        if not r.ok:
            raise typer.Exit(1)

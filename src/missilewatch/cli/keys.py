"""``missilewatch keys``: API keys for sensors and systems, signed tokens for people."""

from __future__ import annotations

import json
import os

import typer


def _db(ctx: typer.Context, db: str | None):
    from missilewatch.cli.dburl import command_db_url
    from missilewatch.service.app import open_database

    return open_database(command_db_url(ctx, db))


def register(app: typer.Typer) -> None:
    keys_app = typer.Typer(help="API keys and tokens of the live service.", no_args_is_help=True)
    app.add_typer(keys_app, name="keys")
    register_node(keys_app)

    @keys_app.command("create")
    def create_cmd(
        ctx: typer.Context,
        role: str = typer.Option(..., "--role", help="sensor, operator, analyst, partner or admin."),
        sensor: list[str] = typer.Option(None, "--sensor", help="Sensor id a sensor key may post for (repeat)."),
        name: str = typer.Option(None, "--name", help="Who or what holds the key (default: role and sensors)."),
        db: str = typer.Option(None, "--db", help="Database URL (overrides the global --db)."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    ) -> None:
        """Make an API key; it is printed once (only its hash is stored)."""
        from missilewatch.service.auth import create_key

        sensors = list(sensor or [])
        label = name or f"{role}:{','.join(sensors)}" if sensors else (name or role)
        key = create_key(_db(ctx, db), role, label, sensors)
        typer.echo(json.dumps({"key": key, "role": role, "name": label, "sensors": sensors}) if as_json else key)

    @keys_app.command("token")
    def token_cmd(
        ctx: typer.Context,
        role: str = typer.Option(..., "--role", help="operator, analyst, partner, admin (or sensor)."),
        subject: str = typer.Option(..., "--subject", help="Who the token is for (a person or a partner system)."),
        ttl_h: float = typer.Option(8.0, "--ttl-h", help="Hours the token is valid."),
        db: str = typer.Option(None, "--db", help="Database URL (overrides the global --db)."),
    ) -> None:
        """Make a signed token (PyJWT, HS256) with the server's secret ($MISSILEWATCH_JWT_SECRET or the
        one kept in the database)."""
        from missilewatch.service.auth import make_token, signing_secret

        secret = signing_secret(_db(ctx, db), os.environ.get("MISSILEWATCH_JWT_SECRET"))
        typer.echo(make_token(secret, subject, role, ttl_h * 3600.0))


def register_node(keys_app: typer.Typer) -> None:
    @keys_app.command("init-node")
    def init_node_cmd(
        node: str = typer.Option(..., "--node", help="The node's id, e.g. JPN."),
        out: str = typer.Option(..., "--out", help="Folder for <NODE>.key (private) and <NODE>.pub (for partners)."),
        overwrite: bool = typer.Option(False, "--overwrite", help="Replace a key already there."),
    ) -> None:
        """Make an allied node's signing key pair (Ed25519): the private key stays with the node, the
        public key goes to each partner's peers file."""
        from pathlib import Path

        from missilewatch.allied.keys import fingerprint, init_node, load_public

        priv, pub = init_node(node, Path(out), overwrite)
        typer.echo(f"node {node}: private key {priv}, public key {pub} (fingerprint {fingerprint(load_public(pub))})")

"""``missilewatch serve``: the always-on live service."""

from __future__ import annotations

import os

import typer

from missilewatch.errors import InputError


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve_cmd(
        ctx: typer.Context,
        db: str = typer.Option(None, "--db", help="Database URL (overrides the global --db)."),
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
        port: int = typer.Option(8400, "--port", help="Port to listen on."),
        policy: str = typer.Option(None, "--policy", help="Assessment policy TOML (default: packaged)."),
        max_records: int = typer.Option(10_000, "--max-records", help="Records per request at most (413 past it)."),
        max_body_mb: float = typer.Option(8.0, "--max-body-mb", help="Request body size at most, MiB (413)."),
        rate: float = typer.Option(5_000.0, "--sensor-rate", help="Records per second per sensor (429 past it)."),
        stale_min_s: float = typer.Option(10.0, "--stale-min-s", help="A sensor silent this long (or 5x its "
                                                                      "usual interval) is stale."),
        keepalive_s: float = typer.Option(15.0, "--keepalive-s", help="Seconds of quiet before an event stream "
                                                                       "gets a keepalive."),
        log_level: str = typer.Option("info", "--log-level", help="debug, info, warning, error."),
        node: str = typer.Option(None, "--node", help="Serve as this allied node (e.g. JPN; needs --peers)."),
        peers: str = typer.Option(None, "--peers", help="Allied node: the peers file (TOML)."),
        cot_port: int = typer.Option(None, "--cot-port", help="Allied node: Cursor-on-Target over TCP on "
                                                              "127.0.0.1 at this port (0: a free one)."),
        cot_udp: str = typer.Option(None, "--cot-udp", help="Allied node: Cursor-on-Target datagrams to "
                                                            "HOST:PORT every second (a TAK UDP input)."),
    ) -> None:
        """Serve the live watch: ingest, events (WebSocket, SSE), REST, CAP feed, metrics."""
        from missilewatch.cli.dburl import command_db_url
        from missilewatch.service.server import run
        from missilewatch.service.settings import ServiceSettings

        if not 0 < port < 65536:
            raise InputError("--port", port, "must be 1..65535")
        if not max_body_mb > 0:
            raise InputError("--max-body-mb", max_body_mb, "must be > 0")
        if (node is None) != (peers is None):
            raise InputError("--node" if node is None else "--peers", node or peers, "--node and --peers go together")
        if cot_port is not None and (peers is None or not 0 <= cot_port < 65536):
            raise InputError("--cot-port", cot_port, "needs --node/--peers and a port 0..65535")
        udp = None
        if cot_udp is not None:
            host, _, p = cot_udp.rpartition(":")
            if peers is None or not host or not p.isdigit() or not 0 < int(p) < 65536:
                raise InputError("--cot-udp", cot_udp, "needs --node/--peers and HOST:PORT with a port 1..65535")
            udp = (host.strip("[]"), int(p))
        if peers is not None:
            from pathlib import Path

            from missilewatch.allied.peers import load_peers

            load_peers(Path(peers), node)  # every bad field named before the server starts
        url = command_db_url(ctx, db)
        settings = ServiceSettings(db_url=url, policy_path=policy, jwt_secret=os.environ.get("MISSILEWATCH_JWT_SECRET"),
                                   max_records=max_records, max_body_bytes=int(max_body_mb * 1024 * 1024),
                                   sensor_rate_per_s=rate, sensor_burst=max(rate * 4, float(max_records)),
                                   stale_min_s=stale_min_s, keepalive_s=keepalive_s, node_id=node, peers_path=peers,
                                   cot_port=cot_port, cot_udp=udp)
        run(settings, host=host, port=port, log_level=log_level)

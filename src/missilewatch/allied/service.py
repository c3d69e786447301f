"""Making ``missilewatch serve`` a node: the peers file read and checked, the node and its
routes attached to the application (started and stopped with it)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from missilewatch.allied.node import Node
from missilewatch.allied.peers import load_peers


def attach(app: FastAPI, svc, settings) -> Node:
    from missilewatch.allied import routes

    peers = load_peers(Path(settings.peers_path), settings.node_id)
    node = Node(svc, peers)
    if settings.cot_port is not None or settings.cot_udp is not None:
        from missilewatch.allied.cot_server import CotServer

        node.cot = CotServer(node, settings.cot_port, settings.cot_udp)
    svc.allied = node
    app.state.node = node
    app.include_router(routes.router)
    return node

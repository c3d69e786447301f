"""Cursor-on-Target over TCP on 127.0.0.1, as a TAK client (ATAK, WinTAK, a TAK server's
input) takes it: every second each connected client gets the CoT events of the fused tracks
and the latest footprint of each track, one XML document after another. And/or over UDP: every
second each of those documents as one datagram to a given address (a TAK client's or server's
UDP input, e.g. port 4242 or 8087)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from missilewatch.allied.cot import footprint_cot, track_cot

log = logging.getLogger("missilewatch.allied")
PERIOD_S = 1.0


class CotServer:
    """TCP on 127.0.0.1:``port`` (None: no TCP; 0: a free port) and/or UDP datagrams to ``udp``
    (host, port)."""

    def __init__(self, node, port: int | None, udp: tuple[str, int] | None = None) -> None:
        self.node, self.port, self.udp = node, port, udp
        self.server: asyncio.AbstractServer | None = None
        self.clients = 0
        self.datagrams = 0
        self._udp_task: asyncio.Task | None = None

    def documents(self) -> list[str]:
        me = self.node.peers.node
        docs = [track_cot(me, t) for t in self.node.fusion.as_dicts()]
        for track, pred in sorted(self.node.footprints.items()):
            docs.append(footprint_cot(me, track, pred))
        return docs

    async def start(self) -> None:
        if self.port is not None:
            self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)
            self.port = self.server.sockets[0].getsockname()[1]
            log.info("node %s: Cursor-on-Target on tcp://127.0.0.1:%d", self.node.peers.node, self.port)
        if self.udp is not None:
            self._udp_task = asyncio.create_task(self._send_udp(), name="cot-udp")
            log.info("node %s: Cursor-on-Target to udp://%s:%d", self.node.peers.node, *self.udp)

    async def _send_udp(self) -> None:
        assert self.udp is not None
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol, remote_addr=self.udp)
        try:
            while True:
                for doc in await asyncio.to_thread(self.documents):
                    transport.sendto(doc.encode())
                    self.datagrams += 1
                await asyncio.sleep(PERIOD_S)
        finally:
            transport.close()

    async def stop(self) -> None:
        if self._udp_task is not None:
            self._udp_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, OSError):
                await self._udp_task
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 2)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.clients += 1
        try:
            while True:
                docs = await asyncio.to_thread(self.documents)
                if docs:
                    writer.write("\n".join(docs).encode() + b"\n")
                    await writer.drain()
                await asyncio.sleep(PERIOD_S)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.clients -= 1
            writer.close()

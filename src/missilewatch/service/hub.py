"""Fan-out of published events to connected clients (WebSocket and SSE), each with a bounded
queue: a client too slow to keep up is disconnected (it resumes with its last event number)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

CLOSE = None  # queued to a subscriber: the server is stopping or the client fell behind


class Hub:
    """Owned by the server's event loop; :meth:`publish` may be called from any thread."""

    def __init__(self, maxsize: int, on_drop=None) -> None:
        self.maxsize = maxsize
        self.on_drop = on_drop  # called once per client dropped for falling behind
        self.loop: asyncio.AbstractEventLoop | None = None
        self._subs: set[asyncio.Queue] = set()
        self.closed = False

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def subscribe(self) -> asyncio.Queue:
        q: asyncio.Queue = asyncio.Queue(self.maxsize)
        if self.closed:
            q.put_nowait(CLOSE)
        self._subs.add(q)
        return q

    def unsubscribe(self, q: asyncio.Queue) -> None:
        self._subs.discard(q)

    def publish(self, events: Iterable[dict]) -> None:
        """Thread-safe: hand the events to the loop, which queues them to every subscriber."""
        batch = list(events)
        if batch and self.loop is not None and not self.loop.is_closed():
            try:
                self.loop.call_soon_threadsafe(self._fanout, batch)
            except RuntimeError:  # loop stopping
                pass

    def _fanout(self, batch: list[dict]) -> None:
        for q in list(self._subs):
            if q.maxsize - q.qsize() <= len(batch):
                self._subs.discard(q)
                _drop_and_close(q)
                if self.on_drop is not None:
                    self.on_drop()
                continue
            for ev in batch:
                q.put_nowait(ev)

    def close(self) -> None:
        """Tell every subscriber to end (server shutdown)."""
        self.closed = True
        for q in list(self._subs):
            _drop_and_close(q)
        self._subs.clear()


def _drop_and_close(q: asyncio.Queue) -> None:
    while not q.empty():
        q.get_nowait()
    q.put_nowait(CLOSE)

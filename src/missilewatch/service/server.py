"""Running the application on uvicorn with a clean stop: on SIGTERM or Ctrl-C the event
streams are told to end first, so no open WebSocket or SSE client holds the shutdown."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Iterator

import uvicorn

from missilewatch.service.app import create_app
from missilewatch.service.settings import ServiceSettings


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, hub) -> None:
        super().__init__(config)
        self._hub = hub

    def handle_exit(self, sig, frame) -> None:
        loop = self._hub.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._hub.close)
        super().handle_exit(sig, frame)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """As uvicorn's, without raising the signal again once stopped: a clean stop exits 0."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        original = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


def run(settings: ServiceSettings, host: str = "127.0.0.1", port: int = 8400, log_level: str = "info") -> None:
    """Serve until SIGTERM/SIGINT."""
    logging.basicConfig(level=getattr(logging, log_level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app(settings)
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, timeout_graceful_shutdown=5,
                            ws_max_size=settings.max_body_bytes + 4096, lifespan="on", server_header=False)
    server = _Server(config, app.state.svc.hub)
    server.run()

"""The live-service helpers (server processes by PID, free ports, the simulated flight) shared
with tests/service, and a TCP proxy whose connections a test can cut and restore."""

from __future__ import annotations

import socket
import threading

from tests.service.conftest import (  # noqa: F401 (fixtures)
    STARTED,
    ServerProc,
    _no_server_outlives_its_test,
    cli_env,
    flight_dir,
    free_port,
)


class CuttableProxy:
    """127.0.0.1:port -> 127.0.0.1:target; :meth:`cut` drops every connection and refuses new
    ones until :meth:`restore` (a network cut between two nodes)."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.is_cut = False
        self.conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            if self.is_cut:
                c.close()
                continue
            try:
                u = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                c.close()
                continue
            with self._lock:
                self.conns += [c, u]
            for a, b in ((c, u), (u, c)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        self.is_cut = True
        with self._lock:
            for s in self.conns:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self.conns.clear()

    def restore(self) -> None:
        self.is_cut = False

    def close(self) -> None:
        self._stop = True
        self.cut()
        self.sock.close()

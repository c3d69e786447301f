"""The three-node network of the worked example, really started: a ``serve --node`` process per
node on 127.0.0.1 (free ports) with its own SQLite database, links through :class:`CuttableProxy`
where asked, and a ``feed`` process per node playing its own sensors on one clock. Used by the
tests (tests/allied) and the benchmark (benchmarks/bench_allied.py); processes are started and
stopped by PID only."""

from __future__ import annotations

import datetime as dt
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from missilewatch.allied.threenode import SENSORS, write_setup
from missilewatch.service.app import open_database
from missilewatch.service.auth import create_key, make_token, signing_secret
from missilewatch.service.localproc import cli_env, free_port


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


class NodeProc:
    """One ``serve`` process (an allied node, or a plain service when ``peers`` is None), with an
    admin key, an operator token and partner tokens (subject = the partner's node id)."""

    def __init__(self, name: str, root: Path, peers: Path | None, port: int, extra: tuple[str, ...] = (),
                 partners: tuple[str, ...] = ()) -> None:
        self.name, self.port, self.url = name, port, f"http://127.0.0.1:{port}"
        self.db_url = f"sqlite:///{root / (name + '.db')}"
        db = open_database(self.db_url)
        secret = signing_secret(db)
        self.admin = create_key(db, "admin", f"{name}-feeder")
        self.op = {"Authorization": f"Bearer {make_token(secret, 'op', 'operator', 3600)}"}
        self.partner = {p: {"Authorization": f"Bearer {make_token(secret, p, 'partner', 3600)}"} for p in partners}
        db.dispose()
        self.args = ["--node", name, "--peers", str(peers), *extra] if peers else []
        self.log_path = root / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self._log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen([sys.executable, "-m", "missilewatch.cli.app", "serve", "--db", self.db_url,
                                      "--port", str(self.port), "--log-level", "info", *self.args],
                                     stdout=self._log, stderr=subprocess.STDOUT, env=cli_env())

    def get(self, path: str, headers=None, **params) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", headers=headers or self.op, params=params, timeout=20)

    def health(self) -> dict:
        return httpx.get(f"{self.url}/v1/health", timeout=10).json()

    def wait_idle(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_path.read_text()[-2000:]}")
            try:
                h = self.health()
                if not h["rebuilding"] and h["queue_depth"] == 0:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} did not become idle")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()


def first_report(flight_dir: Path) -> dt.datetime:
    """The earliest report time of a measurement directory (the feeds' common clock)."""
    first = None
    for line in (flight_dir / "measurements.jsonl").read_text().splitlines():
        r = json.loads(line)
        t = dt.datetime.fromisoformat((r.get("report_time_utc") or r["time_utc"]).replace("Z", "+00:00"))
        first = t if first is None or t < first else first
    assert first is not None
    return first


class Network:
    """The three nodes (and optionally a JPN node alone, fed JPN's sensors, for comparison); the
    JPN-US path through proxies when ``cuttable``; ``terms`` as :func:`write_setup` takes them."""

    def __init__(self, root: Path, alone: bool = True, cuttable: bool = True, cot: bool = True,
                 terms: dict[tuple[str, str], str] | None = None) -> None:
        self.root = root
        ports = {n: free_port() for n in SENSORS}
        self.proxies = {("JPN", "US"): CuttableProxy(ports["US"]), ("US", "JPN"): CuttableProxy(ports["JPN"])} \
            if cuttable else {}
        addresses = {n: f"http://127.0.0.1:{p}" for n, p in ports.items()}
        self.files = write_setup(root, addresses, via={k: f"http://127.0.0.1:{v.port}"
                                                       for k, v in self.proxies.items()}, terms=terms)
        names = (*SENSORS, "test-partner")
        self.nodes = {n: NodeProc(n, root, self.files[n], ports[n], ("--cot-port", "0") if cot and n == "JPN" else (),
                                  names) for n in SENSORS}
        self.alone = NodeProc("JPN-alone", root, None, free_port()) if alone else None
        self.feeds: list[subprocess.Popen] = []

    @property
    def everyone(self) -> list[NodeProc]:
        return [*self.nodes.values(), *([self.alone] if self.alone else [])]

    def start(self, timeout: float = 120.0) -> None:
        for n in self.everyone:
            n.start()
        for n in self.everyone:
            n.wait_idle(timeout)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            st = [nd.get("/v1/allied/status").json() for nd in self.nodes.values()]
            if all(lk["state"] == "up" for s in st for lk in s["links_out"]):
                return
            time.sleep(0.3)
        raise TimeoutError(f"links not up: {st}")

    def feed(self, flight_dir: Path, speed: float, lead_s: float = 25.0) -> float:
        """Start the feeds, each node its own sensors (and JPN-alone JPN's), on one clock that
        starts ``lead_s`` from now (time for four feed processes to start on a busy 2-core machine,
        next to the nodes' watch processes); returns that start as a monotonic time."""
        clock = first_report(flight_dir)
        start_at = time.time() + lead_s
        plan = [(self.nodes[n], SENSORS[n]) for n in SENSORS] + ([(self.alone, SENSORS["JPN"])] if self.alone else [])
        for node, sensors in plan:
            cmd = [sys.executable, "-m", "missilewatch.cli.app", "feed", str(flight_dir), "--to", node.url,
                   "--speed", str(speed), "--key", node.admin, "--clock-utc", clock.isoformat(),
                   "--start-at", str(start_at), "--json"]
            for s in sensors:
                cmd += ["--sensors", s]
            self.feeds.append(subprocess.Popen(cmd, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
        return time.monotonic() + (start_at - time.time())

    def feeding(self) -> bool:
        return any(f.poll() is None for f in self.feeds)

    def feed_results(self) -> list[dict]:
        return [json.loads(f.stdout.read().decode().strip().splitlines()[-1]) for f in self.feeds if f.stdout]

    def settle(self, timeout: float = 60.0) -> dict[str, dict]:
        """Until every watch is idle and every outbox confirmed by its partner; the statuses."""
        for n in self.everyone:
            n.wait_idle(120)
        deadline = time.monotonic() + timeout
        while True:
            st = {n: nd.get("/v1/allied/status").json() for n, nd in self.nodes.items()}
            if all(lk["state"] == "up" and lk["queued"] == 0 for s in st.values() for lk in s["links_out"]):
                return st
            if time.monotonic() > deadline:
                raise TimeoutError(f"outboxes not confirmed: {st}")
            time.sleep(0.3)

    def stop(self) -> None:
        for f in self.feeds:
            if f.poll() is None:
                f.kill()
                f.wait(5)
        for n in self.everyone:
            n.stop()
        for p in self.proxies.values():
            p.close()

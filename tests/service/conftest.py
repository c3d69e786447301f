"""A real ``missilewatch serve`` in a subprocess on 127.0.0.1 and a free port, keys and tokens
for every role, and the 2022-10-04 flight simulated once for all the service tests."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from missilewatch.service.app import open_database
from missilewatch.service.auth import create_key, make_token, signing_secret
from missilewatch.service.feed import measurement_dir, read_lines
from missilewatch.service.localproc import cli_env, free_port


class ServerProc:
    """One server process; ``url``, ``db_url``; started and stopped by PID only."""

    def __init__(self, db_url: str, log: Path, *args: str) -> None:
        self.db_url, self.log_path, self.args = db_url, log, list(args)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, wait_ready: bool = True) -> ServerProc:
        env = cli_env()
        self._log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "missilewatch.cli.app", "serve", "--db", self.db_url, "--port", str(self.port),
             "--log-level", "info", *self.args], stdout=self._log, stderr=subprocess.STDOUT, env=env)
        STARTED.append(self.proc)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log_path.read_text()[-2000:]}")
            try:
                h = httpx.get(f"{self.url}/v1/health", timeout=2).json()
                if not wait_ready or not h["rebuilding"]:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not start within 60 s")

    def health(self) -> dict:
        return httpx.get(f"{self.url}/v1/health", timeout=5).json()

    def wait_idle(self, timeout: float = 120.0) -> dict:
        """Until the watch has taken every committed measurement."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            h = self.health()
            if not h["rebuilding"] and h["queue_depth"] == 0:
                return h
            time.sleep(0.2)
        raise TimeoutError("the watch did not catch up")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(5)
            self._log.close()
        return code


#: Every server process a test started (by this module's ServerProc), for the clean-up below.
STARTED: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def _no_server_outlives_its_test():
    """A test that fails half-way leaves no server running: processes it started (and that its
    module's fixtures did not start before it) are killed by PID at its end."""
    before = set(map(id, STARTED))
    yield
    for proc in [p for p in STARTED if id(p) not in before]:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


class Creds:
    """Credentials for every role on one database."""

    def __init__(self, db_url: str) -> None:
        db = open_database(db_url)
        secret = signing_secret(db)
        self.admin_key = create_key(db, "admin", "test-admin")
        self.sensor_key = create_key(db, "sensor", "shariki", ["shariki-tpy2"])
        self.tokens = {role: make_token(secret, f"test-{role}", role, 3600) for role in
                       ("operator", "analyst", "partner", "admin")}
        self.expired = make_token(secret, "late", "operator", 1)
        db.dispose()

    def h(self, role_or_key: str) -> dict[str, str]:
        cred = {"admin_key": self.admin_key, "sensor": self.sensor_key}.get(role_or_key) or self.tokens[role_or_key]
        return {"Authorization": f"Bearer {cred}"}


@pytest.fixture(scope="session")
def flight_dir(tmp_path_factory) -> Path:
    """The 2022-10-04 flight simulated once (seed 20221004), and put through the batch watch
    once here: on a fresh clone that compiles the watch's Numba kernels into their on-disk
    cache, so the servers the tests start load them instead of each compiling them at once
    (minutes on 2 cores, which made timed multi-node tests miss their marks)."""
    from missilewatch.pipeline.replay import replay
    from missilewatch.pipeline.source import from_directory

    d = measurement_dir("2022-10-04", workdir=tmp_path_factory.mktemp("flight-1004"))
    replay(from_directory(d))
    return d


@pytest.fixture(scope="session")
def flight_lines(flight_dir):
    return read_lines(flight_dir)


def new_server(tmp_path: Path, name: str = "live", *args: str) -> tuple[ServerProc, Creds]:
    db_url = f"sqlite:///{tmp_path / (name + '.db')}"
    creds = Creds(db_url)
    return ServerProc(db_url, tmp_path / f"{name}.log", *args), creds


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for a module's tests (fresh database)."""
    srv, creds = new_server(tmp_path_factory.mktemp("serve"))
    srv.start()
    srv.creds = creds
    yield srv
    srv.stop()


# ../shared beside the repository (or beside the folder of work trees).
REPO_SHARED_CNS = next((p / "shared" / "data" / "cns_north_korea_missile_tests.csv" for p in
                        Path(__file__).resolve().parents[3:5]
                        if (p / "shared" / "data" / "cns_north_korea_missile_tests.csv").is_file()),
                       Path("missing-shared-data.csv"))


def import_shared_archive(db_url: str) -> bool:
    """The CNS table of ../shared/data into the archive of the database at ``db_url`` (before
    its server starts); False when the table is not beside the repository."""
    if not REPO_SHARED_CNS.is_file():
        return False
    from missilewatch.archive.cns import import_cns
    from missilewatch.store import Database

    db = Database(db_url)
    with db.session() as s:
        import_cns(s, REPO_SHARED_CNS)
    db.dispose()
    return True

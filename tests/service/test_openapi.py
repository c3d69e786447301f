"""Schemathesis against the live server's OpenAPI document: every operation (the endless event
stream aside, read by the live-picture tests) fuzzed with all checks, zero failures: every
answer is declared, none is a server error. The server keeps serving and its audit chain,
full of fuzzed paths and names, still verifies."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from .conftest import cli_env, new_server

pytestmark = pytest.mark.timeout(240)
CONFIG = Path(__file__).parent / "data" / "schemathesis.toml"


def test_schemathesis_finds_nothing(tmp_path, flight_lines):
    srv, creds = new_server(tmp_path)
    srv.start()
    try:
        httpx.post(f"{srv.url}/v1/measurements", content="\n".join(fl.line for fl in flight_lines[:30]),
                   headers=creds.h("admin_key"), timeout=30).raise_for_status()
        st = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"
        out = subprocess.run(
            [st, "--config-file", str(CONFIG), "run", f"{srv.url}/openapi.json",
             "-H", f"Authorization: Bearer {creds.tokens['admin']}", "--checks", "all", "--max-examples", "12",
             "--exclude-path", "/v1/events", "--no-color", "--seed", "20221004", "--request-timeout", "20",
             "--workers", "1"],  # ast.parse in threads trips CPython 3.11 (recursion depth mismatch)
            capture_output=True, text=True, timeout=220, env=cli_env(), cwd=tmp_path)  # its cache stays out of the repo
        assert out.returncode == 0, out.stdout[-6000:]
        assert "passed" in out.stdout and "failures" not in out.stdout.lower().split("summary")[-1]
        assert srv.health()["status"] == "ok"
        chain = httpx.get(f"{srv.url}/v1/audit/verify", headers=creds.h("admin"), timeout=30).json()
        assert chain["ok"] and chain["entries"] > 500
    finally:
        assert srv.stop() == 0

"""The compiled kernels' cache folder is named by their sources, callees and constants included
(Numba itself checks only a kernel's own file)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from missilewatch import kernel_cache
from missilewatch.service.localproc import cli_env


def _package(root: Path) -> Path:
    pkg = root / "missilewatch"
    (pkg / "a").mkdir(parents=True)
    (pkg / "a" / "step_kernels.py").write_text("from missilewatch.b.consts import G\n@njit\ndef f(x): return G * x\n")
    (pkg / "b").mkdir()
    (pkg / "b" / "__init__.py").write_text("")
    (pkg / "b" / "consts.py").write_text("G = 9.81\n")
    (pkg / "c.py").write_text("X = 1\n")
    return pkg


def test_the_key_follows_kernels_and_what_they_import_only(tmp_path):
    pkg = _package(tmp_path)
    assert [p.relative_to(pkg).as_posix() for p in kernel_cache.kernel_sources(pkg)] == [
        "a/step_kernels.py", "b/consts.py"]
    key = kernel_cache.sources_key(pkg)
    (pkg / "c.py").write_text("X = 2\n")  # no kernel reads it
    assert kernel_cache.sources_key(pkg) == key
    (pkg / "b" / "consts.py").write_text("G = 9.80665\n")  # a constant a kernel compiles in
    changed = kernel_cache.sources_key(pkg)
    assert changed != key
    (pkg / "a" / "step_kernels.py").write_text("from missilewatch.b.consts import G\n@njit\ndef f(x): return x\n")
    assert kernel_cache.sources_key(pkg) not in (key, changed)


def test_configure_names_the_folder_keeps_a_few_old_ones_and_yields_to_the_user(tmp_path, monkeypatch):
    pkg = _package(tmp_path / "src")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    root = tmp_path / "cache" / "missilewatch" / "numba"
    for i in range(5):  # folders of five older source versions, oldest first
        (root / f"old{i}").mkdir(parents=True)
        os.utime(root / f"old{i}", (time.time() - 100 + i, time.time() - 100 + i))
    folder = kernel_cache.configure(pkg)
    assert folder == root / kernel_cache.sources_key(pkg) and folder.is_dir()
    assert os.environ["NUMBA_CACHE_DIR"] == str(folder)
    assert sorted(p.name for p in root.iterdir()) == sorted([folder.name, "old2", "old3", "old4"])
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    assert kernel_cache.configure(pkg) is None and os.environ["NUMBA_CACHE_DIR"] == str(tmp_path / "mine")


def test_numba_takes_the_folder_in_a_fresh_process(tmp_path):
    env = cli_env()
    env.pop("NUMBA_CACHE_DIR", None)
    env["XDG_CACHE_HOME"] = str(tmp_path)
    code = "import missilewatch, numba.core.config as c; print(c.CACHE_DIR)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    expected = tmp_path / "missilewatch" / "numba" / kernel_cache.sources_key()
    assert out.stdout.strip() == str(expected) and expected.is_dir()

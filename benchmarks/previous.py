"""Run a piece of benchmark code against the project as it was before the fast-watch work
(commit ``BASELINE``), in a subprocess, so a benchmark can print a ratio against the previous
code measured in the same run on the same machine.

The baseline's sources are exported once with ``git archive`` into a cache folder (git-ignored
``out/bench-baseline/<commit>``); the subprocess puts them first on ``sys.path``. Without git
history (a source tarball) the peer is reported as unavailable, never faked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import textwrap
from io import BytesIO
from pathlib import Path

from missilewatch.kernel_cache import cache_root

BASELINE = "38ae47c"  # the last commit before the fast-watch work (issue 9)
ROOT = Path(__file__).resolve().parents[1]


def baseline_src(commit: str = BASELINE) -> Path | None:
    """The baseline's ``src`` folder (exported on first use), or None without git history."""
    dest = ROOT / "out" / "bench-baseline" / commit
    if (dest / "src" / "missilewatch").is_dir():
        return dest / "src"
    try:
        tar = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "src"], check=True,
                             capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=BytesIO(tar)) as tf:
        tf.extractall(dest, filter="data")
    return dest / "src"


def run_with_src(code: str, src: Path, timeout_s: float = 1800.0) -> dict:
    """Run ``code`` (a script that prints one JSON object on its last line) in a subprocess
    with the package from ``src`` first on the path; its parsed output."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(src), str(Path(__file__).parent)]))
    if env.get("NUMBA_CACHE_DIR", "").startswith(str(cache_root())):
        del env["NUMBA_CACHE_DIR"]  # the folder of this checkout's kernels: each package picks its own
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, capture_output=True,
                          text=True, timeout=timeout_s, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark script failed ({src}): {proc.stderr.strip().splitlines()[-1:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_previous(code: str, timeout_s: float = 1800.0, commit: str = BASELINE) -> dict | None:
    """:func:`run_with_src` with the baseline's package; None when the baseline cannot be had."""
    src = baseline_src(commit)
    return None if src is None else run_with_src(code, src, timeout_s)

"""Where Numba keeps the compiled kernels: a folder named by a hash of the sources they are
compiled from.

Numba's own cache checks only the file of the function it loads, so a kernel cached before a
kernel it calls (or a constant it reads) changed in another file would go on running the old
code. The folder's name hashes every ``*kernels.py`` of the package and every package module
those import from, so any such change starts a fresh cache. ``NUMBA_CACHE_DIR`` set by the user
wins; an unwritable place leaves Numba's default (beside the sources).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
#: Cache folders of other source versions kept beside the current one (newest first).
KEEP_OLD = 3
_IMPORT = re.compile(r"^from missilewatch\.([\w.]+) import|^import missilewatch\.([\w.]+)", re.MULTILINE)


def kernel_sources(package: Path = PACKAGE) -> list[Path]:
    """The kernel modules (``*kernels.py``) and the package modules they import from."""
    kernels = sorted(package.rglob("*kernels.py"))
    found = set(kernels)
    for path in kernels:
        for a, b in _IMPORT.findall(path.read_text(encoding="utf-8")):
            parts = (a or b).split(".")
            for candidate in (package.joinpath(*parts).with_suffix(".py"), package.joinpath(*parts, "__init__.py")):
                if candidate.is_file():
                    found.add(candidate)
                    break
    return sorted(found)


def sources_key(package: Path = PACKAGE) -> str:
    """A short hash of the kernel sources' paths (relative) and contents."""
    h = hashlib.blake2b(digest_size=8)
    for path in kernel_sources(package):
        h.update(path.relative_to(package).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "missilewatch" / "numba"


def configure(package: Path = PACKAGE) -> Path | None:
    """Point ``NUMBA_CACHE_DIR`` at this source version's folder (before Numba is imported);
    drop the folders of all but the ``KEEP_OLD`` newest other versions. Returns the folder, or
    None when the user set one or no folder can be made."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None
    try:
        root = cache_root()
        folder = root / sources_key(package)
        folder.mkdir(parents=True, exist_ok=True)
        os.utime(folder)
        old = sorted((p for p in root.iterdir() if p.is_dir() and p != folder),
                     key=lambda p: p.stat().st_mtime, reverse=True)
        if len(old) > KEEP_OLD:
            import shutil  # here: seldom needed, and every command imports this module

            for stale in old[KEEP_OLD:]:
                shutil.rmtree(stale, ignore_errors=True)
    except OSError:
        return None
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    return folder

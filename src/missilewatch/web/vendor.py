"""CesiumJS, pinned and checked: the npm tarball of ``cesium@CESIUM_VERSION`` must match the
registry's integrity hash pinned here; only its ``package/Build/Cesium`` (the built library,
workers, widgets and the Natural Earth II imagery) is unpacked, into a git-ignored folder of
this package, so the console loads nothing from outside the host."""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from missilewatch.errors import DataError

CESIUM_VERSION = "1.145.0"
#: ``npm view cesium@1.145.0 dist.integrity``
CESIUM_INTEGRITY = ("sha512-6Azix8b5LPpoVSx8XQ6zPztpluJVmq+CEO3W2rOWxtc6bri6Nc9MvCYhKmTW1LAEwfisV7yzNgf"
                    "ulCXw9842+g==")
STATIC_DIR = Path(__file__).resolve().parent / "static"
CESIUM_DIR = STATIC_DIR / "vendor" / "cesium"
STAMP = ".missilewatch-vendored"
PREFIX = "package/Build/Cesium/"


def cesium_present(dest: Path = CESIUM_DIR) -> bool:
    """Is the pinned build unpacked in ``dest`` (its stamp names the version and hash)?"""
    stamp = dest / STAMP
    return stamp.is_file() and stamp.read_text().split() == [CESIUM_VERSION, CESIUM_INTEGRITY] \
        and (dest / "Cesium.js").is_file()


def integrity_of(path: Path) -> str:
    """Subresource-integrity string (``sha512-<base64>``) of a file."""
    h = hashlib.sha512()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return "sha512-" + base64.b64encode(h.digest()).decode()


def unpack(tarball: Path, dest: Path = CESIUM_DIR) -> int:
    """Check ``tarball`` against the pinned hash, then unpack only ``package/Build/Cesium``
    into ``dest`` (replacing it whole); returns the number of files."""
    got = integrity_of(tarball)
    if got != CESIUM_INTEGRITY:
        raise DataError(f"cesium tarball {tarball}: integrity {got} is not the pinned {CESIUM_INTEGRITY}")
    staging = dest.with_name(dest.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    n = 0
    with tarfile.open(tarball, "r:gz") as tar:
        for m in tar.getmembers():
            if not m.name.startswith(PREFIX) or not m.isfile() or ".." in m.name.split("/"):
                continue
            target = staging / m.name[len(PREFIX):]
            target.parent.mkdir(parents=True, exist_ok=True)
            src = tar.extractfile(m)
            assert src is not None  # a regular file
            with src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)
            n += 1
    if not (staging / "Cesium.js").is_file():
        raise DataError(f"cesium tarball {tarball}: no {PREFIX}Cesium.js")
    (staging / STAMP).write_text(f"{CESIUM_VERSION} {CESIUM_INTEGRITY}\n")
    shutil.rmtree(dest, ignore_errors=True)
    staging.rename(dest)
    return n


def ensure_cesium(dest: Path = CESIUM_DIR, npm: str = "npm") -> bool:
    """Fetch (``npm pack``), check and unpack the pinned build unless present; True when it had
    to fetch. The Makefile installs Debian's npm where it is missing."""
    if cesium_present(dest):
        return False
    if shutil.which(npm) is None:
        raise DataError(f"cesium {CESIUM_VERSION} is not vendored and {npm!r} is not installed "
                        "(apt-get install npm, or run make, which does)")
    with tempfile.TemporaryDirectory() as tmp:
        tarball = Path(tmp) / f"cesium-{CESIUM_VERSION}.tgz"
        subprocess.run([npm, "pack", "--silent", f"cesium@{CESIUM_VERSION}"], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL)
        unpack(tarball, dest)
    return True

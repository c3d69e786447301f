"""Vendoring CesiumJS: the tarball is checked against the pinned integrity before anything is
unpacked, and only ``package/Build/Cesium`` is taken."""

from __future__ import annotations

import io
import tarfile

import pytest

from missilewatch.errors import DataError
from missilewatch.web import vendor


def _tarball(path, files: dict[str, bytes]):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_only_the_build_is_unpacked_and_only_from_the_pinned_tarball(tmp_path, monkeypatch):
    tgz = _tarball(tmp_path / "cesium.tgz", {
        "package/Build/Cesium/Cesium.js": b"var Cesium = {};", "package/Build/Cesium/Assets/a.json": b"{}",
        "package/Build/CesiumUnminified/Cesium.js": b"unminified", "package/Source/x.js": b"source",
        "package/Build/Cesium/../../../escape.txt": b"outside"})
    dest = tmp_path / "vendor" / "cesium"
    with pytest.raises(DataError, match="integrity"):
        vendor.unpack(tgz, dest)  # not the pinned hash
    assert not dest.exists()
    monkeypatch.setattr(vendor, "CESIUM_INTEGRITY", vendor.integrity_of(tgz))
    assert vendor.unpack(tgz, dest) == 2
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()) == \
        [vendor.STAMP, "Assets/a.json", "Cesium.js"]
    assert vendor.cesium_present(dest) and not (tmp_path / "escape.txt").exists()
    assert vendor.ensure_cesium(dest, npm="no-such-npm") is False  # present: nothing fetched


def test_the_pinned_integrity_is_the_registry_form():
    assert vendor.CESIUM_INTEGRITY.startswith("sha512-") and len(vendor.CESIUM_INTEGRITY) == 95



def test_without_npm_the_set_up_says_what_to_install(tmp_path):
    with pytest.raises(DataError, match="apt-get install npm"):
        vendor.ensure_cesium(tmp_path / "cesium", npm="no-such-npm")

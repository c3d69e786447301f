"""Vendor the pinned CesiumJS build into the package (idempotent): ``npm pack cesium@<pinned>``,
check the tarball's sha512 integrity against the pinned one, unpack ``package/Build/Cesium``
into ``src/missilewatch/web/static/vendor/cesium`` (git-ignored)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from missilewatch.errors import DataError  # noqa: E402
from missilewatch.web.vendor import CESIUM_DIR, CESIUM_VERSION, ensure_cesium  # noqa: E402


def main() -> int:
    try:
        fetched = ensure_cesium()
    except (DataError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"cesium {CESIUM_VERSION} {'vendored' if fetched else 'already vendored'} in {CESIUM_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Geography: land, territorial sea, EEZ and high seas by country; admin regions; overflight.

Borders are as the data (Natural Earth) has them, de facto; no claim is made on any dispute.
Names are loaded on first use (``geography.zones`` does not need Shapely or the regions), and
the data files on first query.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "GroundTrack": "overflight", "Overflight": "overflight", "overflights": "overflight",
    "Region": "regions", "nearest_region": "regions", "region_at": "regions", "region_outline": "regions",
    "PointZone": "zones", "Zone": "zones", "Zones": "zones", "classify_points": "zones", "zone_at": "zones",
}
__all__ = [
    "GroundTrack", "Overflight", "PointZone", "Region", "Zone", "Zones", "classify_points", "nearest_region",
    "overflights", "region_at", "region_outline", "zone_at",
]

if TYPE_CHECKING:
    from missilewatch.geography.overflight import GroundTrack, Overflight, overflights
    from missilewatch.geography.regions import Region, nearest_region, region_at, region_outline
    from missilewatch.geography.zones import PointZone, Zone, Zones, classify_points, zone_at


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)

"""Geography: land, territorial sea, EEZ and high seas by country; admin regions; overflight.

Borders are as the data (Natural Earth) has them, de facto; no claim is made on any dispute.
"""

from missilewatch.geography.overflight import GroundTrack, Overflight, overflights
from missilewatch.geography.regions import Region, nearest_region, region_at
from missilewatch.geography.zones import PointZone, Zone, Zones, classify_points, zone_at

__all__ = [
    "GroundTrack",
    "Overflight",
    "PointZone",
    "Region",
    "Zone",
    "Zones",
    "classify_points",
    "nearest_region",
    "overflights",
    "region_at",
    "zone_at",
]

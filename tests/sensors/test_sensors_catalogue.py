"""The notional sensor catalogue: required public sites, notional figures said so, validation."""

import pytest
from geographiclib.geodesic import Geodesic

from missilewatch.errors import InputError
from missilewatch.sensors import InfraredSensor, Radar, SpecError, WaypointTrack, catalogue, parse_sensor
from missilewatch.sensors.catalogue import catalogue_about, catalogued

# Public places (Geospatial Information Authority of Japan names; rounded): the catalogue's
# sites must lie within 15 km of them.
PLACES = {
    "shariki-tpy2": (40.88, 140.33),       # Shariki, Tsugaru city
    "kyogamisaki-tpy2": (35.77, 135.22),   # Cape Kyoga, Kyotango
    "shimokoshiki-fps5": (31.68, 129.74),  # Shimo-Koshiki island
    "sado-fps5": (38.08, 138.37),          # Mt. Myoken, Sado
    "ominato-fps5": (41.29, 141.13),       # Mt. Kamafuse, Mutsu
    "yozadake-fps5": (26.13, 127.71),      # Mt. Yoza, Itoman
    "busan-greenpine": (35.19, 129.17),    # Mt. Jangsan, Busan
}


def test_catalogue_has_the_required_sensors():
    cat = catalogue()
    for sid, (lat, lon) in PLACES.items():
        site = cat[sid].site
        assert Geodesic.WGS84.Inverse(lat, lon, site.lat_deg, site.lon_deg)["s12"] < 15e3, sid
    built = {sid: s.build() for sid, s in cat.items()}
    assert isinstance(built["aegis-soj"], Radar) and isinstance(built["aegis-soj"].platform, WaypointTrack)
    lat0, lon0 = built["aegis-soj"].platform.waypoints[0]
    assert 35 < lat0 < 45 and 130 < lon0 < 140  # the Sea of Japan
    assert any(isinstance(s, InfraredSensor) for s in built.values())


def test_catalogue_says_its_performance_is_notional():
    assert "notional" in catalogue_about().lower()
    for spec in catalogue().values():
        assert "notional" in (spec.notes + spec.name).lower() or "not the" in spec.notes.lower(), spec.id


def test_unknown_catalogue_id_lists_the_known_ones():
    with pytest.raises(InputError, match="shariki-tpy2"):
        catalogued("no-such-radar")


def test_bad_sensor_fields_are_each_named():
    bad = {"type": "radar", "id": "r1", "site": {"lat_deg": 95, "lon_deg": 140}, "max_range_km": -5,
           "revisit_s": 1, "sigma_range_m": 5, "sigma_az_mrad": 1, "sigma_el_mrad": 1, "colour": "red"}
    with pytest.raises(SpecError) as exc:
        parse_sensor(bad)
    msg = str(exc.value)
    for field in ("sensor.site.lat_deg", "sensor.max_range_km", "sensor.colour"):
        assert field in msg
    assert len(exc.value.problems) == 3


def test_a_radar_needs_exactly_one_platform():
    with pytest.raises(SpecError, match="exactly one of site"):
        parse_sensor({"type": "radar", "id": "r1", "max_range_km": 500, "revisit_s": 1,
                      "sigma_range_m": 5, "sigma_az_mrad": 1, "sigma_el_mrad": 1})

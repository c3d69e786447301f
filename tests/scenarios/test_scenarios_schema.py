"""Scenario files: every bad field named; built-ins built from the official figures."""

import datetime as dt

import pytest
from geographiclib.geodesic import Geodesic

from missilewatch.errors import InputError
from missilewatch.flight.sites import resolve_site
from missilewatch.scenarios import builtin, builtin_names, parse_scenario
from missilewatch.scenarios.schema import parse_scenario_text
from missilewatch.sensors import SpecError

GOOD = {
    "name": "unit",
    "seed": 1,
    "launches": [{"id": "M1", "site": "Sunan", "time": "2022-10-04T07:22:00+09:00",
                  "azimuth_deg": 80, "range_km": 1000, "apogee_km": 300}],
    "sensors": ["shariki-tpy2", "ir-geo-east"],
}


def _with(**launch):
    d = {**GOOD, "launches": [{**GOOD["launches"][0], **launch}]}
    return {k: v for k, v in d.items()}


def test_good_scenario_parses():
    s = parse_scenario(GOOD)
    assert s.epoch_utc == dt.datetime(2022, 10, 3, 22, 22, tzinfo=dt.UTC)
    assert [x.id for x in s.sensor_specs()] == ["shariki-tpy2", "ir-geo-east"]


@pytest.mark.parametrize("change, field", [
    ({"apogee_km": -5}, "launches[0].apogee_km"),
    ({"azimuth_deg": "east"}, "launches[0].azimuth_deg"),
    ({"time": "2022-10-04T07:22:00"}, "launches[0].time"),
    ({"colour": "red"}, "launches[0].colour"),
    ({"failure": {"boost_ends_s": 0}}, "launches[0].failure.boost_ends_s"),
    ({"breakup": {"pieces": 3}}, "launches[0].breakup"),
    ({"range_class": "XXL"}, "launches[0].range_class"),
])
def test_each_bad_launch_field_is_named(change, field):
    with pytest.raises(SpecError) as exc:
        parse_scenario(_with(**change), "unit.yaml")
    assert f"unit.yaml: {field}" in str(exc.value)


def test_inconsistent_flight_descriptions_are_refused():
    with pytest.raises(SpecError, match="exactly one of impact"):
        parse_scenario(_with(impact={"lat_deg": 40, "lon_deg": 135}))
    with pytest.raises(SpecError, match="apogee_km is required"):
        parse_scenario(_with(apogee_km=None))
    with pytest.raises(SpecError, match="direct profile"):
        parse_scenario(_with(kick_deg=10))


def test_all_bad_fields_are_reported_at_once():
    d = {**_with(apogee_km=-1), "seed": -3, "truth_dt_s": 100}
    with pytest.raises(SpecError) as exc:
        parse_scenario(d)
    fields = [p[0] for p in exc.value.problems]
    assert set(fields) == {"launches[0].apogee_km", "seed", "truth_dt_s"}


def test_bad_sensors_are_named():
    with pytest.raises(InputError, match=r"sensors\[1\]"):
        parse_scenario({**GOOD, "sensors": ["shariki-tpy2", "no-such-radar"]})
    with pytest.raises(SpecError, match=r"sensors\[0\]\.max_range_km"):
        parse_scenario({**GOOD, "sensors": [{"catalogue": "shariki-tpy2", "max_range_km": -1}]})
    inline = {"type": "radar", "id": "mine", "site": {"lat_deg": 40, "lon_deg": 140}, "max_range_km": -1,
              "revisit_s": 1, "sigma_range_m": 1, "sigma_az_mrad": 1, "sigma_el_mrad": 1}
    with pytest.raises(SpecError) as exc:
        parse_scenario({**GOOD, "sensors": ["sado-fps5", inline]})
    assert [p[0] for p in exc.value.problems] == ["sensors[1].max_range_km"]
    with pytest.raises(SpecError, match="sensors: must be 'all' or a list"):
        parse_scenario({**GOOD, "sensors": "some"})
    with pytest.raises(InputError, match="unknown launch site"):
        from missilewatch.scenarios import simulate

        simulate(parse_scenario(_with(site="Atlantis")))


def test_bad_yaml_and_non_mapping():
    with pytest.raises(InputError, match="not valid YAML"):
        parse_scenario_text("name: [unclosed\n", "x.yaml")
    with pytest.raises(InputError, match="mapping"):
        parse_scenario_text("- just\n- a list\n", "x.yaml")


REAL = ["2017-08-29", "2017-09-15", "2017-11-29", "2022-10-04", "2022-11-18"]


def test_library_has_the_real_launches_a_salvo_and_a_failure():
    names = builtin_names()
    assert set(REAL) <= set(names)
    salvo = [n for n in names if len(builtin(n).launches) == 8]
    assert salvo, "a salvo of eight launches"
    s = builtin(salvo[0])
    times = [s.launch_t_s(la) for la in s.launches]
    assert max(times) - min(times) <= 600  # within minutes
    assert any(la.failure is not None for n in names for la in builtin(n).launches)


@pytest.mark.parametrize("name", REAL)
def test_builtin_scenarios_use_the_official_figures(name, launches_csv):
    row = launches_csv[name]
    spec = builtin(name)
    (la,) = spec.launches
    local = dt.datetime.fromisoformat(f"{row['date_local']}T{row['time_local']}{row['utc_offset']}")
    assert la.time == local and spec.epoch_utc == local.astimezone(dt.UTC)
    _, lat, lon = resolve_site(la.site)
    assert Geodesic.WGS84.Inverse(lat, lon, float(row["site_lat"]), float(row["site_lon"]))["s12"] < 2e3
    assert la.apogee_km == pytest.approx(float(row["apogee_km"]))
    assert la.flight_time_s == pytest.approx(float(row["flight_time_s"]))
    # the impact point is the official description "about N km <direction> of <place>"
    desc = row["impact_description"]
    f = la.impact_from
    assert f"{f.distance_km:,.0f} km" in desc and f.place.split(" (")[0] in desc
    # "east" is approximate where the report also names what it flew over: the bearing then
    # continues the great circle through that place, within a compass point of due east.
    direction = "east" if 45.0 < f.bearing_deg < 135.0 else "west" if 225.0 < f.bearing_deg < 315.0 else None
    assert direction is not None and f"km {direction} of" in desc

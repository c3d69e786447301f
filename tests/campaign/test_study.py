"""Study files: validation naming every bad field, the runs they expand to, the scenario of a run."""

from __future__ import annotations

import numpy as np
import pytest

from missilewatch.campaign import builtin_studies, expand, load_study, parse_study, sample
from missilewatch.campaign.engine import chunk_seed
from missilewatch.campaign.sampling import pair_seed, prefecture_points, run_seed, scenario_data
from missilewatch.errors import InputError
from missilewatch.flight.capability import minimum_energy_apogee_km
from missilewatch.scenarios import parse_scenario
from missilewatch.sensors.spec import SpecError


def _fields(data) -> list[str]:
    with pytest.raises(SpecError) as err:
        parse_study(data, "s.yaml")
    return [f for f, _, _ in err.value.problems]


def test_every_bad_field_is_named(small_data):
    data = small_data
    data.update(name="has space", seeds_per_cell=0, salvo_sizes=[0, 2], bogus=1)
    data["targets"] = {"bearings_deg": [400]}
    data["flights"] = [{"name": "x", "range_class": "XRBM"}]
    assert set(_fields(data)) == {"name", "seeds_per_cell", "salvo_sizes", "bogus", "targets.bearings_deg",
                                  "flights[0].range_class"}


def test_names_only_the_catalogues_know_are_checked(small_data):
    data = small_data
    data["sites"] = ["Atlantis", "Sunan"]
    data["targets"] = {"prefectures": ["Ishikawa", "Narnia"]}
    data["networks"] = [{"name": "a", "sensors": ["nope"]},
                        {"name": "b", "change": {"aegis-soj": {"max_range_km": -5}}},
                        {"name": "c", "sensors": ["sado-fps5"], "out": ["aegis-soj"]}]
    data["policies"] = [{"name": "p", "file": "/nonexistent/policy.toml"}]
    data["countries"] = ["XXX"]
    assert _fields(data) == ["sites[0]", "targets.prefectures[1]", "networks[0].sensors",
                             "networks[1].change.aegis-soj.max_range_km", "networks[2].out", "policies[0].file",
                             "countries[0]"]


def test_bearings_need_a_range_and_standard_flights_no_apogee(small_data):
    data = small_data
    data["targets"] = {"bearings_deg": [90]}
    assert _fields(data) == ["flights[0].range_km"]
    data["flights"] = [{"name": "x", "range_class": "MRBM", "range_km": 900, "apogee_km": 300}]
    assert _fields(data) == ["flights[0]"]


def test_yaml_and_file_errors_are_input_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(InputError, match="not valid YAML"):
        load_study(bad)
    with pytest.raises(InputError, match="neither a built-in study"):
        load_study("no-such-study")


def test_expansion_order_and_sampling(small_data):
    study = parse_study(small_data)
    runs = expand(study)
    assert [(r.site, r.seed_index, r.cell) for r in runs] == [("39.0,136.5", 0, 0), ("39.0,136.5", 1, 0),
                                                               ("Sunan", 0, 1), ("Sunan", 1, 1)]
    assert [r.run for r in sample(runs, 3)] == [0, 2, 3]
    assert sample(runs, None) == runs
    with pytest.raises(InputError):
        sample(runs, 0)


def test_seeds_are_paired_across_networks_and_policies(small_data):
    small_data["networks"].append({"name": "more", "sensors": ["sado-fps5", "busan-greenpine", "ir-geo-east",
                                                               "ominato-fps5"]})
    small_data["policies"] = [{"name": "default"}, {"name": "again"}]
    study = parse_study(small_data)
    runs = expand(study)
    assert len(runs) == 16 and len({r.pair for r in runs}) == 4
    by_pair: dict[int, list] = {}
    for r in runs:
        by_pair.setdefault(r.pair, []).append(r)
    for group in by_pair.values():
        assert {(r.network, r.policy) for r in group} == {(n, p) for n in ("few", "more") for p in ("default", "again")}
        assert len({(r.site, r.target, r.seed_index) for r in group}) == 1
    # The pair's SeedSequence is the study seed's spawn, and paired runs get the same scenario.
    root = np.random.SeedSequence(study.seed).spawn(4)
    assert np.array_equal(pair_seed(study.seed, 3).generate_state(2), root[3].generate_state(2))
    a, b = by_pair[2][0], by_pair[2][-1]
    da, db = (scenario_data(study, r, run_seed(pair_seed(study.seed, r.pair)),
                            np.random.default_rng(pair_seed(study.seed, r.pair).spawn(1)[0])) for r in (a, b))
    assert da["launches"] == db["launches"] and da["seed"] == db["seed"] and da["sensors"] != db["sensors"]
    # Sampling takes whole pairing groups.
    assert {len([r for r in sample(runs, 8) if r.pair == p]) for p in {r.pair for r in sample(runs, 8)}} == {4}
    assert len(sample(runs, 8)) == 8


def test_chunk_seeds_are_spawned_from_the_study_seed():
    root = np.random.SeedSequence(7).spawn(5)
    for k in range(5):
        assert np.array_equal(chunk_seed(7, k).generate_state(4), root[k].generate_state(4))
    seeds = {run_seed(c) for c in chunk_seed(7, 0).spawn(100)}
    assert len(seeds) == 100 and all(0 <= s < 2**63 for s in seeds)


def test_scenario_of_a_run_targets_and_apogees(small_data):
    study = parse_study(small_data)
    run = expand(study)[2]
    a = scenario_data(study, run, 11, np.random.default_rng(1))
    b = scenario_data(study, run, 11, np.random.default_rng(1))
    assert a == b
    spec = parse_scenario(a)
    (la,) = spec.launches
    lat, lon = prefecture_points()["Ishikawa"]
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    _, _, d_aim = geod.inv(lon, lat, la.impact.lon_deg, la.impact.lat_deg)
    assert 0 < d_aim < 60e3  # scattered by 10 km (1 sigma)
    _, _, rng_m = geod.inv(125.673, 39.2, la.impact.lon_deg, la.impact.lat_deg)
    assert la.apogee_km == pytest.approx(minimum_energy_apogee_km(rng_m / 1e3), rel=1e-3)
    assert [s if isinstance(s, str) else s for s in spec.sensors] == ["sado-fps5", "busan-greenpine", "ir-geo-east"]


def test_builtin_studies_validate_and_build_valid_scenarios():
    assert builtin_studies() == ["footprint-calibration", "lead-time-japan", "sensor-what-if"]
    for name in builtin_studies():
        study = load_study(name)
        runs = expand(study)
        assert len(runs) >= 100
        for run in sample(runs, 5):
            spec = parse_scenario(scenario_data(study, run, 1, np.random.default_rng(0)))
            assert len(spec.launches) == run.salvo
    what_if = load_study("sensor-what-if")
    moved = parse_scenario(scenario_data(what_if, expand(what_if)[-1], 1, np.random.default_rng(0)))
    ship = next(s for s in moved.sensor_specs() if s.id == "aegis-soj")
    assert ship.track.waypoints[0] == (38.5, 131.0)
    # Prefecture aim points lie inside their prefecture, on its largest part.
    from missilewatch.geography.regions import region_at

    for name, (lat, lon) in prefecture_points().items():
        assert region_at(lat, lon).name == name
    assert len(prefecture_points()) == 47

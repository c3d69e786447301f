"""Every built-in scenario simulates; the salvo, the failure, the break-up and the 70-minute
lofted ICBM behave as described."""

import time

import numpy as np
import pytest
from geographiclib.geodesic import Geodesic

from missilewatch.scenarios import builtin, builtin_names, simulate, write_outputs


def _range_km(obj):
    import pymap3d

    lat0, lon0, _ = pymap3d.ecef2geodetic(*obj.r_ecef[0])
    lat1, lon1, _ = pymap3d.ecef2geodetic(*obj.r_ecef[-1])
    return Geodesic.WGS84.Inverse(lat0, lon0, lat1, lon1)["s12"] / 1e3


def test_salvo_of_eight_short_range_missiles():
    r = simulate(builtin("salvo-srbm-8"))
    assert len(r.objects) == 8
    launch_times = [la.t_launch_s for la in r.launches]
    assert max(launch_times) - min(launch_times) < 600
    for la in r.launches:
        assert la.trajectory.impacted
        assert _range_km(la.objects[0]) < 1000  # short range
        assert la.target_lat_deg is not None
        miss = Geodesic.WGS84.Inverse(la.target_lat_deg, la.target_lon_deg,
                                      *la.trajectory.impact_lat_lon_deg)["s12"]
        assert miss < 1e3
    # several objects in the air at once, each seen by some sensor
    seen = set(r.stream.object_id[~r.stream.false_alarm])
    assert seen == {o.object_id for o in r.objects}


def test_boost_failure_falls_short_and_the_infrared_loses_it_at_cutoff():
    r = simulate(builtin("boost-failure"))
    (la,) = r.launches
    spec = builtin("boost-failure").launches[0]
    assert la.trajectory.burnout[0] == pytest.approx(spec.failure.boost_ends_s)
    assert _range_km(la.objects[0]) < 0.1 * spec.range_km
    s = r.stream
    ir = (s.sensor_type == "infrared") & ~s.false_alarm
    assert ir.any()
    assert s.t_s[ir].max() <= la.t_launch_s + spec.failure.boost_ends_s
    assert ((s.sensor_type == "radar") & ~s.false_alarm).any()


def test_breakup_into_three_pieces_2017_08_29():
    r = simulate(builtin("2017-08-29"))
    assert len(r.objects) == 3
    main, *fragments = r.objects
    assert all(f.parent_id == main.object_id for f in fragments)
    t_break = main.t_s[[i for i, e in main.events.items() if e == "breakup"][0]]
    for f in fragments:
        assert f.t_s[0] == pytest.approx(t_break)
        assert np.linalg.norm(f.r_ecef[0] - main.r_ecef[main.t_s.searchsorted(t_break)]) < 1.0
        assert f.impacted


def test_lofted_icbm_with_all_sensors_simulates_in_under_ten_seconds(tmp_path):
    spec = builtin("2022-11-18")
    t0 = time.perf_counter()
    r = simulate(spec)
    write_outputs(r, tmp_path)
    elapsed = time.perf_counter() - t0
    assert r.launches[0].trajectory.flight_time_s > 68 * 60
    assert len(r.sensors) == 10
    assert elapsed < 10.0, elapsed


@pytest.mark.parametrize("name", ["2017-09-15", "2017-11-29"])
def test_other_real_launches_simulate(name):
    r = simulate(builtin(name))
    s = r.stream
    assert len(set(s.sensor_id[~s.false_alarm & (s.sensor_type == "radar")])) >= 2
    assert ((s.sensor_type == "infrared") & ~s.false_alarm).any()


def test_every_builtin_is_listed():
    assert len(builtin_names()) >= 7

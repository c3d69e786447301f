"""Launch-site catalogue, position parsing and boost-profile validation."""

import pytest

from missilewatch.errors import InputError
from missilewatch.flight.boost import RangeClass, Stage, generic_profile
from missilewatch.flight.propagate import fly
from missilewatch.flight.sites import find_site, parse_lat_lon, resolve_site


@pytest.mark.parametrize(
    "name, lat, lon",
    [("Sunan", 39.2, 125.67), ("Mupyong-ni", 40.61, 126.43), ("pyongsong", 39.25, 125.86),
     ("Sunan (Pyongyang International Airport)", 39.2, 125.67), ("Musudan-ri", 40.86, 129.67)],
)
def test_catalogue_by_name_and_alias(name, lat, lon):
    site = find_site(name)
    assert site is not None
    assert site.lat_deg == pytest.approx(lat, abs=0.02) and site.lon_deg == pytest.approx(lon, abs=0.02)


def test_resolve_lat_lon_and_errors():
    assert resolve_site("40.5, 126.25")[1:] == (40.5, 126.25)
    with pytest.raises(InputError, match="unknown launch site"):
        resolve_site("Atlantis")
    for bad in ("40.5", "abc,def", "95,10", "10,400"):
        with pytest.raises(InputError):
            parse_lat_lon(bad)


def test_range_classes_and_profiles():
    assert RangeClass.from_range_km(800) == RangeClass.SRBM
    assert RangeClass.from_range_km(2000) == RangeClass.MRBM
    assert RangeClass.from_range_km(4000) == RangeClass.IRBM
    assert RangeClass.from_range_km(9000) == RangeClass.ICBM
    dv = [generic_profile(c).ideal_delta_v_mps for c in RangeClass]
    assert dv == sorted(dv)
    with pytest.raises(InputError, match="range_class"):
        generic_profile("XRBM")


def test_stage_and_profile_validation():
    with pytest.raises(InputError, match="mass_ratio"):
        Stage(60.0, 2500.0, 1.0)
    with pytest.raises(InputError, match="burn_s"):
        Stage(0.0, 2500.0, 3.0)
    with pytest.raises(InputError, match="kick_deg"):
        generic_profile("SRBM").with_(kick_deg=95.0)
    s = Stage(60.0, 2300.0, 3.6)
    # Constant mass flow: a0 = ve (MR - 1) / (tb MR); ideal delta-v = ve ln MR.
    assert s.initial_acceleration_mps2 == pytest.approx(2300 * 2.6 / (60 * 3.6))
    assert s.ideal_delta_v_mps == pytest.approx(2300 * 1.2809338454620642)


def test_early_cutoff_falls_short_and_burnout_is_recorded():
    prof = generic_profile("IRBM").with_(kick_deg=20.0)
    full = fly(40.6, 126.4, 90.0, prof)
    cut = fly(40.6, 126.4, 90.0, prof.with_(cutoff_s=40.0))
    assert cut.impacted and full.impacted
    assert cut.burnout[0] == pytest.approx(40.0)
    assert full.burnout[0] == pytest.approx(prof.total_burn_s)
    assert cut.ground_range_m < 0.2 * full.ground_range_m
    # Thrust ends at burnout: the speed then only falls until apogee.
    assert full.burnout_speed_mps == pytest.approx(full.speed_mps[full.t_s <= full.burnout[0]].max(), rel=1e-3)


def test_fly_rejects_bad_launch():
    with pytest.raises(InputError, match="launch_lat_deg"):
        fly(95.0, 0.0, 90.0, generic_profile("SRBM"))

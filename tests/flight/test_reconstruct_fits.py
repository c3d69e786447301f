"""Every kind of fit the reconstruction produces, and the lofted-test regression of issue 15.

The regression: 930 km / 2,800 km apogee from 39.872 N 125.269 E toward 95 deg with a reported
flight time of 2,400 s gave a standard range of 8 km (2,340 s: 907 km; 2,300 s: 7,196 km) and
silently fitted 2,383 s. The burn-time scale had been stretched to a lift-off thrust-to-weight
ratio of ~1.1, whose gravity turn the range-maximising re-flight tipped into the ground.
"""

from __future__ import annotations

import math

import pytest

from missilewatch.errors import ConvergenceError
from missilewatch.flight.boost import generic_profile
from missilewatch.flight.capability import standard_range
from missilewatch.flight.profile_fit import (
    FLIGHT_TIME_MATCH_S,
    LIFTOFF_TW_BOUNDS,
    burn_scale_bounds,
    liftoff_thrust_to_weight,
)
from missilewatch.flight.reconstruct import reconstruct

LAUNCH = (39.872, 125.269)
# Flight times from below to above what a plausible profile flying 930 km / 2,800 km can take
# (about 2,160 s at lift-off thrust-to-weight 3 to 2,342 s at 1.2).
FLIGHT_TIMES = (None, 2100, 2160, 2220, 2260, 2300, 2340, 2383, 2400, 2500)


@pytest.fixture(scope="module")
def lofted_fits() -> dict:
    return {ft: reconstruct(LAUNCH, azimuth_deg=95, range_km=930, apogee_km=2800, flight_time_s=ft)
            for ft in FLIGHT_TIMES}


def _check_fit(rec) -> None:
    """What every reconstruction must satisfy, met or not."""
    assert rec.impact_miss_km < 1.0
    assert rec.apogee_km == pytest.approx(rec.reported_apogee_km, abs=1.0)
    tw = rec.liftoff_thrust_to_weight
    assert LIFTOFF_TW_BOUNDS[0] - 1e-6 <= tw <= LIFTOFF_TW_BOUNDS[1] + 1e-6
    # The re-flight is a real ballistic flight that falls after burnout. On the rotating Earth in
    # the same azimuth the fitted pitch programme is one of those it tries, so it reaches at
    # least the range flown.
    assert rec.standard.flight_time_s > rec.profile.burn_end_s or rec.global_reach
    assert rec.standard_range_rotating_km >= 0.995 * rec.range_km
    res = rec.flight_time_residual_s
    if res is None:
        assert rec.figures_met and rec.unmet_figures == ()
    elif abs(res) <= FLIGHT_TIME_MATCH_S:
        assert rec.figures_met
    else:
        assert not rec.figures_met
        (msg,) = rec.unmet_figures
        assert msg.startswith("flight_time_s") and f"{rec.reported_flight_time_s:,.0f} s" in msg
        assert f"{res:+,.0f} s" in msg
    d = rec.to_dict()
    assert d["figures_met"] == rec.figures_met and d["unmet_figures"] == list(rec.unmet_figures)


@pytest.mark.parametrize("ft", FLIGHT_TIMES)
def test_lofted_2017_07_04_like_fit_at_every_flight_time(lofted_fits, ft):
    rec = lofted_fits[ft]
    _check_fit(rec)
    # A plausible Hwasong-14-like missile: between 5,500 and 7,500 km whatever the burn, and at
    # least the minimum-energy range of its lofted burnout energy (a standard boost loses less
    # of the delta-v to gravity).
    assert 5500 < rec.standard_range_km < 7500
    assert rec.standard_range_km >= 0.98 * rec.standard_range_energy_km


def test_reachable_flight_times_are_met_and_the_rest_reported(lofted_fits):
    for ft in (2160, 2220, 2260, 2300, 2340):
        assert lofted_fits[ft].figures_met, ft
        assert abs(lofted_fits[ft].flight_time_residual_s) <= FLIGHT_TIME_MATCH_S
    # 2,100 s is shorter than any plausible profile flies: the shortest burn is the nearest.
    short = lofted_fits[2100]
    assert not short.figures_met and short.flight_time_residual_s > 0
    assert short.liftoff_thrust_to_weight == pytest.approx(LIFTOFF_TW_BOUNDS[1], rel=1e-6)
    # 2,383, 2,400 and 2,500 s are longer: the longest plausible burn, and the gap stated.
    for ft in (2383, 2400, 2500):
        rec = lofted_fits[ft]
        assert not rec.figures_met and rec.flight_time_residual_s < 0
        assert rec.liftoff_thrust_to_weight == pytest.approx(LIFTOFF_TW_BOUNDS[0], rel=1e-6)
        assert rec.flight_time_s == pytest.approx(lofted_fits[2340].flight_time_s, abs=5.0)


def test_standard_range_grows_smoothly_with_the_burn(lofted_fits):
    """Longer flight time -> longer burn -> more gravity loss saved on the standard boost."""
    met = [lofted_fits[ft] for ft in (2160, 2220, 2260, 2300, 2340)]
    km = [r.standard_range_km for r in met]
    burns = [r.profile.burn_end_s for r in met]
    assert burns == sorted(burns)
    assert km == sorted(km)
    assert max(b - a for a, b in zip(km[:-1], km[1:], strict=True)) < 800  # no jumps
    # The issue's figures: 8 km at 2,400 s and 907 km at 2,340 s are gone, with burns of 418 s and
    # more (where the re-flight used to fail).
    assert lofted_fits[2400].standard_range_km > 7000 and lofted_fits[2340].standard_range_km > 7000
    assert lofted_fits[2400].profile.burn_end_s >= 418 and lofted_fits[2340].profile.burn_end_s >= 418


def test_the_issue_command_line_regression(capsys):
    from missilewatch.cli.app import main

    code = main(["reconstruct", "--launch", "39.872,125.269", "--azimuth", "95", "--range-km", "930",
                 "--apogee-km", "2800", "--flight-time-s", "2400", "--json"])
    assert code == 0
    import json

    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert out["standard_range_km"] > 7000
    assert out["figures_met"] is False and out["flight_time_residual_s"] < -50
    assert "flight_time_s" in out["unmet_figures"][0]
    assert "warning: flight_time_s" not in captured.err  # JSON mode: the flag is in the object


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(launch="Sunan", azimuth_deg=90, range_km=450, apogee_km=60, range_class="SRBM"),
        dict(launch="Sunan", azimuth_deg=90, range_km=600, apogee_km=60, flight_time_s=420, range_class="SRBM"),
        dict(launch="Sunan", azimuth_deg=80, range_km=1000, apogee_km=250, range_class="MRBM"),
        dict(launch="Sunan", azimuth_deg=80, range_km=1000, apogee_km=250, flight_time_s=700),
        dict(launch="Mupyong-ni", azimuth_deg=80, range_km=4600, apogee_km=1000, flight_time_s=1320),
        dict(launch="Mupyong-ni", impact=(38.0, 178.5), apogee_km=1000),
        dict(launch="Panghyon", azimuth_deg=110, range_km=787, apogee_km=2111.5, flight_time_s=1800),
        dict(launch=(39.252, 125.864), azimuth_deg=90, range_km=950, apogee_km=4475, flight_time_s=3180),
        dict(launch=(39.2, 125.673), azimuth_deg=90, range_km=999.2, apogee_km=6040.9, flight_time_s=4135),
        # KCNA's 4,052 s for 1,090 km / 6,248.5 km is shorter than any plausible profile flies.
        dict(launch=(39.2, 125.673), azimuth_deg=90, range_km=1090, apogee_km=6248.5, flight_time_s=4052),
    ],
)
def test_every_kind_of_fit(kwargs):
    rec = reconstruct(**kwargs)
    _check_fit(rec)


def test_kcna_flight_time_of_2022_03_24_is_reported_unmet():
    rec = reconstruct((39.2, 125.673), azimuth_deg=90, range_km=1090, apogee_km=6248.5, flight_time_s=4052)
    assert not rec.figures_met and rec.flight_time_residual_s > 60


def test_burn_scale_bounds_keep_thrust_to_weight_plausible():
    for rc in ("SRBM", "MRBM", "IRBM", "ICBM"):
        base = generic_profile(rc)
        lo, hi = burn_scale_bounds(base)
        assert liftoff_thrust_to_weight(base.scaled_burn(lo)) == pytest.approx(LIFTOFF_TW_BOUNDS[1])
        assert liftoff_thrust_to_weight(base.scaled_burn(hi)) == pytest.approx(LIFTOFF_TW_BOUNDS[0])


def test_a_missile_that_cannot_climb_has_no_standard_range():
    weak = generic_profile("ICBM").scaled_burn(2.5)  # lift-off thrust-to-weight 0.73
    assert liftoff_thrust_to_weight(weak) < 1.0
    with pytest.raises(ConvergenceError, match="falls back"):
        standard_range(weak, 39.0, 125.0, 90.0, rotating=False)


def test_standard_range_never_counts_a_flight_that_hits_the_ground_under_thrust():
    # A low-thrust profile (lift-off T/W 1.2) tipped by a large kick falls while still burning;
    # the range-maximising re-flight must find the small-kick programme instead.
    from missilewatch.flight.propagate import ForceModel, fly

    prof = generic_profile("ICBM").scaled_burn(1.5).with_(cutoff_s=380.0)
    crash = fly(39.0, 125.0, 90.0, prof.with_(kick_deg=30.0), force=ForceModel(rotating=False), dt_out_s=10.0)
    assert crash.flight_time_s < prof.burn_end_s
    std = standard_range(prof, 39.0, 125.0, 90.0, rotating=False)
    assert std.flight_time_s > prof.burn_end_s and std.range_km > 4000 and std.kick_deg < 10
    assert math.isfinite(std.apogee_km)

"""Reported figures no missile can fly together are refused before any reconstruction."""

import math

import pytest

from missilewatch.errors import InputError
from missilewatch.flight.plausibility import check_reported, vacuum_flight_time_s
from missilewatch.flight.reconstruct import reconstruct


def test_vacuum_time_tends_to_the_vertical_shot_of_constant_gravity():
    g = 3.986004418e14 / 6_371_008.8**2
    for h_km in (0.5, 2.0):
        assert vacuum_flight_time_s(1e-6, h_km) == pytest.approx(2 * math.sqrt(2 * h_km * 1e3 / g), rel=2e-3)


def test_vacuum_time_of_a_low_arc_is_range_over_speed():
    # A 45-degree-ish flat-Earth arc: range R, apogee R/4 -> t = 2 sqrt(2 H / g).
    g = 3.986004418e14 / 6_371_008.8**2
    assert vacuum_flight_time_s(4.0, 1.0) == pytest.approx(2 * math.sqrt(2 * 1e3 / g), rel=5e-3)


@pytest.mark.parametrize("range_km, apogee_km, time_s", [
    (1000, 6100, 4135),   # Hwasong-17, 18 Nov 2022 (69 min)
    (950, 4475, 3180),    # Hwasong-15, 29 Nov 2017 (53 min)
    (4600, 970, 1320),    # 4 Oct 2022 over Aomori (22 min)
    (1002, 6518, 4415),   # Hwasong-18, 13 Jul 2023 (74 min)
])
def test_real_flights_pass(range_km, apogee_km, time_s):
    check_reported(range_km, apogee_km, time_s)


def test_impossible_combinations_are_refused_with_the_reason():
    with pytest.raises(InputError, match="apogee_km"):
        check_reported(100, 1500)
    with pytest.raises(InputError, match="flight_time_s.*vacuum arc"):
        check_reported(1000, 970, 5)
    with pytest.raises(InputError, match="apogee_km"):
        reconstruct("Sunan", azimuth_deg=80, range_km=100, apogee_km=1500)
    with pytest.raises(InputError, match="flight_time_s"):
        reconstruct("Sunan", azimuth_deg=80, range_km=1000, apogee_km=970, flight_time_s=5)

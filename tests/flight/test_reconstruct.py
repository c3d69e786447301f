"""Reconstruction from reported figures against the official launch figures."""

import math

import pytest

from missilewatch.errors import ConvergenceError, InputError
from missilewatch.flight.capability import (
    TrajectoryType,
    keplerian_surface_speed_mps,
    minimum_energy_apogee_km,
    trajectory_type,
)
from missilewatch.flight.reconstruct import fit_flight, reconstruct

# 2017-08-29: Japan's figure "about 14 minutes" comes from clock times to the minute
# (launch 05:58, fall ~06:12) for a missile that broke into three pieces; no boosted
# flight to the ground over 2,700 km with a 550 km apogee takes under ~895 s here
# (the vacuum Kepler arc from the surface alone takes 806 s). Checked at 10 %.
FLIGHT_TIME_TOLERANCE = {"2017-08-29": 0.10}


def _complete(rows):
    return [r for r in rows if r["range_km"] and r["apogee_km"] and r["flight_time_s"]]


def test_every_complete_launch_flight_time_within_5_percent(public_launches):
    rows = _complete(public_launches)
    assert len(rows) == 5
    for r in rows:
        rec = reconstruct((float(r["site_lat"]), float(r["site_lon"])), azimuth_deg=90.0,
                          range_km=float(r["range_km"]), apogee_km=float(r["apogee_km"]))
        reported = float(r["flight_time_s"])
        tol = FLIGHT_TIME_TOLERANCE.get(r["date_local"], 0.05)
        assert rec.flight_time_s == pytest.approx(reported, rel=tol), r["date_local"]
        assert rec.range_km == pytest.approx(float(r["range_km"]), abs=1.0)
        assert rec.apogee_km == pytest.approx(float(r["apogee_km"]), abs=1.0)


def test_flight_time_given_is_matched(public_launches):
    row = next(r for r in public_launches if r["date_local"] == "2022-10-04")
    rec = reconstruct("Mupyong-ni", azimuth_deg=80.0, range_km=4600, apogee_km=1000, flight_time_s=1320)
    assert rec.flight_time_s == pytest.approx(float(row["flight_time_s"]), rel=0.03)
    assert rec.impact_miss_km < 1.0
    # Burnout of an IRBM-like missile: 5 to 6 km/s, above 80 km, within ~150 s.
    assert 5000 < rec.burnout_speed_mps < 6000
    assert 80 < rec.burnout_altitude_km < 250
    assert rec.burnout_time_s < 160
    assert rec.max_speed_mps >= rec.burnout_speed_mps


def test_impact_point_input_lands_there():
    # 2022-10-04 fell ~3,200 km east of Kamaishi (39.27 N, 141.89 E).
    rec = reconstruct("Mupyong-ni", impact=(38.0, 178.5), apogee_km=1000)
    assert rec.impact_miss_km < 1.0
    assert rec.trajectory_type == TrajectoryType.STANDARD
    track = rec.ground_track(10.0)
    assert track["t_s"][0] == 0.0 and track["alt_km"][-1] == pytest.approx(0.0, abs=0.01)
    assert abs(track["lat_deg"][-1] - 38.0) < 0.01


@pytest.mark.parametrize("kwargs", [{"impact": (38.0, 178.5), "apogee_km": 1000},
                                    {"azimuth_deg": 80.0, "range_km": 1800.0, "apogee_km": 450.0,
                                     "range_class": "MRBM"}])
def test_the_fit_alone_is_the_reconstructions_fit(kwargs):
    """fit_flight (what a simulation needs) gives the reconstruction's azimuth, profile and points."""
    fit, rec = fit_flight("Mupyong-ni", **kwargs), reconstruct("Mupyong-ni", **kwargs)
    assert (fit.azimuth_deg, fit.profile) == (rec.azimuth_deg, rec.profile)
    assert (fit.launch_name, fit.launch_lat_deg, fit.launch_lon_deg, fit.target_lat_deg, fit.target_lon_deg) == (
        rec.launch_name, rec.launch_lat_deg, rec.launch_lon_deg, rec.target_lat_deg, rec.target_lon_deg)


def test_lofted_2017_07_04_standard_range_near_published_6700_km():
    """Wright (UCS, 2017): apogee ~2,800 km, range ~930 km -> ~6,700 km on a standard trajectory."""
    rec = reconstruct("Panghyon", azimuth_deg=90.0, range_km=930, apogee_km=2800, flight_time_s=37 * 60)
    assert rec.trajectory_type == TrajectoryType.LOFTED
    assert rec.standard_range_km == pytest.approx(6700, rel=0.10)
    # Launched east, the Earth's rotation adds range.
    assert rec.standard_range_rotating_km > rec.standard_range_km


def test_closed_form_trajectory_relations():
    # Minimum energy: apogee ~ range/4 for short ranges; the speed needed grows with loft.
    assert minimum_energy_apogee_km(100.0) == pytest.approx(25.0, rel=0.01)
    assert keplerian_surface_speed_mps(1000, 2000) > keplerian_surface_speed_mps(1000, 250)
    assert trajectory_type(950, 4475) == TrajectoryType.LOFTED
    assert trajectory_type(1000, 80) == TrajectoryType.DEPRESSED
    # Minimum-energy speed over a quarter of the Earth, against v = sqrt(GM/R * 2 tan(psi/4)... )
    psi = math.pi / 2
    from missilewatch.earth.constants import GM_EARTH
    from missilewatch.flight.capability import R_MEAN, minimum_energy_speed_mps
    expected = math.sqrt(GM_EARTH / R_MEAN * 2 * math.sin(psi / 2) / (1 + math.sin(psi / 2)))
    assert minimum_energy_speed_mps(R_MEAN * psi / 1e3) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(launch="Nowhere-ri", azimuth_deg=90, range_km=1000, apogee_km=300), "launch"),
        (dict(launch=(95.0, 126.0), azimuth_deg=90, range_km=1000, apogee_km=300), "latitude"),
        (dict(launch="Sunan", azimuth_deg=90, range_km=-5, apogee_km=300), "range_km"),
        (dict(launch="Sunan", azimuth_deg=90, range_km=1000, apogee_km=float("nan")), "apogee_km"),
        (dict(launch="Sunan", range_km=1000, apogee_km=300), "impact"),
        (dict(launch="Sunan", impact=(40.0, 140.0), azimuth_deg=90, apogee_km=300), "impact"),
    ],
)
def test_bad_figures_name_the_field(kwargs, field):
    with pytest.raises(InputError, match=field):
        reconstruct(**kwargs)


def test_impossible_flight_is_a_convergence_error():
    with pytest.raises(ConvergenceError):
        reconstruct("Sunan", azimuth_deg=90, range_km=15000, apogee_km=19000)


@pytest.mark.parametrize("range_km, apogee_km", [(600, 60), (300, 100), (800, 200), (200, 30)])
def test_srbm_profile_flies_standard_and_depressed_short_ranges(range_km, apogee_km):
    rec = reconstruct("Sunan", azimuth_deg=90, range_km=range_km, apogee_km=apogee_km, range_class="SRBM")
    assert rec.impact_miss_km < 1.0 and rec.apogee_km == pytest.approx(apogee_km, abs=1.0)
    assert rec.profile.name == "generic SRBM"


def test_minimum_energy_range_inverts_the_speed_and_energy_equivalence():
    from missilewatch.flight.capability import (
        HALF_CIRCUMFERENCE_KM,
        R_MEAN,
        energy_equivalent_range_km,
        minimum_energy_range_km,
        minimum_energy_speed_mps,
    )

    for km in (300.0, 3000.0, 9000.0, 15000.0):
        assert minimum_energy_range_km(minimum_energy_speed_mps(km)) == pytest.approx(km, rel=1e-9)
    assert minimum_energy_range_km(8000.0) == HALF_CIRCUMFERENCE_KM  # above circular speed
    # A surface state keeps its own speed; climbing trades speed for height at equal energy.
    v = minimum_energy_speed_mps(5000.0)
    assert energy_equivalent_range_km(R_MEAN, v) == pytest.approx(5000.0, rel=1e-9)
    from missilewatch.earth.constants import GM_EARTH

    r = R_MEAN + 500e3
    v_high = math.sqrt(v * v - 2 * GM_EARTH * (1 / R_MEAN - 1 / r))
    assert energy_equivalent_range_km(r, v_high) == pytest.approx(5000.0, rel=1e-9)


def test_lofted_ranges_stay_on_earth_and_flag_global_reach():
    rec = reconstruct((39.2, 125.673), azimuth_deg=90, range_km=999.2, apogee_km=6040.9)
    from missilewatch.flight.capability import HALF_CIRCUMFERENCE_KM

    assert rec.standard_range_km <= HALF_CIRCUMFERENCE_KM
    assert rec.global_reach == (rec.standard_range_km == HALF_CIRCUMFERENCE_KM)
    assert rec.range_class.value == "ICBM"

"""The standard-range band against the published conversions of lofted tests.

Flight figures are the reported ones (KCNA where it published exact figures, else Japan's MOD or
South Korea's JCS). Each published standard-range estimate must lie in the band (for "more
than X" statements: the band reaches X).

Sources of the published conversions:
- 2017-05-14 Hwasong-12 (KCNA: 787 km, apogee 2,111.5 km; Japan MOD: about 30 min): David Wright,
  Union of Concerned Scientists (All Things Nuclear, 14 May 2017), about 4,500 km (2,800 miles),
  as quoted by Inquisitr 2017-05-14; 38 North: some 4,500 km.
- 2017-07-04 Hwasong-14 (about 930 km, 2,800 km, 37 min per US PACOM): Wright (UCS), about
  6,700 km (crikey.com.au 2017-07-05; The Economist); CSIS Missile Threat: "could be as much as
  7,000 kilometers".
- 2017-07-28 Hwasong-14 (KCNA: 998 km, 3,724.9 km, 47 min 12 s): Wright (UCS), "a range 10,400 km
  (6,500 miles), not taking into account the rotation of the Earth" (BNO News, AP 2017-07-28),
  "between 10,400 km and 11,000 km" (SGT Report 2017-07-29).
- 2017-11-29 Hwasong-15 (KCNA: 950 km, 4,475 km, 53 min): Wright (UCS), "a range of more than
  13,000 kilometres (8,100 miles)" (Evening Standard 2017-11-29; US Embassy Japan press summary);
  South Korea's MND: over 13,000 km (RT 2017-12-01, citing Reuters).
- 2022-03-24 Hwasong-17 (KCNA: 1,090 km, 6,248.5 km, 4,052 s): Japan's Defence Minister Kishi,
  "the range can exceed 15,000 kilometers" (UPI 2022-03-25).
- 2022-11-18 Hwasong-17 (KCNA: 999.2 km, 6,040.9 km, 4,135 s): Japan's Defence Minister Hamada,
  "the range could exceed 15,000 km, depending on the weight of the warhead" (TASS 2022-11-19).
- 2023-12-18 Hwasong-18 (KCNA: 1,002.3 km, 6,518.2 km, 4,415 s): Japan's Parliamentary Vice-Minister
  of Defence Miyake, "could have a flying range of over 15,000 kilometres" (NDTV 2023-12-18).
- 2024-10-31 Hwasong-19 (KCNA: 1,001.2 km, 7,687.5 km, 5,156 s): Chief Cabinet Secretary Hayashi,
  "the range could exceed 15,000km" (NHK, as cited 2024-10-31).
"""

from __future__ import annotations

import pytest

from missilewatch.flight.capability import HALF_CIRCUMFERENCE_KM
from missilewatch.flight.range_band import flight_time_tolerance_s
from missilewatch.flight.reconstruct import reconstruct

SUNAN = (39.2, 125.673)

# date, launch, azimuth, range km, apogee km, flight time s, published km, "about" or "more than"
PUBLISHED = [
    ("2017-05-14", "Panghyon", 110, 787, 2111.5, 1800, 4500, "about"),
    ("2017-07-04", "Panghyon", 90, 930, 2800, 37 * 60, 6700, "about"),
    ("2017-07-04 CSIS", "Panghyon", 90, 930, 2800, 37 * 60, 7000, "about"),
    ("2017-07-28", "Mupyong-ni", 90, 998, 3724.9, 2832, 10400, "about"),
    ("2017-07-28 upper", "Mupyong-ni", 90, 998, 3724.9, 2832, 11000, "about"),
    ("2017-11-29", (39.252, 125.864), 90, 950, 4475, 3180, 13000, "more than"),
    ("2022-03-24", SUNAN, 90, 1090, 6248.5, 4052, 15000, "more than"),
    ("2022-11-18", SUNAN, 90, 999.2, 6040.9, 4135, 15000, "more than"),
    ("2023-12-18", SUNAN, 90, 1002.3, 6518.2, 4415, 15000, "more than"),
    ("2024-10-31", SUNAN, 90, 1001.2, 7687.5, 5156, 15000, "more than"),
]


@pytest.fixture(scope="module")
def bands() -> dict:
    out = {}
    for _date, site, az, rng, apo, ft, _km, _kind in PUBLISHED:
        key = (site, rng, apo, ft)
        if key not in out:
            out[key] = reconstruct(site, azimuth_deg=az, range_km=rng, apogee_km=apo, flight_time_s=ft, band=True)
    return out


@pytest.mark.parametrize("date, site, az, rng, apo, ft, km, kind", PUBLISHED, ids=[p[0] for p in PUBLISHED])
def test_band_holds_the_published_conversion(bands, date, site, az, rng, apo, ft, km, kind):
    rec = bands[(site, rng, apo, ft)]
    band = rec.band
    assert band.low_km <= band.central_km <= band.high_km
    if kind == "about":
        assert band.holds(km), (date, band.low_km, band.high_km)
        # The central figure is within 15 % of the published one.
        assert band.central_km == pytest.approx(km, rel=0.15)
    else:
        assert band.high_km >= km, (date, band.high_km)


def test_2017_07_04_central_figure_near_wright(bands):
    rec = bands[("Panghyon", 930, 2800, 37 * 60)]
    assert rec.figures_met
    assert rec.band.central_km == pytest.approx(6700, rel=0.05)
    # Its width: a few hundred km either side, from the burn time.
    assert 500 < rec.band.high_km - rec.band.low_km < 2000


def test_width_is_driven_by_burn_time(bands):
    """Within the kept profiles of one stage count, standard range grows with the burn."""
    for key in (("Panghyon", 930, 2800, 37 * 60), ("Mupyong-ni", 998, 3724.9, 2832), ("Panghyon", 787, 2111.5, 1800)):
        band = bands[key].band
        for n in {m.stages for m in band.kept}:
            members = sorted((m for m in band.kept if m.stages == n), key=lambda m: m.burn_s)
            km = [m.standard_range_km for m in members]
            assert km == sorted(km), (key, n, km)
        d = band.drivers()
        assert d["burn_time"]["standard_range_km"][0] < d["burn_time"]["standard_range_km"][1]
        assert "burn time drives the width" in band.explanation()


def test_one_and_two_stage_profiles_both_count_where_both_fly(bands):
    band = bands[("Panghyon", 787, 2111.5, 1800)].band  # an IRBM test: one stage can fly it
    assert {m.stages for m in band.kept} == {1, 2}
    assert set(band.drivers()) >= {"1_stage", "2_stage"}


def test_flight_time_narrows_the_band_and_kept_profiles_match_it(bands):
    rec = bands[("Mupyong-ni", 998, 3724.9, 2832)]
    free = reconstruct("Mupyong-ni", azimuth_deg=90, range_km=998, apogee_km=3724.9, band=True).band
    band = rec.band
    assert free.low_km <= band.low_km and band.high_km <= free.high_km
    assert band.high_km - band.low_km < free.high_km - free.low_km
    tol = flight_time_tolerance_s(2832)
    assert all(abs(m.flight_time_s - 2832) <= tol for m in band.kept)
    assert any(not m.kept for m in band.members)


def test_unreachable_flight_time_is_ignored_by_the_band_and_said_so(bands):
    rec = bands[(SUNAN, 1090, 6248.5, 4052)]
    assert not rec.figures_met
    assert rec.band.flight_time_ignored
    assert rec.to_dict()["standard_range_band"]["flight_time_ignored"] is True


def test_global_reach_caps_the_band(bands):
    band = bands[(SUNAN, 1001.2, 7687.5, 5156)].band
    assert band.high_global_reach and band.high_km == pytest.approx(HALF_CIRCUMFERENCE_KM)
    assert band.to_dict()["high_global_reach"] is True

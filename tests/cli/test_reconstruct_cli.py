"""``missilewatch reconstruct`` and ``demo`` from the command line."""

import json

import pytest

from missilewatch.cli.app import main


def test_reconstruct_json_fields(capsys):
    code = main(["reconstruct", "--launch", "Mupyong-ni", "--azimuth", "80", "--range-km", "4600",
                 "--apogee-km", "1000", "--flight-time-s", "1320", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("flight_time_s", "range_km", "apogee_km", "burnout_speed_mps", "burnout_altitude_km",
                "standard_range_km", "ground_track"):
        assert key in out
    assert out["range_km"] == pytest.approx(4600, abs=1)
    assert out["flight_time_s"] == pytest.approx(1320, rel=0.05)
    assert set(out["impact"]) >= {"lat_deg", "lon_deg"}
    track = out["ground_track"]
    assert track[0]["t_s"] == 0 and track[-1]["alt_km"] == pytest.approx(0, abs=0.01)
    assert {"t_s", "lat_deg", "lon_deg", "alt_km"} <= set(track[1])


def test_reconstruct_summary_and_plot(tmp_path, capsys):
    png = tmp_path / "flight.png"
    code = main(["reconstruct", "--launch", "39.2,125.673", "--impact", "41.0,138.0",
                 "--apogee-km", "300", "--plot", str(png)])
    assert code == 0
    assert "apogee" in capsys.readouterr().out
    assert png.stat().st_size > 20_000


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--launch", "Atlantis", "--azimuth", "80", "--range-km", "100", "--apogee-km", "50"], "launch"),
        (["--launch", "Sunan", "--impact", "91,10", "--apogee-km", "50"], "--impact"),
        (["--launch", "Sunan", "--impact", "north", "--apogee-km", "50"], "--impact"),
        (["--launch", "Sunan", "--azimuth", "80", "--range-km", "ten", "--apogee-km", "50"], "--range-km"),
        (["--launch", "Sunan", "--apogee-km", "50"], "impact"),
    ],
)
def test_bad_input_is_one_line_exit_2(args, needle, capsys):
    assert main(["reconstruct", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and needle in err[0]


def test_reconstruct_reports_the_band_and_an_unmet_flight_time(capsys):
    code = main(["reconstruct", "--launch", "39.872,125.269", "--azimuth", "95", "--range-km", "930",
                 "--apogee-km", "2800", "--flight-time-s", "2400"])
    assert code == 0
    captured = capsys.readouterr()
    assert "standard range band" in captured.out and "NOT MET" in captured.out
    assert captured.err.startswith("warning: flight_time_s: reported 2,400 s")


def test_reconstruct_json_has_the_band(capsys):
    code = main(["reconstruct", "--launch", "Panghyon", "--azimuth", "90", "--range-km", "930",
                 "--apogee-km", "2800", "--flight-time-s", "2220", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    band = out["standard_range_band"]
    assert band["low_km"] <= 6700 <= band["high_km"]
    assert band["central_km"] == pytest.approx(out["standard_range_km"])
    assert out["figures_met"] is True and out["unmet_figures"] == []
    assert {"burn_time", "2_stage"} <= set(band["drivers"]) and band["profiles"]

"""A campaign's metrics for a fixed seed are pinned (``data/pinned_small.json``, written at the
commit that added this test): speed work on the simulation, the campaign or the watch must not
move them.

Two runs of the small study (conftest.py), computed in this process without Dask. What the
simulation alone decides (seeds, aim, truth, measurement counts, regions crossed and when) must
be equal; what the watch decides is held within the tolerances of the watch's own golden test
(``tests/pipeline/test_watch_golden.py``): alert and confirmation times within one prediction
update, the same regions and outcomes, impact errors within 1 km.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from missilewatch.campaign import expand, load_study
from missilewatch.campaign.runs import make_payload, one_run

PINNED = Path(__file__).parent / "data" / "pinned_small.json"
RUNS = (0, 3)  # one launch from the Sea of Japan into Ishikawa, one from Sunan
UPDATE_S = 5.5  # one prediction update (predict_every_s = 5 s) and rounding
#: Run fields the simulation and the study decide: equal.
EXACT = ("run", "pair", "site", "target", "flight", "seed", "aim_lat_deg", "aim_lon_deg", "azimuth_deg",
         "status", "measurements", "launches", "flight_time_s", "range_km", "apogee_km", "regions_crossed",
         "tracks_confirmed", "false_tracks", "threat_of_damage", "regions_warned", "alerts", "cancels")
#: Run fields the watch's timing decides: within one prediction update.
TIMES = ("confirmation_s", "first_alert_s", "min_lead_s")


def pinned_runs(study_file: Path) -> list[dict]:
    """The two runs' tables (without the machine-dependent wall time)."""
    study = load_study(study_file)
    payload = make_payload(study, None)
    runs = expand(study)
    out = []
    for i in RUNS:
        tables = one_run(study, payload, runs[i])
        tables["runs"][0].pop("wall_s")
        out.append(tables)
    return out


@pytest.fixture(scope="module")
def got(small_study_file) -> list[dict]:
    return pinned_runs(small_study_file)


@pytest.mark.parametrize("i", range(len(RUNS)))
def test_run_metrics_are_pinned(got, i):
    want = json.loads(PINNED.read_text())[i]
    g, w = got[i]["runs"][0], want["runs"][0]
    assert g["status"] == "ok", g["error"]
    for key in EXACT:
        assert g[key] == w[key], key
    for key in TIMES:
        assert (g[key] is None) == (w[key] is None) and (w[key] is None or abs(g[key] - w[key]) <= UPDATE_S), key
    assert g["impact_error_km"] == pytest.approx(w["impact_error_km"], abs=1.0)
    assert g["gospa_mean_m"] == pytest.approx(w["gospa_mean_m"], rel=0.1)
    assert g["position_rmse_m"] == pytest.approx(w["position_rmse_m"], rel=0.2)


@pytest.mark.parametrize("i", range(len(RUNS)))
def test_region_rows_are_pinned(got, i):
    want = json.loads(PINNED.read_text())[i]["regions"]
    g = got[i]["regions"]
    key = ("region", "country", "crossed", "crossing_s", "crossing_alt_km", "warned", "outcome")
    assert [tuple(r[k] for k in key) for r in g] == [tuple(r[k] for k in key) for r in want]
    for a, b in zip(g, want, strict=True):
        if b["lead_s"] is not None:
            assert abs(a["lead_s"] - b["lead_s"]) <= UPDATE_S, a["region"]


@pytest.mark.parametrize("i", range(len(RUNS)))
def test_footprint_rows_are_pinned(got, i):
    want = json.loads(PINNED.read_text())[i]["footprints"]
    g = got[i]["footprints"]
    assert abs(len(g) - len(want)) <= 2
    late = [f for f in g if f["ballistic"]]
    late_want = [f for f in want if f["ballistic"]]
    assert sum(f["inside"] for f in late) / max(1, len(late)) == pytest.approx(
        sum(f["inside"] for f in late_want) / max(1, len(late_want)), abs=0.1)

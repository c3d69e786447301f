"""Small versions of the built-in studies: the first run of each (an MRBM, the whole catalogue),
through the whole watch, on one in-process Dask cluster."""

from __future__ import annotations

import pytest

from missilewatch.campaign import builtin_studies, expand, load_study, load_tables, run_campaign
from missilewatch.campaign.engine import dask_client

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_first_run_of_each_builtin_study(tmp_path):
    with dask_client(in_process=True, workers=1) as client:
        rows = {}
        for name in builtin_studies():
            out = tmp_path / name
            run_campaign(load_study(name), out, sample_n=1, client=client)
            t = load_tables(out)
            runs = t["runs"].to_pylist()
            rows[name] = (runs[0], [r for r in t["regions"].to_pylist() if r["run"] == runs[0]["run"]])
            if name == "sensor-what-if":  # one pairing group: both networks, the same flight and seed
                assert [r["network"] for r in runs] == ["catalogue", "aegis-forward"]
                assert len({(r["seed"], r["azimuth_deg"], r["range_km"]) for r in runs}) == 1
            else:
                assert len(runs) == 1
    for name, (row, _) in rows.items():
        assert row["status"] == "ok", (name, row["error"])
        assert row["tracks_confirmed"] >= 1 and row["footprint_coverage"] is not None, name
        assert row["impact_error_km"] < 100, name
    # Each is its study's first run, and its region rows are consistent.
    for name, (row, regions) in rows.items():
        first = expand(load_study(name))[0]
        assert (row["site"], row["target"], row["flight"], row["network"]) == (
            first.site, first.target, first.flight, first.network)
        assert row["regions_crossed"] == len({r["region"] for r in regions if r["crossed"]})
        for r in regions:
            if r["crossed"] and r["warned"]:
                assert r["lead_s"] == pytest.approx(r["crossing_s"] - r["first_alert_s"], abs=0.11)

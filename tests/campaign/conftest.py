"""Shared campaigns of the campaign tests: one small study run once in-process (session scope)."""

from __future__ import annotations

import textwrap

import pytest

#: Short runs (a submarine-style launch from the Sea of Japan into Ishikawa, and a
#: short-range launch from Sunan into the Sea of Japan, two seeds), one run per chunk, few sensors.
SMALL_STUDY = textwrap.dedent("""\
    name: small
    seed: 7
    seeds_per_cell: 2
    chunk_size: 1
    sites: ["39.0,136.5", Sunan]
    targets:
      prefectures: [Ishikawa]
      aim_sigma_km: 10
    flights:
      - {name: srbm, range_class: SRBM}
    networks:
      - {name: few, sensors: [sado-fps5, busan-greenpine, ir-geo-east]}
    """)
# --sample 2 of the study's 4 runs: one launch into Ishikawa, one from Sunan (also in test_campaign_run.py)
SMALL_RUNS = 2


@pytest.fixture
def small_data():
    """The small study as a fresh mapping (tests change it)."""
    import yaml

    return yaml.safe_load(SMALL_STUDY)


@pytest.fixture(scope="session")
def small_study_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("study") / "small.yaml"
    p.write_text(SMALL_STUDY)
    return p


@pytest.fixture(scope="session")
def small_campaign(tmp_path_factory, small_study_file):
    """The small study's campaign on an in-process Dask cluster (one worker, one thread) that the
    engine finds through $DASK_SCHEDULER_ADDRESS, as it would find a real cluster."""
    import os

    from distributed import LocalCluster

    from missilewatch.campaign import load_study, run_campaign
    from missilewatch.campaign.engine import scheduler_address

    out = tmp_path_factory.mktemp("campaign") / "in-process"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp",
                      dashboard_address=":0") as cluster:
        old = os.environ.get("DASK_SCHEDULER_ADDRESS")
        os.environ["DASK_SCHEDULER_ADDRESS"] = cluster.scheduler_address
        try:
            assert scheduler_address(None) == cluster.scheduler_address
            result = run_campaign(load_study(small_study_file), out, sample_n=SMALL_RUNS)
        finally:
            if old is None:
                del os.environ["DASK_SCHEDULER_ADDRESS"]
            else:
                os.environ["DASK_SCHEDULER_ADDRESS"] = old
        assert len(cluster.scheduler_info["workers"]) == 1
    assert result.items == SMALL_RUNS and result.chunks_run == SMALL_RUNS and result.workers == 1
    return out

"""Shared fixtures for scenario tests: official launch figures and one simulated run."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


@pytest.fixture(scope="session")
def launches_csv() -> dict[str, dict]:
    """Rows of ../shared/data/launches_public.csv keyed by local date."""
    with open(SHARED / "data" / "launches_public.csv", newline="") as f:
        return {row["date_local"]: row for row in csv.DictReader(f)}


@pytest.fixture(scope="session")
def run_2022_10_04(tmp_path_factory):
    """The built-in 2022-10-04 scenario simulated once with its own seed, files written."""
    from missilewatch.scenarios import builtin, simulate, write_outputs

    result = simulate(builtin("2022-10-04"))
    out = tmp_path_factory.mktemp("sim-2022-10-04")
    write_outputs(result, out)
    return result, out

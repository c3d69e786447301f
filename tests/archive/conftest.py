"""Shared paths for the archive tests: the reference data lives in ../shared beside the repo."""

from pathlib import Path

import pytest

import missilewatch

REPO = Path(missilewatch.__file__).resolve().parents[2]
# ../shared beside the checkout (a worktree in wt/NAME finds it two levels up).
SHARED = next((p / "shared" for p in (REPO.parent, REPO.parent.parent) if (p / "shared" / "seeds").is_dir()),
              REPO.parent / "shared")
CNS_CSV = SHARED / "data" / "cns_north_korea_missile_tests.csv"
SEEDS = sorted((SHARED / "seeds").glob("*.txt"))


@pytest.fixture(scope="session")
def cns_csv() -> Path:
    assert CNS_CSV.is_file(), f"reference data missing: {CNS_CSV}"
    return CNS_CSV


@pytest.fixture(scope="session")
def seeds() -> list[Path]:
    assert len(SEEDS) == 4, f"expected the four seed reports in {SHARED / 'seeds'}"
    return SEEDS

"""Shared fixtures for flight tests: the official launch figures."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

# ../shared beside the checkout; $MISSILEWATCH_SHARED where the checkout lives elsewhere.
SHARED = Path(os.environ.get("MISSILEWATCH_SHARED", Path(__file__).resolve().parents[2].parent / "shared"))


@pytest.fixture(scope="session")
def public_launches() -> list[dict]:
    """Rows of ../shared/data/launches_public.csv."""
    with open(SHARED / "data" / "launches_public.csv", newline="") as f:
        return list(csv.DictReader(f))


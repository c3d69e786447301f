"""Shared fixtures for flight tests: the official launch figures."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2].parent / "shared"


@pytest.fixture(scope="session")
def public_launches() -> list[dict]:
    """Rows of ../shared/data/launches_public.csv."""
    with open(SHARED / "data" / "launches_public.csv", newline="") as f:
        return list(csv.DictReader(f))


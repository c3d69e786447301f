"""Fixtures for geography tests: the official launch figures."""

from __future__ import annotations

import csv

import pytest
from geo_helpers import SHARED


@pytest.fixture(scope="session")
def public_launches() -> list[dict]:
    with open(SHARED / "data" / "launches_public.csv", newline="") as f:
        return list(csv.DictReader(f))

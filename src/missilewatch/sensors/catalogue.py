"""The catalogue of notional sensors at public sites (``data/catalogue.yaml``).

Positions are approximate and come from public reports; every performance figure is a notional
round number (the file says so).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

from missilewatch.errors import DataError, InputError
from missilewatch.sensors.spec import InfraredSpec, RadarSpec, SpecError, parse_sensor

CATALOGUE_FILE = "data/catalogue.yaml"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, RadarSpec | InfraredSpec]:
    """All catalogued sensors by id, in file order."""
    text = resources.files("missilewatch.sensors").joinpath(CATALOGUE_FILE).read_text()
    raw = yaml.safe_load(text)
    out: dict[str, RadarSpec | InfraredSpec] = {}
    try:
        for i, entry in enumerate(raw["sensors"]):
            spec = parse_sensor(entry, CATALOGUE_FILE, f"sensors[{i}]")
            if spec.id in out:
                raise DataError(f"{CATALOGUE_FILE}: duplicate sensor id {spec.id!r}")
            out[spec.id] = spec
    except (SpecError, KeyError, TypeError) as exc:
        raise DataError(f"sensor catalogue is damaged: {exc}") from exc
    return out


def catalogue_about() -> str:
    """The catalogue's statement about its sources and notional figures."""
    text = resources.files("missilewatch.sensors").joinpath(CATALOGUE_FILE).read_text()
    return str(yaml.safe_load(text)["about"])


def catalogued(sensor_id: str, field: str = "sensor") -> RadarSpec | InfraredSpec:
    """The catalogue entry ``sensor_id``; InputError listing the known ids otherwise."""
    cat = catalogue()
    if sensor_id not in cat:
        raise InputError(field, sensor_id, f"unknown sensor; catalogue has {', '.join(cat)}")
    return cat[sensor_id]

"""One truth per launch: the figure a launch is listed with, and every source's figure beside it.

``archive list``, ``archive show``, the exports and the HTML report all take a launch's range,
apogee and flight time from :func:`merged_value`: the first figure *flown on this flight* that a
report gives (reports in the order they entered the archive, facts in the order of their
sentences; the same figure the reconstruction starts from), or, when no report gives one, the
largest of the database rows of the launch's missiles. A *capability* figure ("its range could
exceed 15,000 km") is listed beside it with its kind and never becomes it.
"""

from __future__ import annotations

FLOWN, CAPABILITY = "flown", "capability"
# Output name -> (Fact.field, factor from SI to the output unit).
FIGURES = {"range_km": ("range", 1e-3), "apogee_km": ("apogee", 1e-3), "flight_time_s": ("flight_time", 1.0)}
# The Fact.field of a range the missile could reach (kept apart from the range flown).
CAPABILITY_FIELD = "capability_range"


def figure_kind(field: str, value_json: object) -> str:
    """"flown" or "capability" for a stored figure."""
    if field == CAPABILITY_FIELD:
        return CAPABILITY
    if isinstance(value_json, dict) and value_json.get("kind") == CAPABILITY:
        return CAPABILITY
    return FLOWN


def merged_value(values: list[dict]) -> float | None:
    """The launch's figure from its sources' figures (see the module docstring).

    Each value: ``value`` (output unit), ``figure_kind``, ``kind`` (the source's: "report",
    "cns"), ``fact_id``.
    """
    flown = [v for v in values if v.get("figure_kind", FLOWN) == FLOWN]
    reported = [v for v in flown if v.get("kind") == "report"]
    if reported:
        return min(reported, key=lambda v: v.get("fact_id") or 0)["value"]
    return max((v["value"] for v in flown), default=None)


def describe(values: list[dict]) -> str:
    """"4,600 (Japan, flown); 15,000 (Japan, capability)": each source's figure and its kind."""
    return "; ".join(f"{v['value']:,.6g} ({v.get('attributed_to') or v.get('kind')}, {v.get('figure_kind', FLOWN)})"
                     for v in values)

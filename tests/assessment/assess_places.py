"""Placing the official impacts from their descriptions (the gazetteer's rule, as tests/geography)."""

from missilewatch.geography import gazetteer


def place_impact(row: dict) -> tuple[float, float]:
    return gazetteer.place_described(row["impact_description"], float(row["site_lat"]), float(row["site_lon"]),
                                     row["overflight"])

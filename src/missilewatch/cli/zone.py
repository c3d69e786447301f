"""``missilewatch zone``: land, territorial sea, EEZ or high seas of points."""

from __future__ import annotations

import json
import math

import typer

from missilewatch.errors import InputError


def parse_points(tokens: list[str]) -> tuple[list[float], list[float]]:
    """``LAT LON [LAT LON ...]`` (``LAT,LON`` tokens too) -> (lats, lons); InputError on bad input."""
    values: list[str] = []
    for tok in tokens:
        values.extend(v for v in tok.split(",") if v.strip())
    if not values:
        raise InputError("LAT LON", tokens, "give at least one point: LAT LON [LAT LON ...]")
    if len(values) % 2:
        raise InputError("LAT LON", " ".join(tokens), "expected pairs of numbers: LAT LON [LAT LON ...]")
    nums = []
    for i, v in enumerate(values):
        try:
            nums.append(float(v))
        except ValueError:
            raise InputError("lat_deg" if i % 2 == 0 else "lon_deg", v, "must be a number (degrees)") from None
    lats, lons = nums[0::2], nums[1::2]
    for lat, lon in zip(lats, lons, strict=True):
        check_lat_lon(lat, lon)
    return lats, lons


def check_lat_lon(lat: float, lon: float) -> None:
    """InputError unless latitude is in [-90, 90] and longitude in [-180, 360] degrees, finite."""
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise InputError("lat_deg", lat, "must be a finite latitude in [-90, 90] degrees")
    if not (math.isfinite(lon) and -180.0 <= lon <= 360.0):
        raise InputError("lon_deg", lon, "must be a finite longitude in [-180, 360] degrees")


def register(app: typer.Typer) -> None:
    @app.command("zone", context_settings={"ignore_unknown_options": True})
    def zone_cmd(
        points: list[str] = typer.Argument(..., help="LAT LON [LAT LON ...] in degrees (negative values allowed)."),
        as_json: bool = typer.Option(False, "--json", help="Print one JSON list."),
        view: str = typer.Option("de_facto", "--view",
                                 help="de_facto (default: borders as Natural Earth has them) or claims "
                                      "(Japan's claims: its claimed islands, Okinotorishima, median lines)."),
    ) -> None:
        """Zone (land, territorial_sea, eez, high_seas), country and coast distance of points.

        Where the de facto and the claims view differ, both verdicts are given."""
        from missilewatch.geography.claims import records_both_views

        lat, lon = parse_points(points)
        records = records_both_views(lat, lon, view)
        if as_json:
            typer.echo(json.dumps(records))
            return
        from rich.console import Console
        from rich.table import Table

        other = "claims" if view == "de_facto" else "de_facto"
        title = ("Zones (borders de facto, as Natural Earth has them)" if view == "de_facto"
                 else "Zones as Japan claims them (claims view; not the project's default)")
        t = Table(title=title)
        for col in ("lat", "lon", "zone", "country", "coast km", f"{other} view"):
            t.add_column(col, justify="right" if col in ("lat", "lon", "coast km") else "left")
        for r in records:
            country = f"{r['country'] or ''} {r['country_name'] or ''}".strip() or "-"
            alt = r.get(other)
            alt_txt = f"{alt['zone']} {alt['country'] or ''}".strip() if alt else "same"
            t.add_row(f"{r['lat_deg']:.4f}", f"{r['lon_deg']:.4f}", r["zone"], country,
                      f"{r['coast_distance_km']:,.1f}", alt_txt)
        Console().print(t)

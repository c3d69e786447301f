"""Options shared by the commands that take reported figures (``reconstruct``, ``assess``)."""

from __future__ import annotations

from typing import Annotated

import typer

from missilewatch.errors import InputError

Launch = Annotated[str, typer.Option("--launch", help="Launch site name (e.g. Sunan) or LAT,LON in degrees.")]
Impact = Annotated[str | None, typer.Option("--impact", help="Impact point LAT,LON in degrees.")]
Azimuth = Annotated[float | None,
                    typer.Option("--azimuth", help="Launch azimuth, degrees from north (with --range-km).")]
RangeKm = Annotated[float | None, typer.Option("--range-km", help="Ground range, km (with --azimuth).")]
ApogeeKm = Annotated[float, typer.Option("--apogee-km", help="Reported apogee, km.")]
FlightTimeS = Annotated[float | None, typer.Option("--flight-time-s", help="Reported flight time, s.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
TrackStepS = Annotated[float, typer.Option("--track-step-s", help="Ground-track sample spacing, s.")]


def reconstruct_figures(launch, impact, azimuth, range_km, apogee_km, flight_time_s, track_step_s):
    """Validate the options and reconstruct the flight they describe."""
    from missilewatch.flight.reconstruct import reconstruct
    from missilewatch.flight.sites import parse_lat_lon

    if track_step_s <= 0:
        raise InputError("--track-step-s", track_step_s, "must be > 0")
    target = parse_lat_lon(impact, "--impact") if impact is not None else None
    return reconstruct(launch, impact=target, azimuth_deg=azimuth, range_km=range_km,
                       apogee_km=apogee_km, flight_time_s=flight_time_s)

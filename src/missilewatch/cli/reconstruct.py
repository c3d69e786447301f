"""``missilewatch reconstruct``: a flight from reported figures."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from missilewatch.cli.figures import (
    ApogeeKm,
    AsJson,
    Azimuth,
    FlightTimeS,
    Impact,
    Launch,
    RangeKm,
    TrackStepS,
    reconstruct_figures,
)
from missilewatch.flight.reconstruct import Reconstruction, with_band


def summary_table(rec: Reconstruction) -> Table:
    """Readable summary of a reconstruction."""
    t = Table(title=f"Reconstructed flight from {rec.launch_name}", show_header=False)
    rows = [
        ("flight time", f"{rec.flight_time_s:,.0f} s ({rec.flight_time_s / 60:.1f} min)"
         + (f", reported {rec.reported_flight_time_s:,.0f} s" if rec.reported_flight_time_s else "")),
        ("range", f"{rec.range_km:,.0f} km (azimuth {rec.azimuth_deg:.1f} deg)"),
        ("apogee", f"{rec.apogee_km:,.0f} km"),
        ("burnout", f"{rec.burnout_speed_mps:,.0f} m/s at {rec.burnout_altitude_km:,.0f} km, "
                    f"t = {rec.burnout_time_s:.0f} s"),
        ("maximum speed", f"{rec.max_speed_mps:,.0f} m/s"),
        ("impact", f"{rec.impact_lat_deg:.3f} N, {rec.impact_lon_deg:.3f} E at t = {rec.flight_time_s:,.0f} s"),
        ("trajectory", f"{rec.trajectory_type.value}; range class {rec.range_class.value}"),
        ("standard range", f"{rec.standard_range_km:,.0f} km (non-rotating), "
                           f"{rec.standard_range_rotating_km:,.0f} km (rotating Earth, same azimuth); "
                           f"{rec.standard_range_energy_km:,.0f} km from the burnout energy"
                           + ("; reaches any point on Earth" if rec.global_reach else "")),
        ("profile", f"{rec.profile.name}, kick {rec.profile.kick_deg:.2f} deg, "
                    f"lift-off thrust/weight {rec.liftoff_thrust_to_weight:.2f}"),
    ]
    if rec.band is not None:
        b = rec.band
        high = "any point on Earth" if b.high_global_reach else f"{b.high_km:,.0f} km"
        rows.insert(8, ("standard range band", f"{b.low_km:,.0f} km to {high}, central {b.central_km:,.0f} km "
                        f"({len(b.kept)} plausible profiles); {b.explanation()}"
                        + ("; flight time ignored: no plausible profile flies it" if b.flight_time_ignored else "")))
    for msg in rec.unmet_figures:
        rows.append(("NOT MET", msg))
    for k, v in rows:
        t.add_row(k, v)
    return t


def register(app: typer.Typer) -> None:
    @app.command("reconstruct")
    def reconstruct_cmd(
        launch: Launch,
        apogee_km: ApogeeKm,
        impact: Impact = None,
        azimuth: Azimuth = None,
        range_km: RangeKm = None,
        flight_time_s: FlightTimeS = None,
        as_json: AsJson = False,
        plot: Path = typer.Option(None, "--plot", help="Write an altitude/range and map plot (PNG)."),
        track_step_s: TrackStepS = 10.0,
    ) -> None:
        """Reconstruct a flight from reported figures (launch, impact or azimuth+range, apogee)."""
        rec = with_band(reconstruct_figures(launch, impact, azimuth, range_km, apogee_km, flight_time_s,
                                            track_step_s))
        if plot is not None:
            from missilewatch.plots.flight import plot_reconstruction

            plot_reconstruction(rec, plot)
        if as_json:
            typer.echo(json.dumps(rec.to_dict(track_step_s)))
        else:
            console = Console()
            console.print(summary_table(rec))
            for msg in rec.unmet_figures:
                typer.echo(f"warning: {msg}", err=True)
            if plot is not None:
                console.print(f"plot written to {plot}")

"""``missilewatch assess``: reconstruct a flight from reported figures and assess the threat."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

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
from missilewatch.errors import InputError


def parse_ellipse(text: str | None) -> tuple[float, float, float]:
    """``MAJOR,MINOR,ORIENTATION`` (km, km, deg from north) -> tuple; (0, 0, 0) when absent."""
    if text is None:
        return 0.0, 0.0, 0.0
    parts = [p for p in text.split(",") if p.strip()]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 3:
        raise InputError("--ellipse", text, "expected MAJOR_KM,MINOR_KM,ORIENTATION_DEG, e.g. 30,10,75")
    return values  # type: ignore[return-value]


def register(app: typer.Typer) -> None:
    @app.command("assess")
    def assess_cmd(
        launch: Launch,
        apogee_km: ApogeeKm,
        impact: Impact = None,
        azimuth: Azimuth = None,
        range_km: RangeKm = None,
        flight_time_s: FlightTimeS = None,
        ellipse: str = typer.Option(
            None, "--ellipse", help="1-sigma impact ellipse MAJOR_KM,MINOR_KM,ORIENTATION_DEG (default: a point)."
        ),
        policy: Path = typer.Option(
            None, "--policy", help="Policy TOML file (default: $MISSILEWATCH_POLICY, else the packaged one)."
        ),
        as_json: AsJson = False,
        track_step_s: TrackStepS = 10.0,
        lang: str = typer.Option("en", "--lang", help="Language of the reasons: en or ja."),
    ) -> None:
        """Where it falls, what it overflies, threat of damage, interception and regions to warn."""
        from missilewatch.alerts.text import LANGUAGES, reason_texts
        from missilewatch.assessment import ImpactEllipse, assess, load_policy
        from missilewatch.geography.overflight import GroundTrack

        if lang not in LANGUAGES:
            raise InputError("--lang", lang, f"must be one of {', '.join(LANGUAGES)}")
        pol = load_policy(policy)
        major, minor, orient = parse_ellipse(ellipse)
        rec = reconstruct_figures(launch, impact, azimuth, range_km, apogee_km, flight_time_s, track_step_s)
        track = GroundTrack.from_mapping(rec.ground_track(track_step_s))
        area = ImpactEllipse(rec.impact_lat_deg, rec.impact_lon_deg, major, minor, orient)
        result = assess(area, track, pol, impact_time_s=rec.flight_time_s)
        from missilewatch.geography.claims import records_both_views

        # The impact point's zone: de facto (the default, as assessed) and, where it differs, as Japan claims it.
        (impact_zone,) = records_both_views([rec.impact_lat_deg], [rec.impact_lon_deg])
        if as_json:
            out = rec.to_dict(track_step_s)
            out.update(result.to_dict())
            out["impact_zone_views"] = impact_zone
            typer.echo(json.dumps(out))
            return
        console = Console()
        from missilewatch.cli.reconstruct import summary_table

        console.print(summary_table(rec))
        console.print(f"[bold]Assessment[/bold] (policy {result.policy})")
        verdict = "THREAT OF DAMAGE" if result.threat_of_damage else "no threat of damage"
        intercept = "recommended" if result.intercept_recommended else "not recommended"
        console.print(f"  {verdict}; interception {intercept}")
        for o in result.overflown:
            console.print(f"  over {o.label}: {o.enter_s:,.0f}-{o.exit_s:,.0f} s, {o.alt_min_km:,.0f} km or higher")
        for r in reason_texts(result.findings, lang):
            console.print(f"  - {r}")
        where = f"{impact_zone['zone']} {impact_zone['country'] or ''}".strip()
        if impact_zone["views_differ"]:
            c = impact_zone["claims"]
            where += f" (de facto); as Japan claims it: {c['zone']} {c['country'] or ''}".rstrip()
        console.print(f"  impact point: {where}")

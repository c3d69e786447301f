"""``missilewatch demo``: the main job until the tracking pipeline lands — the 4 October 2022
flight over Aomori reconstructed from Japan's reported figures, with its plot."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from missilewatch.cli.reconstruct import summary_table
from missilewatch.flight.propagate import GEOD
from missilewatch.flight.reconstruct import reconstruct

# Japan MOD, 4 Oct 2022: launched 07:22 from the Mupyong-ni area, over Aomori, fell about
# 3,200 km east of Kamaishi at 07:44; range about 4,600 km, apogee about 1,000 km.
KAMAISHI = (39.276, 141.886)
_lon, _lat, _ = GEOD.fwd(KAMAISHI[1], KAMAISHI[0], 90.0, 3_200e3)
DEMO_IMPACT = (_lat, _lon)
DEMO_APOGEE_KM = 1000.0
DEMO_FLIGHT_TIME_S = 22 * 60.0


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo_cmd(
        out: Path = typer.Option(Path("out/demo"), "--out", help="Directory for the demo's files."),
    ) -> None:
        """Reconstruct the 4 Oct 2022 flight over Aomori and plot it."""
        from missilewatch.plots.flight import plot_reconstruction

        console = Console()
        with console.status("reconstructing the 4 Oct 2022 flight from Mupyong-ni ..."):
            rec = reconstruct("Mupyong-ni", impact=DEMO_IMPACT, apogee_km=DEMO_APOGEE_KM,
                              flight_time_s=DEMO_FLIGHT_TIME_S)
        console.print(summary_table(rec))
        console.print("reported (Japan MOD): range ~4,600 km, apogee ~1,000 km, ~22 min, over Aomori")
        png = plot_reconstruction(rec, Path(out) / "2022-10-04_reconstruction.png",
                                  title="4 Oct 2022, Mupyong-ni -> Pacific, over Aomori (reconstruction)")
        console.print(f"plot: {png}")

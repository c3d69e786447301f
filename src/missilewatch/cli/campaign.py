"""``missilewatch campaign``: run a study of many simulated launches through the watch on Dask,
and report on one campaign directory or compare two."""

from __future__ import annotations

import json
from pathlib import Path

import typer

campaign_app = typer.Typer(help="Campaigns: thousands of simulated launches through the whole watch, on Dask.",
                           no_args_is_help=True)


@campaign_app.command("list")
def list_cmd() -> None:
    """The built-in studies and their number of runs."""
    from missilewatch.campaign import builtin_studies, expand, load_study

    for name in builtin_studies():
        s = load_study(name)
        typer.echo(f"{name:<24} {len(expand(s)):>7,} runs  {s.title}")


@campaign_app.command("show")
def show_cmd(study: str = typer.Argument(..., help="Built-in study name or study .yaml file.")) -> None:
    """Print a study's YAML (validated first)."""
    from missilewatch.campaign.study import load_study, study_text

    load_study(study)
    typer.echo(study_text(study)[0])


@campaign_app.command("prefectures")
def prefectures_cmd() -> None:
    """The prefecture names a study's ``targets.prefectures`` accepts."""
    from missilewatch.campaign.study import prefecture_names

    typer.echo("\n".join(prefecture_names()))


@campaign_app.command("run")
def run_cmd(
    study: str = typer.Argument(..., help="Built-in study name or study .yaml file."),
    out: Path = typer.Option(None, "-o", "--out", help="Campaign directory (default: out/campaign/STUDY); "
                                                       "an unfinished campaign there is resumed."),
    scheduler: str = typer.Option(None, "--scheduler", help="Dask scheduler address, e.g. tcp://host:8786 "
                                                            "(default: $DASK_SCHEDULER_ADDRESS, else a LocalCluster)."),
    workers: int = typer.Option(None, "--workers", help="LocalCluster worker processes (default: all cores)."),
    in_process: bool = typer.Option(False, "--in-process", help="One in-process worker (threads)."),
    sample_n: int = typer.Option(None, "--sample", help="About N runs spread over the study (whole pairing groups)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON line instead of the progress bar."),
) -> None:
    """Run (or resume) a campaign: every run simulated and put through the watch, Parquet per chunk."""
    from missilewatch.campaign.engine import RichProgress
    from missilewatch.campaign.runs import load_tables, run_campaign
    from missilewatch.campaign.study import load_study, study_text

    spec = load_study(study)
    base = study_text(study)[2]
    target = out or Path("out") / "campaign" / spec.name
    if as_json:
        result = run_campaign(spec, target, base_dir=base, sample_n=sample_n, scheduler=scheduler,
                              workers=workers, in_process=in_process)
    else:
        with RichProgress("runs", spec.name) as bar:
            result = run_campaign(spec, target, base_dir=base, sample_n=sample_n, scheduler=scheduler,
                                  workers=workers, in_process=in_process, progress=bar)
    runs = load_tables(target)["runs"].column("status").to_pylist()
    info = {"study": spec.name, "dir": str(target), "runs": result.items, "runs_this_session": result.items_run,
            "chunks_resumed": result.chunks_resumed, "workers": result.workers, "wall_s": round(result.wall_s, 2),
            "runs_per_s": round(result.items_per_s, 3) if result.items_run else None,
            "ok": runs.count("ok"), "failed": runs.count("failed"), "errors": runs.count("error")}
    if as_json:
        typer.echo(json.dumps(info))
        return
    typer.echo(f"{info['study']}: {info['runs']} runs in {target} ({info['ok']} ok, {info['failed']} failed, "
               f"{info['errors']} errors); this session {info['runs_this_session']} runs on {info['workers']} "
               f"workers in {info['wall_s']} s ({info['runs_per_s']} runs/s), {info['chunks_resumed']} chunks resumed")


@campaign_app.command("report")
def report_cmd(
    directory: Path = typer.Argument(..., help="Campaign directory."),
    compare: Path = typer.Option(None, "--compare", help="A second campaign directory to compare side by side."),
    out: Path = typer.Option(None, "-o", "--out", help="Report folder (default: DIR/report)."),
) -> None:
    """HTML report with PNG figures and the Parquet tables (lead time per prefecture, calibration, ...)."""
    from missilewatch.campaign.report import write_report

    dirs = [directory] + ([compare] if compare is not None else [])
    index = write_report(dirs, out)
    typer.echo(f"report written: {index}")


def register(app: typer.Typer) -> None:
    """Add the ``campaign`` command group to the root app."""
    app.add_typer(campaign_app, name="campaign")

"""The ``missilewatch`` command: builds the Typer app and turns errors into one line + exit 2.

Commands are loaded lazily: ``missilewatch --help`` lists them from the table below without
importing anything heavy, and ``missilewatch zone ...`` imports only the zone command's module
(NumPy, Numba, SciPy and the data come in with the command that needs them).
"""

from __future__ import annotations

import importlib
import sys

import typer
import typer.core

# Typer 0.29 vendors its own click; older releases use the click package.
try:
    from typer._click import exceptions as click_exc
except ImportError:  # pragma: no cover
    from click import exceptions as click_exc  # type: ignore[no-redef]  # the other of the two

from missilewatch.config import Settings
from missilewatch.errors import MissilewatchError

# Command name -> (module under missilewatch.cli defining ``register(app)``, one-line help).
COMMANDS: dict[str, tuple[str, str]] = {
    "replay": ("replay", "Run a launch through the watch: live timeline, summary, report."),
    "reconstruct": ("reconstruct", "Reconstruct a flight from reported figures."),
    "assess": ("assess", "Assess a predicted impact: zones, overflight, threat, alerts."),
    "zone": ("zone", "Land, territorial sea, EEZ or high seas of points, and whose."),
    "scenario": ("scenario", "Built-in scenarios: list and show."),
    "simulate": ("simulate", "Simulate a scenario: truth and sensor measurements."),
    "archive": ("archive", "The analysts' archive: import, ingest, list, show, report, export."),
    "campaign": ("campaign", "Campaigns of simulated launches through the whole watch, on Dask."),
    "serve": ("serve", "The live service: sensors push in, operators and partners read out."),
    "feed": ("feed", "Play a scenario or a measurement directory into a live service."),
    "keys": ("keys", "Sensor API keys and signed tokens for the live service."),
    "audit": ("audit", "Check the live service's hash-chained audit log."),
}


class LazyGroup(typer.core.TyperGroup):
    """A command group that imports a command's module only when that command runs; help
    lists the commands from ``COMMANDS`` alone."""

    def list_commands(self, ctx) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx, cmd_name: str):
        """A light stand-in carrying the one-line help (what listings need)."""
        if cmd_name not in COMMANDS:
            return None
        short = COMMANDS[cmd_name][1]
        return typer.core.TyperCommand(cmd_name, help=short, short_help=short)

    def resolve_command(self, ctx, args):
        name = args[0] if args else None
        if name not in COMMANDS:
            return super().resolve_command(ctx, args)  # the usual "No such command" error
        sub = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
        importlib.import_module(f"missilewatch.cli.{COMMANDS[name][0]}").register(sub)
        command = typer.main.get_command(sub)
        if isinstance(command, typer.core.TyperGroup) and command.name != name:
            command = command.get_command(ctx, name)
        return name, command, args[1:]


app = typer.Typer(
    cls=LazyGroup,
    name="missilewatch",
    help="Open early warning and analysis of ballistic-missile launches.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
    db: str = typer.Option(
        None, "--db", help="Database URL (default: $MISSILEWATCH_DB, else SQLite in the user data dir)."
    ),
) -> None:
    """Track, predict, assess, alert and record ballistic-missile launches."""
    # Resolved lazily: commands that store nothing never touch it.
    ctx.obj = {"db": db, "settings": lambda: Settings.resolve(db)}


def fail(message: str) -> typer.Exit:
    """Print one error line on stderr and return the exit to raise (status 2)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="missilewatch", standalone_mode=False)
        if result == 130:  # Typer's answer to an interrupt it caught itself
            return _interrupted(KeyboardInterrupt())
        return int(result or 0) if isinstance(result, int) else 0
    except click_exc.NoArgsIsHelpError as exc:  # bare command: help, not an error
        typer.echo(exc.ctx.get_help())
        return 0
    except typer.Exit as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):  # Typer turns an interrupt into exit 130
            return _interrupted(exc.__cause__)
        return exc.exit_code
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        return 2
    except click_exc.ClickException as exc:
        typer.echo(f"error: {exc.format_message()}", err=True)
        return 2
    except MissilewatchError as exc:
        typer.echo(f"error: {one_line(str(exc))}", err=True)
        return 2
    except KeyboardInterrupt as exc:  # SIGINT, or SIGTERM during a replay
        return _interrupted(exc)
    except Exception as exc:  # noqa: BLE001 (the CLI never shows a traceback)
        typer.echo(f"error: {describe(exc)}", err=True)
        return 2


def _interrupted(exc: BaseException) -> int:
    run_id = getattr(exc, "run_id", None)
    stored = f"; run {run_id} stored as interrupted" if run_id is not None else ""
    typer.echo(f"error: interrupted{stored}", err=True)
    return 2


def one_line(text: str, limit: int = 500) -> str:
    """Printable text on one line (no control or binary characters), at most ``limit`` long."""
    text = " ".join(str(text).split())
    out = "".join(c if c.isprintable() else "?" for c in text)
    return out if len(out) <= limit else out[: limit - 3] + "..."


def describe(exc: BaseException) -> str:
    """One line naming what failed, for errors that are not missilewatch's own (a database
    that refuses, a path that cannot be written)."""
    kind = type(exc).__name__
    module = type(exc).__module__ or ""
    if module.startswith("sqlalchemy"):
        orig = getattr(exc, "orig", None)
        detail = str(orig) if orig is not None else str(exc).split("\n(Background")[0]
        return one_line(f"database: {detail}")
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        return one_line(f"{exc.strerror or kind}:{where}")
    return one_line(f"{kind}: {exc}")


if __name__ == "__main__":
    sys.exit(main())

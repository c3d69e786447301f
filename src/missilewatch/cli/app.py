"""The ``missilewatch`` command: builds the Typer app and turns errors into one line + exit 2."""

from __future__ import annotations

import importlib
import sys

import typer

# Typer 0.29 vendors its own click; older releases use the click package.
try:
    from typer._click import exceptions as click_exc
except ImportError:  # pragma: no cover
    from click import exceptions as click_exc

from missilewatch.config import Settings
from missilewatch.errors import MissilewatchError

# Modules under missilewatch.cli that define ``register(app)``; one line per command group.
COMMAND_MODULES: list[str] = [
    "replay",
    "reconstruct",
    "archive",
    "scenario",
    "simulate",
    "zone",
    "assess",
    "serve",
    "feed",
    "keys",
    "audit",
]

app = typer.Typer(
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


for _name in COMMAND_MODULES:
    importlib.import_module(f"missilewatch.cli.{_name}").register(app)


def fail(message: str) -> typer.Exit:
    """Print one error line on stderr and return the exit to raise (status 2)."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(2)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="missilewatch", standalone_mode=False)
        return int(result or 0) if isinstance(result, int) else 0
    except click_exc.NoArgsIsHelpError as exc:  # bare command: help, not an error
        typer.echo(exc.ctx.get_help())
        return 0
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        return 2
    except click_exc.ClickException as exc:
        typer.echo(f"error: {exc.format_message()}", err=True)
        return 2
    except MissilewatchError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())

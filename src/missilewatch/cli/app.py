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

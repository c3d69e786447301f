"""The database URL of a command: its own ``--db``, else the global ``--db``, else
``$MISSILEWATCH_DB`` or the default SQLite file (``config.Settings``)."""

from __future__ import annotations

import typer


def command_db_url(ctx: typer.Context, db: str | None) -> str:
    """URL for a command with its own ``--db`` option (which overrides the global one)."""
    from missilewatch.config import Settings

    return Settings.resolve(db or (ctx.obj or {}).get("db")).db_url

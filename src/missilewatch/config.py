"""Settings: command-line option first, then environment variable, then default.

Only the database URL exists so far. Commands that store nothing never read it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from missilewatch.errors import ConfigError

APP_NAME = "missilewatch"
ENV_DB = "MISSILEWATCH_DB"


def default_db_url() -> str:
    """SQLite file in the user's data directory (created on first use)."""
    data_dir = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return f"sqlite:///{data_dir / 'missilewatch.sqlite'}"


@dataclass(frozen=True)
class Settings:
    """Resolved settings for one invocation."""

    db_url: str

    @classmethod
    def resolve(cls, db: str | None = None, environ: dict[str, str] | None = None) -> Settings:
        """Resolve from an explicit value, then ``MISSILEWATCH_DB``, then the default."""
        env = os.environ if environ is None else environ
        url = db if db is not None else env.get(ENV_DB) or default_db_url()
        if "://" not in url:
            raise ConfigError(f"database URL {url!r} is not a URL (expected e.g. sqlite:///path.db)")
        return cls(db_url=url)

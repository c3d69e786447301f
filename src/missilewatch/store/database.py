"""The database handle: an engine and sessions from a URL, tables created on first use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from missilewatch.config import Settings
from missilewatch.errors import ConfigError
from missilewatch.store import models  # noqa: F401  (registers every table)
from missilewatch.store.base import Base


def _sqlite_foreign_keys(dbapi_connection, _record) -> None:
    """SQLite enforces foreign keys (and so ON DELETE CASCADE) only when asked, per connection."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Database:
    """One database reached by URL (``sqlite:///path.db``, ``sqlite://``, ``postgresql+psycopg://...``).

    Tables are created on first use (``metadata.create_all``); use :meth:`session` as a context
    manager that commits on success and rolls back on error.
    """

    def __init__(self, url: str, *, echo: bool = False) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise ConfigError(f"database URL {url!r} cannot be parsed: {exc}") from exc
        kwargs: dict = {"echo": echo}
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database
            if database in (None, "", ":memory:"):
                # One shared in-memory database for every session of this handle.
                kwargs.update(poolclass=StaticPool, connect_args={"check_same_thread": False})
            elif not database.startswith("file:"):  # a file: URI names its own path and mode
                try:
                    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise ConfigError(f"database path {database!r} cannot be created ({exc.strerror})") from exc
        try:
            self.engine: Engine = create_engine(parsed, **kwargs)
        except (NoSuchModuleError, ArgumentError, ImportError) as exc:
            raise ConfigError(f"database URL {url!r}: no driver for it ({exc})") from exc
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_foreign_keys)
        self.url = parsed.render_as_string(hide_password=True)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._created = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """The database the settings name (``--db``, ``$MISSILEWATCH_DB`` or the default)."""
        return cls(settings.db_url)

    def create_all(self) -> None:
        """Create every missing table of the whole system (idempotent)."""
        if not self._created:
            Base.metadata.create_all(self.engine)
            self._created = True

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed when the block ends, rolled back on error."""
        self.create_all()
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self.url!r})"

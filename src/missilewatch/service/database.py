"""The service's database handle: SQLite in WAL mode with full sync (the embedded default), or
PostgreSQL by URL; its own module so the watch process opens it without the web application."""

from __future__ import annotations

from sqlalchemy import event

from missilewatch.store import Database


def _sqlite_wal(dbapi_connection, _record) -> None:
    """WAL (readers never wait for the writer), full sync (a commit survives a crash), and a
    generous busy timeout for the writers (the server's and the watch process's)."""
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def open_database(url: str) -> Database:
    db = Database(url)
    if db.engine.dialect.name == "sqlite" and db.engine.url.database not in (None, "", ":memory:"):
        event.listen(db.engine, "connect", _sqlite_wal)
    db.create_all()
    return db

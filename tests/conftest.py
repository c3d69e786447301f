"""Suite-wide set-up: the independent references the tests check against (closed-form Kepler
arcs, SciPy-integrated flights) live in ``tests/references``, outside the package; databases
for tests that run on SQLite and PostgreSQL alike."""

import os
import sys
import uuid
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "references"))

PG_URL = os.environ.get("MISSILEWATCH_TEST_PG_URL")


@pytest.fixture
def pg_schema_url():
    """A PostgreSQL URL whose search_path is a schema of this test's own (other tests drop and
    create tables in the default schema while it runs); dropped afterwards. Skips without the
    server that CI names in $MISSILEWATCH_TEST_PG_URL."""
    if not PG_URL:
        pytest.skip("no PostgreSQL server named by $MISSILEWATCH_TEST_PG_URL")
    pytest.importorskip("psycopg")
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from missilewatch.store import Database

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = Database(PG_URL)
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def sqlite_or_pg(request, tmp_path):
    """A fresh database: SQLite in the test's folder, then PostgreSQL in a schema of its own."""
    from missilewatch.store import Database

    url = request.getfixturevalue("pg_schema_url") if request.param == "postgresql" else \
        f"sqlite:///{tmp_path / 'w.db'}"
    database = Database(url)
    yield database
    database.dispose()

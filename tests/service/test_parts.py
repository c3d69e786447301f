"""Parts of the service without a server: record ids, bodies, the audit chain catching an
edited or removed entry, the hub dropping a client that falls behind, token checks."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest
from sqlalchemy import text

from missilewatch.service.app import open_database
from missilewatch.service.audit import AuditLog, verify_chain
from missilewatch.service.auth import Authenticator, AuthError, create_key, make_token
from missilewatch.service.hub import CLOSE, Hub
from missilewatch.service.records import record_id, split_body

from .conftest import cli_env


def test_record_id_ignores_key_order_and_spacing_but_not_content():
    a = {"sensor_id": "s", "values": [1.0, 2.0], "time_utc": "2022-10-03T22:22:05Z"}
    b = json.loads(json.dumps(dict(reversed(list(a.items()))), indent=2))
    assert record_id(a) == record_id(b)
    assert record_id(a) != record_id(a | {"values": [1.0, 2.5]})


def test_bodies_array_lines_and_broken():
    assert [bl.record_id is not None for bl in split_body(b'[{"a": 1}, {"a": 2}]')] == [True, True]
    lines = split_body(b'{"a": 1}\n\n nonsense \n[1]\n')
    assert [bl.error is None for bl in lines] == [True, False, False]
    assert "record 1" in lines[1].error and "JSON object" in lines[2].error
    with pytest.raises(ValueError, match="JSON array"):
        split_body(b'[{"a": 1},')


def test_audit_chain_finds_an_edited_and_a_removed_entry(tmp_path):
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    db = open_database(url)
    log = AuditLog(db)
    for i in range(5):
        log.record(f"user{i}", "operator", "read", f"GET /v1/tracks?i={i}", 200, {"n": i})
    with db.session() as s:
        log.drain_into(s)
    assert verify_chain(db).ok and verify_chain(db).entries == 5
    with pytest.raises(Exception, match="append-only"), db.session() as s:
        s.execute(text("DELETE FROM svc_audit WHERE id = 2"))
    with db.session() as s:  # someone with the file drops the guard and edits history
        s.execute(text("DROP TRIGGER svc_audit_no_update"))
        s.execute(text("UPDATE svc_audit SET actor = 'mallory' WHERE id = 3"))
    r = verify_chain(db)
    assert not r.ok and r.bad_id == 3 and "content" in r.problem
    out = subprocess.run([sys.executable, "-m", "missilewatch.cli.app", "audit", "verify", "--db", url],
                         capture_output=True, text=True, env=cli_env())
    assert out.returncode == 1 and "BROKEN at entry 3" in out.stdout
    with db.session() as s:
        s.execute(text("DROP TRIGGER svc_audit_no_delete"))
        s.execute(text("UPDATE svc_audit SET actor = 'user2' WHERE id = 3"))
        s.execute(text("DELETE FROM svc_audit WHERE id = 4"))
    r = verify_chain(db)
    assert not r.ok and r.bad_id == 5 and "missing" in r.problem
    db.dispose()


def test_hub_drops_a_client_that_falls_behind():
    dropped = []

    async def go():
        hub = Hub(maxsize=5, on_drop=lambda: dropped.append(1))
        hub.bind(asyncio.get_running_loop())
        slow, fast = hub.subscribe(), hub.subscribe()
        hub.publish([{"number": i} for i in range(3)])
        await asyncio.sleep(0)
        for _ in range(3):
            await fast.get()
        hub.publish([{"number": i} for i in range(3, 6)])
        await asyncio.sleep(0)
        assert await slow.get() is CLOSE  # fell behind: told to go (it resumes by number)
        assert [(await fast.get())["number"] for _ in range(3)] == [3, 4, 5]
        hub.close()
        assert await fast.get() is CLOSE

    asyncio.run(go())
    assert dropped == [1]


def test_keys_and_tokens(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'k.db'}")
    auth = Authenticator(db, "s" * 32, ticket_ttl_s=30)
    key = create_key(db, "sensor", "radar", ["shariki-tpy2"])
    p = auth.from_credential(key)
    assert p.role == "sensor" and p.may_post_for("shariki-tpy2") and not p.may_post_for("aegis-soj")
    with pytest.raises(AuthError):
        auth.from_credential(key[:-2] + "xx")
    with pytest.raises(AuthError, match="expired"):
        auth.from_credential(make_token("s" * 32, "a", "operator", 1e-9))
    with pytest.raises(AuthError, match="invalid"):
        auth.from_credential(make_token("t" * 32, "a", "operator", 60))
    ticket = auth.issue_ticket(p)
    assert auth.redeem_ticket(ticket) == p
    with pytest.raises(AuthError):
        auth.redeem_ticket(ticket)
    with db.session() as s:
        stored = s.execute(text("SELECT secret_sha256 FROM svc_api_keys")).scalar()
    assert key.split("_", 2)[2] not in stored and len(stored) == 64
    db.dispose()


def test_a_session_closed_before_a_crash_stays_closed(tmp_path, flight_lines):
    """Engine alone (no HTTP): close the session, stop without a word (as after a kill), start
    again: the closed session is not rebuilt, and the next measurement opens a new one."""
    import datetime as dt
    import time

    from missilewatch.service.engine import Arrival, Engine
    from missilewatch.service.metrics import Metrics
    from missilewatch.service.settings import ServiceSettings
    from missilewatch.store.models import ServiceMeasurement, ServiceSession

    url = f"sqlite:///{tmp_path / 'e.db'}"
    db = open_database(url)

    def stored(fl):
        rec = json.loads(fl.line)
        with db.session() as s:
            row = ServiceMeasurement(record_id=record_id(rec), sensor_id=rec["sensor_id"], accepted=True, raw=fl.line,
                                     time_utc=dt.datetime.fromisoformat(rec["time_utc"].replace("Z", "+00:00")))
            s.add(row)
            s.flush()
            return Arrival(row.id, fl.line, rec["sensor_id"], row.time_utc, time.monotonic())

    def engine():
        e = Engine(db, ServiceSettings(db_url=url), Hub(100), Metrics())
        e.start()
        while e.rebuilding:
            time.sleep(0.05)
        return e

    e = engine()
    e.submit([stored(fl) for fl in flight_lines[:5]])
    e.q.join()
    e.close_session("test")
    e.stop()
    e = engine()
    assert e.rebuild_count == 0 and e.session is None
    e.submit([stored(flight_lines[5])])
    e.q.join()
    e.stop()
    with db.session() as s:
        sessions = s.query(ServiceSession).order_by(ServiceSession.id).all()
    assert [(x.first_measurement_id, x.last_measurement_id) for x in sessions] == [(1, 5), (6, None)]
    db.dispose()

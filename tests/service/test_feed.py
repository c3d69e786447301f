"""``missilewatch feed`` against a real server: each sensor on its own connection, each sensor's
records in report-time order, retries while the server is not up yet, and a second feed of
the same records adds nothing."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections import defaultdict

import pytest
from sqlalchemy import select

from missilewatch.service.app import open_database
from missilewatch.store.models import ServiceMeasurement

from .conftest import cli_env, new_server

pytestmark = pytest.mark.timeout(150)


def _feed(srv, creds, directory, *extra) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "missilewatch.cli.app", "feed", str(directory), "--to", srv.url,
                             "--key", creds.admin_key, "--json", *extra], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=cli_env())


def test_feed_retries_until_the_server_is_up_and_keeps_each_sensors_order(tmp_path, flight_lines):
    t0 = flight_lines[0].t_report
    subset = [fl for fl in flight_lines if (fl.t_report - t0).total_seconds() < 40]
    d = tmp_path / "feed"
    d.mkdir()
    (d / "measurements.jsonl").write_text("".join(fl.line + "\n" for fl in subset))
    sensors = {fl.sensor_id for fl in subset}
    srv, creds = new_server(tmp_path)
    feeder = _feed(srv, creds, d, "--speed", "40")  # the server is not listening yet
    time.sleep(1.0)
    srv.start()
    try:
        out, err = feeder.communicate(timeout=90)
        assert feeder.returncode == 0, err
        first = json.loads(out)
        assert first["accepted"] == len(subset) and first["retries"] > 0 and not first["failed"]
        assert first["sensors"] == len(sensors)
        again = _feed(srv, creds, d)  # as fast as possible this time
        out, err = again.communicate(timeout=60)
        second = json.loads(out)
        assert second["duplicate"] == len(subset) and second["accepted"] == 0
        srv.wait_idle()
    finally:
        assert srv.stop() == 0
    # Each sensor posted on its own connection(s): the access log shows at least one client port per sensor.
    ports = set(re.findall(r"127\.0\.0\.1:(\d+) - \"POST /v1/measurements", srv.log_path.read_text()))
    assert len(ports) >= 2 * len(sensors)  # two feeds, one connection per sensor each
    db = open_database(srv.db_url)
    with db.session() as s:
        rows = s.execute(select(ServiceMeasurement.sensor_id, ServiceMeasurement.raw)
                         .where(ServiceMeasurement.accepted).order_by(ServiceMeasurement.id)).all()
    db.dispose()
    by_sensor = defaultdict(list)
    for sensor, raw in rows:
        rec = json.loads(raw)
        by_sensor[sensor].append(rec.get("report_time_utc") or rec["time_utc"])
        assert "truth" not in rec  # sensors do not know the truth
    assert set(by_sensor) == sensors
    for sensor, times in by_sensor.items():
        assert times == sorted(times), f"{sensor} out of report order"


def test_feed_names_a_bad_target_in_one_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "missilewatch.cli.app", "feed", str(tmp_path / "nowhere"),
                          "--key", "mwk_x_y"], capture_output=True, text=True, env=cli_env())
    assert out.returncode == 2 and out.stderr.startswith("error: target") and "Traceback" not in out.stderr

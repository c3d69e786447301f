"""Cursor-on-Target XML: deterministic, full precision, the fields a TAK client reads."""

from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from missilewatch.allied.cot import FOOTPRINT_TYPE, TRACK_TYPE, footprint_cot, track_cot
from missilewatch.earth.frames import ecef2geodetic, enu_rotation, geodetic2ecef

T = dt.datetime(2022, 10, 3, 22, 24, 6, 167538, tzinfo=dt.UTC)


def _track() -> dict:
    r = np.array(geodetic2ecef(40.822, 140.747, 650e3))
    R = enu_rotation(math.radians(40.822), math.radians(140.747))
    v = R.T @ np.array([3000.0, 1000.0, -500.0])  # east, north, up
    P = np.diag([400.0, 900.0, 2500.0, 4.0, 4.0, 4.0])
    return {"id": "F-JPN-T1", "t_utc": T.isoformat(), "r_ecef_m": list(map(float, r)),
            "v_ecef_mps": list(map(float, v)),
            "P_ecef": P.tolist(), "provenance": [{"node": "JPN", "track": "T1", "sensors": ["aegis-soj"]},
                                                 {"node": "US", "track": "T7", "sensors": ["ir-geo-east"]}]}


def test_track_event_fields_and_precision():
    tr = _track()
    xml = track_cot("JPN", tr)
    assert xml == track_cot("JPN", _track())  # deterministic
    ev = ET.fromstring(xml)
    assert ev.tag == "event" and ev.get("version") == "2.0" and ev.get("type") == TRACK_TYPE
    assert ev.get("type").startswith("a-h-") and ev.get("uid") == "missilewatch.JPN.F-JPN-T1"
    assert ev.get("time") == "2022-10-03T22:24:06.167538Z" == ev.get("start")
    assert ev.get("stale") == "2022-10-03T22:24:36.167538Z"
    pt = ev.find("point")
    lat, lon, h = (float(x) for x in ecef2geodetic(*tr["r_ecef_m"]))
    assert float(pt.get("lat")) == lat and float(pt.get("lon")) == lon and float(pt.get("hae")) == h  # full precision
    assert float(pt.get("hae")) == pytest.approx(650e3, abs=1e-3)
    R = enu_rotation(math.radians(lat), math.radians(lon))
    Penu = R @ np.array(tr["P_ecef"])[:3, :3] @ R.T
    assert float(pt.get("ce")) == pytest.approx(math.sqrt((Penu[0, 0] + Penu[1, 1]) / 2))
    assert float(pt.get("le")) == pytest.approx(math.sqrt(Penu[2, 2]))
    track = ev.find("detail/track")
    assert float(track.get("course")) == pytest.approx(math.degrees(math.atan2(3000, 1000)), abs=1e-6)
    assert float(track.get("speed")) == pytest.approx(math.hypot(3000, 1000), rel=1e-9)
    assert [s.get("node") for s in ev.findall("detail/__missilewatch/source")] == ["JPN", "US"]
    assert "ir-geo-east" in ev.find("detail/remarks").text


def test_footprint_event_is_an_ellipse():
    pred = {"t_utc": T.isoformat(), "impact_utc": "2022-10-03T22:44:01+00:00", "impact_lat_deg": 39.9123456789,
            "impact_lon_deg": 179.1234567891, "semi_major_km": 123.456, "semi_minor_km": 12.5, "orientation_deg": 87.5}
    xml = footprint_cot("JPN", "T1", pred)
    ev = ET.fromstring(xml)
    assert ev.get("type") == FOOTPRINT_TYPE and ev.get("stale") == "2022-10-03T22:44:01.000000Z"
    assert float(ev.find("point").get("lat")) == 39.9123456789 and float(ev.find("point").get("lon")) == 179.1234567891
    el = ev.find("detail/shape/ellipse")
    assert float(el.get("major")) == pytest.approx(123456.0) and float(el.get("minor")) == pytest.approx(12500.0)
    assert float(el.get("angle")) == 87.5


def test_cot_over_udp():
    """``--cot-udp HOST:PORT``: every second each document as one datagram (a receiver on 127.0.0.1)."""
    import asyncio
    import socket
    from types import SimpleNamespace

    from missilewatch.allied.cot_server import CotServer

    node = SimpleNamespace(peers=SimpleNamespace(node="JPN"), fusion=SimpleNamespace(as_dicts=lambda: [_track()]),
                           footprints={})
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.settimeout(5)

    async def main() -> list[bytes]:
        cot = CotServer(node, None, ("127.0.0.1", rx.getsockname()[1]))
        await cot.start()
        try:
            return [(await asyncio.to_thread(rx.recvfrom, 65536))[0] for _ in range(2)]
        finally:
            await cot.stop()

    try:
        got = asyncio.run(main())
    finally:
        rx.close()
    assert got[0] == got[1] == track_cot("JPN", _track()).encode()  # one document per datagram, again a second later
    assert ET.fromstring(got[0]).get("uid") == "missilewatch.JPN.F-JPN-T1"

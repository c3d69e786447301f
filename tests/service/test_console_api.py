"""What the web console and the archive pages read, on a real server: the pages and Cesium's
files (public, with a policy that keeps the browser on this host), region outlines, sensors
with coverage, a launch's analysis, exports with a CZML clock, figures, replays; and who may
read them."""

from __future__ import annotations

import csv
import io
import json

import httpx
import pytest
from shapely.geometry import Point, shape

from .conftest import REPO_SHARED_CNS, import_shared_archive, new_server

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    server, creds = new_server(tmp_path_factory.mktemp("console-api"))
    import_shared_archive(server.db_url)
    server.start()
    server.creds = creds
    yield server
    server.stop()


def get(srv, path: str, role: str | None = "analyst", **kw) -> httpx.Response:
    headers = srv.creds.h(role) if role else {}
    return httpx.get(f"{srv.url}{path}", headers=headers, timeout=60, **kw)


def test_pages_are_public_and_kept_on_this_host(srv):
    from missilewatch.web.vendor import cesium_present

    for path in ("/", "/replay", "/archive", "/archive/launch"):
        r = get(srv, path, None)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "connect-src 'self'" in csp
        assert "http" not in r.text.replace("http-equiv", "")  # no address elsewhere
    js = get(srv, "/static/console.js", None)
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    if cesium_present():
        assert get(srv, "/static/vendor/cesium/Assets/Textures/NaturalEarthII/tilemapresource.xml", None).status_code \
            == 200
    # Static files are not in the audit chain (hundreds per page); API reads are.
    audit = httpx.get(f"{srv.url}/v1/audit/verify", headers=srv.creds.h("admin"), timeout=30).json()
    assert audit["ok"]


def test_outlines_hold_the_prefectures(srv):
    r = get(srv, "/v1/geography/outlines?kind=regions")
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    feats = {f["properties"]["name"]: f for f in r.json()["features"]}
    assert shape(feats["Aomori"]["geometry"]).contains(Point(140.74, 40.82))  # Aomori city
    assert not shape(feats["Aomori"]["geometry"]).contains(Point(141.35, 43.06))  # Sapporo
    countries = get(srv, "/v1/geography/outlines?kind=countries").json()["features"]
    assert {"JPN", "KOR", "PRK", "CHN"} <= {f["properties"]["country"] for f in countries}
    assert get(srv, "/v1/geography/outlines?kind=rivers").status_code == 422
    assert get(srv, "/v1/geography/outlines", None).status_code == 401


def test_sensors_with_their_coverage(srv):
    sensors = {s["id"]: s for s in get(srv, "/v1/sensors", "operator").json()["sensors"]}
    shariki = sensors["shariki-tpy2"]
    ring = shariki["coverage"]
    assert ring[0] == ring[-1] == [40.89, 140.33]  # a sector from the site
    from pyproj import Geod

    _, _, dist = Geod(ellps="WGS84").inv(140.33, 40.89, ring[10][1], ring[10][0])
    assert dist / 1e3 == pytest.approx(shariki["max_range_km"], rel=1e-6)
    assert sensors["ir-geo-east"]["geostationary"] and sensors["ir-geo-east"]["coverage"] is None
    assert get(srv, "/v1/sensors", "partner").status_code == 403


@pytest.mark.skipif(not REPO_SHARED_CNS.is_file(), reason="../shared/data CNS table is not beside the repository")
def test_a_launch_its_exports_and_the_figures(srv):
    oct4 = next(r for r in get(srv, "/v1/launches").json() if r["date"] == "2022-10-04")
    a = get(srv, f"/v1/launches/{oct4['id']}/analysis").json()
    rec = a["result"]["reconstruction"]
    assert a["status"] == "ok" and rec["range_class"] == "IRBM" and rec["apogee_km"] == pytest.approx(970, rel=0.02)
    czml = get(srv, f"/v1/launches/{oct4['id']}/export.czml").json()
    clock = czml[0]["clock"]
    assert clock["interval"].startswith("2022-10-03T22:22") and clock["currentTime"].startswith("2022-10-03T22:22")
    assert any(p["id"] == f"flight-{oct4['id']}" for p in czml)
    rows = list(csv.DictReader(io.StringIO(get(srv, f"/v1/launches/{oct4['id']}/export.csv").text)))
    assert len(rows) == 1 and float(rows[0]["range_km"]) == 4500.0
    kml = get(srv, f"/v1/launches/{oct4['id']}/export.kml")
    assert kml.headers["content-type"].startswith("application/vnd.google-earth.kml+xml") and "<kml" in kml.text
    sel = get(srv, "/v1/archive/launches.geojson?year=2022&type=IRBM").json()
    assert {f["properties"]["date"] for f in sel["features"] if f["geometry"]["type"] == "Point"} >= {"2022-10-04"}
    for path in ("/v1/archive/plots/apogee_range.png", "/v1/archive/plots/launches_per_year.png",
                 f"/v1/launches/{oct4['id']}/track.png"):
        png = get(srv, path)
        assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n" and len(png.content) > 20_000
    assert get(srv, "/v1/launches/999999/analysis").status_code == 404
    assert get(srv, f"/v1/launches/{oct4['id']}/export.shp").status_code == 422
    assert get(srv, f"/v1/launches/{oct4['id']}/analysis", "partner").status_code == 403


def test_replays_listed_and_refused(srv):
    listing = get(srv, "/v1/replays").json()
    assert "2022-10-04" in listing["scenarios"] and listing["sessions"] == []
    assert get(srv, "/v1/replays/scenarios/no-such-scenario").status_code == 404
    assert get(srv, "/v1/replays/sessions/7").status_code == 404
    assert get(srv, "/v1/replays", "partner").status_code == 403
    assert json.loads(get(srv, "/v1/replays", None).text)["error"].startswith("authentication required")


def test_a_scenario_replayed_through_the_live_watch_with_its_truth(srv):
    r = get(srv, "/v1/replays/scenarios/land-impact-akita", "operator").json()
    events = r["events"]
    assert [e["number"] for e in events] == list(range(1, len(events) + 1))
    issued = [e for e in events if e["kind"] == "alert.issued"]
    assert len(issued) == 1 and "Akita" in issued[0]["data"]["regions"]
    # The truth ends at the impact; the watch's last footprint holds it.
    t_impact, lat, lon, alt_km = r["truth"]["A1"][-1]
    last = [e for e in events if e["kind"] == "prediction"][-1]["data"]
    assert abs(alt_km) < 0.01 and issued[0]["time_utc"] < t_impact
    assert shape({"type": "Polygon", "coordinates": [[[lo, la] for la, lo in last["footprint_polygon"]]]}).contains(
        Point(lon, lat))

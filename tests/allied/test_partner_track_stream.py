"""Partner track reports in a node's ordered stream, without servers: the record format and its
checks, and the 2022-10-04 flight through in-process watches (ROK's and the US's watches on
their sensors, their track events handed to JPN's watch as track lines, 0.5 s later)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from missilewatch.allied.threenode import SENSORS
from missilewatch.pipeline.partner_tracks import is_track_line, parse_track_line, track_line
from missilewatch.service.adapter import LiveWatch, check_line

LINK_DELAY_S = 0.5


def _event(**data) -> dict:
    d = {"t_utc": "2022-10-03T22:24:01.250000+00:00", "r_ecef_m": [-3.2e6, 3.3e6, 4.2e6],
         "v_ecef_mps": [1000.0, 2000.0, 500.0],
         "P_ecef": [[1e4 if i == j else 0.0 for j in range(6)] for i in range(6)],
         "sensors": ["busan-greenpine"], "boost_probability": 0.0, "confirmed": True} | data
    return {"kind": "track.updated", "track": "T3", "data": d}


def test_track_lines_are_checked_and_name_the_bad_field():
    line = track_line("ROK", 7, _event())
    assert line is not None and is_track_line(line)
    c = check_line(line, "record 0")
    assert c.ok and c.sensor_id == "partner-ROK" and c.time_utc == dt.datetime(2022, 10, 3, 22, 24, 1, 250000,
                                                                               tzinfo=dt.UTC)
    epoch = dt.datetime(2022, 10, 3, 22, 22, tzinfo=dt.UTC)
    r = parse_track_line(line, epoch, 5)
    assert (r.node, r.track, r.t_s, r.seq, r.sensors) == ("ROK", "T3", 121.25, 5, ("busan-greenpine",))
    bad_P = _event(P_ecef=[[-1.0 if i == j else 0.0 for j in range(6)] for i in range(6)])
    c = check_line(track_line("ROK", 8, bad_P) or "", "record 1")
    assert not c.ok and c.reason is not None and "P_ecef" in c.reason and "positive definite" in c.reason
    broken = json.loads(line)
    broken["v_ecef_mps"] = [1.0, 2.0]
    c = check_line(json.dumps(broken, separators=(",", ":")), "record 2")
    assert not c.ok and c.reason is not None and c.reason.startswith("record 2: v_ecef_mps")
    assert track_line("ROK", 9, _event(confirmed=False)) is None  # a tentative track is not sent on
    assert track_line("ROK", 9, {"kind": "prediction", "track": "T3", "data": {}}) is None


def _report_time(r: dict) -> dt.datetime:
    return dt.datetime.fromisoformat((r.get("report_time_utc") or r["time_utc"]).replace("Z", "+00:00"))


def _jpn_stream(flight_dir: Path, partners: tuple[str, ...], delay_s: float = LINK_DELAY_S) -> list[str]:
    """JPN's ordered stream: its own sensors' lines and, ``delay_s`` after the partners'
    watches made them, the partners' track lines."""
    recs = [json.loads(x) for x in (flight_dir / "measurements.jsonl").read_text().splitlines()]
    for r in recs:
        r.pop("truth", None)
    recs.sort(key=_report_time)
    epoch = _report_time(recs[0]).replace(second=0, microsecond=0)
    watches = {n: LiveWatch(epoch, 1) for n in partners}
    owner = {s: n for n, ss in SENSORS.items() for s in ss}
    out: list[tuple[dt.datetime, int, str]] = []
    for i, r in enumerate(recs):
        line = json.dumps(r, separators=(",", ":"))
        n = owner[r["sensor_id"]]
        if n == "JPN":
            out.append((_report_time(r), i, line))
        elif n in watches:
            for ev in watches[n].ingest(line, i):
                if (tl := track_line(n, i, ev)) is not None:
                    out.append((_report_time(r) + dt.timedelta(seconds=delay_s), i, tl))
    return [line for _t, _i, line in sorted(out)]


def _run(stream: list[str]) -> list[dict]:
    epoch = dt.datetime.fromisoformat(json.loads(stream[0])["time_utc"].replace("Z", "+00:00"))
    w = LiveWatch(epoch.replace(second=0, microsecond=0), 1)
    out = []
    for seq, line in enumerate(stream):
        c = check_line(line, f"record {seq}")
        assert c.ok, c.reason
        out += w.ingest(line, seq, c.record if seq % 2 else None)  # a rebuild reads lines only
    return out + w.finish()


@pytest.fixture(scope="module")
def runs(flight_dir):
    shared = _jpn_stream(flight_dir, ("ROK", "US"))
    return {"shared": shared, "with": _run(shared), "alone": _run(_jpn_stream(flight_dir, ()))}


def _aomori(events: list[dict]) -> list[dict]:
    return [e for e in events if e["kind"] == "alert.issued" and "Aomori" in e["data"]["regions"]]


def test_partner_tracks_make_jpn_warn_earlier_with_one_alert(runs):
    w = _aomori(runs["with"])
    lead = _lead_s(runs["alone"], runs["with"])
    print(f"in-process: JPN first Aomori alert {lead:+.1f} s with ROK and US tracks")
    assert lead >= 5.0
    assert len(w) == 1  # one launch, one alert
    # ... also when the radar track that issued it is merged into the fused one, which goes on
    # with it (its updates and closing carry the same launch's identifiers)
    launches = {e["data"]["identifier"].rsplit("-", 1)[0] for e in runs["with"] if e["kind"].startswith("alert.")}
    assert launches == {w[0]["data"]["identifier"].rsplit("-", 1)[0]}
    keeper = [e for e in runs["with"] if e["kind"].startswith("alert.")][-1]["track"]  # the one that goes on
    provenance = {s for e in runs["with"] if e["kind"] == "track.updated" and e["track"] == keeper
                  for s in e["data"]["sensors"]}
    assert {"busan-greenpine", "ir-geo-east", "shariki-tpy2", "aegis-soj"} <= provenance


def test_the_stream_re_run_gives_the_same_events(runs):
    again = _run(runs["shared"])
    key = [(e["kind"], e["t_s"], e["text"]) for e in runs["with"]]
    assert key == [(e["kind"], e["t_s"], e["text"]) for e in again]


def _lead_s(alone: list[dict], shared: list[dict]) -> float:
    """How much earlier (s) JPN's first Aomori alert comes with partner tracks than alone."""
    a, w = _aomori(alone), _aomori(shared)
    return (dt.datetime.fromisoformat(a[0]["data"]["sent_utc"])
            - dt.datetime.fromisoformat(w[0]["data"]["sent_utc"])).total_seconds()


@pytest.mark.parametrize("delay_s", [2.0, 5.0, 10.0])
def test_one_alert_series_when_partner_tracks_arrive_late(runs, flight_dir, delay_s):
    """Partner reports that arrive seconds late (flight time) are predicted to the track's time
    on the tracker's own IMM (thrust unknown): the fused track keeps taking JPN's radar data, so
    one alert series, and still ahead of JPN alone while the reports are worth it (a boosting
    report predicted with a rank-one white-noise block made two series at 5 s and more)."""
    events = _run(_jpn_stream(flight_dir, ("ROK", "US"), delay_s=delay_s))
    assert len(_aomori(events)) == 1
    lead = _lead_s(runs["alone"], events)
    print(f"partner tracks {delay_s:.0f} s late: JPN first Aomori alert {lead:+.1f} s")
    assert lead >= (5.0 if delay_s <= 5.0 else 0.0)

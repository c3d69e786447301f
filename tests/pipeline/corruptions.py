"""Ways to damage a line of the measurement format, as a hostile or unlucky sender would, and
the outcome of a replay in the few facts that must not change under such damage."""

from __future__ import annotations

import datetime as dt
import json
import math
import random

from missilewatch.alerts.model import MsgType
from missilewatch.sensors.measurement_io import parse_utc

KINDS = ("garbage", "truncate", "impossible", "shift_both", "shift_time", "duplicate", "unknown_sensor",
         "oversize")
#: One prediction update and rounding (s): alerts may move by this much.
UPDATE_S = 5.5
#: The clean watch declares the fall when its track is 3 sigma under the ground, up to a few
#: seconds before the simulated impact; an all-clear earlier than this before it is false.
FALL_SLACK_S = 10.0


def _utc(epoch: dt.datetime, t_s: float) -> str:
    return (epoch + dt.timedelta(seconds=t_s)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def shift(raw: bytes, seconds: float, stamps: tuple[str, ...] = ("time", "report")) -> bytes:
    """The line with its time of validity and/or report time moved by ``seconds``."""
    d = json.loads(raw)
    epoch = parse_utc(d["epoch_utc"])
    if "time" in stamps:
        d["t_s"] += seconds
        d["time_utc"] = _utc(epoch, d["t_s"])
    if "report" in stamps:
        d["t_report_s"] += seconds
        d["report_time_utc"] = _utc(epoch, d["t_report_s"])
    return json.dumps(d).encode()


def _impossible(d: dict, rng: random.Random) -> None:
    if d["type"].startswith("range_az_el"):
        choice = rng.choice(["neg_range", "huge_range", "el_200", "cov_huge", "nan"])
        if choice == "neg_range":
            d["values"][0] = -abs(d["values"][0])
        elif choice == "huge_range":
            d["values"][0] = 1e308
        elif choice == "el_200":
            d["values"][2] = math.radians(200.0)
        elif choice == "cov_huge":
            d["covariance"][0][0] = 1e308
        else:
            d["values"][1] = float("nan")
    else:
        choice = rng.choice(["delta", "cov_huge", "cov_neg"])
        if choice == "delta":
            d["values"][1] = 3.0
        elif choice == "cov_huge":
            d["covariance"][1][1] = 1e308
        else:
            d["covariance"][0][0] = -1e-12


def corrupt(raw: bytes, kind: str, rng: random.Random) -> list[bytes]:
    """The lines that replace ``raw`` (a duplicate adds one)."""
    if kind == "garbage":
        at = rng.randrange(1, len(raw))
        return [raw[:at] + bytes(rng.choice([0xFF, 0xFE, 0xC3, 0x80]) for _ in range(rng.randint(1, 4)))
                + b"\xff" + raw[at:]]
    if kind == "truncate":
        return [raw[: rng.randrange(1, len(raw) - 1)]]
    if kind in ("shift_both", "shift_time"):
        sign = rng.choice([-1.0, 1.0])
        seconds = sign * 10 ** rng.uniform(math.log10(60.0), 8.0)  # a minute to three years
        return [shift(raw, seconds, ("time", "report") if kind == "shift_both" else ("time",))]
    if kind == "duplicate":
        return [raw, raw]
    d = json.loads(raw)
    if kind == "impossible":
        _impossible(d, rng)
    elif kind == "unknown_sensor":
        d["sensor_id"] = f"ghost-{rng.randrange(10**6)}"
    elif kind == "oversize":
        what = rng.choice(["id", "values", "line"])
        if what == "id":
            d["sensor_id"] = "x" * rng.randint(81, 100_000)
        elif what == "values":
            d["values"] = d["values"] * 1000
        else:
            d["components"] = ["range_m"] * 20_000
    return [json.dumps(d).encode()]


def corrupt_stream(lines: list[bytes], picks: list[tuple[int, str, int]]) -> tuple[list[bytes], int]:
    """Apply (line index, kind, seed) corruptions; returns the lines and how many damaged
    records they hold (each must be rejected or dropped)."""
    out: list[bytes] = []
    by_index = {i: (k, s) for i, k, s in picks}
    for i, raw in enumerate(lines):
        if i in by_index:
            kind, seed = by_index[i]
            out.extend(corrupt(raw, kind, random.Random(seed)))
        else:
            out.append(raw)
    return out, len(by_index)


def outcome(res) -> dict:
    """The facts of a replay that damage must not change."""
    s = res.summary
    epoch = res.watch.epoch.timestamp()
    first: dict[str, float] = {}
    clears = []
    for m in res.watch.alerts.messages():
        t = m.sent.timestamp() - epoch
        if m.msg_type in (MsgType.ALERT, MsgType.UPDATE) and not m.plan.final:
            for r in m.region_names:
                first.setdefault(r, t)
        if m.msg_type == MsgType.CANCEL or m.plan.final or m.passed_regions:
            clears.append(t)
    return {"confirmed": s["tracks_confirmed"], "false_tracks": s.get("false_tracks"), "first_alert": first,
            "all_clear_s": clears, "rejected": s["rejected_measurements"], "dropped": s["duplicates_dropped"],
            "sent_s": [m.sent.timestamp() - epoch for m in res.watch.alerts.messages()]}


def differences(clean: dict, got: dict, t_impact_s: float, stream_end_s: float) -> list[str]:
    """What differs from the clean outcome in a way the watch must not allow (empty: held)."""
    out = []
    if got["confirmed"] != clean["confirmed"]:
        out.append(f"confirmed tracks {got['confirmed']} != {clean['confirmed']}")
    if got["false_tracks"] != clean["false_tracks"]:
        out.append(f"false tracks {got['false_tracks']}")
    if set(got["first_alert"]) != set(clean["first_alert"]):
        out.append(f"alerted regions {sorted(got['first_alert'])} != {sorted(clean['first_alert'])}")
    for r, t in clean["first_alert"].items():
        if r in got["first_alert"] and abs(got["first_alert"][r] - t) > UPDATE_S:
            out.append(f"{r} first alerted at {got['first_alert'][r]:.1f} s, clean {t:.1f} s")
    early = [t for t in got["all_clear_s"] if t < t_impact_s - FALL_SLACK_S]
    if early:
        out.append(f"all-clear at {early[0]:.1f} s before the impact at {t_impact_s:.1f} s")
    ahead = [t for t in got["sent_s"] if t > stream_end_s + 1e-6]
    if ahead:
        out.append(f"a message stamped {ahead[0]:.1f} s, after the stream's last report {stream_end_s:.1f} s")
    return out

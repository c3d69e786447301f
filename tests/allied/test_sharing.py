"""The one function that filters what leaves a node (:func:`missilewatch.allied.sharing.share`),
tried by hypothesis on any message and any terms: nothing the terms withhold ever passes, and
everything they allow does."""

from __future__ import annotations

import copy
import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from missilewatch.allied.sharing import KM_PER_DEG, place_of, share
from missilewatch.allied.terms import MEASUREMENT, PREDICTION_KINDS, TRACK_KINDS, Terms

SENSORS = ("busan-greenpine", "aegis-soj", "ir-geo-east", "shariki-tpy2")
INTERNAL = ("sensor.stale", "sensor.fresh", "measurement.rejected", "prediction.note")
KINDS = sorted(PREDICTION_KINDS | TRACK_KINDS | {MEASUREMENT} | set(INTERNAL))
lat = st.floats(-89, 89, allow_nan=False)
lon = st.floats(-179, 179, allow_nan=False)


@st.composite
def terms(draw) -> Terms:
    mode = draw(st.sampled_from(("predictions", "tracks", "measurements")))
    sensors = frozenset(draw(st.sets(st.sampled_from(SENSORS), min_size=1))) if mode == "measurements" else frozenset()
    coarsen = 0.0 if mode == "measurements" else draw(st.sampled_from((0.0, 0.5, 1.0, 10.0, 55.0)))
    area = None
    if draw(st.booleans()):
        la, lo = draw(st.floats(-80, 70)), draw(st.floats(-170, 160))
        area = box(lo, la, lo + draw(st.floats(1, 120)), la + draw(st.floats(1, 90)))
    return Terms("ROK", mode, sensors, draw(st.sampled_from((0.0, 2.0))), coarsen, area)


@st.composite
def messages(draw) -> dict:
    kind = draw(st.sampled_from(KINDS))
    track = draw(st.sampled_from(("T1", "T2", None)))
    if kind == MEASUREMENT:
        rec = {"sensor_id": draw(st.sampled_from(SENSORS)), "values": [1.0, 2.0], "truth": {"object_id": "M1"}}
        pos = draw(st.one_of(st.none(), st.tuples(lat, lon).map(list)))
        return {"kind": kind, "sensor": rec["sensor_id"], "time_utc": "2022-10-03T22:24:00+00:00",
                "line": json.dumps(rec), "position": pos}
    data: dict = {}
    if kind in TRACK_KINDS and kind != "track.deleted":
        la, lo = draw(lat), draw(lon)
        data = {"lat_deg": la, "lon_deg": lo, "alt_km": draw(st.floats(0, 1500)), "r_ecef_m": [1.0, 2.0, 3.0],
                "P_ecef": [[100.0 if i == j else 0.0 for j in range(6)] for i in range(6)], "sigma_pos_m": 17.3}
    if kind == "prediction":
        data = {"impact_lat_deg": draw(lat), "impact_lon_deg": draw(lon), "semi_major_km": 40.0,
                "semi_minor_km": 10.0, "footprint_polygon": [[draw(lat), draw(lon)] for _ in range(3)],
                "ground_track": [[0.0, draw(lat), draw(lon), 100.0]]}
    return {"number": 7, "kind": kind, "session": 1, "time_utc": "2022-10-03T22:24:00+00:00", "track": track,
            "text": f"{kind} at 40.123456, 140.654321", "data": data}


def _on_grid(v: float, step: float) -> bool:
    k = v / step
    return abs(k - round(k)) < 1e-6


@settings(max_examples=600, deadline=None)
@given(messages(), terms(), st.one_of(st.none(), st.tuples(lat, lon)))
def test_share_passes_exactly_what_the_terms_allow(msg, t, about):
    before = copy.deepcopy(msg)
    out = share(msg, t, about)
    assert msg == before  # the caller's message is never changed
    kind = msg["kind"]
    where = place_of(msg) or about
    allowed = (kind in t.kinds() and kind not in INTERNAL
               and (kind != MEASUREMENT or msg["sensor"] in t.sensors)
               and (t.area is None or (where is not None and t.inside(*where))))
    assert (out is not None) == allowed
    if out is None:
        return
    if kind == MEASUREMENT:
        assert "truth" not in json.loads(out["line"])
        assert json.loads(out["line"])["sensor_id"] in t.sensors
        return
    if kind in TRACK_KINDS:
        assert t.mode == "tracks"
    if t.coarsen_km > 0:
        g = t.coarsen_km / KM_PER_DEG
        d = out["data"]
        if kind in TRACK_KINDS and d.get("lat_deg") is not None:
            assert _on_grid(d["lat_deg"], g) and _on_grid(d["lon_deg"], g) and _on_grid(d["alt_km"], t.coarsen_km)
            assert d["P_ecef"][0][0] == 100.0 + (t.coarsen_km * 1e3) ** 2 / 12
            assert math.dist(out["data"]["r_ecef_m"], [0, 0, 0]) > 6e6  # recomputed from the coarse place
        if kind == "prediction":
            pts = [[d["impact_lat_deg"], d["impact_lon_deg"]], *d["footprint_polygon"],
                   *[p[1:3] for p in d["ground_track"]]]
            assert all(_on_grid(v, g) for p in pts for v in p)
            assert d["semi_major_km"] > 40.0
        if kind in TRACK_KINDS | {"prediction", "launch", "impact"}:
            assert "40.12" not in out["text"]
    else:
        assert out == msg

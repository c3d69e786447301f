"""The live picture, built from the event log alone: tracks with their history and
predictions, the latest decision, alert messages, sensor states. The same events give the
same picture, so a restarted server rebuilds it by reading its events back."""

from __future__ import annotations

import threading
from typing import Any

MAX_POSITIONS = 2000
MAX_PREDICTIONS = 100
PARTNER_KINDS = ("launch", "prediction", "decision", "impact", "alert.issued", "alert.updated",
                 "alert.cancelled", "alert.closed")


def partner_may_see(kind: str) -> bool:
    """What a partner receives here: alerts and predictions (and their decisions), no
    measurements, tracks or sensor states."""
    return kind in PARTNER_KINDS


class Picture:
    """Thread-safe: the worker applies events, request handlers read snapshots."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.number = 0
        self.session: dict[str, Any] | None = None
        self.tracks: dict[str, dict[str, Any]] = {}
        self.alerts: dict[str, dict[str, Any]] = {}
        self.sensors: dict[str, dict[str, Any]] = {}

    def apply(self, ev: dict) -> None:
        with self._lock:
            self._apply(ev)

    def _track(self, key: str) -> dict[str, Any]:
        return self.tracks.setdefault(key, {"id": key, "state": "live", "session": ev_session(self.session),
                                            "last": {}, "positions": [], "predictions": [], "decision": None,
                                            "events": []})

    def _apply(self, ev: dict) -> None:
        self.number = max(self.number, ev["number"])
        kind, key, data = ev["kind"], ev.get("track"), ev.get("data") or {}
        if kind == "session.opened":
            self.session = {"id": data["session"], "epoch_utc": data["epoch_utc"]}
            self.tracks.clear()
            return
        if kind.startswith("sensor."):
            self.sensors[data["sensor"]] = {"sensor": data["sensor"], "state": kind.split(".")[1],
                                            "since_utc": ev["time_utc"], "last_report_utc": data.get("last_report_utc"),
                                            "last_measured_utc": data.get("last_measured_utc")}
            return
        if kind.startswith("alert."):
            self.alerts[data["identifier"]] = {k: v for k, v in data.items() if k != "cap_xml"} | {
                "event": ev["number"], "track": key}
        if key is None:
            return
        tr = self._track(key)
        tr["events"].append({"number": ev["number"], "kind": kind, "time_utc": ev["time_utc"], "text": ev["text"]})
        del tr["events"][:-MAX_PREDICTIONS]
        if kind in ("track.initiated", "track.updated", "track.confirmed") and data:
            tr["last"] = data
            tr["positions"].append([data["t_utc"], data["lat_deg"], data["lon_deg"], data["alt_km"]])
            del tr["positions"][:-MAX_POSITIONS]
            if kind == "track.confirmed":
                tr["confirmed_utc"] = ev["time_utc"]
        elif kind == "track.deleted":
            tr["state"] = "ended"
            tr["end_reason"] = data.get("reason", "")
            tr["ended_utc"] = ev["time_utc"]
        elif kind == "prediction":
            tr["predictions"].append(data)
            del tr["predictions"][:-MAX_PREDICTIONS]
        elif kind == "decision":
            tr["decision"] = data

    # -- reading -------------------------------------------------------------------------

    @staticmethod
    def summary(tr: dict[str, Any]) -> dict[str, Any]:
        """A track without its history: where it is, its latest prediction and decision."""
        return {"id": tr["id"], "state": tr["state"], "session": tr["session"], "last": tr["last"],
                "confirmed_utc": tr.get("confirmed_utc"), "ended_utc": tr.get("ended_utc"),
                "end_reason": tr.get("end_reason"),
                "prediction": tr["predictions"][-1] if tr["predictions"] else None, "decision": tr["decision"]}

    def track_list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [self.summary(t) for t in self.tracks.values()]

    def track(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            tr = self.tracks.get(key)
            if tr is None:
                return None
            return self.summary(tr) | {"positions": list(tr["positions"]), "predictions": list(tr["predictions"]),
                                       "events": list(tr["events"])}

    def snapshot(self, partner: bool = False) -> dict[str, Any]:
        """Everything live: tracks (with their latest prediction), alerts, sensors, the session."""
        with self._lock:
            latest: dict[str, dict] = {}
            for a in self.alerts.values():
                latest[a["launch_id"]] = a  # messages arrive in order; the last one stands
            snap: dict[str, Any] = {"number": self.number, "session": self.session,
                                    "alerts": list(latest.values())}
            if partner:
                snap["predictions"] = [{"track": t["id"], "prediction": t["predictions"][-1], "decision": t["decision"]}
                                       for t in self.tracks.values() if t["predictions"]]
            else:
                snap["tracks"] = [self.summary(t) | {"positions": t["positions"][-300:]} for t in self.tracks.values()]
                snap["sensors"] = list(self.sensors.values())
            return snap


def ev_session(session: dict[str, Any] | None) -> int | None:
    return None if session is None else session["id"]

"""Prometheus metrics of one service process (its own registry, served at ``/metrics``)."""

from __future__ import annotations

import threading

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

MAX_SENSOR_LABELS = 500
#: Latency buckets (s): fine around the 250 ms target, so that a quantile read from them is close.
_LAT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """Counters, gauges and histograms the service updates; ``registry`` for the exposition."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.measurements = Counter("missilewatch_measurements_total", "Measurement records received, by sensor "
                                    "and result (accepted, duplicate, rejected)", ["sensor", "result"], registry=r)
        self.refused = Counter("missilewatch_requests_refused_total", "Requests refused, by reason",
                               ["reason"], registry=r)
        self.events = Counter("missilewatch_events_total", "Events published, by kind", ["kind"], registry=r)
        self.event_latency = Histogram("missilewatch_event_latency_seconds", "From a measurement's arrival to "
                                       "the events it causes being published", buckets=_LAT_BUCKETS, registry=r)
        self.alert_latency = Histogram("missilewatch_alert_latency_seconds", "From the arrival of the measurement "
                                       "that decides an alert to the alert being published",
                                       buckets=_LAT_BUCKETS, registry=r)
        self.commit_seconds = Histogram("missilewatch_ingest_commit_seconds", "Time to commit one request's "
                                        "records", buckets=_LAT_BUCKETS, registry=r)
        self.queue_depth = Gauge("missilewatch_queue_depth", "Committed measurements waiting for the watch",
                                 registry=r)
        self.clients = Gauge("missilewatch_event_clients", "Connected event clients", ["transport"], registry=r)
        self.rebuild_seconds = Gauge("missilewatch_rebuild_seconds", "Time the last start took to rebuild the "
                                     "watch from the store", registry=r)
        self.rebuild_measurements = Gauge("missilewatch_rebuild_measurements", "Measurements re-run by the last "
                                          "rebuild", registry=r)
        self.watch_restarts = Counter("missilewatch_watch_restarts", "Watch processes that died (each "
                                      "started again, up to a limit)", registry=r)
        self.stale_sensors = Gauge("missilewatch_stale_sensors", "Sensors currently stale", registry=r)
        self._sensors: set[str] = set()
        self._lock = threading.Lock()

    def sensor_label(self, sensor_id: str | None) -> str:
        """The sensor id as a label, bounded in number (later ones are counted as "other")."""
        if not sensor_id:
            return "unknown"
        with self._lock:
            if sensor_id in self._sensors:
                return sensor_id
            if len(self._sensors) < MAX_SENSOR_LABELS:
                self._sensors.add(sensor_id)
                return sensor_id
        return "other"

"""Writes what the watch sees and decides into the store: measurements (accepted or rejected
with the reason), tracks, predictions, decisions and alerts, in one run."""

from __future__ import annotations

import datetime as dt

from missilewatch.alerts.cap import render_cap
from missilewatch.alerts.model import Alert
from missilewatch.alerts.text import render_text
from missilewatch.store import Database
from missilewatch.store.models import (
    AlertRow,
    DecisionRow,
    MeasurementRow,
    PredictionRow,
    TrackRow,
    WatchRun,
)

FLUSH_EVERY = 500


class WatchRecorder:
    """One watch run's writer; call :meth:`close` at the end (commits what is pending)."""

    def __init__(self, db: Database, epoch: dt.datetime, source: str, scenario: str | None = None,
                 seed: int | None = None) -> None:
        self.db = db
        self.epoch = epoch
        self._session_cm = db.session()
        self.session = self._session_cm.__enter__()
        self.run = WatchRun(source=source, scenario=scenario, seed=seed, epoch_utc=epoch)
        self.session.add(self.run)
        self.session.flush()
        self._tracks: dict[int, TrackRow] = {}
        self._pending = 0

    def _time(self, t_s: float) -> dt.datetime:
        return self.epoch + dt.timedelta(seconds=float(t_s))

    def _added(self) -> None:
        self._pending += 1
        if self._pending >= FLUSH_EVERY:
            self.session.commit()
            self._pending = 0

    def measurement(self, item, track_id: int | None) -> None:
        m = item.measurement
        row = MeasurementRow(run_id=self.run.id, seq=item.seq, accepted=m is not None, reason=item.error,
                             raw=item.raw, track_key=None if track_id is None else f"T{track_id}")
        if m is not None:
            row.sensor_id, row.mtype, row.time_utc = m.sensor_id, m.mtype, self._time(m.t_s)
            row.values, row.covariance = m.z.tolist(), m.R.tolist()
        self.session.add(row)
        self._added()

    def track(self, log, ev) -> None:
        row = self._tracks.get(log.track_id)
        if row is None:
            row = self._tracks[log.track_id] = TrackRow(run_id=self.run.id, key=log.launch_id,
                                                        started_at=self._time(log.born_t_s), n_updates=0)
            self.session.add(row)
        if ev.kind == "confirmed":
            row.confirmed_at = self._time(ev.t_s)
        elif ev.kind == "deleted":
            row.ended_at, row.end_reason = self._time(ev.t_s), ev.reason[:200]
        elif ev.kind == "updated":
            row.n_updates += 1

    def prediction(self, log, rec) -> None:
        p, d = rec.prediction, rec.assessment
        a, b = p.footprint.semi_axes_km
        self.session.add(PredictionRow(
            run_id=self.run.id, track_key=log.launch_id, made_at=self._time(rec.t_s),
            impact_time_utc=self._time(p.t_impact_s), impact_lat_deg=p.impact_lat_deg,
            impact_lon_deg=p.impact_lon_deg, semi_major_km=a, semi_minor_km=b,
            orientation_deg=p.footprint.orientation_deg, apogee_km=p.apogee_km,
            range_class=p.range_class.value if p.range_class else None,
            trajectory_type=p.trajectory_type.value if p.trajectory_type else None,
            state_ecef=log.last_snapshot.state.x[:6].tolist() if log.last_snapshot else None,
        ))
        if d is not None:
            self.session.add(DecisionRow(
                run_id=self.run.id, track_key=log.launch_id, made_at=self._time(rec.t_s),
                impact_zone=d.impact_zone, impact_country=d.impact_country,
                threat_of_damage=d.threat_of_damage, intercept_recommended=d.intercept_recommended,
                alert_regions=list(d.alert_regions), reasons=list(d.reasons),
            ))
        self._added()

    def alert(self, msg: Alert) -> None:
        self.session.add(AlertRow(
            run_id=self.run.id, identifier=msg.identifier, launch_id=msg.launch_id,
            msg_type=msg.msg_type.value, sent=msg.sent, regions=msg.region_names,
            cancelled_regions=[list(c) for c in msg.cancelled_regions], cap_xml=render_cap(msg),
            text_en=render_text(msg, "en"), text_ja=render_text(msg, "ja"),
        ))
        self._added()

    def close(self, summary: dict | None = None) -> int:
        """Store the run's summary and commit; returns the run id."""
        self.run.summary = summary
        self._session_cm.__exit__(None, None, None)
        return self.run.id

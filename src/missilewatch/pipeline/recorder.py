"""Writes what the watch sees and decides into the store: measurements (accepted or rejected
with the reason), tracks, predictions, decisions and alerts, in one run.

No record can break the store: texts are cut to their column's length and cleaned of bytes a
database refuses (NUL), numbers that are not finite are not stored as numbers; rows are
committed in small batches (``batch_rows``) and an alert at once, before the watch announces
it; a batch the database refuses is rolled back alone and retried row by row, so only the rows
it refuses are lost (counted in ``failed_rows``) and the stream goes on.
"""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy.exc import SQLAlchemyError

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

#: Rows per commit: small, so that a kill loses little.
BATCH_ROWS = 50


def fit(text: object, length: int | None = None) -> str | None:
    """A text safe for any database column: NUL removed, cut to ``length`` characters."""
    if text is None:
        return None
    out = str(text).replace("\x00", "\\x00")
    if length is not None and len(out) > length:
        out = out[: max(0, length - 3)] + "..."
    return out


def _finite_list(values) -> list | None:
    try:
        flat = [float(v) for v in values.ravel()] if hasattr(values, "ravel") else None
    except (TypeError, ValueError):
        return None
    if flat is not None and not all(math.isfinite(v) for v in flat):
        return None
    return values.tolist()


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


class WatchRecorder:
    """One watch run's writer; call :meth:`close` at the end (commits what is pending)."""

    def __init__(self, db: Database, epoch: dt.datetime, source: str, scenario: str | None = None,
                 seed: int | None = None, batch_rows: int = BATCH_ROWS) -> None:
        self.db = db
        self.epoch = epoch
        self.batch_rows = batch_rows
        self._session_cm = db.session()
        self.session = self._session_cm.__enter__()
        self.run = WatchRun(source=fit(source, 400), scenario=fit(scenario, 200), seed=seed, epoch_utc=epoch)
        self.session.add(self.run)
        self.session.commit()
        self._tracks: dict[int, TrackRow] = {}
        self._pending: list = []
        self.failed_rows = 0
        self.failures: list[str] = []

    def _time(self, t_s: float) -> dt.datetime | None:
        try:
            return self.epoch + dt.timedelta(seconds=float(t_s))
        except (OverflowError, ValueError):
            return None

    def _add(self, row, now: bool = False) -> None:
        self.session.add(row)
        self._pending.append(row)
        if now or len(self._pending) >= self.batch_rows:
            self.commit()

    def commit(self) -> None:
        """Commit what is pending; a refused batch is retried row by row."""
        pending, self._pending = self._pending, []
        try:
            self.session.commit()
            return
        except SQLAlchemyError as exc:
            self.session.rollback()
            first = exc
        for row in pending:
            if isinstance(row, TrackRow) and row in self.session:
                continue
            try:
                self.session.add(row)
                self.session.commit()
            except SQLAlchemyError as exc:
                self.session.rollback()
                self.failed_rows += 1
                if len(self.failures) < 20:
                    self.failures.append(fit(str(exc).splitlines()[0], 300) or "")
        if not self.failures:
            self.failures.append(fit(str(first).splitlines()[0], 300) or "")

    def measurement(self, item, track_id: int | None) -> None:
        m = item.measurement
        accepted = bool(getattr(item, "accepted", m is not None))
        row = MeasurementRow(run_id=self.run.id, seq=int(item.seq), accepted=accepted, reason=fit(item.error, 4000),
                             raw=fit(item.raw, 4000), track_key=None if track_id is None else f"T{track_id}")
        if m is not None:
            row.sensor_id, row.mtype = fit(m.sensor_id, 80), fit(m.mtype, 40)
            row.time_utc = self._time(m.t_s) if accepted else None
            if accepted:
                row.values, row.covariance = _finite_list(m.z), _finite_list(m.R)
        elif getattr(item, "sensor_id", None):
            row.sensor_id = fit(item.sensor_id, 80)
        self._add(row)

    def track(self, log, ev) -> None:
        row = self._tracks.get(log.track_id)
        if row is None:
            row = self._tracks[log.track_id] = TrackRow(run_id=self.run.id, key=log.launch_id,
                                                        started_at=self._time(log.born_t_s), n_updates=0)
            self._add(row)
        if ev.kind == "confirmed":
            row.confirmed_at = self._time(ev.t_s)
        elif ev.kind == "deleted":
            row.ended_at, row.end_reason = self._time(ev.t_s), fit(ev.reason, 200)
        elif ev.kind == "updated":
            row.n_updates = (row.n_updates or 0) + 1

    def prediction(self, log, rec) -> None:
        p, d = rec.prediction, rec.assessment
        a, b = p.footprint.semi_axes_km
        self._add(PredictionRow(
            run_id=self.run.id, track_key=log.launch_id, made_at=self._time(rec.t_s),
            impact_time_utc=self._time(p.t_impact_s) if math.isfinite(p.t_impact_s) else None,
            impact_lat_deg=_finite(p.impact_lat_deg), impact_lon_deg=_finite(p.impact_lon_deg),
            semi_major_km=_finite(a), semi_minor_km=_finite(b),
            orientation_deg=_finite(p.footprint.orientation_deg), apogee_km=_finite(p.apogee_km),
            range_class=p.range_class.value if p.range_class else None,
            trajectory_type=p.trajectory_type.value if p.trajectory_type else None,
            state_ecef=_finite_list(log.last_snapshot.state.x[:6]) if log.last_snapshot else None,
        ))
        if d is not None:
            self._add(DecisionRow(
                run_id=self.run.id, track_key=log.launch_id, made_at=self._time(rec.t_s),
                impact_zone=fit(d.impact_zone, 20), impact_country=fit(d.impact_country, 3),
                threat_of_damage=d.threat_of_damage, intercept_recommended=d.intercept_recommended,
                alert_regions=list(d.alert_regions), reasons=list(d.reasons),
            ))

    def alert(self, msg: Alert) -> None:
        """Store an alert and commit at once: it is on disk before it is announced."""
        self._add(AlertRow(
            run_id=self.run.id, identifier=fit(msg.identifier, 200), launch_id=fit(msg.launch_id, 120),
            msg_type=msg.msg_type.value, sent=msg.sent, regions=msg.region_names,
            cancelled_regions=[list(c) for c in msg.cancelled_regions], cap_xml=render_cap(msg),
            text_en=render_text(msg, "en"), text_ja=render_text(msg, "ja"),
        ), now=True)

    def close(self, summary: dict | None = None, status: str = "complete") -> int:
        """Store the run's summary (with ``status``: complete or interrupted) and commit;
        returns the run id."""
        self.commit()
        out = dict(summary or {})
        out["status"] = status
        if self.failed_rows:
            out["store_failed_rows"] = self.failed_rows
            out["store_failures"] = self.failures
        self.run.summary = out
        try:
            self.session.commit()
        except SQLAlchemyError:
            self.session.rollback()
            self.run.summary = {"status": status, "store_failed_rows": self.failed_rows}
            self.session.commit()
        self._session_cm.__exit__(None, None, None)
        return self.run.id

"""Alert lifecycle per launch: issue when regions need warning, update when the picture
changes, cancel with the reason when nobody needs warning any more, close after the fall.

Lessons built in: the 4 Oct 2022 warning for Aomori came while the missile was overhead, so an
alert goes out on the first plan that names a region (the assessment decides when that is);
the 13 Apr 2023 warning for Hokkaido was withdrawn without a prediction-based reason, so every
withdrawal here says what the latest prediction is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from missilewatch.alerts.model import Alert, MsgType, RegionNotice, WarningPlan

# A predicted time that moves by less than this is not worth an update message, s.
TIME_CHANGE_S = 30.0


def _safe_id(text: str) -> str:
    """CAP identifiers may not hold spaces, commas or markup characters."""
    return re.sub(r"[^A-Za-z0-9_.:-]", "-", text)


@dataclass
class _LaunchAlerts:
    messages: list[Alert] = field(default_factory=list)
    active: dict[str, RegionNotice] = field(default_factory=dict)
    threat: bool = False
    closed: bool = False


class AlertBook:
    """The alerts of every launch; feed it warning plans, it returns the messages to send."""

    def __init__(self, prefix: str = "missilewatch") -> None:
        self.prefix = prefix
        self._launches: dict[str, _LaunchAlerts] = {}

    def messages(self, launch_id: str | None = None) -> list[Alert]:
        """Every message sent so far (of one launch, or all in order of sending)."""
        if launch_id is not None:
            return list(self._launches.get(launch_id, _LaunchAlerts()).messages)
        out = [m for book in self._launches.values() for m in book.messages]
        return sorted(out, key=lambda m: (m.sent, m.identifier))

    def active_regions(self, launch_id: str) -> list[str]:
        """Regions currently under warning for a launch."""
        book = self._launches.get(launch_id)
        return [] if book is None or book.closed else list(book.active)

    def update(self, plan: WarningPlan) -> list[Alert]:
        """Take the latest plan of a launch; return the messages it causes (none, or one)."""
        book = self._launches.setdefault(plan.launch_id, _LaunchAlerts())
        if book.closed:
            return []
        new = {r.region: r for r in plan.regions}
        if not book.active:  # the first warning, or a fresh one after a cancel
            return [self._emit(book, plan, MsgType.ALERT, new)] if new else []  # never alert for nothing
        removed = [name for name in book.active if name not in new]
        if plan.final:
            # Only regions flown over have been passed (the latest plan knows best which).
            passed = tuple(r.region for r in book.active.values()
                           if new.get(r.region, r).overflown and r.time_utc <= plan.made_at)
            msg = self._emit(book, plan, MsgType.UPDATE, new, removed, passed=passed)
            book.closed = True
            return [msg]
        if not new:
            return [self._emit(book, plan, MsgType.CANCEL, {}, removed)]
        added = [name for name in new if name not in book.active]
        changed = [
            name for name, r in new.items()
            if name in book.active and (
                r.kind != book.active[name].kind
                or abs((r.time_utc - book.active[name].time_utc).total_seconds()) > TIME_CHANGE_S
            )
        ]
        if added or removed or changed or plan.threat_of_damage != book.threat:
            return [self._emit(book, plan, MsgType.UPDATE, new, removed)]
        return []

    def _emit(self, book, plan, msg_type, regions, removed=(), passed=()) -> Alert:
        seq = len(book.messages) + 1
        refs = tuple((m.identifier, m.sent) for m in book.messages)
        why = _withdrawal_reason(plan)
        alert = Alert(
            identifier=f"{self.prefix}-{_safe_id(plan.launch_id)}-{seq}",
            launch_id=plan.launch_id,
            sequence=seq,
            msg_type=msg_type,
            sent=plan.made_at,
            plan=plan,
            regions=tuple(regions.values()),
            cancelled_regions=tuple((name, why) for name in removed),
            references=refs if msg_type != MsgType.ALERT or book.messages else (),
            passed_regions=tuple(passed),
        )
        book.messages.append(alert)
        book.active = dict(regions)
        book.threat = plan.threat_of_damage
        return alert


def _withdrawal_reason(plan: WarningPlan) -> str:
    """Why a region no longer needs warning, from the latest prediction."""
    text = f"the latest prediction no longer passes over or falls near it; predicted impact {plan.impact_text}"
    if plan.reasons:
        text += f" ({plan.reasons[0]})"
    return text

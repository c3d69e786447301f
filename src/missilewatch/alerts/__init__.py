"""Alerts: the lifecycle of public warnings (issue, update, cancel, close) for each launch, and
their renderings as CAP 1.2 XML and plain text in English and Japanese (J-Alert wording)."""

from missilewatch.alerts.lifecycle import AlertBook
from missilewatch.alerts.model import Alert, AlertKind, MsgType, RegionNotice, WarningPlan

__all__ = ["Alert", "AlertBook", "AlertKind", "MsgType", "RegionNotice", "WarningPlan"]

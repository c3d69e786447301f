"""All tables of the one missilewatch database, one module per domain.

Importing this package registers every table on :data:`missilewatch.store.base.Base.metadata`.
A new domain (measurements, tracks, predictions, decisions, alerts) adds a module here that
subclasses :class:`~missilewatch.store.base.Base` and one import line below.
"""

from missilewatch.store.base import Base
from missilewatch.store.models.allied import AlliedCounter, AlliedInbox, AlliedOutbox
from missilewatch.store.models.analysis import LaunchAnalysis
from missilewatch.store.models.launches import LaunchEvent, Missile
from missilewatch.store.models.provenance import Fact, ImportProblem, Source
from missilewatch.store.models.service import (
    ApiKey,
    AuditEntry,
    ServiceAlert,
    ServiceEvent,
    ServiceMeasurement,
    ServiceSession,
    ServiceState,
)
from missilewatch.store.models.watch import (
    AlertRow,
    DecisionRow,
    MeasurementRow,
    PredictionRow,
    TrackRow,
    WatchRun,
)

__all__ = [
    "AlertRow", "AlliedCounter", "AlliedInbox", "AlliedOutbox",
    "ApiKey", "AuditEntry", "ServiceAlert", "ServiceEvent", "ServiceMeasurement", "ServiceSession",
    "ServiceState", "Base", "DecisionRow", "Fact", "ImportProblem", "LaunchAnalysis", "LaunchEvent",
    "MeasurementRow", "Missile", "PredictionRow", "Source", "TrackRow", "WatchRun",
]

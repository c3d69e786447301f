"""All tables of the one missilewatch database, one module per domain.

Importing this package registers every table on :data:`missilewatch.store.base.Base.metadata`.
A new domain (measurements, tracks, predictions, decisions, alerts) adds a module here that
subclasses :class:`~missilewatch.store.base.Base` and one import line below.
"""

from missilewatch.store.base import Base
from missilewatch.store.models.analysis import LaunchAnalysis
from missilewatch.store.models.launches import LaunchEvent, Missile
from missilewatch.store.models.provenance import Fact, ImportProblem, Source

__all__ = ["Base", "Fact", "ImportProblem", "LaunchAnalysis", "LaunchEvent", "Missile", "Source"]

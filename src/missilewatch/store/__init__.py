"""The one database of missilewatch (SQLAlchemy 2): SQLite by default, PostgreSQL by URL."""

from missilewatch.store.base import Base, UTCDateTime
from missilewatch.store.database import Database
from missilewatch.store.models import Fact, ImportProblem, LaunchAnalysis, LaunchEvent, Missile, Source

__all__ = [
    "Base", "Database", "Fact", "ImportProblem", "LaunchAnalysis", "LaunchEvent", "Missile", "Source", "UTCDateTime",
]

"""Flight physics: equations of motion in rotating ECEF, generic boost profiles, batched
propagation to ground impact, reconstruction from reported figures, range capability."""

from missilewatch.flight.boost import BoostProfile, RangeClass, Stage, generic_profile
from missilewatch.flight.propagate import (
    ForceModel,
    ImpactBatch,
    Tolerance,
    Trajectory,
    fly,
    propagate_to_impact,
)

__all__ = [
    "BoostProfile",
    "ForceModel",
    "ImpactBatch",
    "RangeClass",
    "Stage",
    "Tolerance",
    "Trajectory",
    "fly",
    "generic_profile",
    "propagate_to_impact",
]

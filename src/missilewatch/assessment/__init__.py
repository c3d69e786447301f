"""Assessment: the decision policy (threat of damage, regions to warn, interception), always with reasons."""

from missilewatch.assessment.decide import AlertRegion, Assessment, assess
from missilewatch.assessment.impact import ImpactEllipse, ImpactSamples
from missilewatch.assessment.policy import Policy, load_policy

__all__ = ["AlertRegion", "Assessment", "ImpactEllipse", "ImpactSamples", "Policy", "assess", "load_policy"]

"""Assessment: the decision policy (threat of damage, regions to warn, interception), always with reasons.

Names are loaded on first use, so that importing a light part (``assessment.reasons``,
``assessment.policy``) does not load the geography.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "AlertCause": "reasons", "Reason": "reasons", "ReasonCode": "reasons",
    "AlertRegion": "steps", "Assessment": "decide", "assess": "decide",
    "ImpactEllipse": "impact", "ImpactSamples": "impact",
    "Policy": "policy", "load_policy": "policy",
    "warn_gate": "gate",
}
__all__ = [
    "AlertCause", "AlertRegion", "Assessment", "ImpactEllipse", "ImpactSamples", "Policy", "Reason",
    "ReasonCode", "assess", "load_policy", "warn_gate",
]

if TYPE_CHECKING:
    from missilewatch.assessment.decide import Assessment, assess
    from missilewatch.assessment.gate import warn_gate
    from missilewatch.assessment.impact import ImpactEllipse, ImpactSamples
    from missilewatch.assessment.policy import Policy, load_policy
    from missilewatch.assessment.reasons import AlertCause, Reason, ReasonCode
    from missilewatch.assessment.steps import AlertRegion


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)

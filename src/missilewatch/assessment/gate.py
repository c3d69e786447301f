"""Whether a prediction may be warned from: the policy's gates, with a reason code.

In order: an impact that reaches the ground with enough probability (else the prediction is not
used at all), a track no longer more likely boosting than not (before burnout the impact is
not yet a prediction of anything: the lesson of 13 April 2023), and a footprint short enough to
name regions from.
"""

from __future__ import annotations

import math

from missilewatch.assessment.policy import Policy
from missilewatch.assessment.reasons import Reason, ReasonCode

#: Gate codes of a prediction that is used: recorded and assessed (shown), and warned from only
#: with GATE_OPEN.
USED = (ReasonCode.GATE_BOOSTING, ReasonCode.GATE_FOOTPRINT, ReasonCode.GATE_OPEN)


def warn_gate(policy: Policy, impact_lat_deg: float, impact_probability: float, boost_probability: float,
              footprint_km: float) -> Reason:
    """The first gate a prediction fails (GATE_NO_IMPACT, GATE_UNLIKELY_IMPACT, GATE_BOOSTING,
    GATE_FOOTPRINT) with its figures, or GATE_OPEN. ``footprint_km``: the 95 % footprint's
    semi-major axis."""
    g = policy.gate
    if not math.isfinite(impact_lat_deg):
        return Reason(ReasonCode.GATE_NO_IMPACT)
    if impact_probability < g.min_impact_probability:
        return Reason(ReasonCode.GATE_UNLIKELY_IMPACT, {"impact_probability": impact_probability,
                                                        "min_impact_probability": g.min_impact_probability})
    if policy.boosting(boost_probability):
        return Reason(ReasonCode.GATE_BOOSTING, {"boost_probability": boost_probability,
                                                 "max_boost_probability": g.max_boost_probability})
    if footprint_km > g.max_footprint_km:
        return Reason(ReasonCode.GATE_FOOTPRINT, {"footprint_km": footprint_km, "max_footprint_km": g.max_footprint_km})
    return Reason(ReasonCode.GATE_OPEN)

"""Prediction: impact point and time with a confidence footprint, apogee, range class and
trajectory type, from any track estimate."""

from missilewatch.prediction.footprint import Footprint
from missilewatch.prediction.impact import ImpactPrediction, apogee_m, predict_impact, standard_range_km

__all__ = ["Footprint", "ImpactPrediction", "apogee_m", "predict_impact", "standard_range_km"]

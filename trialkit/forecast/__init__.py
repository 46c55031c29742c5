"""Recruitment forecasting: when the target will be reached, with honest uncertainty.

``model`` (Poisson–gamma and single-rate models, forward simulation), ``predict`` (the forecast and
what-ifs), ``backtest`` (calibration on the trial's own log), ``charts`` (plotly figures),
``simulate`` (simulated trials for calibration checks).
"""
from trialkit.forecast.predict import (AddedSite, Forecast, ForecastError, MovedActivation, WhatIf, forecast,
                                       plan_from_trial)

__all__ = ["AddedSite", "Forecast", "ForecastError", "MovedActivation", "WhatIf", "forecast", "plan_from_trial"]

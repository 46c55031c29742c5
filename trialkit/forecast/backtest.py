"""Calibration shown, not claimed: refit the forecast at past dates of the trial's own log and count how often
its 80% band (10–90%) held the enrollment that actually happened.

For each cut date the log is cut (only what was known then), the forecast is made, and the predicted count on
up to three later dates of the log (a third of the way to the log's end, two thirds, the end) is compared with
the count the log records on those dates. The checks overlap in time (they share patients), so the share that
held is a description of this log, not an independent test; the simulated-trial check in ``bench/`` is that.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from trialkit.forecast.model import MIN_PATIENTS, log_end
from trialkit.forecast.predict import DEFAULT_SEED, ForecastError, forecast

MIN_SPAN_DAYS = 60


class BacktestCheck(BaseModel):
    cut: dt.date
    model: str
    date: dt.date
    p10: float
    p50: float
    p90: float
    actual: int
    held: bool


class Backtest(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    checks: list[BacktestCheck]
    log_end: dt.date | None
    message: str | None = None  # why there is no backtest, when there is none
    actual: pd.DataFrame  # date, enrolled (cumulative over the whole log)

    @property
    def n(self) -> int:
        return len(self.checks)

    @property
    def held(self) -> int:
        return sum(c.held for c in self.checks)

    @property
    def share_held(self) -> float | None:
        return self.held / self.n if self.n else None

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([c.model_dump() for c in self.checks],
                            columns=list(BacktestCheck.model_fields))

    def to_json(self) -> dict:
        return {"checks": self.n, "held": self.held, "share_held": self.share_held,
                "log_end": self.log_end.isoformat() if self.log_end else None, "message": self.message,
                "rows": [c.model_dump(mode="json") for c in self.checks]}


def _cumulative(participants: pd.DataFrame) -> pd.DataFrame:
    d = pd.to_datetime(participants.get("enrollment_date", pd.Series(dtype="datetime64[ns]")),
                       errors="coerce").dropna().dt.normalize().sort_values()
    c = d.value_counts().sort_index()
    return pd.DataFrame({"date": c.index, "enrolled": c.cumsum().to_numpy()})


def backtest(participants: pd.DataFrame, sites: pd.DataFrame, *, target: int, n_cuts: int = 6,
             n_sims: int = 800, seed: int = DEFAULT_SEED, arms=None, plan=None) -> Backtest:
    """Refit at ``n_cuts`` past dates between a quarter and 85% of the way through the log's enrollment."""
    actual = _cumulative(participants)
    end = log_end(participants, sites)
    if end is None or len(actual) < MIN_PATIENTS // 2:
        return Backtest(checks=[], log_end=end.date() if end is not None else None, actual=actual,
                        message=f"Too few enrolled patients in the log to look back (fewer than {MIN_PATIENTS // 2}).")
    first = actual["date"].iloc[0]
    span = (end - first).days
    if span < MIN_SPAN_DAYS:
        return Backtest(checks=[], log_end=end.date(), actual=actual,
                        message=f"The log covers only {span} days of enrollment; a backtest needs at least "
                                f"{MIN_SPAN_DAYS}.")
    cuts = sorted({(first + pd.Timedelta(days=int(round(span * f)))).normalize()
                   for f in np.linspace(0.25, 0.85, n_cuts)})
    checks = []
    for i, cut in enumerate(cuts):
        rest = (end - cut).days
        dates = sorted({(cut + pd.Timedelta(days=int(round(rest * f)))).normalize() for f in (1 / 3, 2 / 3, 1.0)})
        dates = [d for d in dates if d > cut]
        if not dates:
            continue
        try:
            f = forecast(participants, sites, target=target, as_of=cut, arms=arms, plan=plan, eval_dates=dates,
                         n_sims=n_sims, seed=seed + i)
        except ForecastError:
            continue
        for _, row in f.checks.iterrows():
            upto = actual.loc[actual["date"] <= row["date"], "enrolled"]
            act = int(upto.max()) if len(upto) else 0
            checks.append(BacktestCheck(cut=cut.date(), model=f.model, date=row["date"].date(), p10=row["p10"],
                                        p50=row["p50"], p90=row["p90"], actual=act,
                                        held=bool(row["p10"] <= act <= row["p90"])))
    return Backtest(checks=checks, log_end=end.date(), actual=actual,
                    message=None if checks else "No past date of the log could be forecast.")

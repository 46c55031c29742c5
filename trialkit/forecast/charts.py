"""Plotly figures for the forecast: the fan chart of cumulative enrollment with the target line, and the
backtest chart (past forecasts' 80% bands against what happened). Built here so they can be unit-tested."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from trialkit.enrollment.storage import DEMO_LABEL
from trialkit.forecast.backtest import Backtest
from trialkit.forecast.predict import Forecast
from trialkit.i18n import _, with_fonts

BAND = "rgba(31, 119, 180, {a})"
ACTUAL = "#222222"
TARGET = "#d62728"


def fan_chart(f: Forecast, *, actual: pd.DataFrame | None = None, baseline: Forecast | None = None,
              title: str | None = None, simulated: bool = False) -> go.Figure:
    """Predicted cumulative enrollment (median, 25–75% and 10–90% bands) after the as-of date, the enrollment
    observed up to it, the target line, and, when ``actual`` (date, enrolled) runs past the as-of date, what
    actually happened afterwards. ``baseline``: the forecast without what-ifs, drawn as a dashed median."""
    fan = f.fan
    fig = go.Figure()
    x = list(fan["date"]) + list(fan["date"][::-1])
    fig.add_trace(go.Scatter(x=x, y=list(fan["p90"]) + list(fan["p10"][::-1]), fill="toself",
                             fillcolor=BAND.format(a=0.15), line={"width": 0}, hoverinfo="skip",
                             name=_("10–90% band (80%)")))
    fig.add_trace(go.Scatter(x=x, y=list(fan["p75"]) + list(fan["p25"][::-1]), fill="toself",
                             fillcolor=BAND.format(a=0.3), line={"width": 0}, hoverinfo="skip",
                             name=_("25–75% band (50%)")))
    fig.add_trace(go.Scatter(x=fan["date"], y=fan["p50"], mode="lines", line={"color": BAND.format(a=1)},
                             name=_("Median forecast"),
                             customdata=fan[["p10", "p90"]].to_numpy(),
                             hovertemplate="%{x|%Y-%m-%d}: " + _("median") + " %{y:.0f} (" + _("80%% band")
                                           + " %{customdata[0]:.0f}–%{customdata[1]:.0f})<extra></extra>"))
    if baseline is not None and baseline is not f:
        fig.add_trace(go.Scatter(x=baseline.fan["date"], y=baseline.fan["p50"], mode="lines",
                                 line={"color": "gray", "dash": "dash"}, name=_("Median without what-ifs"),
                                 hovertemplate="%{x|%Y-%m-%d}: %{y:.0f} " + _("without what-ifs") + "<extra></extra>"))
    obs = f.observed
    if len(obs):
        ox = list(obs["date"]) + [pd.Timestamp(f.as_of)]
        oy = list(obs["enrolled"]) + [f.enrolled]
        fig.add_trace(go.Scatter(x=ox, y=oy, mode="lines", line={"color": ACTUAL, "shape": "hv"},
                                 name=_("Enrolled (log up to as-of)")))
    if actual is not None and len(actual):
        after = actual[actual["date"] > pd.Timestamp(f.as_of)]
        if len(after):
            fig.add_trace(go.Scatter(x=after["date"], y=after["enrolled"], mode="lines",
                                     line={"color": ACTUAL, "dash": "dot", "shape": "hv"},
                                     name=_("Enrolled after as-of (what happened)")))
    fig.add_hline(y=f.target, line={"color": TARGET, "dash": "dash"},
                  annotation_text=_("target {n}").format(n=f.target), annotation_position="top left")
    fig.add_vline(x=pd.Timestamp(f.as_of).value / 1e6, line={"color": "gray", "dash": "dot"},
                  annotation_text=_("as of"), annotation_position="top right")
    if f.median_date is not None and f.remaining:
        fig.add_trace(go.Scatter(
            x=[pd.Timestamp(d) for d in (f.p10_date, f.median_date, f.p90_date) if d is not None],
            y=[f.target] * sum(d is not None for d in (f.p10_date, f.median_date, f.p90_date)),
            mode="markers", marker={"color": TARGET, "symbol": "line-ns-open", "size": 14},
            name=_("Target date: 10% / 50% / 90%"),
            hovertemplate="%{x|%Y-%m-%d}<extra>target date quantile</extra>"))
    top = max(f.target * 1.25, f.enrolled * 1.1, float(actual["enrolled"].max()) * 1.05
              if actual is not None and len(actual) else 0.0)
    fig.update_yaxes(range=[0, top])
    head = title or _("Predicted cumulative enrollment (as of {date})").format(date=f.as_of)
    if simulated:
        head += " · " + _(DEMO_LABEL)
    fig.update_layout(title=head, xaxis_title=_("Date"), yaxis_title=_("Participants enrolled (cumulative)"),
                      legend={"orientation": "h", "y": -0.2}, margin={"t": 60}, hovermode="x unified")
    return with_fonts(fig, date_axes=("xaxis",))


def backtest_chart(b: Backtest, *, simulated: bool = False) -> go.Figure:
    """The log's cumulative enrollment with, for each past cut date, the forecast's 80% band on the checked
    dates (green where it held the actual count, red where it missed)."""
    fig = go.Figure()
    if len(b.actual):
        fig.add_trace(go.Scatter(x=b.actual["date"], y=b.actual["enrolled"], mode="lines",
                                 line={"color": ACTUAL, "shape": "hv"}, name=_("Enrolled (log)")))
    df = b.to_frame()
    for held, color, label in ((True, "#2ca02c", _("80% band held")), (False, "#d62728", _("80% band missed"))):
        sub = df[df["held"] == held] if len(df) else df
        if not len(sub):
            continue
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(sub["date"]), y=sub["p50"], mode="markers", name=label,
            marker={"color": color, "size": 8},
            error_y={"type": "data", "symmetric": False, "array": (sub["p90"] - sub["p50"]).tolist(),
                     "arrayminus": (sub["p50"] - sub["p10"]).tolist(), "color": color},
            customdata=sub[["cut", "p10", "p90", "actual"]].astype(str).to_numpy(),
            hovertemplate=("checked %{x|%Y-%m-%d}, forecast from %{customdata[0]}: 80%% band "
                           "%{customdata[1]}–%{customdata[2]}, actual %{customdata[3]}<extra></extra>")))
    for cut in sorted(set(df["cut"])) if len(df) else []:
        fig.add_vline(x=pd.Timestamp(cut).value / 1e6, line={"color": "lightgray", "dash": "dot"})
    head = _("Backtest: past forecasts' 80% bands against what happened")
    if b.n:
        head += " " + _("({held} of {n} held)").format(held=b.held, n=b.n)
    if simulated:
        head += " · " + _(DEMO_LABEL)
    fig.update_layout(title=head, xaxis_title=_("Date"), yaxis_title=_("Participants enrolled (cumulative)"),
                      legend={"orientation": "h", "y": -0.2}, margin={"t": 60})
    return with_fonts(fig, date_axes=("xaxis",))

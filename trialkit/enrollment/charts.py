"""Plotly figures of the enrollment log (titles, axis labels and units on every chart).

Every builder takes numbers already computed by :mod:`trialkit.enrollment.metrics` (or the log frames) and
``fmt`` (how a count is printed: pages pass their small-count suppression), and says "simulated demo
data" in the title when asked to. No figure needs a tile server or a download: the site map is drawn on
plain longitude/latitude axes, so it works with no internet.
"""
from __future__ import annotations

import textwrap
from datetime import date
from typing import Callable

import pandas as pd
import plotly.graph_objects as go

from trialkit.enrollment.storage import DEMO_LABEL
from trialkit.i18n import _, with_fonts
from trialkit.models import Trial

COLORS = ["#4a6fa5", "#d08c2f", "#4a8a4a", "#a54a4a", "#7a5ea8", "#3a9a9a"]


def _fmt_default(n) -> str:
    return f"{int(n):,}"


def _esc(text) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _title(text: str, simulated: bool) -> str:
    return f"{text} — {_(DEMO_LABEL)}" if simulated else text


def cumulative_enrollment_figure(participants: pd.DataFrame, target: int | None, *, as_of: date,
                                 simulated: bool = False, by_arm: bool = True) -> go.Figure:
    """Cumulative enrolled (total and per arm) and screened over time, against the target."""
    p = participants
    enrolled = p[(p["screen_outcome"] == "ELIGIBLE") & p["enrollment_date"].notna()]
    fig = go.Figure()
    end = pd.Timestamp(as_of)

    def steps(dates: pd.Series):
        d = dates.sort_values().reset_index(drop=True)
        x = list(d) + [max(end, d.iloc[-1])] if len(d) else []
        y = list(range(1, len(d) + 1)) + [len(d)] if len(d) else []
        return x, y

    x, y = steps(p["screening_date"].dropna())
    fig.add_scatter(x=x, y=y, mode="lines", line=dict(shape="hv", color="#999999", dash="dot"), name=_("Screened"))
    x, y = steps(enrolled["enrollment_date"])
    fig.add_scatter(x=x, y=y, mode="lines", line=dict(shape="hv", color="#222222", width=3), name=_("Enrolled (all arms)"))
    if by_arm:
        for i, (arm, g) in enumerate(enrolled.groupby("arm", sort=False)):
            x, y = steps(g["enrollment_date"])
            fig.add_scatter(x=x, y=y, mode="lines", line=dict(shape="hv", color=COLORS[i % len(COLORS)]),
                            name=_("Enrolled: {arm}").format(arm=_esc(textwrap.shorten(str(arm), 40))))
    if target:
        fig.add_hline(y=target, line=dict(color="#a54a4a", dash="dash"),
                      annotation_text=_("Target {n}").format(n=f"{target:,}"), annotation_position="top left")
    fig.update_layout(title=_title(_("Cumulative enrollment against target"), simulated),
                      xaxis_title=_("Date"), yaxis_title=_("Participants (cumulative count)"), height=420,
                      legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0), margin=dict(t=90))
    if not len(p):
        fig.add_annotation(text=_("No participant in the log yet"), showarrow=False, x=0.5, y=0.5,
                           xref="paper", yref="paper")
    return with_fonts(fig, date_axes=("xaxis",))


def arm_figure(summary: dict, *, fmt: Callable = _fmt_default) -> go.Figure:
    """Enrolled, discontinued and analysed per arm (from the summary, so it agrees with the tiles)."""
    c = summary["consort"]
    arms = list(c["allocated"])
    labels = [_esc(textwrap.shorten(a, 40)) for a in arms]
    fig = go.Figure()
    for name, key, color in ((_("Enrolled"), "allocated", "#4a6fa5"), (_("Discontinued"), "discontinued", "#d08c2f"),
                             (_("Analysed"), "analysed", "#4a8a4a")):
        vals = [c[key].get(a, 0) for a in arms]
        text = [_esc(fmt(v)) for v in vals]
        fig.add_bar(x=labels, y=vals, name=name, marker_color=color, text=text, textposition="outside",
                    hovertemplate="%{x}<br>" + name + ": %{text}<extra></extra>")
    fig.update_layout(title=_title(_("Participants by arm"), bool(summary.get("simulated"))), barmode="group",
                      xaxis_title=_("Arm group"), yaxis_title=_("Participants (count)"), height=380, margin=dict(t=60),
                      yaxis=dict(tickformat="d", rangemode="tozero"))
    return with_fonts(fig)


def screen_fail_figure(summary: dict, trial: Trial | None, *, fmt: Callable = _fmt_default) -> go.Figure:
    """Screen failures per criterion, labelled with the criterion's text (a participant may count twice)."""
    counts = summary["screen_fail_by_criterion"]
    ids = list(counts)[::-1]  # protocol order from top to bottom
    texts = {}
    for cid in ids:
        crit = trial.criterion(cid) if trial is not None else None
        texts[cid] = crit.text if crit else _("criterion text not available")
    labels = [f"{cid} · {_esc(textwrap.shorten(texts[cid], 55, placeholder=' …'))}" for cid in ids]
    hover = ["<br>".join(_esc(line) for line in textwrap.wrap(texts[cid], 70)) for cid in ids]
    vals = [counts[c] for c in ids]
    fig = go.Figure(go.Bar(x=vals, y=labels, orientation="h", marker_color="#a54a4a", text=[_esc(fmt(v)) for v in vals],
                           textposition="outside", customdata=hover,
                           hovertemplate="%{customdata}<br>" + _("Screen failures") + ": %{text}<extra></extra>"))
    fig.update_layout(title=_title(_("Screen failures by criterion"), bool(summary.get("simulated"))),
                      xaxis_title=_("Screen failures citing the criterion (count)"), yaxis_title=None,
                      xaxis=dict(tickformat="d", rangemode="tozero"),
                      height=max(260, 60 + 28 * len(ids)), margin=dict(t=60, l=10))
    if not ids:
        fig.add_annotation(text=_("No screen failure with a criterion recorded"), showarrow=False, x=0.5, y=0.5,
                           xref="paper", yref="paper")
    return with_fonts(fig)


def site_map_figure(points: pd.DataFrame, *, label: str, size: str | None = None, title: str,
                    simulated: bool = False, fmt: Callable = _fmt_default, fit: bool = True) -> go.Figure:
    """Sites (or countries) at their longitude/latitude on plain axes: no basemap, so no internet needed.

    ``points`` has ``latitude``, ``longitude``, the ``label`` column and optionally a ``size`` column
    (a count, drawn as the marker's area).
    """
    pts = points.dropna(subset=["latitude", "longitude"])
    sizes = None
    text = [_esc(v) for v in pts[label]]
    if size is not None and len(pts):
        s = pts[size].astype(float)
        big = len(pts) > 100  # many markers: smaller, so neighbouring cities stay apart
        sizes = (5 if big else 8) + (14 if big else 30) * (s / max(s.max(), 1)) ** 0.5
        text = [f"{_esc(v)}: {_esc(fmt(n))}" for v, n in zip(pts[label], pts[size])]
    fig = go.Figure(go.Scatter(x=pts["longitude"], y=pts["latitude"], mode="markers",
                               marker=dict(size=sizes if sizes is not None else 10, color="#4a6fa5", opacity=0.7,
                                           line=dict(color="white", width=1)),
                               text=text, hovertemplate="%{text}<br>%{y:.2f}°, %{x:.2f}°<extra></extra>"))
    xr, yr = [-180, 180], [-90, 90]
    if fit and len(pts):  # zoom to the sites, with a margin, instead of the whole world
        pad = 5.0
        xr = [max(-180, pts["longitude"].min() - pad), min(180, pts["longitude"].max() + pad)]
        yr = [max(-90, pts["latitude"].min() - pad), min(90, pts["latitude"].max() + pad)]
    fig.update_layout(title=_title(title, simulated), height=440, margin=dict(t=60),
                      xaxis=dict(title=_("Longitude (°)"), range=xr, zeroline=False, gridcolor="#eeeeee"),
                      yaxis=dict(title=_("Latitude (°)"), range=yr, zeroline=False, gridcolor="#eeeeee",
                                 scaleanchor="x", scaleratio=1),
                      plot_bgcolor="#f8fbff")
    fig.add_hline(y=0, line=dict(color="#cccccc", width=1))
    return with_fonts(fig)


def activation_timeline_figure(table: pd.DataFrame, *, as_of: date, simulated: bool = False) -> go.Figure:
    """Each site's open period (activation to the as-of date), planned activation marked, silent sites red."""
    as_of_ts = pd.Timestamp(as_of)
    t = table.iloc[::-1]
    names = [f"{_esc(textwrap.shorten(str(n or s), 30))} ({_esc(s)})" for s, n in zip(t["site_id"], t["site_name"])]
    fig = go.Figure()
    act = t["activation_date"]
    has = act.notna()
    durations = [(as_of_ts - a).days * 86400000 if pd.notna(a) else None for a in act]
    for flag, name, color in ((False, _("Open (activation to as-of date)"), "#4a6fa5"),
                              (True, _("Open, silent site"), "#c0392b")):
        keep = [bool(h) and bool(s) == flag for h, s in zip(has, t["silent"])]
        if not any(keep) and flag:
            continue
        fig.add_bar(y=[n for n, k in zip(names, keep) if k], x=[d for d, k in zip(durations, keep) if k],
                    base=[a for a, k in zip(act, keep) if k], orientation="h", name=name, marker_color=color,
                    hovertemplate="%{y}<br>" + _("activated") + " %{base|%Y-%m-%d}<extra></extra>")
    planned = t["planned_activation_date"]
    fig.add_scatter(y=[n for n, p in zip(names, planned) if pd.notna(p)], x=[p for p in planned if pd.notna(p)],
                    mode="markers", marker=dict(symbol="diamond-open", size=11, color="#333333"),
                    name=_("Planned activation"),
                    hovertemplate="%{y}<br>" + _("planned") + " %{x|%Y-%m-%d}<extra></extra>")
    fig.add_vline(x=as_of_ts, line=dict(color="#888888", dash="dot"))
    fig.update_layout(title=_title(_("Site activation timeline (red: silent site)"), simulated), xaxis_title=_("Date"),
                      xaxis_type="date", yaxis_title=None, height=max(280, 120 + 26 * len(t)), margin=dict(t=90), barmode="overlay",
                      legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0))
    return with_fonts(fig, date_axes=("xaxis",))


def ranking_figure(ranked: pd.DataFrame, *, simulated: bool = False) -> go.Figure:
    """Shrunken site rates (posterior mean, 90% interval) next to the raw rate, best first."""
    r = ranked.iloc[::-1]
    names = [f"{_esc(textwrap.shorten(str(n or s), 30))} ({_esc(s)})" for s, n in zip(r["site_id"], r["site_name"])]
    fig = go.Figure()
    fig.add_scatter(x=r["posterior_mean"], y=names, mode="markers", name=_("Shrunken rate (posterior mean, 90% interval)"),
                    marker=dict(size=10, color="#4a6fa5"),
                    error_x=dict(type="data", symmetric=False, array=r["posterior_high"] - r["posterior_mean"],
                                 arrayminus=r["posterior_mean"] - r["posterior_low"], color="#4a6fa5"),
                    hovertemplate="%{y}<br>%{x:.2f} " + _("per site-month") + "<extra></extra>")
    fig.add_scatter(x=r["rate_per_site_month"], y=names, mode="markers", name=_("Raw rate (enrolled ÷ site-months)"),
                    marker=dict(size=9, symbol="circle-open", color="#d08c2f"),
                    hovertemplate="%{y}<br>" + _("raw") + " %{x:.2f} " + _("per site-month") + "<extra></extra>")
    fig.update_layout(title=_title(_("Site enrollment rates, shrunk toward the average (Poisson–gamma)"), simulated),
                      xaxis_title=_("Participants enrolled per site-month"), yaxis_title=None,
                      height=max(300, 130 + 26 * len(r)), margin=dict(t=90), legend=dict(orientation="h", y=1.0, yanchor="bottom", x=0))
    return with_fonts(fig)

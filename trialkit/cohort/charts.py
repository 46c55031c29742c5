"""Plotly figures for the cohort what-if (built here so they can be unit-tested; pages only draw them).

Every figure's title names the cohort (``"Simulated cohort"`` or the uploaded file's label), so a
simulated population is never mistaken for real patients.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from trialkit.i18n import _
from trialkit.cohort.analysis import CohortSummary, field_label, field_unit

COLORS = {"eligible": "#2e7d32", "needs_review": "#f9a825", "ineligible": "#c62828", "other": "#607d8b"}


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def funnel_figure(summary: CohortSummary, labels: dict[str, str], cohort_label: str) -> go.Figure:
    """Stacked horizontal bars in protocol order: after each criterion, how many are still eligible so far,
    need review so far, and have been excluded (by this criterion or an earlier one)."""
    ids = [f["id"] for f in summary.funnel]
    ys = [_("Cohort")] + [f"{i}: {_short(labels.get(i, ''), 48)}" for i in ids]
    clean = [summary.n] + [f["eligible_so_far"] for f in summary.funnel]
    review = [0] + [f["review_so_far"] for f in summary.funnel]
    excluded = [0] + [summary.n - f["remaining"] for f in summary.funnel]
    fig = go.Figure()
    for name, vals, color in ((_("Eligible so far"), clean, COLORS["eligible"]),
                              (_("Needs review so far"), review, COLORS["needs_review"]),
                              (_("Excluded so far"), excluded, COLORS["ineligible"])):
        fig.add_bar(y=ys, x=vals, name=name, orientation="h", marker_color=color,
                    hovertemplate="%{y}<br>" + name + ": %{x:,}<extra></extra>")
    fig.update_layout(barmode="stack", title=_("Eligibility funnel in protocol order — {cohort}").format(cohort=cohort_label),
                      xaxis_title=_("patients"), yaxis=dict(autorange="reversed", title=_("criterion (protocol order)")),
                      height=max(320, 26 * len(ys) + 120), legend=dict(orientation="h", y=-0.12),
                      margin=dict(l=10, r=10, t=50, b=10))
    return fig


def attribution_figure(summary: CohortSummary, labels: dict[str, str], cohort_label: str) -> go.Figure:
    """Per criterion: patients excluded by it alone, and its exact Shapley share of the exclusions."""
    ids = [f["id"] for f in summary.funnel]
    ys = [f"{i}: {_short(labels.get(i, ''), 48)}" for i in ids]
    fig = go.Figure()
    fig.add_bar(y=ys, x=[summary.shapley[i] for i in ids], name=_("Shapley share of exclusions"),
                orientation="h", marker_color=COLORS["ineligible"],
                hovertemplate="%{y}<br>" + _("Shapley share") + ": %{x:,.1f}<extra></extra>")
    fig.add_bar(y=ys, x=[summary.sole_exclusions[i] for i in ids], name=_("Excluded by this criterion alone"),
                orientation="h", marker_color=COLORS["other"],
                hovertemplate="%{y}<br>" + _("excluded by it alone") + ": %{x:,}<extra></extra>")
    fig.update_layout(barmode="group", title=_("Who each criterion excludes — {cohort}").format(cohort=cohort_label),
                      xaxis_title=_("patients"), yaxis=dict(autorange="reversed", title=_("criterion")),
                      height=max(320, 34 * len(ys) + 120), legend=dict(orientation="h", y=-0.12),
                      margin=dict(l=10, r=10, t=50, b=10))
    return fig


def curve_figure(field: str, thresholds: np.ndarray, curve: dict[str, np.ndarray], protocol_value: float,
                 current_value: float, cohort_label: str, bound_text: str) -> go.Figure:
    """Eligible (and eligible-or-needs-review) count against the threshold of one bound."""
    unit = field_unit(field)
    xlab = _("{field} threshold").format(field=field_label(field)) + (f" ({unit})" if unit else "")
    fig = go.Figure()
    fig.add_scatter(x=thresholds, y=curve["not_excluded"], name=_("Eligible or needs review"), mode="lines",
                    line=dict(color=COLORS["needs_review"], shape="hv"))
    fig.add_scatter(x=thresholds, y=curve["eligible"], name="Eligible", mode="lines",
                    line=dict(color=COLORS["eligible"], shape="hv"))
    fig.add_vline(x=protocol_value, line_dash="dash", line_color="#555",
                  annotation_text=_("protocol {value}").format(value=f"{protocol_value:g}"), annotation_position="top left")
    if current_value != protocol_value:
        fig.add_vline(x=current_value, line_color="#1565c0", annotation_text=_("what-if {value}").format(value=f"{current_value:g}"),
                      annotation_position="top right")
    fig.update_layout(title=_("{bound}: patients by threshold — {cohort}").format(bound=bound_text, cohort=cohort_label),
                      xaxis_title=xlab, yaxis_title="patients", height=320,
                      legend=dict(orientation="h", y=-0.25), margin=dict(l=10, r=10, t=50, b=10))
    return fig


def age_figure(age: np.ndarray, status: np.ndarray, cohort_label: str, count=lambda n: f"{n:,}") -> go.Figure:
    """Age distribution (share of each group per year band) for the whole cohort, those not excluded
    and the eligible."""
    age = np.asarray(age, dtype=float)
    known = np.isfinite(age)
    lo = np.floor(np.nanmin(age[known]) / 2) * 2 if known.any() else 0
    hi = np.ceil(np.nanmax(age[known]) / 2) * 2 + 2 if known.any() else 100
    edges = np.arange(lo, hi + 2, 2)
    fig = go.Figure()
    groups = ((_("Whole cohort"), np.ones_like(status, dtype=bool), COLORS["other"]),
              (_("Eligible or needs review"), status >= 0, COLORS["needs_review"]),
              ("Eligible", status == 1, COLORS["eligible"]))
    for name, mask, color in groups:
        v = age[mask & known]
        if v.size == 0:
            continue
        counts, _edges = np.histogram(v, bins=edges)
        fig.add_scatter(x=edges[:-1] + 1, y=100 * counts / v.size, name=f"{name} (n={count(int(v.size))})",
                        mode="lines+markers", line=dict(color=color, shape="spline"))
    fig.update_layout(title=_("Age distribution: eligible group against the whole cohort — {cohort}").format(cohort=cohort_label),
                      xaxis_title=_("age (years, 2-year bands)"), yaxis_title=_("share of the group (%)"), height=340,
                      legend=dict(orientation="h", y=-0.25), margin=dict(l=10, r=10, t=50, b=10))
    return fig

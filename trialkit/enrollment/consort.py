"""CONSORT 2010 flow diagram (kept in CONSORT 2025) built from the enrollment summary.

Every box is a count that :func:`trialkit.enrollment.metrics.summarize` computed from the one participant
table, so the diagram always agrees with the KPI tiles (the R ``consort`` package's principle). Boxes with
n = 0 are drawn, and arms sit side by side however many there are.

Stages: enrollment (assessed → excluded, with reasons; still in screening), allocation (per arm),
follow-up (discontinued with reasons, lost to follow-up), analysis (analysed; not analysed yet or excluded).
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Callable

import plotly.graph_objects as go

from trialkit.enrollment.storage import DEMO_LABEL
from trialkit.i18n import gettext as _, with_fonts


@dataclass
class Box:
    id: str
    stage: str  # enrollment | allocation | follow-up | analysis
    title: str
    n: int
    lines: list[tuple[str, int]] = field(default_factory=list)  # (label, n) sub-counts
    arm: str | None = None


def consort_boxes(summary: dict) -> list[Box]:
    """The diagram as data: one Box per box, counts straight from ``summary["consort"]``."""
    c = summary["consort"]
    boxes = [
        Box("assessed", "enrollment", _("Assessed for eligibility"), c["assessed"]),
        Box("excluded", "enrollment", _("Excluded"), c["excluded"], [
            (_("Not meeting eligibility criteria"), c["not_meeting_criteria"]),
            (_("Declined to participate"), c["declined"]),
            (_("Other reasons (eligible, not enrolled)"), c["other_reasons"]),
        ]),
        Box("in_screening", "enrollment", _("Still in screening"), c.get("in_screening", summary.get("in_screening", 0))),
    ]
    for arm, n in c["allocated"].items():
        boxes.append(Box(f"allocated:{arm}", "allocation", _("Allocated to {arm}").format(arm=arm), n, arm=arm))
        reasons = c.get("discontinued_reasons", {}).get(arm, {})
        lines = [(_("Lost to follow-up"), c.get("lost_to_follow_up", {}).get(arm, 0))]
        lines += [(_(r.capitalize()), k) for r, k in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
                  if r != "LOST TO FOLLOW-UP"]
        boxes.append(Box(f"discontinued:{arm}", "follow-up", _("Discontinued"), c["discontinued"].get(arm, 0), lines,
                         arm=arm))
        not_analysed = c.get("not_analysed", {}).get(arm, n - c["analysed"].get(arm, 0))
        ongoing = c.get("ongoing", {}).get(arm)
        sub = [(_("Not analysed (yet) or excluded from analysis"), not_analysed)]
        if ongoing is not None:
            sub.append((_("of these, still in follow-up"), ongoing))
        boxes.append(Box(f"analysed:{arm}", "analysis", _("Analysed"), c["analysed"].get(arm, 0), sub, arm=arm))
    return boxes


def _esc(text: str) -> str:
    """Plotly renders a subset of HTML in annotation text: data text is escaped to stay literal."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _wrap(text: str, width: int) -> str:
    return "<br>".join(_esc(line) for line in textwrap.wrap(text, width) or [""])


def consort_figure(summary: dict, *, fmt: Callable[[int], str] = lambda n: f"{int(n):,}") -> go.Figure:
    """The CONSORT flow as a plotly figure (shapes + annotations, no external assets).

    ``fmt`` formats each count (pages pass their small-count suppression). The title says "simulated
    demo data" when ``summary["simulated"]`` is true.
    """
    boxes = {b.id: b for b in consort_boxes(summary)}
    arms = list(summary["consort"]["allocated"])
    m = max(len(arms), 1)
    col_w, gap = 3.0, 0.6
    total_w = max(m * col_w + (m - 1) * gap, 2 * col_w + gap)
    xs = [total_w / 2 - (m * col_w + (m - 1) * gap) / 2 + col_w / 2 + i * (col_w + gap) for i in range(m)]
    center = total_w / 2
    wrap = max(22, int(34 * col_w / 3.0))
    fig = go.Figure()
    shapes, notes = [], []

    def box(x, y, w, h, text, *, fill="#f4f7fb", line="#4a6fa5"):
        shapes.append(dict(type="rect", x0=x - w / 2, x1=x + w / 2, y0=y - h / 2, y1=y + h / 2,
                           line=dict(color=line, width=1.2), fillcolor=fill, layer="below"))
        notes.append(dict(x=x, y=y, text=text, showarrow=False, font=dict(size=12), align="center"))

    def arrow(x0, y0, x1, y1):
        notes.append(dict(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y", text="",
                          showarrow=True, arrowhead=2, arrowsize=1, arrowwidth=1.2, arrowcolor="#4a6fa5"))

    def title_n(b: Box, width=wrap) -> str:
        return f"<b>{_wrap(b.title, width)}</b><br>(n = {_esc(fmt(b.n))})"

    def lines(b: Box, width=wrap) -> str:
        return "<br>".join(f"• {_wrap(label, width)} (n = {_esc(fmt(n))})" for label, n in b.lines)

    y_assessed, y_excl, y_alloc, y_fu, y_an = 9.2, 7.4, 5.2, 3.2, 1.0
    main_w = min(col_w * 1.3, total_w)
    box(center, y_assessed, main_w, 0.9, title_n(boxes["assessed"]))
    # Exclusions to the right of the main trunk, still-in-screening to the left.
    side_w = max(total_w / 2 - 0.4, col_w)
    ex = boxes["excluded"]
    box(center + side_w / 2 + 0.2, y_excl, side_w, 1.6, title_n(ex, 40) + "<br>" + lines(ex, 40),
        fill="#fbf4f4", line="#a54a4a")
    box(center - side_w / 4 - 0.2, y_excl, side_w / 2, 0.9, title_n(boxes["in_screening"], 20), fill="#f7f7f7",
        line="#888888")
    if m > 1:
        shapes.append(dict(type="line", x0=center, x1=center, y0=y_assessed - 0.45, y1=y_alloc + 0.9,
                           line=dict(color="#4a6fa5", width=1.2)))
    else:
        arrow(center, y_assessed - 0.45, center, y_alloc + 0.5)
    arrow(center, y_excl, center + 0.2, y_excl)
    arrow(center, y_excl, center - 0.2, y_excl)
    # Allocation, follow-up and analysis per arm.
    for x, arm in zip(xs, arms):
        a, d, an = boxes[f"allocated:{arm}"], boxes[f"discontinued:{arm}"], boxes[f"analysed:{arm}"]
        box(x, y_alloc, col_w, 1.0, title_n(a))
        box(x, y_fu, col_w, 1.5, title_n(d) + "<br>" + lines(d), fill="#fffaf0", line="#b08a2e")
        box(x, y_an, col_w, 1.3, title_n(an) + "<br>" + lines(an), fill="#f2f8f2", line="#4a8a4a")
        arrow(x, y_alloc - 0.5, x, y_fu + 0.75)
        arrow(x, y_fu - 0.75, x, y_an + 0.65)
        if m > 1:
            shapes.append(dict(type="line", x0=center, x1=x, y0=y_alloc + 0.9, y1=y_alloc + 0.9,
                               line=dict(color="#4a6fa5", width=1.2)))
            arrow(x, y_alloc + 0.9, x, y_alloc + 0.5)
    if not arms:
        notes.append(dict(x=center, y=y_alloc, text=_("No participant allocated yet"), showarrow=False,
                          font=dict(size=12, color="#666")))
    for y, label in ((y_excl + 0.3, _("Enrollment")), (y_alloc, _("Allocation")), (y_fu, _("Follow-up")),
                     (y_an, _("Analysis"))):
        notes.append(dict(x=-0.15, y=y, text=f"<b>{label}</b>", showarrow=False, textangle=-90,
                          font=dict(size=12, color="#333"), xanchor="center"))
    title = _("CONSORT 2010 flow diagram")
    if summary.get("simulated"):
        title += f" — {_(DEMO_LABEL)}"
    fig.update_layout(
        title=dict(text=title), shapes=shapes, annotations=notes, showlegend=False,
        xaxis=dict(visible=False, range=[-0.4, total_w + 0.1], fixedrange=True),
        yaxis=dict(visible=False, range=[0.1, 9.9], fixedrange=True),
        height=760, margin=dict(l=10, r=10, t=50, b=10), plot_bgcolor="white",
    )
    return with_fonts(fig)

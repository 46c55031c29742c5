"""The ethics-committee report: one self-contained HTML file about one trial.

``render_report(trial, ...)`` returns the HTML; ``python -m trialkit report NCTID --out FILE.html`` and the
app's "Download report" button both call it. The file holds the overview, a plain-language summary, arms
and interventions with their regimens, objectives, every criterion verbatim with its id, the what-if rules
in plain language, and, where an enrollment log exists, the enrollment summary, the CONSORT diagram and the
recruitment forecast. Data sources and the generation time are stated; simulated data are labelled.

Self-contained: styles are inline, figures are inline SVG laid out below, nothing is fetched from the
network (no script, font or image URL). Every text from data goes through Jinja2 autoescape. A print
stylesheet makes it print cleanly to PDF. Demo mode (``demo=True``): counts from 1 to 4 are printed "<5"
(:func:`trialkit.disclosure.format_count`) and no participant-level table is included.
"""
from __future__ import annotations

import logging
import math
import textwrap
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Mapping

import jinja2

from trialkit import forecast as forecasting
from trialkit.criteria.ruleset import load_ruleset
from trialkit.disclosure import SMALL_COUNT_THRESHOLD, format_count, format_share
from trialkit.enrollment import metrics, storage
from trialkit.enrollment.consort import consort_boxes
from trialkit.errors import TrialkitError
from trialkit.message import said
from trialkit.i18n import N_, gettext as _, html_lang, language, ngettext
from trialkit.models import Trial
from trialkit.notes import notes_for_report
from trialkit.plain_language import (age_range, describe_criterion, describe_rule, humanize, not_stated,
                                     plain_summary, planned_enrollment)

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).with_name("templates")
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(TEMPLATES)),
    autoescape=True,  # every {{ value }} is HTML-escaped, whatever the file name
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    extensions=["jinja2.ext.i18n"],
)
# {{ _("...") }} in the templates: the catalog of the language the report is rendered in (trialkit.i18n)
_ENV.install_gettext_callables(_, ngettext, newstyle=True)


# -- figures: layouts drawn as inline SVG by templates/svg.html.j2 ----------------------------------------
CountFormat = Callable[[object], str]


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float
    lines: list[str]
    bold_first: bool = True


@dataclass
class Arrow:
    x1: float
    y1: float
    x2: float
    y2: float
    head: bool = True


@dataclass
class Label:
    x: float
    y: float
    text: str
    anchor: str = "start"  # SVG text-anchor
    size: int = 12
    weight: str = "normal"
    rotate: bool = False
    css: str = ""  # a class from the template's stylesheet


@dataclass
class Diagram:
    id: str
    width: float
    height: float
    title: str
    boxes: list[Box] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    bands: list[dict] = field(default_factory=list)  # {"x", "y", "w", "h"} stage bands on the left


LINE_H = 16
_CHAR_W = 6.6  # average glyph width at 12.5px, to wrap box text


def _wrap(text: str, width_px: float) -> list[str]:
    return textwrap.wrap(text, max(8, int(width_px / _CHAR_W))) or [""]


def _box(x: float, y: float, w: float, texts: list[str]) -> Box:
    lines: list[str] = []
    for t in texts:
        lines.extend(_wrap(t, w - 16))
    return Box(x=x, y=y, w=w, h=len(lines) * LINE_H + 14, lines=lines)


def _n(count: CountFormat, value) -> str:
    """"n = 12", or "n <5" when the count is suppressed."""
    text = count(value)
    return f"n {text}" if text.startswith("<") else f"n = {text}"


def consort_diagram(summary: Mapping, count: CountFormat, *, diagram_id: str = "consort") -> Diagram:
    """A CONSORT 2010-style flow of :func:`trialkit.enrollment.consort.consort_boxes` (the boxes, labels and
    counts the Enrollment page draws): enrollment (assessed, excluded with its three reasons, still in
    screening), allocation, follow-up (discontinued) and analysis per arm; arms with n = 0 are drawn too."""
    width = 860.0
    left = 120.0  # stage band column
    main_w = width - left - 10
    d = Diagram(id=diagram_id, width=width, height=0, title=_("CONSORT flow diagram"))
    boxes = {b.id: b for b in consort_boxes(summary)}
    order = list(summary["consort"]["allocated"])

    def texts(box_id: str) -> list[str]:
        b = boxes[box_id]
        return [f"{b.title} ({_n(count, b.n)})", *(f"\u2022 {label} ({_n(count, n)})" for label, n in b.lines)]

    trunk_x = left + main_w * 0.32
    assessed = _box(trunk_x - 150, 12, 300, texts("assessed"))
    d.boxes.append(assessed)
    side_x = left + main_w * 0.58
    side_w = width - 10 - side_x
    y = assessed.y + assessed.h + 18
    for box_id in ("excluded", "in_screening"):
        side = _box(side_x, y, side_w, texts(box_id))
        d.boxes.append(side)
        d.arrows.append(Arrow(trunk_x, side.y + side.h / 2, side_x, side.y + side.h / 2))
        y = side.y + side.h + 12
    d.bands.append({"x": 4, "y": 8, "w": left - 24, "h": y - 14, "text": _("Enrollment")})

    y_split = y + 10
    y_alloc = y_split + 22
    k = max(1, len(order))
    gap = 16.0
    col_w = (main_w - gap * (k - 1)) / k
    rows = [(stage, lambda a, prefix=prefix: texts(f"{prefix}:{a}"))
            for stage, prefix in ((_("Allocation"), "allocated"), (_("Follow-up"), "discontinued"),
                                  (_("Analysis"), "analysed"))]
    if not order:
        rows = [(_("Allocation"), lambda a: [_("Allocated to an arm (n = 0)"), _("No arm groups in the record")])]
        order = [""]
    d.arrows.append(Arrow(trunk_x, assessed.y + assessed.h, trunk_x, y_split, head=False))
    centers = [left + i * (col_w + gap) + col_w / 2 for i in range(k)]
    if k > 1:
        d.arrows.append(Arrow(centers[0], y_split, centers[-1], y_split, head=False))
        d.arrows.append(Arrow(trunk_x, y_split, trunk_x, y_split, head=False))
    else:
        d.arrows.append(Arrow(trunk_x, y_split, centers[0], y_split, head=False))
    y = y_alloc
    prev: list[Box] | None = None
    for stage, lines_of in rows:
        row = [_box(left + i * (col_w + gap), y, col_w, lines_of(a)) for i, a in enumerate(order)]
        h = max(b.h for b in row)
        for b in row:
            b.h = h
        d.boxes.extend(row)
        for i, b in enumerate(row):
            top = y_split if prev is None else prev[i].y + prev[i].h
            d.arrows.append(Arrow(centers[i], top, centers[i], b.y))
        d.bands.append({"x": 4, "y": y - 4, "w": left - 24, "h": h + 8, "text": stage})
        prev = row
        y += h + 26
    d.height = y
    return d


# -- a time chart: observed cumulative counts, a forecast band, a target line -------------------------------
@dataclass
class Chart:
    id: str
    width: float
    height: float
    title: str
    x_label: str
    y_label: str
    plot: dict  # {"x", "y", "w", "h"}
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)  # {"points": "x,y x,y", "css": str, "name": str}
    polygons: list[dict] = field(default_factory=list)  # {"points": str, "css": str, "name": str}
    hlines: list[dict] = field(default_factory=list)  # {"y": float, "css": str, "label": str}
    vlines: list[dict] = field(default_factory=list)  # {"x": float, "css": str, "label": str}
    legend: list[dict] = field(default_factory=list)  # {"css": str, "name": str, "kind": "line"|"band"}
    note: str | None = None


def _nice_step(span: float, n: int = 5) -> float:
    raw = span / max(1, n)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def _month_label(d: date) -> str:
    """"Sep 2026" / "2026年9月" (Babel's CLDR data for the report's language)."""
    from babel.dates import format_date as babel_date

    from trialkit.i18n import BABEL_LOCALES, current_language

    return babel_date(d, format="yMMM", locale=BABEL_LOCALES[current_language()])


def _month_ticks(start: date, end: date, max_ticks: int = 8) -> list[date]:
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    step = max(1, math.ceil(months / max_ticks))
    for s in (1, 2, 3, 6, 12, 24, 60):
        if s >= step:
            step = s
            break
    out = []
    y, m = start.year, start.month
    d0 = date(y, m, 1)
    if d0 < start:
        m += 1
        if m > 12:
            y, m = y + 1, 1
    while True:
        d = date(y, m, 1)
        if d > end:
            break
        if ((y * 12 + m - 1) % step) == 0:
            out.append(d)
        m += 1
        if m > 12:
            y, m = y + 1, 1
    return out


def time_chart(*, title: str, y_label: str, series: list[dict], band: dict | None = None,
               target: float | None = None, target_label: str = "Target", marker: tuple[date, str] | None = None,
               chart_id: str = "chart", note: str | None = None) -> Chart:
    """``series``: [{"name", "css", "points": [(date, value), ...]}] drawn as step-free lines;
    ``band``: {"name", "css", "points": [(date, low, high), ...]} drawn as a filled area (a forecast band);
    ``target``: a horizontal dashed line; ``marker``: a vertical line at a date (e.g. the as-of date)."""
    width, height = 860.0, 360.0
    plot = {"x": 70.0, "y": 40.0, "w": width - 70 - 190, "h": height - 40 - 56}
    xs: list[date] = [p[0] for s in series for p in s["points"]]
    ys: list[float] = [float(p[1]) for s in series for p in s["points"]]
    if band:
        xs += [p[0] for p in band["points"]]
        ys += [float(v) for p in band["points"] for v in p[1:]]
    if marker:
        xs.append(marker[0])
    if target is not None:
        ys.append(float(target))
    if not xs:
        xs = [date.today()]
    x0, x1 = min(xs), max(xs)
    if x1 <= x0:
        x1 = x0 + timedelta(days=30)
    y1 = max(ys + [1.0])
    step = _nice_step(y1, 5)
    y1 = math.ceil(y1 * 1.05 / step) * step

    def px(d: date) -> float:
        return plot["x"] + plot["w"] * (d - x0).days / (x1 - x0).days

    def py(v: float) -> float:
        return plot["y"] + plot["h"] * (1 - float(v) / y1)

    c = Chart(id=chart_id, width=width, height=height, title=title, x_label=_("Date"), y_label=y_label, plot=plot,
              note=note)
    c.x_ticks = [(px(d), _month_label(d)) for d in _month_ticks(x0, x1)]
    v = 0.0
    while v <= y1 + 1e-9:
        c.y_ticks.append((py(v), f"{v:g}"))
        v += step
    if band and band["points"]:
        upper = " ".join(f"{px(d):.1f},{py(hi):.1f}" for d, lo, hi in band["points"])
        lower = " ".join(f"{px(d):.1f},{py(lo):.1f}" for d, lo, hi in reversed(band["points"]))
        c.polygons.append({"points": upper + " " + lower, "css": band.get("css", "band"), "name": band["name"]})
        c.legend.append({"css": band.get("css", "band"), "name": band["name"], "kind": "band"})
    for s in series:
        if not s["points"]:
            continue
        c.lines.append({"points": " ".join(f"{px(d):.1f},{py(val):.1f}" for d, val in s["points"]),
                        "css": s.get("css", "line"), "name": s["name"]})
        c.legend.append({"css": s.get("css", "line"), "name": s["name"], "kind": "line"})
    if target is not None:
        c.hlines.append({"y": py(target), "css": "target", "label": f"{target_label} ({target:g})"})
        c.legend.append({"css": "target", "name": f"{target_label} ({target:g})", "kind": "line"})
    if marker:
        c.vlines.append({"x": px(marker[0]), "css": "asof", "label": marker[1]})
    return c


# -- the rules section ---------------------------------------------------------------------------------
@dataclass
class RulesSection:
    by_criterion: dict[str, list[str]] = field(default_factory=dict)
    structured: list[str] = field(default_factory=list)  # study-level limits (sex, age) not tied to a criterion
    message: str = ""


def rules_section(trial: Trial) -> RulesSection:
    """The what-if rules in plain words, per criterion id, from the trial's rule set (the same
    :class:`~trialkit.criteria.ruleset.Ruleset` and counts the what-if page and ``check`` show)."""
    out = RulesSection()
    try:
        ruleset = load_ruleset(trial)
    except (TrialkitError, OSError) as exc:
        out.message = _("The rule set could not be read ({problem}); no rule is shown.").format(
            problem=" ".join(said(exc).split()))
        return out
    ids = {c.id for c in trial.criteria}
    for c in ruleset.criteria:
        if c.id in ids:
            out.by_criterion[c.id] = describe_criterion(c)
        else:  # a study-level rule (structured sex / age limits) kept beside the criteria
            out.structured.extend(f"{c.id}: {describe_rule(r, c.kind)}" for r in c.rules)
    if ruleset.total:
        out.message = _("{n} of {total} criteria have executable rules (the rest need a clinician's judgment or "
                        "have no rule); source: {source}.").format(n=ruleset.executable_count, total=ruleset.total,
                                                                 source=said(ruleset.source))
        if ruleset.unreviewed_count:
            out.message += " " + _("{n} criteria have rules drafted automatically and not yet reviewed.").format(
                n=ruleset.unreviewed_count)
    if ruleset.problems:
        out.message += " " + _("Problems: {problems}.").format(problems=said(list(ruleset.problems)))
    return out


# -- the enrollment section ---------------------------------------------------------------------------
def _iso(value) -> str:
    if value is None:
        return ""
    try:
        import pandas as pd

        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    if hasattr(value, "date") and callable(value.date):
        return value.date().isoformat()
    return str(value)


def _no_log(message: str) -> dict[str, Any]:
    return {"available": False, "simulated": False, "message": message}


def _forecast_part(trial: Trial, frames, target: int | None, as_of, *, demo: bool) -> dict[str, Any]:
    """The forecast figure and table (:func:`trialkit.forecast.forecast`), or why there is none."""
    if not target:
        return {"forecast_message": _("No forecast: the record states no enrollment target.")}
    try:
        fc = forecasting.forecast(frames.participants, frames.sites, target=target, as_of=as_of,
                                  arms=trial.arm_labels or None, plan=forecasting.plan_from_trial(trial, target))
    except forecasting.ForecastError as exc:
        return {"forecast_message": _("No forecast: {reason}.").format(reason=" ".join(said(exc).split()))}

    def count(n) -> str:
        return format_count(n, suppress=demo)

    def day(d) -> str:
        return fc.date_text(d)

    rows = [(_("Model"), _("{model} ({n} simulations, seed {seed})").format(model=fc.model_label, n=fc.n_sims,
                                                                          seed=fc.seed)),
            (_("Why this model"), fc.reason),
            (_("As of"), fc.as_of.isoformat()),
            (_("Target"), count(fc.target)),
            (_("Enrolled so far"), count(fc.enrolled)),
            (_("Target reached: 10% / 50% / 90%"), f"{day(fc.p10_date)} / {day(fc.median_date)} / {day(fc.p90_date)}")]
    if fc.reached_on:
        rows.append((_("Target already reached on"), fc.reached_on.isoformat()))
    if fc.prob_never and fc.prob_never > 0:
        rows.append((_("Simulations that never reach the target"), f"{fc.prob_never:.0%}"))
    for a in fc.by_arm:
        rows.append((_("Expected in {arm} when the target is reached").format(arm=a.arm), f"{a.expected_at_target:.1f}"))
    s = fc.screening
    if s.needed_at_observed_rate is not None:
        rows.append((_("Screenings still needed at the observed screen-failure rate"), count(s.needed_at_observed_rate)))
    for note in fc.notes:
        rows.append((_("Note"), note))

    fan = fc.fan
    done = fan.index[fan["p10"] >= fc.target]  # stop drawing once nearly every simulated path has arrived
    if len(done):
        fan = fan.loc[: done[0]]
    band = {"name": _("80% band (10–90%)"), "css": "band",
            "points": [(_to_date(r.date), float(r.p10), float(r.p90)) for r in fan.itertuples()]}
    median = {"name": _("Median forecast"), "css": "median",
              "points": [(_to_date(r.date), float(r.p50)) for r in fan.itertuples()]}
    observed_pts = [(_to_date(r.date), float(r.enrolled)) for r in fc.observed.itertuples()]
    caption = _("Observed cumulative enrollment up to the as-of date, and the simulated forecast after it: "
                "median and the band holding 80% of simulated paths; the dashed line is the target.")
    if demo:  # draw no line while its count is below 5
        observed_pts = [p for p in observed_pts if p[1] >= SMALL_COUNT_THRESHOLD]
        median["points"] = [p for p in median["points"] if p[1] >= SMALL_COUNT_THRESHOLD]
        band["points"] = [p for p in band["points"] if p[1] >= SMALL_COUNT_THRESHOLD]
        caption += " " + _("Demo mode: lines and band are drawn only where they reach {n} or more.").format(
            n=SMALL_COUNT_THRESHOLD)
    chart = time_chart(title=_("Cumulative enrollment and forecast"), y_label=_("Participants enrolled (cumulative)"),
                       series=[{"name": _("Observed"), "css": "observed", "points": observed_pts}, median],
                       band=band, target=float(fc.target), target_label=_("Target"),
                       marker=(fc.as_of, _("as of {date}").format(date=fc.as_of.isoformat())),
                       chart_id="forecast-chart")
    return {"forecast_chart": chart, "forecast_rows": rows, "forecast_caption": caption, "forecast_message": None}


def _to_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return value.to_pydatetime().date()  # pandas Timestamp


_COLUMN_WORDS = {"subject_id": N_("Screening no."), "site_id": N_("Site"), "screening_date": N_("Screened"),
                 "consent_date": N_("Consent"), "screen_outcome": N_("Outcome"),
                 "screen_fail_criteria": N_("Failed criteria"), "enrollment_date": N_("Enrolled"), "arm": N_("Arm"),
                 "status": N_("Status"), "discontinuation_reason": N_("Discontinuation reason"),
                 "discontinuation_date": N_("Discontinued"), "analysed": N_("Analysed")}


def enrollment_section(trial: Trial, engine, *, demo: bool, forecast: bool = True, as_of=None) -> dict[str, Any]:
    """Everything the report shows about the trial's enrollment log, or ``available: False`` and why.
    ``engine`` is the caller's database (:func:`trialkit.enrollment.storage.open_database`)."""
    frames = storage.read_log(engine, trial.nct_id)
    if frames.source is None and len(frames.participants) == 0:
        return _no_log(_("No enrollment log is recorded for this trial, so there is no enrollment summary, "
                         "CONSORT diagram or forecast."))

    def count(n) -> str:
        return format_count(n, suppress=demo)

    summary = metrics.summarize(frames.participants, frames.sites, trial)
    simulated = frames.source == "demo"
    c = summary["consort"]
    target = summary["target"]
    kpi = summary["kpis"]

    def ratio(key: str) -> str:
        """"n / N (x%)" from the metrics' own ratio; the share is left out when n is suppressed."""
        r = kpi[key]
        text = f"{count(r['numerator'])} / {count(r['denominator'])}"
        share = format_share(r["rate"], numerator=r["numerator"], suppress=demo)
        if share:
            text += f" ({share})"
        return text + f" — {_(r['denominator_label'])}"

    kpis = [
        {"label": _("Screened (assessed for eligibility)"), "value": count(summary["screened"]),
         "note": _("screenings from {first} to {last}").format(first=summary["first_screening"] or not_stated(),
                                                                last=summary["last_screening"] or not_stated())},
        {"label": _("Still in screening"), "value": count(summary["in_screening"]), "note": _("no outcome yet")},
        {"label": _("Screen-failed"), "value": count(summary["screen_failed"]),
         "note": _("screen-failure rate {ratio}").format(ratio=ratio("screen_failure_rate"))},
        {"label": _("Declined to participate"), "value": count(summary["declined"]), "note": ""},
        {"label": _("Eligible, not enrolled"), "value": count(summary["eligible_not_enrolled"]),
         "note": _("CONSORT \u201cother reasons\u201d")},
        {"label": _("Enrolled"), "value": count(summary["enrolled"]),
         "note": _("of target {ratio}").format(ratio=ratio("enrolled_of_target")) if target
         else _("no enrollment target stated")},
        {"label": _("Discontinued"), "value": count(summary["discontinued"]), "note": ratio("discontinuation_rate")},
    ]
    arms = list(c["allocated"])  # the trial's arm labels, then any other arm the log names (metrics.summarize)
    by_arm = [{"arm": a, "allocated": count(c["allocated"][a]), "discontinued": count(c["discontinued"][a]),
               "analysed": count(c["analysed"][a])} for a in arms]
    sites = frames.sites.set_index("site_id")
    by_site = []
    for site_id, s in summary["by_site"].items():
        meta = sites.loc[site_id] if site_id in sites.index else None
        by_site.append({"site_id": site_id,
                        "name": (meta["site_name"] if meta is not None else "") or not_stated(),
                        "status": humanize(meta["status"]) if meta is not None else not_stated(),
                        "screened": count(s["screened"]), "screen_failed": count(s["screen_failed"]),
                        "enrolled": count(s["enrolled"])})
    screen_fail = []
    for cid, n in summary["screen_fail_by_criterion"].items():
        crit = trial.criterion(cid)
        screen_fail.append({"id": cid, "text": crit.text if crit else _("not in the trial's criteria"), "n": count(n)})
    out: dict[str, Any] = {
        "available": True, "simulated": simulated, "message": "",
        "source_label": _(storage.DEMO_LABEL) if simulated else _("Imported enrollment log"),
        "source_note": (_("Generated by trialkit's seeded recruitment simulation for demonstration; no real "
                          "participant.") if simulated
                        else _("As imported into the trialkit database (every import is in the audit trail).")),
        "summary": summary, "kpis": kpis, "by_arm": by_arm, "by_site": by_site, "screen_fail": screen_fail,
        "consort": consort_diagram(summary, count),
        "participants": None, "participant_columns": [], "participant_classes": [],
        "forecast_chart": None, "forecast_rows": [], "forecast_caption": "",
        "forecast_message": _("Forecast not requested.") if not forecast else None,
    }
    if forecast:
        out.update(_forecast_part(trial, frames, target, as_of, demo=demo))
    if not demo:
        p = frames.participants
        cols = [col for col in p.columns]
        out["participant_columns"] = [_(_COLUMN_WORDS[col]) if col in _COLUMN_WORDS else col for col in cols]
        out["participant_classes"] = ["date" if col.endswith("_date") else "" for col in cols]
        out["participants"] = [[_iso(v) for v in row] for row in p[cols].itertuples(index=False, name=None)]
    return out


# -- the report -------------------------------------------------------------------------------------------
def _facts(trial: Trial) -> list[tuple[str, str]]:
    e = trial.eligibility
    d = trial.design

    def v(x) -> str:
        return x if x else not_stated()

    return [
        (_("NCT id"), trial.nct_id),
        (_("Other ids"), ", ".join(x for x in [trial.org_study_id, *trial.secondary_ids] if x) or not_stated()),
        (_("Status"), humanize(trial.overall_status)),
        (_("Why stopped"), v(trial.why_stopped)) if trial.why_stopped else None,
        (_("Sponsor"), trial.lead_sponsor.name if trial.lead_sponsor else not_stated()),
        (_("Collaborators"), ", ".join(c.name for c in trial.collaborators) or not_stated()),
        (_("Conditions"), "; ".join(trial.conditions) or not_stated()),
        (_("Keywords"), "; ".join(trial.keywords) or not_stated()),
        (_("Study type"), humanize(d.study_type)),
        (_("Phase"), " / ".join(humanize(p) for p in d.phases) or not_stated()),
        (_("Allocation"), humanize(d.allocation)),
        (_("Intervention model"), humanize(d.intervention_model)),
        (_("Primary purpose"), humanize(d.primary_purpose)),
        (_("Masking"), humanize(d.masking) + (f" ({', '.join(humanize(w) for w in d.who_masked)})" if d.who_masked else "")),
        (_("Planned enrollment"), planned_enrollment(trial)),
        (_("Sex"), humanize(e.sex)),
        (_("Ages"), age_range(trial)),
        (_("Start"), v(trial.dates.start)),
        (_("Primary completion"), v(trial.dates.primary_completion)),
        (_("Completion"), v(trial.dates.completion)),
        (_("Last update posted"), v(trial.dates.last_update_posted)),
        (_("Central contacts"), "; ".join(", ".join(x for x in [c.name, humanize(c.role) if c.role else None] if x)
                                          for c in trial.central_contacts) or not_stated()),
    ]


def _arms(trial: Trial) -> tuple[list[dict], list]:
    by_name = {i.name: i for i in trial.interventions}
    used: set[str] = set()
    arms = []
    for a in trial.arm_groups:
        items = [i for i in trial.interventions if a.label in i.arm_group_labels]
        for name in a.intervention_names:  # "Procedure: X" in the arm's own list
            bare = name.split(":", 1)[1].strip() if ":" in name else name
            if bare in by_name and by_name[bare] not in items:
                items.append(by_name[bare])
        used.update(i.name for i in items)
        arms.append({"label": a.label, "type": a.type, "description": a.description, "interventions": items})
    return arms, [i for i in trial.interventions if i.name not in used]


def report_context(trial: Trial, *, engine=None, demo: bool = False, now: datetime | None = None,
                   author: str | None = None, include_notes: bool = False, forecast: bool = True,
                   as_of=None, enrollment: bool = True) -> dict[str, Any]:
    """The values the template draws (also handy for tests). ``engine``: the database holding the enrollment
    log and notes (:func:`trialkit.enrollment.storage.open_database`); without one, both are left out.
    Words are in the current language (:func:`trialkit.i18n.language`; :func:`render_report` takes ``lang``)."""
    import trialkit

    now = now or datetime.now(timezone.utc)
    arms, unassigned = _arms(trial)
    if not enrollment:
        enroll = _no_log(_("Enrollment left out of this report."))
    elif engine is None:
        enroll = _no_log(_("Enrollment left out of this report: no database was given."))
    else:
        enroll = enrollment_section(trial, engine, demo=demo, forecast=forecast, as_of=as_of)
    notes: list[dict] = []
    if include_notes and author and engine is not None:
        storage.ensure_tables(engine)
        notes = notes_for_report(engine, trial.nct_id, author)
    if trial.source and trial.source != "upload":
        origin = _("read from {file}").format(file=Path(trial.source).name)
    else:
        origin = _("uploaded by a user") if trial.source == "upload" else _("source not recorded")
    sources = [_("Trial record: {nct_id}, {origin} (ClinicalTrials.gov API v2 study format; registry page {url}).")
               .format(nct_id=trial.nct_id, origin=origin, url=trial.registry_url)]
    rs = rules_section(trial)
    sources.append(_("What-if rules: {text}").format(text=rs.message or _("none recorded for this trial.")))
    if enroll.get("available"):
        sources.append(_("Enrollment: {text}").format(text=f"{enroll['source_label']} — {enroll['source_note']}"))
    else:
        sources.append(_("Enrollment: {text}").format(text=enroll.get("message", "")))
    if notes:
        sources.append(ngettext("Notes: {n} private note of {author}.", "Notes: {n} private notes of {author}.",
                                len(notes)).format(n=len(notes), author=author))
    stamp = now.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    sources.append((_("Generated {when} by trialkit {version}; demo mode (small counts suppressed, no "
                      "participant-level tables).") if demo else _("Generated {when} by trialkit {version}."))
                   .format(when=stamp, version=trialkit.__version__))
    registry_note = (_("Titles, summaries, criteria, arms and outcomes are the registered English text, quoted "
                       "verbatim (the protocol's words); everything else is translated.")
                     if html_lang() != "en" else "")
    return {
        "trial": trial, "demo": demo, "threshold": SMALL_COUNT_THRESHOLD, "version": trialkit.__version__,
        "generated_at_text": now.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "author": author,
        "summary": plain_summary(trial), "facts": [f for f in _facts(trial) if f], "ages": age_range(trial),
        "arms": arms, "unassigned_interventions": unassigned, "rules": rs, "enrollment": enroll,
        "notes": notes, "sources": sources, "humanize": humanize, "not_stated": not_stated(),
        "html_lang": html_lang(), "registry_text_note": registry_note,
    }


def render_report(trial: Trial, *, lang: str | None = None, **kwargs) -> str:
    """The report as one self-contained HTML document (see :func:`report_context` for the options), in
    ``lang`` (``"en"``, ``"zh"``; None keeps the current language)."""
    if lang is None:
        return _ENV.get_template("report.html.j2").render(**report_context(trial, **kwargs))
    with language(lang):
        return _ENV.get_template("report.html.j2").render(**report_context(trial, **kwargs))


def write_report(trial: Trial, out: str | Path, **kwargs) -> Path:
    """Write the report to ``out`` (UTF-8) through a temporary file, so a failure leaves no half file."""
    out = Path(out)
    html = render_report(trial, **kwargs)
    tmp = out.with_name(out.name + ".part")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)
    return out


def report_filename(trial: Trial, *, demo: bool = False, now: datetime | None = None, lang: str = "en") -> str:
    now = now or datetime.now(timezone.utc)
    suffix = "" if lang == "en" else f"-{lang}"
    return f"{trial.nct_id}-report{'-demo' if demo else ''}{suffix}-{now.strftime('%Y%m%d')}.html"

"""A referral summary of a what-if check, for the study team ("Get in touch").

It states the trial, the pre-screening verdict, every criterion's result with its reason, and what would
change the verdict (failed criteria and the values still needed). It carries no personal identifiers: only
candidate fields of contracts §2 pass :func:`trialkit.scenario.identifying_key`; a value that looks like an
email address or phone number is left out, and the summary says how many were. The study's own published
contacts (central contacts) are included so the reader knows where to send it.

Output as Markdown (:meth:`Referral.to_markdown`, data text escaped so a hostile criterion cannot become a
link or an image when the file is rendered) and as plain text (:meth:`Referral.to_text`), in the current
interface language (:mod:`trialkit.i18n`: a Chinese page gives the study team a Chinese summary; English, the
default, is unchanged). The registry's own words (title, criteria, contacts) stay as registered.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from trialkit.i18n import N_, gettext as _
from trialkit.models import Trial
from trialkit.plain_language import humanize
from trialkit.scenario import ScenarioError, clean_scenario

VERDICT_LABELS = {"eligible": N_("Eligible"), "ineligible": N_("Ineligible"), "needs_review": N_("Needs review")}
RESULT_LABELS = {"pass": N_("Pass"), "fail": N_("Fail"), "unknown": N_("Unknown")}
KIND_LABELS = {"inclusion": N_("inclusion"), "exclusion": N_("exclusion")}


def _label(table: dict, key: str) -> str:
    return _(table[key]) if key in table else key
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~$^:=])")


def md_cell(text: object) -> str:
    """Data text made inert for Markdown (and safe inside a table cell)."""
    s = " ".join(str(text).split()) if text is not None else ""
    return _MD_SPECIAL.sub(r"\\\1", s)


@dataclass(frozen=True)
class CriterionLine:
    id: str
    kind: str
    status: str
    reason: str
    text: str


@dataclass
class Referral:
    nct_id: str
    title: str
    sponsor: str | None
    overall_status: str | None
    registry_url: str
    verdict: str
    created: date
    values: dict[str, str]
    values_left_out: int
    criteria: list[CriterionLine]
    what_would_change: list[str]
    contacts: list[str]
    unreviewed_rules: bool = False
    _notes: list[str] = field(default_factory=list)

    @property
    def verdict_label(self) -> str:
        return _label(VERDICT_LABELS, self.verdict)

    @property
    def filename_stem(self) -> str:
        return f"{self.nct_id}_referral_{self.created.isoformat()}"

    def _privacy_line(self) -> str:
        s = _("No personal identifiers: this summary holds the eligibility values checked and their results, "
              "not who they belong to.")
        if self.values_left_out:
            s += " " + _("{n} value(s) that looked identifying were left out.").format(n=self.values_left_out)
        return s

    def _check_line(self) -> str:
        return _("{verdict} (trialkit what-if check, {date})").format(verdict=self.verdict_label,
                                                                     date=self.created.isoformat())

    def _words(self) -> dict[str, str]:
        """The summary's headings in the current language (gettext literals, so the catalog extracts them)."""
        return {
            "Field": _("Field"),
            "Pre-screening result:": _("Pre-screening result:"),
            "Recruitment status:": _("Recruitment status:"),
            "Registry:": _("Registry:"),
            "Some criteria were checked with automatically drafted rules nobody has reviewed yet.": _("Some criteria were checked with automatically drafted rules nobody has reviewed yet."),
            "Sponsor:": _("Sponsor:"),
            "Trial:": _("Trial:"),
            "Value": _("Value"),
            "not stated": _("not stated"),
        }

    def to_markdown(self) -> str:
        w = self._words()
        L = ["# " + _("Referral summary: {nct_id}").format(nct_id=self.nct_id), "",
             f"**{w['Trial:']}** {md_cell(self.title)}  ",
             f"**{w['Sponsor:']}** {md_cell(self.sponsor or w['not stated'])}  ",
             f"**{w['Recruitment status:']}** {md_cell(humanize(self.overall_status))}  ",
             f"**{w['Registry:']}** <{self.registry_url}>  ",
             f"**{w['Pre-screening result:']}** {self._check_line()}",
             "", f"_{self._privacy_line()}_", ""]
        if self.unreviewed_rules:
            L += [f"_{w['Some criteria were checked with automatically drafted rules nobody has reviewed yet.']}_",
                  ""]
        L += ["## " + _("Values checked"), ""]
        if self.values:
            L += [f"| {w['Field']} | {w['Value']} |", "|---|---|"]
            L += [f"| {md_cell(k)} | {md_cell(v)} |" for k, v in self.values.items()]
        else:
            L.append(_("None entered."))
        L += ["", "## " + _("Criteria results"), "",
              "| " + " | ".join((_("Id"), _("Kind"), _("Result"), _("Reason"), _("Criterion"))) + " |",
              "|---|---|---|---|---|"]
        L += [f"| {c.id} | {_label(KIND_LABELS, c.kind)} | {_label(RESULT_LABELS, c.status)} | {md_cell(c.reason)} | "
              f"{md_cell(_short(c.text))} |" for c in self.criteria]
        L += ["", "## " + _("What would change the result"), ""]
        L += [f"- {md_cell(x)}" for x in self.what_would_change] or [_("Nothing: every criterion passes.")]
        L += ["", "## " + _("Study contacts (as the registry lists them)"), ""]
        L += [f"- {md_cell(c)}" for c in self.contacts] or [_("Not stated in the registry record.")]
        return "\n".join(L) + "\n"

    def to_text(self) -> str:
        w = self._words()
        L = [_("Referral summary: {nct_id}").format(nct_id=self.nct_id), "",
             f"{w['Trial:']} {self.title}", f"{w['Sponsor:']} {self.sponsor or w['not stated']}",
             f"{w['Recruitment status:']} {humanize(self.overall_status)}", f"{w['Registry:']} {self.registry_url}",
             f"{w['Pre-screening result:']} {self._check_line()}",
             "", self._privacy_line(), ""]
        if self.unreviewed_rules:
            L += [_("Some criteria were checked with automatically drafted rules nobody has reviewed yet."), ""]
        L.append(_("Values checked:"))
        L += [f"  {k} = {v}" for k, v in self.values.items()] or ["  " + _("none entered")]
        L += ["", _("Criteria results:")]
        L += ["  " + _("{id} ({kind}): {result} - {reason}").format(
                  id=c.id, kind=_label(KIND_LABELS, c.kind), result=_label(RESULT_LABELS, c.status), reason=c.reason)
              for c in self.criteria]
        L += ["", _("What would change the result:")]
        L += [f"  - {x}" for x in self.what_would_change] or ["  " + _("nothing: every criterion passes")]
        L += ["", _("Study contacts (as the registry lists them):")]
        L += [f"  - {c}" for c in self.contacts] or ["  " + _("not stated in the registry record")]
        return "\n".join(L) + "\n"


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + " …"


def candidate_values(candidate) -> tuple[dict[str, str], int]:
    """(values safe to share, number left out) from a candidate: a mapping, or an object with
    ``values`` / ``model_dump()``. Unknown (None) values are omitted."""
    if candidate is None:
        return {}, 0
    if isinstance(candidate, Mapping):
        raw = dict(candidate)
    elif isinstance(getattr(candidate, "values", None), Mapping):
        raw = dict(candidate.values)
    elif hasattr(candidate, "model_dump"):
        raw = candidate.model_dump()
    else:
        raw = dict(vars(candidate))
    kept: dict[str, str] = {}
    left_out = 0
    for k, v in raw.items():
        if v is None:
            continue
        try:
            kept.update(clean_scenario({str(k): v}))
        except ScenarioError:
            left_out += 1
    return kept, left_out


def _field(obj, name, default=None):
    v = obj.get(name, default) if isinstance(obj, Mapping) else getattr(obj, name, default)
    return getattr(v, "value", v)  # an Enum member -> its value


def build_referral(trial: Trial, result, candidate=None, *, what_would_change: list[str] | None = None,
                   today: date | None = None, ruleset=None) -> Referral:
    """Build the referral from the engine's CandidateResult (``.status``, ``.criteria`` of items with
    ``id``, ``kind``, ``status``, ``reason``). ``what_would_change`` lines (e.g. the what-if page's nearest
    passing values) replace the default, which lists each failed and unknown criterion with its reason.

    Whether the rules were drafted automatically is read from the trial's ruleset (``ruleset``, loaded when
    not given): the criteria of a :class:`Trial` never carry rules, the ruleset does."""
    lines: list[CriterionLine] = []
    for c in _field(result, "criteria", []) or []:
        cid = str(_field(c, "id"))
        crit = trial.criterion(cid)
        lines.append(CriterionLine(id=cid, kind=str(_field(c, "kind") or (crit.kind if crit else "")),
                                   status=str(_field(c, "status")), reason=str(_field(c, "reason") or ""),
                                   text=crit.text if crit else ""))
    if what_would_change is None:
        what_would_change = (
            [_("{id} fails: {reason}").format(id=c.id, reason=c.reason) for c in lines if c.status == "fail"]
            + [_("{id} is undecided: {reason}").format(id=c.id, reason=c.reason) for c in lines
               if c.status == "unknown"])
    values, left_out = candidate_values(candidate)
    if ruleset is None:
        from trialkit.criteria.ruleset import load_ruleset

        ruleset = load_ruleset(trial)
    contacts = []
    for c in trial.central_contacts:
        parts = [p for p in (c.name, humanize(c.role) if c.role else None, c.phone, c.email) if p]
        if parts:
            contacts.append(", ".join(parts))
    status = _field(result, "status")
    return Referral(
        nct_id=trial.nct_id, title=trial.title, sponsor=trial.lead_sponsor.name if trial.lead_sponsor else None,
        overall_status=trial.overall_status, registry_url=trial.registry_url,
        verdict=str(status), created=today or date.today(), values=values,
        values_left_out=left_out, criteria=lines, what_would_change=list(what_would_change), contacts=contacts,
        unreviewed_rules=bool(ruleset.unreviewed_count),
    )

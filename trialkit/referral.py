"""A referral summary of a what-if check, for the study team ("Get in touch").

It states the trial, the pre-screening verdict, every criterion's result with its reason, and what would
change the verdict (failed criteria and the values still needed). It carries no personal identifiers: only
candidate fields of contracts §2 pass :func:`trialkit.scenario.identifying_key`; a value that looks like an
email address or phone number is left out, and the summary says how many were. The study's own published
contacts (central contacts) are included so the reader knows where to send it.

Output as Markdown (:meth:`Referral.to_markdown`, data text escaped so a hostile criterion cannot become a
link or an image when the file is rendered) and as plain text (:meth:`Referral.to_text`).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from trialkit.models import Trial
from trialkit.plain_language import humanize
from trialkit.scenario import ScenarioError, clean_scenario

VERDICT_LABELS = {"eligible": "Eligible", "ineligible": "Ineligible", "needs_review": "Needs review"}
RESULT_LABELS = {"pass": "Pass", "fail": "Fail", "unknown": "Unknown"}
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
        return VERDICT_LABELS.get(self.verdict, self.verdict)

    @property
    def filename_stem(self) -> str:
        return f"{self.nct_id}_referral_{self.created.isoformat()}"

    def _privacy_line(self) -> str:
        s = ("No personal identifiers: this summary holds the eligibility values checked and their results, "
             "not who they belong to.")
        if self.values_left_out:
            s += f" {self.values_left_out} value(s) that looked identifying were left out."
        return s

    def to_markdown(self) -> str:
        L = [f"# Referral summary: {self.nct_id}", "",
             f"**Trial:** {md_cell(self.title)}  ",
             f"**Sponsor:** {md_cell(self.sponsor or 'not stated')}  ",
             f"**Recruitment status:** {md_cell(humanize(self.overall_status))}  ",
             f"**Registry:** <{self.registry_url}>  ",
             f"**Pre-screening result:** {self.verdict_label} (trialkit what-if check, {self.created.isoformat()})",
             "", f"_{self._privacy_line()}_", ""]
        if self.unreviewed_rules:
            L += ["_Some criteria were checked with automatically drafted rules nobody has reviewed yet._", ""]
        L += ["## Values checked", ""]
        if self.values:
            L += ["| Field | Value |", "|---|---|"]
            L += [f"| {md_cell(k)} | {md_cell(v)} |" for k, v in self.values.items()]
        else:
            L.append("None entered.")
        L += ["", "## Criteria results", "", "| Id | Kind | Result | Reason | Criterion |", "|---|---|---|---|---|"]
        L += [f"| {c.id} | {c.kind} | {RESULT_LABELS.get(c.status, c.status)} | {md_cell(c.reason)} | "
              f"{md_cell(_short(c.text))} |" for c in self.criteria]
        L += ["", "## What would change the result", ""]
        L += [f"- {md_cell(w)}" for w in self.what_would_change] or ["Nothing: every criterion passes."]
        L += ["", "## Study contacts (as the registry lists them)", ""]
        L += [f"- {md_cell(c)}" for c in self.contacts] or ["Not stated in the registry record."]
        return "\n".join(L) + "\n"

    def to_text(self) -> str:
        L = [f"Referral summary: {self.nct_id}", "",
             f"Trial: {self.title}", f"Sponsor: {self.sponsor or 'not stated'}",
             f"Recruitment status: {humanize(self.overall_status)}", f"Registry: {self.registry_url}",
             f"Pre-screening result: {self.verdict_label} (trialkit what-if check, {self.created.isoformat()})",
             "", self._privacy_line(), ""]
        if self.unreviewed_rules:
            L += ["Some criteria were checked with automatically drafted rules nobody has reviewed yet.", ""]
        L.append("Values checked:")
        L += [f"  {k} = {v}" for k, v in self.values.items()] or ["  none entered"]
        L += ["", "Criteria results:"]
        L += [f"  {c.id} ({c.kind}): {RESULT_LABELS.get(c.status, c.status)} - {c.reason}" for c in self.criteria]
        L += ["", "What would change the result:"]
        L += [f"  - {w}" for w in self.what_would_change] or ["  nothing: every criterion passes"]
        L += ["", "Study contacts (as the registry lists them):"]
        L += [f"  - {c}" for c in self.contacts] or ["  not stated in the registry record"]
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
            [f"{c.id} fails: {c.reason}" for c in lines if c.status == "fail"]
            + [f"{c.id} is undecided: {c.reason}" for c in lines if c.status == "unknown"])
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

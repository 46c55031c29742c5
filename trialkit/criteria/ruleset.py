"""A trial's criteria with their rules attached: :func:`load_ruleset`, :func:`apply_overrides`.

Where the rules come from
    * ``data/rules/<NCT>.json`` (:func:`trialkit.paths.rules_dir`): reviewed rules kept as data, one list per
      criterion id (:class:`RulesFile`). Each rule names the words it encodes (``source_text``); the loader
      finds them in the criterion text and records the ``span``. A rule whose words are not in the text (the
      trial's text changed since the rules were written) is not trusted: that criterion falls back to drafted
      rules and the ruleset lists the problem.
    * otherwise (an imported trial, or a criterion the file does not cover): rules drafted from the text by
      :mod:`trialkit.criteria.extract`, marked unreviewed.

The study's structured sex and age limits (``eligibilityModule.sex / minimumAge / maximumAge``)
    are rules too. Decision: a structured limit joins the **inclusion criterion whose rules already
    constrain that field** (NCT07176143 I2 "Age between 20 and 38 years", NCT06610773 I1 "Women aged 25-60"):
    when the bounds agree nothing is added (the text rule already says it); when they differ the structured
    rule is added beside the text rule, so both must hold and both show. When no inclusion criterion speaks
    to the field, the limit becomes its own inclusion criterion, ``SEX`` or ``AGE``, placed before ``I1``
    (NCT07176143 states no sex in its text, so it gets ``SEX``). This keeps one criterion per reason for
    exclusion: a separate ``AGE`` beside I2 would make every age failure fail two criteria and hide it from
    "sole exclusions" in the cohort funnel.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from trialkit.criteria.fields import FIELDS, get_field
from trialkit.criteria.rules import RangeRule, Rule, SetRule, validation_reason
from trialkit.errors import CandidateError, RuleFormatError, with_source
from trialkit.models import EligibilityCriterion, Trial
from trialkit.paths import rules_dir
from trialkit.i18n import N_, gettext
from trialkit.message import Message, coded

STRUCTURED_NOTE = "from the study's structured eligibility fields (sex, minimum and maximum age)"


class ReviewStamp(BaseModel):
    """Who reviewed a criterion's rules in the app, when, and the criterion's words then (issue 15)."""

    model_config = ConfigDict(extra="forbid")

    by: str
    at: str
    decision: str
    text: str


class RulesFile(BaseModel):
    """``data/rules/<NCT>.json``: ``{"nct_id", "note", "criteria": {"I1": [rule, …], …}}``, and ``reviews``
    (``{"I3": {"by", "at", "decision", "text"}}``) for criteria reviewed in the app
    (:mod:`trialkit.criteria.review`)."""

    model_config = ConfigDict(extra="forbid")

    nct_id: str
    note: str | None = None
    criteria: dict[str, list[Rule]]
    reviews: dict[str, ReviewStamp] = {}


@dataclass
class Ruleset:
    nct_id: str
    #: The trial's criteria in protocol order (structured ``SEX``/``AGE`` first when they are separate),
    #: each with its rules.
    criteria: list[EligibilityCriterion]
    #: "rules file NCT….json" or "drafted from the criteria text (not reviewed)": a
    #: :class:`~trialkit.message.Message` (English in files and on the command line; ``said()`` on pages).
    source: str = ""
    #: Things a person should know (rules that no longer match the text, unknown ids in the rules file),
    #: each a :class:`~trialkit.message.Message` starting with the criterion id.
    problems: list[str] = field(default_factory=list)
    #: The words trialkit wrote for the criteria it made from the structured eligibility fields (``SEX``,
    #: ``AGE``), by id: their :attr:`EligibilityCriterion.text` is the English, :meth:`criterion_words` says
    #: them in the interface language.
    generated: dict[str, Message] = field(default_factory=dict)

    def criterion_words(self, criterion: EligibilityCriterion) -> str:
        """A criterion's text as a page shows it: the registry's words verbatim, or, for a criterion trialkit
        made from the structured fields, its generated words in the interface language."""
        made = self.generated.get(criterion.id)
        return made.said() if made is not None else criterion.text

    def fields_used(self) -> list[str]:
        """Candidate fields the rules read, in the order criteria first use them."""
        out: list[str] = []
        for c in self.criteria:
            for r in c.rules:
                f = getattr(r, "field", None)
                if f and f not in out:
                    out.append(f)
        return out

    def criterion(self, criterion_id: str) -> EligibilityCriterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)

    @property
    def total(self) -> int:
        return len(self.criteria)

    @property
    def executable_count(self) -> int:
        """Criteria with at least one rule a value can decide (not only clinician's judgment)."""
        return sum(1 for c in self.criteria if any(r.kind != "judgment" for r in c.rules))

    @property
    def judgment_only_count(self) -> int:
        return sum(1 for c in self.criteria if c.rules and all(r.kind == "judgment" for r in c.rules))

    @property
    def reviewed_count(self) -> int:
        """Criteria whose rules a person has reviewed (all from a rules file or structured fields)."""
        return sum(1 for c in self.criteria if not c.rules_unreviewed and all(r.reviewed for r in c.rules))

    @property
    def unreviewed_count(self) -> int:
        return self.total - self.reviewed_count

    def describe_thresholds(self, field_name: str) -> list[str]:
        """Each rule's bound on the field, for a person: "I2 passes between 20 and 38 years",
        "E10 excludes below 100 g/L", "E16 excludes within 3 months"."""
        from trialkit.criteria.evaluate import _bounds_words, _span_words

        spec = get_field(field_name)
        out = []
        for c in self.criteria:
            for r in c.rules:
                if getattr(r, "field", None) != field_name:
                    continue
                inclusion = c.kind == "inclusion"
                if isinstance(r, RangeRule):
                    text = gettext("{id} passes {bounds}") if inclusion else gettext("{id} excludes {bounds}")
                    out.append(text.format(id=c.id, bounds=_bounds_words(r, spec)))
                elif r.kind == "window":
                    text = (gettext("{id} passes within {span}") if inclusion else
                            gettext("{id} excludes within {span}"))
                    out.append(text.format(id=c.id, span=_span_words(r)))
        return out

    def thresholds(self, field_name: str) -> list[tuple[str, str, float, bool]]:
        """Every bound on ``field_name``: (criterion id, "min"/"max"/"within", value, inclusive),
        in the field's canonical unit — what the what-if page marks on a slider."""
        from trialkit.criteria.evaluate import window_limit

        out = []
        for c in self.criteria:
            for r in c.rules:
                if getattr(r, "field", None) != field_name:
                    continue
                if isinstance(r, RangeRule):
                    if r.minimum is not None:
                        out.append((c.id, "min", r.minimum, r.minimum_inclusive))
                    if r.maximum is not None:
                        out.append((c.id, "max", r.maximum, r.maximum_inclusive))
                elif r.kind == "window":
                    out.append((c.id, "within", window_limit(r), True))
        return out


# -- loading ---------------------------------------------------------------------------------------
def rules_path(nct_id: str) -> Path:
    return rules_dir() / f"{nct_id}.json"


def read_rules_file(path: Path) -> RulesFile:
    """Parse and validate a rules file; any problem raises RuleFormatError naming the file and the place."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFormatError(with_source(path, Message("cannot read ({error})", error=str(exc)))) from None
    except json.JSONDecodeError as exc:
        raise RuleFormatError(with_source(path, Message("not JSON ({error} at line {line})", error=exc.msg,
                                                        line=exc.lineno))) from None
    try:
        rf = RulesFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise RuleFormatError(with_source(path, Message("{where}: {reason}", where=where,
                                                        reason=validation_reason(err)))) from None
    for cid, rules in rf.criteria.items():
        for i, r in enumerate(rules):
            f = getattr(r, "field", None)
            if f is not None and f not in FIELDS:
                raise RuleFormatError(with_source(path, Message("criteria.{id}.{i}.field: unknown field {field!r}",
                                                                id=cid, i=i, field=f)))
            if f is not None:
                kind = FIELDS[f].kind
                ok = {"range": ("number",), "window": ("number",), "fact": ("yesno",),
                      "set": ("set", "sex")}[r.kind]
                if kind not in ok:
                    raise RuleFormatError(with_source(path, Message(
                        "criteria.{id}.{i}: a {rule} rule cannot read {field!r} (a {kind} field)", id=cid, i=i,
                        rule=r.kind, field=f, kind=kind)))
                if r.kind == "window" and not FIELDS[f].allow_never:
                    raise RuleFormatError(with_source(path, Message(
                        "criteria.{id}.{i}: {field!r} is not a time-since field", id=cid, i=i, field=f)))
    return rf


def locate(rules: list[Rule], text: str) -> list[Rule] | None:
    """Rules with their ``span`` set where their ``source_text`` occurs in ``text`` (searching after the
    previous rule's words first, so "pregnancy" after "preparing for pregnancy" finds its own place).
    Returns None when some rule's words are not in the text."""
    out = []
    low = text.lower()
    cursor = 0
    for r in rules:
        if not r.source_text:
            out.append(r)
            continue
        needle = r.source_text.lower()
        at = low.find(needle, cursor)
        if at < 0:
            at = low.find(needle)
        if at < 0:
            return None
        out.append(r.model_copy(update={"span": (at, at + len(needle))}))
        cursor = at + len(needle)
    return out


def load_ruleset(trial: Trial) -> Ruleset:
    """The trial's criteria with rules attached (see the module docstring for where they come from)."""
    from trialkit.criteria.extract import draft_rules, judgment_only

    # no inclusion/exclusion headings: a drafted threshold could mean either, so none is drafted
    kind_unclear = "kind_unclear" in (trial.eligibility.lead_in or {})

    path = rules_path(trial.nct_id)
    rf = read_rules_file(path) if path.exists() else None
    problems: list[str] = []
    if rf is not None and rf.nct_id != trial.nct_id:
        raise RuleFormatError(with_source(path, Message("nct_id {found!r} does not match the file name ({nct_id})",
                                                        found=rf.nct_id, nct_id=trial.nct_id)))
    criteria: list[EligibilityCriterion] = []
    drafted = 0
    for c in trial.criteria:
        rules = None
        if rf is not None and c.id in rf.criteria:
            rules = locate(rf.criteria[c.id], c.text)
            if rules is None:
                problems.append(Message("{id}: the reviewed rules' words are no longer in the criterion text; "
                                        "drafted rules are shown instead", id=c.id))
        stamp = rf.reviews.get(c.id) if rf is not None else None
        if rules is not None and stamp is not None and stamp.text != c.text:
            # a new version of the study changed the reviewed criterion's words: review it again
            problems.append(Message("{id}: the criterion's words changed since {by} reviewed its rules "
                                    "({at}); they need review again", id=c.id, by=stamp.by, at=stamp.at))
            criteria.append(c.model_copy(update={
                "rules": [r.model_copy(update={"reviewed": False}) for r in rules], "rules_unreviewed": True}))
        elif rules is not None:
            criteria.append(c.model_copy(update={"rules": rules, "rules_unreviewed": False}))
        else:
            if rf is not None and c.id not in rf.criteria:
                problems.append(Message("{id}: not in the rules file; drafted rules are shown instead", id=c.id))
            drafted_rules = [judgment_only(c)] if kind_unclear else draft_rules(c)
            criteria.append(c.model_copy(update={"rules": drafted_rules, "rules_unreviewed": True}))
            drafted += 1
    if rf is not None:
        known = {c.id for c in trial.criteria}
        for cid in rf.criteria:
            if cid not in known:
                problems.append(Message("{id}: in the rules file but not among the trial's criteria (ignored)",
                                        id=cid))
    criteria, generated = _add_structured(trial, criteria)
    if rf is None:
        source = Message("drafted from the criteria text (not reviewed)")
    elif drafted:
        source = Message("rules file {name}; {n} criteria drafted from the text", name=path.name, n=drafted)
    else:
        source = Message("rules file {name}", name=path.name)
    return Ruleset(trial.nct_id, criteria, source, problems, generated)


#: How the registry writes an age limit ("20 Years"); the catalog says it in other languages (plain_language)
_REGISTRY_AGE = re.compile(r"\s*(\d+(?:\.\d+)?)\s+(Years|Months|Weeks|Days|Hours|Minutes)\s*")
_AGE_WORDS = {"Years": N_("{n} Years"), "Months": N_("{n} Months"), "Weeks": N_("{n} Weeks"),
              "Days": N_("{n} Days"), "Hours": N_("{n} Hours"), "Minutes": N_("{n} Minutes")}


def _registry_age(text: str | None) -> object:
    """"20 Years" as the record writes it (English), said "20岁" in Chinese; other wording stays verbatim."""
    m = _REGISTRY_AGE.fullmatch(text or "")
    if not m:
        return text
    words = Message(_AGE_WORDS[m.group(2)], n=m.group(1))
    return words if words == text else text


def _age_range(e) -> Message:
    """"20 Years to 38 Years", "18 Years to no maximum" (:func:`trialkit.plain_language.age_range`'s words)."""
    return Message("{low} to {high}", low=_registry_age(e.minimum_age) or Message("no minimum"),
                   high=_registry_age(e.maximum_age) or Message("no maximum"))


def _add_structured(trial: Trial, criteria: list[EligibilityCriterion]) -> tuple[list[EligibilityCriterion],
                                                                                  dict[str, Message]]:
    e = trial.eligibility
    head: list[EligibilityCriterion] = []
    generated: dict[str, Message] = {}
    wanted: list[tuple[str, Rule, Message]] = []
    sex = (e.sex or "").upper()
    if sex in {"FEMALE", "MALE"}:
        wanted.append(("SEX", SetRule(field="sex", any_of=[sex.lower()], source_text="", note=STRUCTURED_NOTE),
                       Message("Sex: {sex} (structured eligibility field)",
                               sex=coded(sex.lower(), sex.lower()))))
    lo = e.minimum_age_years or None  # a minimum of 0 is no limit
    hi = e.maximum_age_years
    if lo is not None or hi is not None:
        rule = RangeRule(field="age", minimum=lo, maximum=hi, note=STRUCTURED_NOTE)
        wanted.append(("AGE", rule, Message("Age: {range} (structured eligibility fields)", range=_age_range(e))))
    for cid, rule, text in wanted:
        host = next((i for i, c in enumerate(criteria) if c.kind == "inclusion"
                     and any(getattr(r, "field", None) == rule.field and r.kind == rule.kind for r in c.rules)),
                    None)
        if host is None:
            head.append(EligibilityCriterion(id=cid, kind="inclusion", text=text, rules=[rule]))
            generated[cid] = text
            continue
        c = criteria[host]
        if any(_same_limit(r, rule) for r in c.rules):
            continue
        criteria[host] = c.model_copy(update={"rules": [*c.rules, rule]})
    return head + criteria, generated


def _same_limit(a: Rule, b: Rule) -> bool:
    if isinstance(a, RangeRule) and isinstance(b, RangeRule):
        return (a.field, a.minimum, a.maximum, a.minimum_inclusive, a.maximum_inclusive) == \
            (b.field, b.minimum, b.maximum, b.minimum_inclusive, b.maximum_inclusive)
    if isinstance(a, SetRule) and isinstance(b, SetRule):
        return a.field == b.field and set(a.any_of) == set(b.any_of)
    return False


# -- what-if overrides (contracts §4 --override FIELD.min=V) ------------------------------------------
_BOUND_WORDS = {"minimum": N_("minimum"), "maximum": N_("maximum")}


def _override(key: object, reason: Message) -> Message:
    return Message("override {key!r}: {reason}", key=key, reason=reason)


def apply_overrides(ruleset: Ruleset, overrides: dict[str, float]) -> Ruleset:
    """A copy of ``ruleset`` with bounds moved: ``{"bmi.max": 30}`` sets the maximum of every RangeRule on
    ``bmi`` that has a maximum. An unknown field or bound, a field no range rule reads, a bound no rule has,
    or a minimum above a maximum raises CandidateError."""
    criteria = list(ruleset.criteria)
    for key, value in overrides.items():
        name, dot, bound = str(key).partition(".")
        if not dot or bound not in {"min", "max"}:
            raise CandidateError(_override(key, Message("write FIELD.min or FIELD.max (e.g. bmi.max)")))
        spec = get_field(name)
        if spec.kind != "number":
            raise CandidateError(_override(key, Message("{name} is not a numeric field", name=name)))
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise CandidateError(_override(key, Message("{value!r} is not a number", value=value))) from None
        if v != v or v in (float("inf"), float("-inf")):
            raise CandidateError(_override(key, Message("{value!r} is not a finite number", value=value)))
        attr = "minimum" if bound == "min" else "maximum"
        moved = 0
        for i, c in enumerate(criteria):
            new_rules = []
            for r in c.rules:
                if isinstance(r, RangeRule) and r.field == name and getattr(r, attr) is not None:
                    lo = v if attr == "minimum" else r.minimum
                    hi = v if attr == "maximum" else r.maximum
                    if lo is not None and hi is not None and lo > hi:
                        raise CandidateError(Message("override {key}={value:g}: {id} would have minimum {lo:g} "
                                                     "above maximum {hi:g}", key=key, value=v, id=c.id, lo=lo,
                                                     hi=hi))
                    r = r.model_copy(update={attr: v, "note": f"what-if: {bound} moved to {v:g}"})
                    moved += 1
                new_rules.append(r)
            criteria[i] = c.model_copy(update={"rules": new_rules})
        if not moved:
            raise CandidateError(_override(key, Message("no range rule of {nct_id} has a {bound} on {name}",
                                                        nct_id=ruleset.nct_id, bound=coded(attr, _BOUND_WORDS[attr]),
                                                        name=name)))
    return Ruleset(ruleset.nct_id, criteria, Message("{source} (with what-if overrides)", source=ruleset.source),
                   list(ruleset.problems), dict(ruleset.generated))

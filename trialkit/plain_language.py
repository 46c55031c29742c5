"""A trial, and its typed eligibility rules, in plain words: for ethics committees, patients and demos.

Every sentence is generated from the trial's own fields; nothing is invented. A fact the record does not
give is said to be "not stated". Text that comes from the record (arm descriptions, condition names, a
clinician's question) is quoted as it is: escaping it is the job of whatever renders it (the report's
Jinja2 autoescape, ``ui.text.md_escape`` on screen).

Rule wording follows the semantics of :mod:`trialkit.criteria.rules`: an inclusion criterion needs all of
its conditions to hold; an exclusion criterion excludes when any of its conditions holds.
"""
from __future__ import annotations

import re
from collections import Counter

from pydantic import BaseModel

from trialkit.criteria.fields import FIELDS
from trialkit.criteria.rules import FactRule, JudgmentRule, RangeRule, SetRule, WindowRule
from trialkit.models import EligibilityCriterion, Trial

NOT_STATED = "not stated"


class SummaryLine(BaseModel):
    """One topic of the plain-language summary ("Who can join") and its sentence(s)."""

    topic: str
    text: str
    #: False when the record says nothing on the topic (the text then says "not stated").
    stated: bool = True


# -- small helpers ------------------------------------------------------------------------------------
def humanize(enum_value: str | None) -> str:
    """A registry value for a label or table cell: ``NOT_YET_RECRUITING`` -> "Not yet recruiting";
    ``None`` -> "not stated". (App pages, the report, contacts and referrals all use this one.)"""
    if not enum_value:
        return NOT_STATED
    return enum_value.replace("_", " ").capitalize()


def age_range(trial: Trial) -> str:
    """The age limits as the record writes them: "20 Years to 38 Years", "18 Years to no maximum"."""
    e = trial.eligibility
    if not (e.minimum_age or e.maximum_age):
        return NOT_STATED
    return f"{e.minimum_age or 'no minimum'} to {e.maximum_age or 'no maximum'}"


def planned_enrollment(trial: Trial) -> str:
    """"120 (estimated)": the registry's enrollment count and its type."""
    if trial.enrollment.count is None:
        return NOT_STATED
    return f"{trial.enrollment.count} ({humanize(trial.enrollment.type).lower()})"


def _human(enum_value: str | None) -> str:
    """Mid-sentence: ``NON_RANDOMIZED`` -> "non randomized"; ``PHASE1`` -> "phase 1"."""
    if not enum_value:
        return NOT_STATED
    return re.sub(r"(?<=[a-z])(?=\d)", " ", enum_value.replace("_", " ").lower())


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _join(items: list[str], last: str = "and") -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def _quote(text: str) -> str:
    return f"\u201c{text.strip()}\u201d"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def format_number(x: float | int) -> str:
    """20.0 -> "20", 0.5 -> "0.5", 1500 -> "1500" (bounds are shown as the protocol writes them)."""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return f"{x:g}" if isinstance(x, float) else str(x)


def _age(text: str | None) -> str | None:
    # the registry writes "20 Years", "6 Months"
    return text.strip().lower() if text else None


# -- the summary --------------------------------------------------------------------------------------
_STATUS_WORDS = {
    "RECRUITING": "It is looking for participants now (recruiting).",
    "NOT_YET_RECRUITING": "It has not started recruiting participants yet.",
    "ENROLLING_BY_INVITATION": "It is enrolling participants by invitation only.",
    "ACTIVE_NOT_RECRUITING": "It is running but no longer looking for participants.",
    "SUSPENDED": "It is paused (suspended); it may start again.",
    "TERMINATED": "It was stopped early (terminated).",
    "COMPLETED": "It has finished (completed).",
    "WITHDRAWN": "It was withdrawn before anyone took part.",
    "UNKNOWN": "Its status is unknown: the record has not been verified recently.",
}
_SEX_WORDS = {"FEMALE": "Women", "MALE": "Men", "ALL": "People of any sex"}
_ARM_TYPE_WORDS = {"EXPERIMENTAL": "experimental", "ACTIVE_COMPARATOR": "active comparator",
                   "PLACEBO_COMPARATOR": "placebo comparator", "SHAM_COMPARATOR": "sham comparator",
                   "NO_INTERVENTION": "no intervention", "OTHER": "other"}


def _what(trial: Trial) -> SummaryLine:
    parts = []
    if trial.conditions:
        parts.append(f"This study is about {_join([_quote(c) for c in trial.conditions])}.")
    else:
        parts.append(f"The condition studied is {NOT_STATED}.")
    kind = _human(trial.design.study_type) if trial.design.study_type else None
    phases = " / ".join(_human(p) for p in trial.design.phases if p != "NA")
    if kind:
        article = "an" if kind[0] in "aeiou" else "a"
        parts.append(f"It is {article} {kind} study" + (f" in {phases}." if phases else "."))
    elif phases:
        parts.append(f"It is in {phases}; the study type is {NOT_STATED}.")
    purpose = trial.design.primary_purpose
    if purpose:
        parts.append(f"Its main purpose: {_human(purpose)}.")
    return SummaryLine(topic="What the study is about", text=" ".join(parts), stated=bool(trial.conditions))


def _status(trial: Trial) -> SummaryLine:
    s = trial.overall_status
    if not s:
        return SummaryLine(topic="Status", text=f"Its status is {NOT_STATED}.", stated=False)
    text = _STATUS_WORDS.get(s, f"Its status is {_human(s)}.")
    if trial.why_stopped:
        text += f" Reason given: {_quote(trial.why_stopped)}."
    if trial.dates.start:
        text += f" Start date: {trial.dates.start}" + (" (anticipated)." if trial.dates.start_type == "ESTIMATED" else ".")
    return SummaryLine(topic="Status", text=text)


def _who(trial: Trial) -> SummaryLine:
    e = trial.eligibility
    stated = bool(e.sex or e.minimum_age or e.maximum_age or trial.criteria)
    who = _SEX_WORDS.get(e.sex or "", None)
    lo, hi = _age(e.minimum_age), _age(e.maximum_age)
    if lo and hi:
        ages = f"aged {lo.replace(' years', '')} to {hi}" if lo.endswith("years") and hi.endswith("years") else f"aged {lo} to {hi}"
    elif lo:
        ages = f"aged {lo} or older"
    elif hi:
        ages = f"aged up to {hi}"
    else:
        ages = None
    if who and ages:
        first = f"{who} {ages} can take part."
    elif who:
        first = f"{who} can take part; the age limits are {NOT_STATED}."
    elif ages:
        first = f"People {ages} can take part; which sexes may join is {NOT_STATED}."
    else:
        first = f"Sex and age limits are {NOT_STATED}."
    parts = [first]
    if e.healthy_volunteers is True:
        parts.append("Healthy volunteers are accepted.")
    elif e.healthy_volunteers is False:
        parts.append("Healthy volunteers are not accepted.")
    n_in, n_ex = len(trial.inclusion), len(trial.exclusion)
    if n_in or n_ex:
        parts.append(f"A person must meet all {_plural(n_in, 'inclusion criterion', 'inclusion criteria')}"
                     f" and none of the {_plural(n_ex, 'exclusion criterion', 'exclusion criteria')}.")
    else:
        parts.append(f"The detailed eligibility criteria are {NOT_STATED}.")
    return SummaryLine(topic="Who can join", text=" ".join(parts), stated=stated)


def _receive(trial: Trial) -> SummaryLine:
    arms, interventions = trial.arm_groups, trial.interventions
    if not arms and not interventions:
        return SummaryLine(topic="What participants receive", stated=False,
                           text=f"What participants receive is {NOT_STATED}.")
    parts = []
    if arms:
        parts.append(f"Participants are placed in one of {_plural(len(arms), 'group')}:" if len(arms) > 1
                     else "All participants are in one group:")
        for a in arms:
            kind = _ARM_TYPE_WORDS.get(a.type or "", _human(a.type) if a.type else None)
            head = _quote(a.label) + (f" ({kind})" if kind else "")
            if a.description:
                parts.append(f"{head}: {_sentence(a.description)}")
            elif a.intervention_names:
                parts.append(f"{head}: receives {_join(a.intervention_names)}.")
            else:
                parts.append(f"{head}: what this group receives is {NOT_STATED}.")
    if interventions:
        names = [_quote(i.name) + (f" ({_human(i.type)})" if i.type else "") for i in interventions]
        parts.append(f"The {'intervention' if len(interventions) == 1 else 'interventions'} studied: {_join(names)}.")
    alloc = trial.design.allocation
    if alloc == "RANDOMIZED":
        parts.append("Which group a person joins is decided at random.")
    elif alloc == "NON_RANDOMIZED":
        parts.append("Which group a person joins is not decided at random.")
    masking = trial.design.masking
    if masking == "NONE":
        parts.append("Participants and doctors know which group each person is in (no masking).")
    elif masking:
        who = _join([_human(w) for w in trial.design.who_masked]) or NOT_STATED
        parts.append(f"Group assignment is hidden ({_human(masking)} masking; hidden from: {who}).")
    return SummaryLine(topic="What participants receive", text=" ".join(parts))


def _how_many(trial: Trial) -> SummaryLine:
    n, kind = trial.enrollment.count, trial.enrollment.type
    if n is None:
        return SummaryLine(topic="How many people", text=f"The number of participants is {NOT_STATED}.", stated=False)
    if kind == "ACTUAL":
        return SummaryLine(topic="How many people", text=f"{_plural(n, 'person', 'people')} took part (actual number).")
    return SummaryLine(topic="How many people",
                       text=f"The study plans to include {_plural(n, 'person', 'people')}"
                            + (" (an estimate)." if kind == "ESTIMATED" else "."))


def _where(trial: Trial) -> SummaryLine:
    locs = trial.locations
    if not locs:
        return SummaryLine(topic="Where", text=f"Study locations are {NOT_STATED}.", stated=False)
    if len(locs) <= 3:
        descr = []
        for loc in locs:
            place = ", ".join(p for p in (loc.city, loc.country) if p) or f"city and country {NOT_STATED}"
            descr.append(f"{_quote(loc.facility) if loc.facility else 'a site'} ({place})")
        return SummaryLine(topic="Where", text=f"At {_plural(len(locs), 'site')}: {_join(descr)}.")
    countries = Counter(loc.country for loc in locs if loc.country)
    text = f"At {_plural(len(locs), 'site')}"
    if countries:
        top = [f"{c} ({n})" for c, n in countries.most_common(5)]
        more = len(countries) - len(top)
        text += f" in {_plural(len(countries), 'country', 'countries')}: {_join(top)}" + (f" and {more} more" if more > 0 else "")
        unknown = sum(1 for loc in locs if not loc.country)
        if unknown:
            text += f"; the country of {_plural(unknown, 'site')} is {NOT_STATED}"
    else:
        text += f"; their countries are {NOT_STATED}"
    return SummaryLine(topic="Where", text=text + ".")


def _who_runs(trial: Trial) -> SummaryLine:
    if not trial.lead_sponsor:
        return SummaryLine(topic="Who runs it", text=f"The sponsor is {NOT_STATED}.", stated=False)
    text = f"The study is sponsored by {_quote(trial.lead_sponsor.name)}"
    if trial.collaborators:
        text += f", with {_join([_quote(c.name) for c in trial.collaborators])}"
    return SummaryLine(topic="Who runs it", text=text + ".")


def plain_summary(trial: Trial) -> list[SummaryLine]:
    """The trial in plain words, one line per topic: what, status, who can join, what participants
    receive, how many, where, who runs it."""
    return [_what(trial), _status(trial), _who(trial), _receive(trial), _how_many(trial), _where(trial),
            _who_runs(trial)]


# -- rules in words -----------------------------------------------------------------------------------
_TIME_PREFIX = re.compile(r"^(?:years|months|weeks|days)_since_")


def _lower_first(label: str) -> str:
    """"Platelets" -> "platelets" mid-sentence; "BMI", "FSH", "HPV types" stay as they are."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def _is_are(name: str) -> str:
    last = name.split()[-1] if name.split() else name
    return "are" if last.endswith("s") and not last.endswith(("ss", "us", "sis")) else "is"


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def field_words(field: str) -> tuple[str, str]:
    """(plain name for mid-sentence use, canonical unit) of a candidate field, from the criteria
    engine's field list (:mod:`trialkit.criteria.fields`); a field it does not know is named after itself."""
    spec = FIELDS.get(field)
    if spec is not None:
        return _lower_first(spec.label), spec.unit
    return _TIME_PREFIX.sub("", field).replace("_", " "), ""


def _with_unit(x: float, unit: str) -> str:
    if not unit:
        return format_number(x)
    sep = "" if unit.startswith("×") or unit == "%" else " "
    return f"{format_number(x)}{sep}{unit}"


def _range_words(rule: RangeRule, unit: str) -> str:
    lo, hi = rule.minimum, rule.maximum
    if lo is not None and hi is not None:
        if rule.minimum_inclusive and rule.maximum_inclusive:
            return f"from {format_number(lo)} to {_with_unit(hi, unit)} (both included)"
        low = "at least" if rule.minimum_inclusive else "more than"
        high = "at most" if rule.maximum_inclusive else "less than"
        return f"{low} {format_number(lo)} and {high} {_with_unit(hi, unit)}"
    if lo is not None:
        return f"{_with_unit(lo, unit)} or more" if rule.minimum_inclusive else f"more than {_with_unit(lo, unit)}"
    return f"{_with_unit(hi, unit)} or less" if rule.maximum_inclusive else f"less than {_with_unit(hi, unit)}"


def describe_rule(rule, kind: str) -> str:
    """One rule as a sentence, read the way the engine reads it for an ``inclusion`` or ``exclusion``
    criterion: "Age must be from 20 to 38 years (both included).",
    "Excluded when platelet count is less than 100 ×10⁹/L."."""
    inclusion = kind == "inclusion"
    if isinstance(rule, JudgmentRule):
        text = f"Needs a clinician's judgment: {_sentence(rule.question)}"
    else:
        name, unit = field_words(rule.field)
        if isinstance(rule, RangeRule):
            r = _range_words(rule, unit)
            text = f"{_upper_first(name)} must be {r}." if inclusion else f"Excluded when {name} {_is_are(name)} {r}."
        elif isinstance(rule, SetRule) and rule.field == "sex":
            values = " or ".join(str(v) for v in rule.any_of)
            text = f"Sex must be {values}." if inclusion else f"Excluded when sex is {values}."
        elif isinstance(rule, SetRule):
            values = ", ".join(str(v) for v in rule.any_of)
            text = (f"{_upper_first(name)} must include at least one of: {values}." if inclusion
                    else f"Excluded when {name} include any of: {values}.")
        elif isinstance(rule, FactRule):
            yes = "yes" if rule.expected else "no"
            text = (f"{_quote(_upper_first(name))} must be {yes}." if inclusion
                    else f"Excluded when {_quote(_upper_first(name))} is {yes}.")
        elif isinstance(rule, WindowRule):
            unit_words = rule.unit if format_number(rule.within) != "1" else rule.unit.rstrip("s")
            window = f"within the last {format_number(rule.within)} {unit_words}"
            event = re.sub(r"^(?:(?:years|months|weeks|days)\s+)?since\s+", "", name, flags=re.I)
            text = (f"{_upper_first(event)}: must have been {window}." if inclusion
                    else f"Excluded when {event} was {window}.")
        else:  # a rule kind added later: say so rather than guess
            text = f"A rule of kind {getattr(rule, 'kind', type(rule).__name__)!r} (no plain wording yet)."
    if not getattr(rule, "reviewed", True):
        text += " (Drafted automatically; not yet reviewed.)"
    return text


def describe_criterion(criterion: EligibilityCriterion, rules=None) -> list[str]:
    """The plain-language rules of one criterion (``rules`` overrides ``criterion.rules``), with how
    they combine; an empty list when it has none."""
    rules = list(criterion.rules if rules is None else rules)
    if not rules:
        return []
    lines = [describe_rule(r, criterion.kind) for r in rules]
    if len(lines) > 1:
        head = ("All of these must hold:" if criterion.kind == "inclusion"
                else "Any one of these excludes the person:")
        return [head, *lines]
    return lines

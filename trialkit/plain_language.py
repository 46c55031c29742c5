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
from trialkit.i18n import N_, current_language, gettext as _, ngettext, pgettext, sentence_separator
from trialkit.criteria.rules import FactRule, JudgmentRule, RangeRule, SetRule, WindowRule
from trialkit.models import EligibilityCriterion, Trial

NOT_STATED = N_("not stated")


def not_stated() -> str:
    """"not stated" in the current language (the constant stays English for comparisons and the CLI)."""
    return _(NOT_STATED)


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
        return not_stated()
    english = enum_value.replace("_", " ").capitalize()
    return pgettext("registry value", english)


def age_range(trial: Trial) -> str:
    """The age limits as the record writes them: "20 Years to 38 Years", "18 Years to no maximum"."""
    e = trial.eligibility
    if not (e.minimum_age or e.maximum_age):
        return not_stated()
    return _("{low} to {high}").format(low=_registry_age(e.minimum_age) or _("no minimum"),
                                       high=_registry_age(e.maximum_age) or _("no maximum"))


def _registry_age(text: str | None) -> str | None:
    """"20 Years" as the registry writes it; in Chinese "20岁" (the number kept, the unit translated)."""
    if not text or current_language() == "en":
        return text
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s+(Years?|Months?|Weeks?|Days?|Hours?|Minutes?)\s*", text, flags=re.I)
    if not m:
        return text
    words = {"year": N_("{n} Years"), "month": N_("{n} Months"), "week": N_("{n} Weeks"), "day": N_("{n} Days"),
             "hour": N_("{n} Hours"), "minute": N_("{n} Minutes")}
    return _(words[m.group(2).lower().rstrip("s")]).format(n=m.group(1))


def planned_enrollment(trial: Trial) -> str:
    """"120 (estimated)": the registry's enrollment count and its type."""
    if trial.enrollment.count is None:
        return not_stated()
    return _("{n} ({kind})").format(n=trial.enrollment.count, kind=humanize(trial.enrollment.type).lower())


def _human(enum_value: str | None) -> str:
    """Mid-sentence: ``NON_RANDOMIZED`` -> "non randomized"; ``PHASE1`` -> "phase 1"."""
    if not enum_value:
        return not_stated()
    english = re.sub(r"(?<=[a-z])(?=\d)", " ", enum_value.replace("_", " ").lower())
    return pgettext("registry value, mid-sentence", english)


def _join(items: list[str], last: str = "and") -> str:
    """"a, b and c" ("a、b和c" in Chinese); ``last`` is "and" or "or"."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    sep = pgettext("list separator", ", ")
    final = pgettext("list: last item", " and ") if last == "and" else pgettext("list: last alternative", " or ")
    return sep.join(items[:-1]) + final + items[-1]


def _quote(text: str) -> str:
    return f"\u201c{text.strip()}\u201d"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", "。", "！", "？")) else text + pgettext("sentence end", ".")


def _space() -> str:
    """What separates two sentences: a space in English, nothing in Chinese."""
    return sentence_separator()


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
    "RECRUITING": N_("It is looking for participants now (recruiting)."),
    "NOT_YET_RECRUITING": N_("It has not started recruiting participants yet."),
    "ENROLLING_BY_INVITATION": N_("It is enrolling participants by invitation only."),
    "ACTIVE_NOT_RECRUITING": N_("It is running but no longer looking for participants."),
    "SUSPENDED": N_("It is paused (suspended); it may start again."),
    "TERMINATED": N_("It was stopped early (terminated)."),
    "COMPLETED": N_("It has finished (completed)."),
    "WITHDRAWN": N_("It was withdrawn before anyone took part."),
    "UNKNOWN": N_("Its status is unknown: the record has not been verified recently."),
}
_SEX_WORDS = {"FEMALE": N_("Women"), "MALE": N_("Men"), "ALL": N_("People of any sex")}
_ARM_TYPE_WORDS = {"EXPERIMENTAL": N_("experimental"), "ACTIVE_COMPARATOR": N_("active comparator"),
                   "PLACEBO_COMPARATOR": N_("placebo comparator"), "SHAM_COMPARATOR": N_("sham comparator"),
                   "NO_INTERVENTION": N_("no intervention"), "OTHER": N_("other")}
_TOPICS = {"what": N_("What the study is about"), "status": N_("Status"), "who": N_("Who can join"),
           "receive": N_("What participants receive"), "how_many": N_("How many people"), "where": N_("Where"),
           "who_runs": N_("Who runs it")}


def _joined(parts: list[str]) -> str:
    """Sentences set one after another; in Chinese a quoted English sentence still gets its space."""
    out = ""
    for part in parts:
        sep = _space() if out else ""
        if out and not sep and out[-1].isascii() and part[:1].isascii():
            sep = " "
        out += sep + part
    return out


def _line(topic: str, parts: list[str] | str, stated: bool = True) -> SummaryLine:
    text = parts if isinstance(parts, str) else _joined(parts)
    return SummaryLine(topic=_(_TOPICS[topic]), text=text, stated=stated)


def _what(trial: Trial) -> SummaryLine:
    parts = []
    if trial.conditions:
        parts.append(_("This study is about {conditions}.").format(
            conditions=_join([_quote(c) for c in trial.conditions])))
    else:
        parts.append(_("The condition studied is not stated."))
    kind = _human(trial.design.study_type) if trial.design.study_type else None
    phases = " / ".join(_human(p) for p in trial.design.phases if p != "NA")
    if kind:
        an = kind[0] in "aeiou"  # the English article; other languages translate each message whole
        if phases:
            msg = _("It is an {kind} study in {phases}.") if an else _("It is a {kind} study in {phases}.")
        else:
            msg = _("It is an {kind} study.") if an else _("It is a {kind} study.")
        parts.append(msg.format(kind=kind, phases=phases))
    elif phases:
        parts.append(_("It is in {phases}; the study type is not stated.").format(phases=phases))
    purpose = trial.design.primary_purpose
    if purpose:
        parts.append(_("Its main purpose: {purpose}.").format(purpose=_human(purpose)))
    return _line("what", parts, stated=bool(trial.conditions))


def _status(trial: Trial) -> SummaryLine:
    s = trial.overall_status
    if not s:
        return _line("status", _("Its status is not stated."), stated=False)
    parts = [_(_STATUS_WORDS[s]) if s in _STATUS_WORDS else _("Its status is {status}.").format(status=_human(s))]
    if trial.why_stopped:
        parts.append(_("Reason given: {reason}.").format(reason=_quote(trial.why_stopped)))
    if trial.dates.start:
        if trial.dates.start_type == "ESTIMATED":
            parts.append(_("Start date: {date} (anticipated).").format(date=trial.dates.start))
        else:
            parts.append(_("Start date: {date}.").format(date=trial.dates.start))
    return _line("status", parts)


def _who(trial: Trial) -> SummaryLine:
    e = trial.eligibility
    stated = bool(e.sex or e.minimum_age or e.maximum_age or trial.criteria)
    who = _(_SEX_WORDS[e.sex]) if e.sex in _SEX_WORDS else None
    if current_language() == "en":
        lo, hi = _age(e.minimum_age), _age(e.maximum_age)
        if lo and hi and lo.endswith("years") and hi.endswith("years"):
            lo = lo.replace(" years", "")  # "aged 20 to 38 years"
    else:
        lo, hi = _registry_age(e.minimum_age), _registry_age(e.maximum_age)
    if lo and hi:
        ages = _("aged {low} to {high}").format(low=lo, high=hi)
    elif lo:
        ages = _("aged {low} or older").format(low=lo)
    elif hi:
        ages = _("aged up to {high}").format(high=hi)
    else:
        ages = None
    if who and ages:
        first = _("{who} {ages} can take part.").format(who=who, ages=ages)
    elif who:
        first = _("{who} can take part; the age limits are not stated.").format(who=who)
    elif ages:
        first = _("People {ages} can take part; which sexes may join is not stated.").format(ages=ages)
    else:
        first = _("Sex and age limits are not stated.")
    parts = [first]
    if e.healthy_volunteers is True:
        parts.append(_("Healthy volunteers are accepted."))
    elif e.healthy_volunteers is False:
        parts.append(_("Healthy volunteers are not accepted."))
    n_in, n_ex = len(trial.inclusion), len(trial.exclusion)
    if n_in or n_ex:
        parts.append(_("A person must meet all {inclusion} and none of the {exclusion}.").format(
            inclusion=ngettext("{n} inclusion criterion", "{n} inclusion criteria", n_in).format(n=n_in),
            exclusion=ngettext("{n} exclusion criterion", "{n} exclusion criteria", n_ex).format(n=n_ex)))
    else:
        parts.append(_("The detailed eligibility criteria are not stated."))
    return _line("who", parts, stated=stated)


def _receive(trial: Trial) -> SummaryLine:
    arms, interventions = trial.arm_groups, trial.interventions
    if not arms and not interventions:
        return _line("receive", _("What participants receive is not stated."), stated=False)
    parts = []
    if arms:
        parts.append(ngettext("All participants are in one group:", "Participants are placed in one of {n} groups:",
                              len(arms)).format(n=len(arms)))
        for a in arms:
            kind = _(_ARM_TYPE_WORDS[a.type]) if a.type in _ARM_TYPE_WORDS else (_human(a.type) if a.type else None)
            head = _quote(a.label) + (_(" ({kind})").format(kind=kind) if kind else "")
            if a.description:
                parts.append(_("{group}: {description}").format(group=head, description=_sentence(a.description)))
            elif a.intervention_names:
                parts.append(_("{group}: receives {interventions}.").format(
                    group=head, interventions=_join(a.intervention_names)))
            else:
                parts.append(_("{group}: what this group receives is not stated.").format(group=head))
    if interventions:
        names = [_quote(i.name) + (_(" ({kind})").format(kind=_human(i.type)) if i.type else "") for i in interventions]
        parts.append(ngettext("The intervention studied: {names}.", "The interventions studied: {names}.",
                              len(interventions)).format(names=_join(names)))
    alloc = trial.design.allocation
    if alloc == "RANDOMIZED":
        parts.append(_("Which group a person joins is decided at random."))
    elif alloc == "NON_RANDOMIZED":
        parts.append(_("Which group a person joins is not decided at random."))
    masking = trial.design.masking
    if masking == "NONE":
        parts.append(_("Participants and doctors know which group each person is in (no masking)."))
    elif masking:
        who = _join([_human(w) for w in trial.design.who_masked]) or not_stated()
        parts.append(_("Group assignment is hidden ({masking} masking; hidden from: {who}).").format(
            masking=_human(masking), who=who))
    return _line("receive", parts)


def _how_many(trial: Trial) -> SummaryLine:
    n, kind = trial.enrollment.count, trial.enrollment.type
    if n is None:
        return _line("how_many", _("The number of participants is not stated."), stated=False)
    if kind == "ACTUAL":
        return _line("how_many", ngettext("{n} person took part (actual number).",
                                          "{n} people took part (actual number).", n).format(n=n))
    if kind == "ESTIMATED":
        return _line("how_many", ngettext("The study plans to include {n} person (an estimate).",
                                          "The study plans to include {n} people (an estimate).", n).format(n=n))
    return _line("how_many", ngettext("The study plans to include {n} person.",
                                      "The study plans to include {n} people.", n).format(n=n))


def _sites(n: int) -> str:
    return ngettext("{n} site", "{n} sites", n).format(n=n)


def _where(trial: Trial) -> SummaryLine:
    locs = trial.locations
    if not locs:
        return _line("where", _("Study locations are not stated."), stated=False)
    if len(locs) <= 3:
        descr = []
        for loc in locs:
            place = pgettext("list separator", ", ").join(p for p in (loc.city, loc.country) if p) \
                or _("city and country not stated")
            descr.append(_("{facility} ({place})").format(
                facility=_quote(loc.facility) if loc.facility else _("a site"), place=place))
        return _line("where", _("At {sites}: {list}.").format(sites=_sites(len(locs)), list=_join(descr)))
    countries = Counter(loc.country for loc in locs if loc.country)
    if countries:
        top = [f"{c} ({n})" for c, n in countries.most_common(5)]
        more = len(countries) - len(top)
        listed = _join(top) + (_(" and {n} more").format(n=more) if more > 0 else "")
        text = _("At {sites} in {countries}: {list}").format(
            sites=_sites(len(locs)), list=listed,
            countries=ngettext("{n} country", "{n} countries", len(countries)).format(n=len(countries)))
        unknown = sum(1 for loc in locs if not loc.country)
        if unknown:
            text += _("; the country of {sites} is not stated").format(sites=_sites(unknown))
    else:
        text = _("At {sites}; their countries are not stated").format(sites=_sites(len(locs)))
    return _line("where", text + pgettext("sentence end", "."))


def _who_runs(trial: Trial) -> SummaryLine:
    if not trial.lead_sponsor:
        return _line("who_runs", _("The sponsor is not stated."), stated=False)
    if trial.collaborators:
        return _line("who_runs", _("The study is sponsored by {sponsor}, with {collaborators}.").format(
            sponsor=_quote(trial.lead_sponsor.name),
            collaborators=_join([_quote(c.name) for c in trial.collaborators])))
    return _line("who_runs", _("The study is sponsored by {sponsor}.").format(sponsor=_quote(trial.lead_sponsor.name)))


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


def upper_first(text: str) -> str:
    """"optimistic upper bound: …" -> "Optimistic upper bound: …" at the start of a sentence."""
    return text[:1].upper() + text[1:]



def field_label(field: str) -> str:
    """The field's label (``FIELDS[field].label``, "Platelets") in the current language. Labels are data of
    :mod:`trialkit.criteria.fields`; their translations sit in the catalog under the context "field"."""
    spec = FIELDS.get(field)
    label = spec.label if spec is not None else _TIME_PREFIX.sub("", field).replace("_", " ")
    return pgettext("field", label)


def unit_words(field: str, unit: str) -> str:
    """A canonical unit in the current language ("years" -> "岁" for age, "年" otherwise; "kg/m²" as is)."""
    if not unit:
        return unit
    own = pgettext(f"unit of {field}", unit)
    return own if own != unit else pgettext("unit", unit)


def field_display(field: str) -> str:
    """Label with unit in the current language, as an input names its field: "FSH (IU/L)", "年龄 (岁)". Like
    :attr:`trialkit.criteria.fields.FieldSpec.display`, the unit is left out for a time since an event."""
    spec = FIELDS.get(field)
    label = field_label(field)
    if spec is None or spec.kind != "number" or spec.allow_never or not spec.unit:
        return label
    return f"{label} ({unit_words(field, spec.unit)})"


def canonical_unit_words(field: str) -> str:
    """The unit a cohort's numbers of ``field`` are in (:func:`trialkit.cohort.analysis.field_unit`, the
    engine's canonical unit) in the current language; "" for a field without one."""
    spec = FIELDS.get(field)
    return unit_words(field, spec.unit if spec is not None and spec.kind == "number" else "")


#: A rule bound's slider label per side (:attr:`trialkit.cohort.analysis.NumericBound.side`).
BOUND_SIDES = {"min": N_("{field} min threshold"), "max": N_("{field} max threshold")}


def bound_title(bound) -> str:
    """A rule's numeric bound as the cohort pages list it: "I2 · Age ≥ 20 years" (criterion, field, bound,
    canonical unit), in the current language."""
    unit = canonical_unit_words(bound.field)
    return f"{bound.criterion_id} · {field_label(bound.field)} {bound.describe()}" + (f" {unit}" if unit else "")


def bound_slider_label(bound) -> str:
    """The label of the slider that moves ``bound``: "Age min threshold (years)"."""
    unit = canonical_unit_words(bound.field)
    return _(BOUND_SIDES[bound.side]).format(field=field_label(bound.field)) + (f" ({unit})" if unit else "")


def field_words(field: str) -> tuple[str, str]:
    """(plain name for mid-sentence use, canonical unit) of a candidate field, from the criteria
    engine's field list (:mod:`trialkit.criteria.fields`); a field it does not know is named after itself."""
    spec = FIELDS.get(field)
    if current_language() != "en":
        return field_label(field), unit_words(field, spec.unit if spec is not None else "")
    if spec is not None:
        return _lower_first(spec.label), spec.unit
    return _TIME_PREFIX.sub("", field).replace("_", " "), ""


def _with_unit(x: float, unit: str) -> str:
    if not unit:
        return format_number(x)
    sep = "" if unit.startswith("×") or unit == "%" or current_language() != "en" else " "
    return f"{format_number(x)}{sep}{unit}"


def _range_words(rule: RangeRule, unit: str) -> str:
    lo, hi = rule.minimum, rule.maximum
    if lo is not None and hi is not None:
        if rule.minimum_inclusive and rule.maximum_inclusive:
            return _("from {low} to {high} (both included)").format(low=format_number(lo), high=_with_unit(hi, unit))
        low = (_("at least {low} and {high}") if rule.minimum_inclusive else _("more than {low} and {high}"))
        high = (_("at most {high}") if rule.maximum_inclusive else _("less than {high}"))
        return low.format(low=format_number(lo), high=high.format(high=_with_unit(hi, unit)))
    if lo is not None:
        return (_("{value} or more") if rule.minimum_inclusive else _("more than {value}")).format(value=_with_unit(lo, unit))
    return (_("{value} or less") if rule.maximum_inclusive else _("less than {value}")).format(value=_with_unit(hi, unit))


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def value_words(field: str, value) -> str:
    """A canonical value as a person reads it in the current language: what
    :meth:`trialkit.criteria.fields.FieldSpec.format` writes in English ("10.4 IU/L", "never", "yes", "none",
    "female"), with the words and units translated ("10.4 IU/L", "从未", "是", "无", "女性")."""
    spec = FIELDS.get(field)
    if spec is None or current_language() == "en":
        return spec.format(value) if spec is not None else str(value)
    if spec.kind == "number":
        return _("never") if value == float("inf") else _with_unit(float(value), unit_words(field, spec.unit))
    if spec.kind == "yesno":
        return _yes_no(bool(value))
    if spec.kind == "set":
        return spec.format(value) if value else _("none")
    if isinstance(value, str) and value in ("female", "male"):
        return _(value)
    return spec.format(value)


def describe_rule(rule, kind: str) -> str:
    """One rule as a sentence, read the way the engine reads it for an ``inclusion`` or ``exclusion``
    criterion: "Age must be from 20 to 38 years (both included).",
    "Excluded when platelet count is less than 100 ×10⁹/L."."""
    inclusion = kind == "inclusion"
    if isinstance(rule, JudgmentRule):
        text = _("Needs a clinician's judgment: {question}").format(question=_sentence(rule.question))
    else:
        name, unit = field_words(rule.field)
        if isinstance(rule, RangeRule):
            r = _range_words(rule, unit)
            if inclusion:
                text = _("{Name} must be {range}.").format(Name=upper_first(name), range=r)
            elif _is_are(name) == "are" and current_language() == "en":
                text = _("Excluded when {name} are {range}.").format(name=name, range=r)
            else:
                text = _("Excluded when {name} is {range}.").format(name=name, range=r)
        elif isinstance(rule, SetRule) and rule.field == "sex":
            values = _join([_(str(v)) for v in rule.any_of], last="or")
            text = (_("Sex must be {values}.") if inclusion else _("Excluded when sex is {values}.")).format(values=values)
        elif isinstance(rule, SetRule):
            values = pgettext("list separator", ", ").join(str(v) for v in rule.any_of)
            text = (_("{Name} must include at least one of: {values}.") if inclusion
                    else _("Excluded when {name} include any of: {values}.")).format(
                Name=upper_first(name), name=name, values=values)
        elif isinstance(rule, FactRule):
            fact = _quote(upper_first(name))
            text = (_("{fact} must be {answer}.") if inclusion else _("Excluded when {fact} is {answer}.")).format(
                fact=fact, answer=_yes_no(rule.expected))
        elif isinstance(rule, WindowRule):
            n = format_number(rule.within)
            count = int(rule.within) if float(rule.within).is_integer() else 2
            if rule.unit == "years":
                window = ngettext("within the last {n} year", "within the last {n} years", count)
            elif rule.unit == "months":
                window = ngettext("within the last {n} month", "within the last {n} months", count)
            elif rule.unit == "weeks":
                window = ngettext("within the last {n} week", "within the last {n} weeks", count)
            elif rule.unit == "days":
                window = ngettext("within the last {n} day", "within the last {n} days", count)
            else:
                window = "within the last {n} " + rule.unit
            window = window.format(n=n)
            event = re.sub(r"^(?:(?:years|months|weeks|days)\s+)?since\s+", "", name, flags=re.I)
            text = (_("{Event}: must have been {window}.") if inclusion
                    else _("Excluded when {event} was {window}.")).format(
                Event=upper_first(event), event=event, window=window)
        else:  # a rule kind added later: say so rather than guess
            text = _("A rule of kind {kind!r} (no plain wording yet).").format(
                kind=getattr(rule, "kind", type(rule).__name__))
    if not getattr(rule, "reviewed", True):
        text += _space() + _("(Drafted automatically; not yet reviewed.)")
    return text


def describe_criterion(criterion: EligibilityCriterion, rules=None) -> list[str]:
    """The plain-language rules of one criterion (``rules`` overrides ``criterion.rules``), with how
    they combine; an empty list when it has none."""
    rules = list(criterion.rules if rules is None else rules)
    if not rules:
        return []
    lines = [describe_rule(r, criterion.kind) for r in rules]
    if len(lines) > 1:
        head = (_("All of these must hold:") if criterion.kind == "inclusion"
                else _("Any one of these excludes the person:"))
        return [head, *lines]
    return lines

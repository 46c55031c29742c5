"""Turning drafted rules into reviewed ones: an investigator's decision per criterion, kept as data.

A review replaces one criterion's rules in ``data/rules/<NCT>.json`` (the seed trials' format,
:class:`trialkit.criteria.ruleset.RulesFile`) with rules marked reviewed, and records in the file's
``reviews`` who reviewed it, when, and the criterion's words at that moment. The four decisions:

* **accept** the drafted rules as they are;
* **edit** a range rule: its bounds (in any unit the field converts), inclusivity;
* **add** a rule of a known kind (a range on a numeric field, a yes/no fact, a clinician's judgment);
* **judgment only**: the criterion needs a clinician; no value decides it.

Every rule's words (``source_text``) must still be in the criterion's text: a rule whose words are not is
refused (:class:`~trialkit.errors.RuleFormatError` naming the criterion and the words). When a new version of
the study changes a reviewed criterion's words, :func:`trialkit.criteria.ruleset.load_ruleset` marks its rules
as needing review again. Who may write is the caller's business (the app uses its write policy); the audit
trail event is written here, in the same step as the file.
"""
from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timezone

from pydantic import ValidationError

from trialkit.criteria.fields import FIELDS, field_message
from trialkit.criteria.rules import FactRule, JudgmentRule, RangeRule, Rule, own_reason
from trialkit.errors import RuleFormatError
from trialkit.message import Message
from trialkit.models import Trial

DECISIONS = ("accept", "edit", "add", "judgment_only")


def judgment_rule(kind: str, question: str | None = None) -> JudgmentRule:
    q = question or ("Does this criterion hold for the candidate?" if kind == "inclusion"
                     else "Does this exclusion apply to the candidate?")
    return JudgmentRule(question=q, source_text="")


def range_rule(field: str, *, minimum: float | None, maximum: float | None, minimum_inclusive: bool = True,
               maximum_inclusive: bool = True, source_text: str = "") -> RangeRule:
    """A reviewed range rule; bounds already in the field's canonical unit (units.convert them first)."""
    if field not in FIELDS or FIELDS[field].kind != "number":
        raise RuleFormatError(Message("field {field!r}: not a numeric field trialkit knows", field=field))
    try:
        return RangeRule(field=field, minimum=minimum, maximum=maximum, minimum_inclusive=minimum_inclusive,
                         maximum_inclusive=maximum_inclusive, source_text=source_text)
    except ValueError as exc:  # pydantic's ValidationError
        raise RuleFormatError(field_message(field, _rule_reason(exc))) from None


def _rule_reason(exc: ValueError) -> object:
    """Why a rule is refused: its own check's words (rules.py), else the error's last line."""
    errors = exc.errors() if isinstance(exc, ValidationError) else []
    own = own_reason(errors[0]) if errors else None
    if own is not None:
        return own
    return str(exc).splitlines()[-1] if str(exc) else Message("invalid bounds")


def fact_rule(field: str, expected: bool, source_text: str = "") -> FactRule:
    if field not in FIELDS or FIELDS[field].kind != "yesno":
        raise RuleFormatError(Message("field {field!r}: not a yes/no field trialkit knows", field=field))
    return FactRule(field=field, expected=expected, source_text=source_text)


def save_review(trial: Trial, criterion_id: str, rules: list[Rule], *, user: str, decision: str,
                engine=None) -> dict:
    """Write ``rules`` (marked reviewed) as criterion ``criterion_id``'s rules in ``data/rules/<NCT>.json``,
    with who and when; append an audit event when ``engine`` is given. Returns the review stamp."""
    from trialkit.criteria.ruleset import locate, read_rules_file, rules_path

    if decision not in DECISIONS:
        raise RuleFormatError(Message("decision {decision!r}: one of {choices}", decision=decision,
                                      choices=", ".join(DECISIONS)))
    if not user or not str(user).strip():
        raise RuleFormatError(Message("a review needs a reviewer's name"))
    crit = next((c for c in trial.criteria if c.id == criterion_id), None)
    if crit is None:
        raise RuleFormatError(Message("{nct_id} has no criterion {id}", nct_id=trial.nct_id, id=criterion_id))
    if not rules:
        raise RuleFormatError(Message("{id}: a reviewed criterion needs at least one rule "
                                      "(mark it judgment-only instead)", id=criterion_id))
    clean = [r.model_copy(update={"reviewed": True, "span": None,
                                  "note": None if (r.note or "").startswith("drafted") else r.note}) for r in rules]
    for r in clean:
        if r.source_text and locate([r], crit.text) is None:
            raise RuleFormatError(Message("{id}: the words {words!r} are not in the criterion's text",
                                          id=criterion_id, words=r.source_text))
    path = rules_path(trial.nct_id)
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        read_rules_file(path)  # refuses a broken file rather than overwriting it
    else:
        data = {"nct_id": trial.nct_id, "note": "Reviewed in trialkit from drafted rules (see reviews).",
                "criteria": {}}
    stamp = {"by": str(user)[:200], "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
             "decision": decision, "text": crit.text}
    data.setdefault("criteria", {})[criterion_id] = [
        r.model_dump(exclude_none=True, exclude={"span", "reviewed"}, exclude_defaults=False) for r in clean]
    data.setdefault("reviews", {})[criterion_id] = stamp
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{trial.nct_id}.", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
    read_rules_file(tmp)  # never leave a file the loader would refuse
    os.replace(tmp, path)
    if engine is not None:
        from trialkit.enrollment import audit
        from trialkit.enrollment.storage import ensure_tables

        ensure_tables(engine)
        with engine.begin() as conn:
            audit.record(conn, user=user, nct_id=trial.nct_id, action="review_rules",
                         summary=f"{criterion_id}: rules reviewed ({decision.replace('_', ' ')})",
                         detail={"criterion": criterion_id, "decision": decision,
                                 "rules": data["criteria"][criterion_id]})
    return stamp

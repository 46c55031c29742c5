"""A clinician's answer to a criterion's judgment question, as a candidate input: ``judgment.<CRITERION_ID>``.

A :class:`~trialkit.criteria.rules.JudgmentRule` is a condition only a clinician can decide ("Is there a
clinically significant systemic disease?"). Left unanswered it stays unknown, as before. An answer is
given under the key ``judgment.E11`` (the criterion's id) with the value ``yes`` or ``no``, and it means
exactly what a :class:`~trialkit.criteria.rules.FactRule`'s true/false means (rules.py's docstring):

* for an **exclusion**, the questions ask whether the excluding condition is present ("Is there …?"):
  ``yes`` = present -> the criterion fails; ``no`` = absent -> it clears (if its other rules do);
* for an **inclusion**, the questions ask whether the requirement is met ("Does she …?"):
  ``yes`` = met -> the criterion passes (if its other rules do); ``no`` = not met -> it fails.

Decision: **one answer per criterion.** The key is ``judgment.E10``, never ``judgment.E10.2``: the answer
covers every judgment rule of that criterion (today no reviewed criterion has more than one, and a drafted
criterion gets at most one). For an exclusion with several judgment questions, ``yes`` says "at least one of
them is present" and ``no`` "none is"; for an inclusion, ``yes`` says "all are met" and ``no`` "not all".
Under Kleene logic (OR for an exclusion's conditions, AND for an inclusion's) that is the same as giving every
one of its judgment rules the same answer, which is how the engine applies it.

A key naming a criterion the trial does not have, or one with no judgment rule, is a
:class:`~trialkit.errors.CandidateError` naming the key. ``unknown`` (or an empty value) leaves it unanswered.

In a frame (:func:`trialkit.criteria.evaluate.evaluate_frame`) the answer is a pandas ``"boolean"`` column
``judgment.E11`` (NA = unanswered; an absent column = unanswered for everyone). The cohort's optimistic
upper bound (:func:`favourable_answers`) answers every judgment question the way that lets the patient in.
"""
from __future__ import annotations

import re

from trialkit.criteria.rules import JudgmentRule
from trialkit.errors import CandidateError
from trialkit.i18n import N_
from trialkit.message import Message

PREFIX = "judgment."
#: Criterion ids as the splitter numbers them (I1, E17) and the structured SEX / AGE: letters then digits.
#: Kept narrow on purpose: a shared scenario's key can never smuggle free text (trialkit.scenario).
CRITERION_ID = re.compile(r"^[A-Za-z]{1,3}\d{0,3}$")
GROUP_TITLE = N_("Clinician's judgment")  # pages translate it with _()
#: How every screen and file labels the cohort's "all favourable" option.
FAVOURABLE_LABEL = N_("optimistic upper bound: every clinician's judgment assumed favourable")
ASSUME_CHOICES = ("none", "favourable")


def key_for(criterion_id: str) -> str:
    """``"E17"`` -> ``"judgment.E17"``."""
    return PREFIX + criterion_id


def is_judgment_key(name: object) -> bool:
    return isinstance(name, str) and name.strip().lower().startswith(PREFIX)


def criterion_id_of(key: str) -> str:
    return key.strip()[len(PREFIX):].strip()


def judgment_criteria(ruleset) -> list:
    """The ruleset's criteria that carry at least one judgment rule, in protocol order."""
    return [c for c in ruleset.criteria if any(isinstance(r, JudgmentRule) for r in c.rules)]


def questions(criterion) -> list[str]:
    return [r.question for r in criterion.rules if isinstance(r, JudgmentRule)]


def resolve_key(name: str, ruleset=None) -> str:
    """The canonical key (``judgment.E17``) for ``name``, checked against ``ruleset`` when given.

    Raises CandidateError naming the key: a malformed key, an index (``judgment.E10.2``: one answer covers
    all of a criterion's judgment rules), a criterion the trial does not have, or one without a judgment rule."""
    raw = str(name).strip()
    cid = criterion_id_of(raw)
    if "." in cid and CRITERION_ID.match(cid.split(".", 1)[0]):
        base = cid.split(".", 1)[0]
        raise CandidateError(Message("{key}: one answer covers all of a criterion's judgment questions; "
                                     "write {answer_key}", key=raw, answer_key=f"{PREFIX}{base.upper()}"))
    if not CRITERION_ID.match(cid):
        raise CandidateError(Message("{key}: write {prefix}CRITERION_ID with the criterion's id (e.g. {prefix}E17)",
                                     key=raw, prefix=PREFIX))
    if ruleset is None:
        return key_for(cid.upper())
    crit = next((c for c in ruleset.criteria if c.id.lower() == cid.lower()), None)
    with_judgment = [c.id for c in judgment_criteria(ruleset)]
    listed = ", ".join(with_judgment) if with_judgment else Message("none")
    if crit is None:
        raise CandidateError(Message("{key}: {nct_id} has no criterion {id} (criteria with a clinician's "
                                     "judgment: {listed})", key=raw, nct_id=ruleset.nct_id, id=cid, listed=listed))
    if crit.id not in with_judgment:
        raise CandidateError(Message("{key}: criterion {id} has no judgment rule, so there is no clinician's "
                                     "answer to give (criteria with one: {listed})", key=raw, id=crit.id,
                                     listed=listed))
    return key_for(crit.id)


def parse_answer(key: str, value) -> bool | None:
    """A clinician's answer in any written form -> True/False, or None when unknown. The words are those of
    :mod:`trialkit.values.answer` (one meaning per written value: the same on the command line, in links,
    CSV cells and share links)."""
    from trialkit.values import answer  # trialkit.values imports this module: read at call time

    return answer.parse(key, value)


def favourable_answers(ruleset) -> dict[str, bool]:
    """Every judgment question answered the way that lets the patient in: ``yes`` for an inclusion (the
    requirement is met), ``no`` for an exclusion (the excluding condition is absent). An optimistic upper
    bound, never a default: whatever shows it says :data:`FAVOURABLE_LABEL`."""
    return {key_for(c.id): c.kind == "inclusion" for c in judgment_criteria(ruleset)}


def check_assume(value: str | None) -> str | None:
    """``None``/``"none"`` -> None; ``"favourable"`` (or ``favorable``) -> ``"favourable"``; else CandidateError."""
    if value is None:
        return None
    v = str(value).strip().lower()
    if v in {"", "none"}:
        return None
    if v in {"favourable", "favorable"}:
        return "favourable"
    raise CandidateError(Message("assume judgment {value!r}: choose one of {choices}", value=value,
                                 choices=", ".join(ASSUME_CHOICES)))

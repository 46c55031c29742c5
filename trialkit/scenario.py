"""A what-if scenario as it travels outside the app: a small dict of candidate field -> value strings.

Scenarios go into share links (``trialkit.sharing``), referral summaries (``trialkit.referral``) and the
what-if page's URL. They describe a hypothetical candidate by the eligibility fields of contracts §2 and
never carry a person's identity: a key that names a direct identifier (name, email, phone, address,
birth date, national id, record number…) or a value that looks like an email address or a phone number
is refused with a message naming the field.

A clinician's answer to a criterion's judgment question travels too, as ``judgment.<CRITERION_ID>``
(``judgment.E17=no``, :mod:`trialkit.criteria.judgment`): the key must be ``judgment.`` and a criterion id
(letters then digits, e.g. ``E17``) and the value ``yes`` or ``no``, so such a key can carry no identity.

A value of a known candidate field must mean something to that field's kind (:mod:`trialkit.values`, the
same words as ``--set``, links and CSV cells): ``pregnant=maybe`` is refused naming the field, an unknown
(``-``, ``unknown``) is left out, and a Python value (a bool, a set of codes, ``inf``) is written in the kind's
canonical form (``yes``, ``16,52``, ``never``). A string that parses is kept as written (``7 mIU/mL``).
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from trialkit import values
from trialkit.criteria.fields import FIELDS
from trialkit.errors import CandidateError, TrialkitError
from trialkit.message import Message

MAX_FIELDS = 60
MAX_VALUE_CHARS = 200
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
#: ``judgment.E17``: a clinician's yes/no answer to that criterion's judgment question.
_JUDGMENT_KEY = re.compile(r"^judgment\.[A-Za-z]{1,3}\d{0,3}$")

#: Key fragments that name a direct identifier (HIPAA Safe Harbor list, abridged).
IDENTIFYING_KEY_PARTS = (
    "name", "email", "e_mail", "mail", "phone", "mobile", "fax", "address", "street", "postcode",
    "zip", "birth", "dob", "ssn", "social_security", "national_id", "nhs", "passport", "licen",
    "mrn", "medical_record", "record_number", "patient_id", "subject_id", "initials", "ip_address",
    "account", "insurance", "url", "photo",
)
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
_PHONE = re.compile(r"\+?\d[\d\s().\-/]{7,}\d")


class ScenarioError(TrialkitError):
    """A scenario that is malformed or would carry a person's identity."""


def identifying_key(key: str) -> bool:
    k = key.lower()
    return any(part in k for part in IDENTIFYING_KEY_PARTS)


def clean_scenario(scenario: Mapping[str, object] | None) -> dict[str, str]:
    """Validate a scenario and return it as ``{field: value string}`` (empty values dropped).

    Raises :class:`ScenarioError` naming the field for a bad key, a long value, or anything identifying.
    """
    if scenario is None:
        return {}
    if not isinstance(scenario, Mapping):
        raise ScenarioError(Message("a scenario must be a mapping of field names to values"))
    if len(scenario) > MAX_FIELDS:
        raise ScenarioError(Message("a scenario holds at most {max} fields, got {n}", max=MAX_FIELDS, n=len(scenario)))
    out: dict[str, str] = {}
    for key, value in scenario.items():
        if isinstance(key, str) and _JUDGMENT_KEY.match(key):
            answer = _judgment_answer(key, value)
            if answer is not None:
                out[key] = answer
            continue
        if not isinstance(key, str) or not _KEY.match(key):
            raise ScenarioError(_field(key, Message("field names are lower-case letters, digits and _ "
                                                    "(or judgment.CRITERION_ID for a clinician's answer)")))
        if identifying_key(key):
            raise ScenarioError(_field(key, Message("looks like a personal identifier; scenarios never carry one")))
        if value is None:
            continue
        if isinstance(value, (list, tuple, set, frozenset)):
            text = ",".join(sorted(str(v) for v in value)) if isinstance(value, (set, frozenset)) \
                else ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            text = "yes" if value else "no"
        elif isinstance(value, float) and value.is_integer():
            text = str(int(value))
        else:
            text = str(value)
        text = text.strip()
        if not text:
            continue
        if len(text) > MAX_VALUE_CHARS:
            raise ScenarioError(_field(key, Message("value longer than {max} characters", max=MAX_VALUE_CHARS)))
        if any(ord(ch) < 32 for ch in text):
            raise ScenarioError(_field(key, Message("value contains control characters")))
        if _EMAIL.search(text) or _PHONE.search(text):
            raise ScenarioError(_field(key, Message("value looks like an email address or phone number; "
                                                    "scenarios never carry one")))
        if key in FIELDS:  # one meaning per written value: the field's kind decides
            try:
                parsed = values.parse(key, value)
            except CandidateError as exc:
                # the value's own refusal, "<field>: <reason>", said in the reader's language
                raise ScenarioError(Message("field {problem}", problem=exc.args[0] if len(exc.args) == 1
                                            else str(exc))) from None
            if parsed is None:
                continue
            if not isinstance(value, str):
                text = values.write(key, parsed)
        out[key] = text
    return out


def _field(key: object, reason: Message) -> Message:
    return Message("field {key!r}: {reason}", key=key, reason=reason)


def _judgment_answer(key: str, value: object) -> str | None:
    """A clinician's answer as "yes"/"no" (None, "" and "unknown" leave it out); anything else is refused."""
    try:
        answer = values.parse(key, value)
    except CandidateError:
        raise ScenarioError(_field(key, Message("a clinician's answer is yes or no"))) from None
    return None if answer is None else values.write(key, answer)

"""Field kind "judgment answer": a clinician's yes/no answer to a criterion's judgment question, keyed
``judgment.<CRITERION_ID>`` (:mod:`trialkit.criteria.judgment`). Same words as :mod:`trialkit.values.yesno`
(yes = the condition asked about holds); canonical written form ``yes``/``no``."""
from __future__ import annotations

from trialkit.message import Message
from trialkit.values import yesno

WHAT = Message("yes or no (the clinician's answer to the criterion's judgment question)")


def parse(key: str, value) -> bool | None:
    return yesno.parse_bool(key, value, WHAT)


def write(key: str, value: bool) -> str:
    return "yes" if value else "no"


def show(key: str, value: bool) -> str:
    return "yes" if value else "no"


def column(name, low, missing, raw, row):
    return yesno.column(name, low, missing, raw, row)

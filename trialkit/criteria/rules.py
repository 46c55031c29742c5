"""Typed eligibility rules, kept as data beside each trial (``data/rules/NCTxxxxxxxx.json``).

A rule is a *condition* on the candidate that is true, false or unknown (Kleene three-valued logic):

* an **inclusion** criterion passes when all of its conditions are true, fails when any is false,
  and is unknown otherwise;
* an **exclusion** criterion lists the conditions that exclude: it fails when any condition is true,
  passes when all are false, and is unknown otherwise.

Rules are never code: they are validated pydantic data, so a rules file cannot run anything
(unlike TrialPathfinder's ``exec()``-ed strings). Each rule carries the span of criterion text it
comes from, so the UI can show which words a slider stands for.
"""
from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

from trialkit.message import Message


class RuleBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: The words of the criterion this rule encodes, verbatim (e.g. "18-27 kg/m²").
    source_text: str = ""
    #: [start, end) character offsets of ``source_text`` inside the criterion's text, if located.
    span: tuple[int, int] | None = None
    #: False for rules drafted automatically from an imported trial's text and not yet reviewed.
    reviewed: bool = True
    #: Optional note a person can read (why the rule reads the text this way).
    note: str | None = None


class RangeRule(RuleBase):
    """A numeric field within [minimum, maximum]; bounds inclusive unless said otherwise."""

    kind: Literal["range"] = "range"
    field: str
    minimum: float | None = None
    maximum: float | None = None
    minimum_inclusive: bool = True
    maximum_inclusive: bool = True

    @model_validator(mode="after")
    def _has_a_bound(self) -> "RangeRule":
        if self.minimum is None and self.maximum is None:
            raise ValueError(Message("a range rule needs a minimum or a maximum"))
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError(Message("minimum {minimum} is above maximum {maximum}", minimum=self.minimum,
                                     maximum=self.maximum))
        return self


class SetRule(RuleBase):
    """A set-valued field (e.g. ``hpv_types``) that contains at least one of ``any_of``."""

    kind: Literal["set"] = "set"
    field: str
    any_of: list[str]


class FactRule(RuleBase):
    """A yes/no field that equals ``expected``."""

    kind: Literal["fact"] = "fact"
    field: str
    expected: bool = True


class WindowRule(RuleBase):
    """An event within a time window: ``field`` holds the time since the event, in ``unit``;
    the condition is true when the event happened no longer ago than ``within``
    (e.g. "within 3 months" -> field ``months_since_other_trial``, within 3)."""

    kind: Literal["window"] = "window"
    field: str
    within: float
    unit: str = "months"


class JudgmentRule(RuleBase):
    """What only a clinician can decide; always evaluates to unknown ("needs a clinician's judgment")."""

    kind: Literal["judgment"] = "judgment"
    question: str


Rule = Annotated[Union[RangeRule, SetRule, FactRule, WindowRule, JudgmentRule], Field(discriminator="kind")]


def own_reason(error: dict) -> Message | None:
    """The reason a rule's own check gave for one error of ``ValidationError.errors()`` (a
    :class:`~trialkit.message.Message`), None for pydantic's own errors ("Field required" …)."""
    raised = (error.get("ctx") or {}).get("error")
    if isinstance(raised, ValueError) and len(raised.args) == 1 and isinstance(raised.args[0], Message):
        return raised.args[0]
    return None


def validation_reason(error: dict) -> object:
    """One error of ``ValidationError.errors()`` as pydantic words it ("Value error, …", "Field required"),
    a rule's own reason said in the reader's language."""
    own = own_reason(error)
    return error["msg"] if own is None else Message("Value error, {reason}", reason=own)

"""Errors that cross the trialkit boundary; each names the file, row or field at fault.

Their reasons are :class:`trialkit.message.Message` values where trialkit writes them: ``str(exc)`` is the
English text (the command line, logs and files), :meth:`TrialkitError.said` the reader's language (pages).
"""
from __future__ import annotations

from trialkit.message import Message, said


class TrialkitError(ValueError):
    """Base class: bad input that the user can fix. The CLI exits 2 on these."""

    def said(self) -> str:
        """The reason in the current interface language (English words for a plain-``str`` reason)."""
        return said(self)


def with_source(source: object, message: object) -> Message:
    """``"<source>: <message>"``, the form every error that names its file takes."""
    return Message("{source}: {message}", source=source, message=message)


def problems_message(problems: list, *, source: object = None, shown: int = 5, what: object = None) -> Message:
    """``"[source: ]N problem(s)[ in <what>]: p1; p2; … "`` (the first ``shown`` problems)."""
    more = " …" if len(problems) > shown else ""
    if what is None:
        body = Message("{n} problem(s): {problems}{more}", n=len(problems), problems=list(problems[:shown]),
                       more=more)
    else:
        body = Message("{n} problem(s) in {what}: {problems}{more}", n=len(problems), what=what,
                       problems=list(problems[:shown]), more=more)
    return with_source(source, body) if source else body


class StudyFormatError(TrialkitError):
    """A file or dict is not a ClinicalTrials.gov API v2 study (contracts §1)."""

    def __init__(self, message: str, *, source: str | None = None, field: str | None = None):
        self.source = source
        self.field = field
        if field:
            message = Message("field '{field}': {message}", field=field, message=message)
        super().__init__(with_source(source, message) if source else message)


class CandidateError(TrialkitError):
    """A candidate field or value the engine cannot accept (unknown field, wrong unit, bad value)."""


class RuleFormatError(TrialkitError):
    """A rules file that does not match the rule schema."""


class LogValidationError(TrialkitError):
    """An enrollment log that breaks contracts §5; `problems` lists every `row N: column: problem`."""

    def __init__(self, problems: list[str], *, source: str | None = None):
        self.problems = list(problems)
        self.source = source
        super().__init__(problems_message(self.problems, source=source))

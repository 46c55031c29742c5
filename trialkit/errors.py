"""Errors that cross the trialkit boundary; each names the file, row or field at fault."""
from __future__ import annotations


class TrialkitError(ValueError):
    """Base class: bad input that the user can fix. The CLI exits 2 on these."""


class StudyFormatError(TrialkitError):
    """A file or dict is not a ClinicalTrials.gov API v2 study (contracts §1)."""

    def __init__(self, message: str, *, source: str | None = None, field: str | None = None):
        self.source = source
        self.field = field
        parts = []
        if source:
            parts.append(str(source))
        if field:
            parts.append(f"field {field!r}")
        prefix = ": ".join(parts)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class CandidateError(TrialkitError):
    """A candidate field or value the engine cannot accept (unknown field, wrong unit, bad value)."""


class RuleFormatError(TrialkitError):
    """A rules file that does not match the rule schema."""


class LogValidationError(TrialkitError):
    """An enrollment log that breaks contracts §5; `problems` lists every `row N: column: problem`."""

    def __init__(self, problems: list[str], *, source: str | None = None):
        self.problems = list(problems)
        self.source = source
        head = f"{source}: " if source else ""
        super().__init__(f"{head}{len(self.problems)} problem(s): " + "; ".join(self.problems[:5])
                         + (" …" if len(self.problems) > 5 else ""))

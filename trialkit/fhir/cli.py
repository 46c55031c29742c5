"""What ``check --fhir`` and ``cohort --fhir`` share on the command line (argument checks, printing notes)."""
from __future__ import annotations

import datetime as dt

from trialkit.errors import TrialkitError


class FhirUsageError(TrialkitError):
    """A bad ``--index-date`` / ``--lookback-days`` (exit 2)."""


def index_date(args) -> dt.date | None:
    text = getattr(args, "index_date", None)
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise FhirUsageError(f"--index-date {text!r}: write a date as YYYY-MM-DD") from None


def fhir_source(args) -> tuple:
    """The pipeline's cohort source for ``cohort --fhir PATH [--index-date D]``."""
    return ("fhir", args.fhir, index_date(args))

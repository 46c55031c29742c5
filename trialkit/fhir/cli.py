"""What ``check --fhir`` and ``cohort --fhir`` share on the command line (argument checks, printing notes)."""
from __future__ import annotations

import datetime as dt
import sys

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


def _progress(done: int, total: int) -> None:
    sys.stderr.write(f"\rreading the FHIR export: {100 * done // max(total, 1)}%")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def fhir_source(args) -> tuple:
    """The pipeline's cohort source for ``cohort --fhir PATH [--index-date D]``; on a terminal, reading an
    export shows its progress on stderr (never when stderr is a file or pipe: errors stay one line)."""
    from trialkit.fhir.patient import DEFAULT_LOOKBACK_DAYS

    progress = _progress if sys.stderr.isatty() else None
    return ("fhir", args.fhir, index_date(args), DEFAULT_LOOKBACK_DAYS, progress)

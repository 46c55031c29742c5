"""The one CSV writer for every export (download buttons and ``--out``), safe to open in a spreadsheet.

A text cell that a spreadsheet would read as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return) is written with a leading ``'``, as OWASP's "CSV Injection" advice says; the quote keeps
the text visible and stops Excel, LibreOffice and Google Sheets from evaluating it (``=HYPERLINK(...)``,
``@SUM(...)``, ``+cmd|...``). Numbers stay numbers: numeric columns are written as they are, and a text cell
that is just a number (``-3``, ``+1.5``, ``-2e-3``) is left alone. Quoting of ``"`` and ``,`` is the csv
module's (RFC 4180, CRLF line ends). Nothing else in pages/, ui/ or trialkit/ calls ``to_csv`` (tests/unit/test_hardening_inputs.py).
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

#: first characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise_cell(value):
    """``"=1+1"`` -> ``"'=1+1"``; ``"-3"``, ``3``, ``None`` and ordinary text unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def restore_cell(value):
    """The inverse of :func:`neutralise_cell`, for trialkit reading back a file it wrote (the SDTM export,
    a downloaded log): ``"'=1+1"`` -> ``"=1+1"``; anything else unchanged."""
    if (isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_START)
            and not _PLAIN_NUMBER.fullmatch(value[1:])):
        return value[1:]
    return value


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (and column names) cannot start a formula."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)
                or pd.api.types.is_datetime64_any_dtype(s)):
            out[col] = s.map(neutralise_cell, na_action="ignore") if len(s) else s
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def csv_text(df: pd.DataFrame) -> str:
    """``df`` as CSV text (no index), formulas neutralised. Lines end in CRLF (RFC 4180), so the csv module
    quotes a cell holding a bare CR and no spreadsheet splits it into a row that starts a formula."""
    return neutralise(df).to_csv(index=False, lineterminator="\r\n")


def csv_bytes(df: pd.DataFrame) -> bytes:
    """``df`` as UTF-8 CSV bytes for a download button, formulas neutralised."""
    return csv_text(df).encode("utf-8")


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write ``df`` to ``path`` (``--out``), formulas neutralised; returns the path."""
    p = Path(path)
    with open(p, "w", encoding="utf-8", newline="") as fh:
        fh.write(csv_text(df))
    return p


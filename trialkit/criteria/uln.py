"""Limits relative to the laboratory's upper limit of normal ("ALT ≤ 2.5 × ULN"): their own rule form.

A protocol that writes "bilirubin greater than 2 times ULN" means a multiple of *the candidate's lab's* ULN,
which differs from lab to lab (background.md), so such a limit is never turned into an absolute number. It
is a range rule on a ratio field, ``<analyte>_x_uln`` (unit ``× ULN``, contracts §9 spells it ``x ULN``).
The candidate gives the ratio itself (``alt_x_uln=1.8``), or the value and the lab's ULN (``alt=72``,
``alt_uln=40``), from which the ratio is derived here and nowhere else.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

#: ratio field -> (value field, the lab's ULN field); both in the same canonical unit.
RATIOS: dict[str, tuple[str, str]] = {
    "alt_x_uln": ("alt", "alt_uln"),
    "ast_x_uln": ("ast", "ast_uln"),
    "bilirubin_x_uln": ("bilirubin", "bilirubin_uln"),
    "creatinine_x_uln": ("creatinine", "creatinine_uln"),
    "alp_x_uln": ("alp", "alp_uln"),
    "inr_x_uln": ("inr", "inr_uln"),
}
#: analyte field -> its ratio field (what the drafting writes for "× ULN").
BY_ANALYTE = {value: ratio for ratio, (value, _) in RATIOS.items()}
UNIT = "x ULN"


def ratio_field(analyte: str) -> str | None:
    return BY_ANALYTE.get(analyte)


def analyte_of(field: str) -> str | None:
    return RATIOS[field][0] if field in RATIOS else None


def with_ratios(candidate: dict) -> dict:
    """A candidate dict (canonical values) with every derivable ``<analyte>_x_uln`` added; a ratio the
    candidate gave wins over one derived."""
    out = dict(candidate)
    for ratio, (value, uln) in RATIOS.items():
        if out.get(ratio) is None and out.get(value) is not None and out.get(uln):
            out[ratio] = float(f"{float(out[value]) / float(out[uln]):.12g}")
    return out


def ratio_column(frame: pd.DataFrame, ratio: str) -> np.ndarray | None:
    """The ratio column of a cohort frame: given, or derived row by row from value and ULN (NaN where
    either is missing or the ULN is not positive); None when the frame cannot give it at all."""
    if ratio not in RATIOS:
        return None
    value, uln = RATIOS[ratio]
    if value not in frame.columns or uln not in frame.columns:
        return None
    v = frame[value].to_numpy(dtype="float64", na_value=np.nan)
    u = frame[uln].to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(u > 0, v / u, np.nan)

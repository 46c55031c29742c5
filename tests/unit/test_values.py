"""One meaning per written value: ONE table of written forms, run through EVERY parser.

The parsers: the command line (``check --set``: :func:`trialkit.cli.check_cmd._pairs` then
:func:`parse_candidate`), a link's query parameter and the what-if page (:func:`trialkit.values.parse`, which
``ui/whatif.py`` calls), a CSV cell of a cohort file (:func:`read_cohort_csv`, column-wise), and a share
link / referral scenario (:func:`clean_scenario`, then read back). Every row must mean the same in all.
"""
from __future__ import annotations

import csv
import io
import math

import pandas as pd
import pytest

from trialkit import values
from trialkit.cli.check_cmd import _pairs
from trialkit.cohort.io import CohortFileError, read_cohort_csv
from trialkit.criteria.evaluate import parse_candidate, parse_value
from trialkit.errors import CandidateError
from trialkit.scenario import ScenarioError, clean_scenario

BAD = "refused"
INF = math.inf

#: (field, written form, canonical meaning): None = unknown, BAD = refused with a message naming the field.
TABLE = [
    # unknown: the same words for every kind; a lone "-" is unknown everywhere (also for a code set)
    ("age", "", None), ("age", "unknown", None), ("age", "NA", None), ("age", "-", None), ("age", "?", None),
    ("pregnant", "-", None), ("sex", "n/a", None), ("hpv_types", "-", None), ("hpv_types", "unknown", None),
    ("months_since_other_trial", "-", None),
    # numbers with units
    ("age", "39", 39.0), ("age", " 39 ", 39.0), ("fsh", "10.4", 10.4), ("fsh", "7 mIU/mL", 7.0),
    ("hemoglobin", "9.8 g/dL", 98.0), ("hemoglobin", "98", 98.0), ("platelets", "150000/mm3", 150.0),
    ("fsh", "3 g/dL", BAD), ("age", "abc", BAD), ("age", "-3", BAD), ("afc", "6.5", BAD), ("age", "yes", BAD),
    # time since an event: "never" (also "none", "inf") is an answer, not unknown
    ("months_since_other_trial", "never", INF), ("months_since_other_trial", "None", INF),
    ("months_since_other_trial", "inf", INF), ("months_since_other_trial", "6", 6.0),
    ("months_since_other_trial", "2 years", 24.0), ("age", "never", BAD),
    # yes/no: t and f too, everywhere
    ("pregnant", "yes", True), ("pregnant", "Y", True), ("pregnant", "true", True), ("pregnant", "t", True),
    ("pregnant", "1", True), ("pregnant", "no", False), ("pregnant", "N", False), ("pregnant", "false", False),
    ("pregnant", "f", False), ("pregnant", "0", False), ("pregnant", "maybe", BAD),
    # sex: women / men too, everywhere
    ("sex", "female", "female"), ("sex", "F", "female"), ("sex", "woman", "female"), ("sex", "women", "female"),
    ("sex", "male", "male"), ("sex", "m", "male"), ("sex", "men", "male"), ("sex", "other", BAD),
    # code sets
    ("hpv_types", "16,52", frozenset({"16", "52"})), ("hpv_types", "16;52", frozenset({"16", "52"})),
    ("hpv_types", "HPV16/HPV52", frozenset({"16", "52"})), ("hpv_types", "016", frozenset({"16"})),
    ("hpv_types", "16 52", frozenset({"16", "52"})), ("hpv_types", "none", frozenset()),
    ("hpv_types", "negative", frozenset()), ("hpv_types", "16,abc", BAD),
]


def _cli(field, text):
    return parse_candidate(_pairs([f"{field}={text}"])).get(field)


def _link(field, text):
    return values.parse(field, text)


def _csv_cell(field, text):
    buf = io.StringIO()
    csv.writer(buf).writerows([[field, "patient_id"], [text, "p1"]])
    cell = read_cohort_csv(buf.getvalue().encode()).frame[field]
    v = cell.iloc[0] if isinstance(cell, pd.Series) else cell[0]
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    if field == "hpv_types":
        return frozenset(c for c in str(v).split(";") if c)
    if pd.api.types.is_bool_dtype(cell.dtype):
        return bool(v)
    return float(v) if pd.api.types.is_float_dtype(cell.dtype) else str(v)


def _share(field, text):
    kept = clean_scenario({field: text})
    return values.parse(field, kept[field]) if field in kept else None


PARSERS = {"command line": _cli, "link": _link, "csv cell": _csv_cell, "share link": _share}
REFUSALS = (CandidateError, CohortFileError, ScenarioError)


@pytest.mark.parametrize("parser", list(PARSERS))
@pytest.mark.parametrize("field, text, meaning", TABLE, ids=[f"{f}={t!r}" for f, t, _ in TABLE])
def test_every_parser_reads_the_table_alike(parser, field, text, meaning):
    parse = PARSERS[parser]
    if meaning is BAD:
        with pytest.raises(REFUSALS) as exc:
            parse(field, text)
        assert field in str(exc.value) or field in "".join(getattr(exc.value, "problems", []))
        return
    got = parse(field, text)
    assert got == meaning and type(got) is type(meaning), (parser, field, text, got)


@pytest.mark.parametrize("field, text, meaning", [r for r in TABLE if r[2] not in (None, BAD)],
                         ids=[f"{f}={t!r}" for f, t, m in TABLE if m not in (None, BAD)])
def test_canonical_form_reads_back_to_the_same_value(field, text, meaning):
    written = values.write(field, meaning)
    assert values.parse(field, written) == meaning
    assert values.write(field, values.parse(field, written)) == written  # canonical is a fixed point
    assert parse_value(field, written) == meaning
    assert values.show(field, meaning)


def test_canonical_forms():
    assert values.write("months_since_other_trial", INF) == "never"
    assert values.write("hpv_types", frozenset()) == "none"
    assert values.write("hpv_types", frozenset({"52", "16"})) == "16,52"
    assert values.write("pregnant", False) == "no"
    assert values.write("age", 39.0) == "39"
    assert values.show("fsh", 10.4) == "10.4 IU/L"
    assert values.show("age", None) == "unknown"


def test_share_link_writes_python_values_canonically():
    assert clean_scenario({"months_since_other_trial": INF, "hpv_types": {"52", "16"}, "pregnant": False,
                           "age": 39.0, "fsh": "-"}) == {
        "months_since_other_trial": "never", "hpv_types": "16,52", "pregnant": "no", "age": "39"}


def test_judgment_answers_use_the_yes_no_words():
    assert values.parse("judgment.E17", "t") is True and values.parse("judgment.E17", "-") is None
    with pytest.raises(CandidateError, match="judgment.E17"):
        values.parse("judgment.E17", "maybe")
    assert clean_scenario({"judgment.E17": "f"}) == {"judgment.E17": "no"}

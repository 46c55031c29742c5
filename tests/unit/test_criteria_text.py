"""Splitting eligibility Markdown into I1…/E1… criteria: a table of cases."""
import pytest

from trialkit.criteria.text import split_criteria, unescape


def ids_texts(md):
    return [(c.id, c.text) for c in split_criteria(md).criteria]


@pytest.mark.parametrize("md, expected", [
    ("Inclusion Criteria:\n\n* Age 18\n* Signed consent\n\nExclusion Criteria:\n\n* Pregnant",
     [("I1", "Age 18"), ("I2", "Signed consent"), ("E1", "Pregnant")]),
    ("Key Inclusion Criteria:\n- A\n\nKey Exclusion Criteria:\n- B", [("I1", "A"), ("E1", "B")]),
    ("inclusion criteria\n1. A\n2. B\nexclusion criteria:\n1. C", [("I1", "A"), ("I2", "B"), ("E1", "C")]),
    ("**Inclusion Criteria:**\n\n1) A\n\n**Exclusion Criteria:**\n\n1) B", [("I1", "A"), ("E1", "B")]),
    ("## Inclusion Criteria\n* A\n## Exclusion Criteria\n* B", [("I1", "A"), ("E1", "B")]),
    ("Inclusion Criteria:\n\n* A", [("I1", "A")]),  # no exclusion header
    ("* A\n* B", [("I1", "A"), ("I2", "B")]),  # no header at all: what a participant must meet
    ("Inclusion Criteria:\n\n1. A\n3. B", [("I1", "A"), ("I3", "B")]),  # numbered as the protocol numbers them
    ("Inclusion Criteria:\n\n1. A\n1. B", [("I1", "A"), ("I2", "B")]),  # duplicate numbers: as the items come
    ("Inclusion Criteria:\n\n* Hb \\>= 8 g/dl and \\[RNA\\] 2\\^3", [("I1", "Hb >= 8 g/dl and [RNA] 2^3")]),
    ("Inclusion Criteria:\n\n* Parent:\n\n  * child one\n  * child two\n* Next",
     [("I1", "Parent:\n  child one\n  child two"), ("I2", "Next")]),
    ("Inclusion Criteria:\n\nAdults over 18.\n\nExclusion Criteria:\n\nNone known.",
     [("I1", "Adults over 18."), ("E1", "None known.")]),  # paragraphs without list markers
    ("Inclusion Criteria: Adults only", [("I1", "Adults only")]),  # text on the header line
    ("Inclusion of women is encouraged.\n\nInclusion Criteria:\n* A", [("I1", "A")]),  # a sentence is not a header
    ("Inclusion Criteria:\n* creatinine 2,5 mg/dl", [("I1", "creatinine 2,5 mg/dl")]),  # decimal comma verbatim
    ("", []),
    (None, []),
])
def test_split_table(md, expected):
    assert ids_texts(md) == expected


def test_lead_in_sentences_are_kept_apart():
    r = split_criteria("Inclusion Criteria:\n\nPatients who meet all of:\n\n1. A\n\nExclusion Criteria:\n\n1. B")
    assert r.lead_in == {"inclusion": "Patients who meet all of:"}
    assert [c.id for c in r.criteria] == ["I1", "E1"]
    r = split_criteria("General note.\n\nInclusion Criteria:\n* A")
    assert r.lead_in == {"general": "General note."}


def test_unescape():
    assert unescape(r"\< 30%, \> 2, =\< 1.5, \>= 18") == "< 30%, > 2, =< 1.5, >= 18"
    assert unescape("no escapes ≥ here") == "no escapes ≥ here"

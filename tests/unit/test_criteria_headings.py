"""Issue 15 item 0 and issue 13 item 7: headings the splitter recognises, never glues, or says it cannot tell;
numbered sub-items keep their markers."""
from __future__ import annotations

from trialkit.criteria.text import KIND_UNCLEAR, split_criteria


def kinds(md):
    return [(c.id, c.kind, c.text) for c in split_criteria(md).criteria]


def test_qualified_headings_keep_exclusions_exclusions():
    md = ("Maternal Inclusion Criteria:\n\n* Pregnant women aged 18-40\n* Singleton pregnancy\n\n"
          "Infant Inclusion Criteria:\n\n* Born at term\n\n"
          "Maternal Exclusion Criteria:\n\n* Diabetes\n* BMI <18.5 or >35 kg/m2\n* Substance abuse\n")
    assert kinds(md) == [("I1", "inclusion", "Pregnant women aged 18-40"), ("I2", "inclusion", "Singleton pregnancy"),
                         ("I3", "inclusion", "Born at term"), ("E1", "exclusion", "Diabetes"),
                         ("E2", "exclusion", "BMI <18.5 or >35 kg/m2"), ("E3", "exclusion", "Substance abuse")]


def test_heading_written_as_a_bullet_and_part_headings():
    md = ("* Inclusion Criteria:\n* Age >= 18\n* Exclusion Criteria:\n* Pregnancy\n\n"
          "Part B Key Exclusion Criteria:\n\n* Prior therapy\n")
    assert kinds(md) == [("I1", "inclusion", "Age >= 18"), ("E1", "exclusion", "Pregnancy"),
                         ("E2", "exclusion", "Prior therapy")]


def test_sentences_are_not_headings():
    md = "Inclusion Criteria:\n\n* Inclusion of women of childbearing potential is allowed\n"
    assert kinds(md) == [("I1", "inclusion", "Inclusion of women of childbearing potential is allowed")]
    md = "Exclusion Criteria:\n\n* Patients who meet the inclusion criteria of study X: none\n"
    assert kinds(md)[0][1] == "exclusion"


def test_sub_heading_is_never_glued_into_the_item_before_it():
    md = "Inclusion Criteria:\n\n1. Age >= 18\n\nCohort 2:\n\n2. ECOG 0-1\n"
    split = split_criteria(md)
    assert [(c.id, c.text) for c in split.criteria] == [("I1", "Age >= 18"), ("I2", "ECOG 0-1")]
    assert "Cohort 2:" in split.lead_in["inclusion"]


def test_numbered_sub_items_keep_their_markers():
    md = "Inclusion Criteria:\n\n1. Adequate organ function:\n   1. ANC >= 1500/mm3\n   2. Platelets >= 100,000/mm3\n2. Age >= 18\n"
    assert kinds(md)[0] == ("I1", "inclusion", "Adequate organ function:\n  1. ANC >= 1500/mm3\n  2. Platelets >= 100,000/mm3")


def test_no_heading_at_all_says_the_kind_cannot_be_told():
    split = split_criteria("* Age 18-65\n* Hemoglobin < 9 g/dL\n")
    assert split.lead_in["kind_unclear"] == KIND_UNCLEAR
    assert [c.kind for c in split.criteria] == ["inclusion", "inclusion"]


def test_kind_unclear_criteria_get_no_drafted_threshold():
    from trialkit.criteria.ruleset import load_ruleset
    from trialkit.ctgov import parse_study

    record = {"protocolSection": {"identificationModule": {"nctId": "NCT09999998"},
                                  "eligibilityModule": {"eligibilityCriteria": "* Age 18-65\n* Hemoglobin < 9 g/dL\n"}}}
    rs = load_ruleset(parse_study(record))
    assert all(r.kind == "judgment" for c in rs.criteria for r in c.rules)


def test_pdq_headings():
    md = "DISEASE CHARACTERISTICS:\n\n* Stage IV melanoma\n\nPATIENT CHARACTERISTICS:\n\n* Age 18 and over\n"
    assert kinds(md) == [("I1", "inclusion", "Stage IV melanoma"), ("I2", "inclusion", "Age 18 and over")]

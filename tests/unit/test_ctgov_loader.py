"""The API v2 loader against both seeds and every real file in ../shared/ctgov, value by value."""
from __future__ import annotations

import json
import re

import pytest

from tests.conftest import ROOT, ctgov_files
from trialkit.criteria.text import unescape
from trialkit.ctgov import age_in_years, load_study, parse_bytes, parse_study
from trialkit.errors import StudyFormatError

SEEDS = {p.stem: p for p in (ROOT / "data" / "trials").glob("*.json")}
REAL = ctgov_files()


def test_the_eight_real_files_are_present():
    assert len(REAL) == 8


@pytest.mark.parametrize("path", REAL + list(SEEDS.values()), ids=lambda p: p.stem)
def test_loaded_values_match_the_json(path):
    raw = json.loads(path.read_text(encoding="utf-8"))
    ps = raw["protocolSection"]
    t = load_study(path)
    ident = ps["identificationModule"]
    assert t.nct_id == ident["nctId"] == path.stem
    assert t.brief_title == ident.get("briefTitle")
    assert t.official_title == ident.get("officialTitle")
    assert t.overall_status == ps.get("statusModule", {}).get("overallStatus")
    design = ps.get("designModule", {})
    assert t.design.phases == design.get("phases", [])
    assert t.design.study_type == design.get("studyType")
    assert t.enrollment.count == design.get("enrollmentInfo", {}).get("count")
    assert t.enrollment.type == design.get("enrollmentInfo", {}).get("type")
    assert t.lead_sponsor.name == ps["sponsorCollaboratorsModule"]["leadSponsor"]["name"]
    assert t.conditions == ps.get("conditionsModule", {}).get("conditions", [])
    aim = ps.get("armsInterventionsModule", {})
    assert [(a.label, a.type, a.description) for a in t.arm_groups] == [
        (a["label"], a.get("type"), a.get("description")) for a in aim.get("armGroups", [])]
    assert [i.name for i in t.interventions] == [i["name"] for i in aim.get("interventions", [])]
    locs = ps.get("contactsLocationsModule", {}).get("locations", [])
    assert len(t.locations) == len(locs)
    for got, want in zip(t.locations, locs):
        assert (got.facility, got.city, got.country, got.status) == (
            want.get("facility"), want.get("city"), want.get("country"), want.get("status"))
        if "geoPoint" in want:
            assert (got.geo_point.lat, got.geo_point.lon) == (want["geoPoint"]["lat"], want["geoPoint"]["lon"])
    em = ps.get("eligibilityModule", {})
    assert t.eligibility.sex == em.get("sex")
    assert t.eligibility.minimum_age == em.get("minimumAge")
    assert t.eligibility.maximum_age == em.get("maximumAge")
    assert t.eligibility.healthy_volunteers == em.get("healthyVolunteers")


@pytest.mark.parametrize("path", REAL + list(SEEDS.values()), ids=lambda p: p.stem)
def test_no_criterion_text_is_lost(path):
    """Every line of the registry's criteria text (unescaped, marker dropped) lands in a criterion or a lead-in."""
    t = load_study(path)
    kept = "\n".join([c.text for c in t.criteria] + list(t.eligibility.lead_in.values()))
    for line in unescape(t.eligibility.criteria_text or "").splitlines():
        body = re.sub(r"^\s*(?:[*\-+•]|\d{1,3}[.)]|[a-zA-Z][.)])\s+", "", line).strip()
        if not body or re.match(r"(?i)^(key\s+)?(inclusion|exclusion)\s+criteria\s*:?$", body):
            continue
        assert body in kept, body


def test_real_file_criteria_counts_and_nesting():
    counts = {p.stem: (len(load_study(p).inclusion), len(load_study(p).exclusion)) for p in REAL}
    assert counts["NCT03934567"] == (7, 13)  # numbered 1..7 and 1..13
    assert counts["NCT04267848"] == (25, 0)  # no exclusion header at all
    t = load_study(ROOT.parent / "shared/ctgov/NCT04267848.json")
    first = t.criterion("I1").text
    assert first.startswith("A female of childbearing potential is a sexually mature female who:")
    assert "\n  Has not undergone a hysterectomy or bilateral oophorectomy; or" in first  # sub-item kept
    age = next(c for c in t.criteria if c.text.startswith("Age"))
    assert age.text == "Age >= 18 years"  # backslash escape undone
    assert t.criterion("I24").text == "Total bilirubin =< 1.5 x upper limit of normal (ULN)"
    cll = load_study(ROOT.parent / "shared/ctgov/NCT05147467.json")
    assert cll.criterion("I1").text == "Age ≥18 years old."
    assert cll.eligibility.lead_in["inclusion"].startswith("Subjects who meet each of the following")
    assert "Fully treated cervical carcinoma in situ;" in cll.criterion("E6").text


def test_nct04267848_has_1148_locations_and_no_maximum_age():
    t = load_study(ROOT.parent / "shared/ctgov/NCT04267848.json")
    assert len(t.locations) == 1148
    assert t.eligibility.maximum_age is None and t.eligibility.maximum_age_years is None
    assert t.eligibility.minimum_age_years == 18


def test_withdrawn_study_with_zero_enrollment_and_children():
    t = load_study(ROOT.parent / "shared/ctgov/NCT00973089.json")
    assert t.overall_status == "WITHDRAWN"
    assert t.enrollment.count == 0
    assert (t.eligibility.minimum_age_years, t.eligibility.maximum_age_years) == (5, 8)
    assert t.eligibility.healthy_volunteers is True


def test_interventions_lack_the_type_prefix_arm_names_carry():
    t = load_study(ROOT.parent / "shared/ctgov/NCT03377387.json")
    names = {i.name for i in t.interventions}
    for arm in t.arm_groups:
        for n in arm.intervention_names:
            kind, _, name = n.partition(": ")
            assert name in names


# -- the two seeds, transcribed from ../shared/seeds -------------------------------------------------
def test_seed_nct06610773():
    t = load_study(SEEDS["NCT06610773"])
    assert t.brief_title == "HUC-MSC for Treatment of High-risk HPV Infection"
    assert t.overall_status == "RECRUITING"
    assert t.design.phases == ["PHASE1", "PHASE2"]
    assert t.eligibility.sex == "FEMALE"
    assert (t.eligibility.minimum_age_years, t.eligibility.maximum_age_years) == (25, 60)
    assert (len(t.inclusion), len(t.exclusion)) == (5, 10)
    assert t.lead_sponsor.name == "Shanghai East Hospital"
    assert [l.facility for l in t.locations] == ["Shanghai East Hospital"]
    assert t.locations[0].city is None and t.locations[0].country is None  # not stated in the seed
    assert "HPV 16/18/31/33/35/39/45/51/52/53/56/58/59/66/68; 15 types" in t.criterion("I2").text
    assert t.criterion("E10").text == ("Other conditions considered inappropriate by the investigator for "
                                       "inclusion in this clinical trial.")
    assert t.enrollment.count is None and t.arm_groups == [] and t.design.study_type is None  # not in the seed
    assert t.brief_summary.startswith("To evaluate the safety and initial effectiveness")
    assert t.detailed_description.startswith("Cervical cancer is one of the most common")


def test_seed_nct07176143():
    t = load_study(SEEDS["NCT07176143"])
    assert t.secondary_ids == ["2024ZSLYFEC-013"]
    assert t.overall_status == "NOT_YET_RECRUITING"
    assert t.design.phases == []  # the seed states no phase
    assert (t.design.allocation, t.design.intervention_model, t.design.masking, t.design.primary_purpose) == (
        "NON_RANDOMIZED", "PARALLEL", "NONE", "TREATMENT")
    assert (t.enrollment.count, t.enrollment.type) == (60, "ESTIMATED")
    assert (t.eligibility.minimum_age_years, t.eligibility.maximum_age_years) == (20, 38)
    assert t.eligibility.healthy_volunteers is False
    assert (len(t.inclusion), len(t.exclusion)) == (9, 18)
    assert [a.label for a in t.arm_groups] == ["Stem cell therapy group", "Control group"]
    assert [a.type for a in t.arm_groups] == ["EXPERIMENTAL", "NO_INTERVENTION"]
    regimen = ("estrogen Valerate tablets 3mg bid for 28 days, followed by Dydrogesterone tablets 10mg bid for the "
               "last 10 days of the 28 day period")
    assert all(regimen in a.description for a in t.arm_groups)
    assert t.arm_groups[0].description.endswith("+ hBMSC infusion via uterine artery.")
    assert t.interventions[0].type == "PROCEDURE"
    assert [c.name for c in t.central_contacts] == ["Guihua Liu"]
    assert t.locations == []
    assert t.criterion("I5").text.startswith("Normal ovarian reserve: Antral follicle count (AFC) ≥6;")
    assert t.criterion("E10").text.startswith("Platelet count <100×10⁹/L, hemoglobin <100 g/L")


def test_seed_json_matches_the_seed_pages_word_for_word():
    """Every criterion of both seeds stands verbatim in the seed text it was transcribed from."""
    seeds_dir = ROOT.parent / "shared" / "seeds"
    pages = {"NCT06610773": next(seeds_dir.glob("000_*.txt")), "NCT07176143": next(seeds_dir.glob("004_*.txt"))}
    for nct, page in pages.items():
        text = page.read_text(encoding="utf-8")
        t = load_study(SEEDS[nct])
        for c in t.criteria:
            assert f"{c.id[1:]}. {c.text}" in text, (nct, c.id)
        assert t.brief_title in text


# -- bad files ----------------------------------------------------------------------------------------
def _seed_dict():
    return json.loads(SEEDS["NCT07176143"].read_text(encoding="utf-8"))


@pytest.mark.parametrize("mutate, field, words", [
    (lambda d: {"FullStudiesResponse": {"FullStudies": []}}, "FullStudiesResponse", "classic-API"),
    (lambda d: d["protocolSection"]["identificationModule"].pop("nctId"), "nctId", "missing"),
    (lambda d: d["protocolSection"]["identificationModule"].update(nctId="12345"), "nctId", "not an NCT id"),
    (lambda d: d["protocolSection"]["conditionsModule"].update(conditions="IUA"), "conditions", "expected a list"),
    (lambda d: d["protocolSection"]["designModule"]["enrollmentInfo"].update(count="sixty"), "count", "whole number"),
    (lambda d: d["protocolSection"]["eligibilityModule"].update(minimumAge="twenty"), "minimumAge", "cannot read age"),
    (lambda d: d["protocolSection"]["eligibilityModule"].update(healthyVolunteers="no"), "healthyVolunteers", "true or false"),
    (lambda d: d["protocolSection"].update(armsInterventionsModule=[1]), "armsInterventionsModule", "expected an object"),
    (lambda d: d.pop("protocolSection"), "protocolSection", "not a ClinicalTrials.gov API v2 study"),
])
def test_bad_studies_name_the_field(mutate, field, words):
    d = _seed_dict()
    result = mutate(d)
    data = result if isinstance(result, dict) and "FullStudiesResponse" in result else d
    with pytest.raises(StudyFormatError) as err:
        parse_study(data, source="bad.json")
    msg = str(err.value)
    assert "bad.json" in msg and field in msg and words in msg
    assert isinstance(err.value, ValueError)


def test_bad_json_and_non_utf8_name_the_file(tmp_path):
    p = tmp_path / "broken.json"
    p.write_text('{"protocolSection": ', encoding="utf-8")
    with pytest.raises(StudyFormatError, match=r"broken\.json: not valid JSON: .* line 1"):
        load_study(p)
    with pytest.raises(StudyFormatError, match="not UTF-8"):
        parse_bytes(b"\xff\xfe\x00garbage", source="x.json")
    with pytest.raises(StudyFormatError, match="cannot read file"):
        load_study(tmp_path / "missing.json")
    with pytest.raises(StudyFormatError, match="list.json: expected one study object, got a list of 2"):
        parse_bytes(b"[1, 2]", source="list.json")
    with pytest.raises(StudyFormatError, match="expected a JSON object"):
        parse_bytes(b'"just text"', source="text.json")


def test_a_single_study_wrapped_in_a_list_or_search_response_is_accepted():
    d = _seed_dict()
    assert parse_study([d]).nct_id == "NCT07176143"
    assert parse_study({"studies": [d]}).nct_id == "NCT07176143"
    with pytest.raises(StudyFormatError, match="2 studies"):
        parse_study({"studies": [d, d]})


@pytest.mark.parametrize("text, years", [("20 Years", 20), ("6 Months", 0.5), ("2 Weeks", 0.0383),
                                         ("18 years", 18), (None, None), ("N/A", None)])
def test_age_in_years(text, years):
    assert age_in_years(text) == years


def test_control_characters_are_dropped():
    d = _seed_dict()
    d["protocolSection"]["identificationModule"]["briefTitle"] = "A\x00B\x1bC\tD"
    assert parse_study(d).brief_title == "ABC\tD"

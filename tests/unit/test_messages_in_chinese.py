"""Issue 18: the errors, problem lists and notes of criteria, values, cohorts, parameters, scenarios, the
terminology table, FHIR and OMOP are said in Chinese on a Chinese page, while ``str()`` keeps the English
words byte for byte (the command line, logs and files read it).

Every case raises (or returns) a real message from real bad input. The English column is what the code wrote
before the messages became catalog messages (captured from the previous commit); the Chinese check walks the
message and every message nested in it and fails on any part whose catalog entry has no translation.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from trialkit import values
from trialkit.cohort.io import read_cohort_csv
from trialkit.cohort.params import SPECS, source_of, validate_params
from trialkit.cohort.simulate import simulate
from trialkit.criteria import judgment, review
from trialkit.criteria.evaluate import parse_candidate
from trialkit.criteria.fields import get_field
from trialkit.criteria.ruleset import apply_overrides, load_ruleset, read_rules_file
from trialkit.ctgov import load_study
from trialkit.fhir.cohort import fhir_cohort_records
from trialkit.fhir.patient import candidate_from_bundle
from trialkit.fhir.resources import read_bundle, read_ndjson_folder
from trialkit.i18n import gettext, language, ngettext, pgettext
from trialkit.message import Message, said
from trialkit.omop.mapping import load_mapping
from trialkit.omop.source import open_source
from trialkit.scenario import clean_scenario
from trialkit.terminology import read_table

ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u4e00-\u9fff]")


def _trial(nct: str):
    return load_study(ROOT / "data" / "trials" / f"{nct}.json")


def _ruleset(nct: str = "NCT07176143"):
    return load_ruleset(_trial(nct))


def _file(tmp: Path, name: str, text: str | bytes) -> Path:
    p = tmp / name
    p.write_bytes(text.encode() if isinstance(text, str) else text)
    return p


def _bundle(*resources) -> bytes:
    return json.dumps({"resourceType": "Bundle", "entry": [{"resource": r} for r in resources]}).encode()


PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "unknown", "birthDate": "2030-01-01"}
BAD_OBS = {"resourceType": "Observation", "status": "final", "subject": {"reference": "Patient/p1"},
           "code": {"coding": [{"system": "http://loinc.org", "code": "39156-5"}]},
           "effectiveDateTime": "2024-01-01", "valueQuantity": {"value": 27, "unit": "furlong",
                                                                 "system": "http://unitsofmeasure.org",
                                                                 "code": "furlong"}}

# (case id, input -> raises or returns the message, the English words before issue 18's messages)
CASES = [
    ("cohort csv: cells", lambda t: read_cohort_csv(
        b"patient_id,age,fsh,sex,pregnant,hpv_types,afc\n1,x,7 g/dL,q,maybe,HPVxx,2.5\n1,-3,inf,f,y,16,3\n",
        source="c.csv"),
     "c.csv: 9 problem(s) in the cohort file: row 2: afc: '2.5' is not a whole number (AFC is a count); "
     "row 2: age: 'x' is not a number; row 2: fsh: unit 'g/dL' does not fit FSH (IU/L) …"),
    ("cohort csv: header", lambda t: read_cohort_csv(b"age,foo,age,\n1,2,3,4\n", source="c.csv"),
     "c.csv: 3 problem(s) in the cohort file: row 1: foo: not a candidate field trialkit knows (known: active_pid, "
     "acute_genital_inflammation, afc, age, albumin, alp, alp_uln, alp_x_uln, …); row 1: age: column appears "
     "twice; row 1: column 4: has no name"),
    ("cohort csv: not UTF-8", lambda t: read_cohort_csv(b"age\n\xff\n", source="c.csv"),
     "c.csv: 1 problem(s) in the cohort file: file: not UTF-8 text (byte 4)"),
    ("cohort csv: judgment column", lambda t: read_cohort_csv(b"judgment.E1.2\nyes\n", source="c.csv"),
     "c.csv: 1 problem(s) in the cohort file: row 1: judgment.E1.2: one answer covers all of a criterion's "
     "judgment questions; write judgment.E1"),
    ("unit", lambda t: values.parse("hemoglobin", "9 g/dL)"),
     "hemoglobin: unit 'g/dL)' is not a unit trialkit knows (for Haemoglobin (g/L))"),
    ("count", lambda t: values.parse("afc", "2.5"), "afc: '2.5' is not a whole number (AFC is a count)"),
    ("sex", lambda t: values.parse("sex", "x"), "sex: 'x' is not female or male"),
    ("yes/no", lambda t: values.parse("pregnant", "maybe"), "pregnant: 'maybe' is not yes or no"),
    ("code set", lambda t: values.parse("hpv_types", "16,x"), "hpv_types: 'x' is not a type code (write e.g. 16,52)"),
    ("time since", lambda t: values.parse("months_since_other_trial", "soon"),
     "months_since_other_trial: 'soon' is not a number (or 'never')"),
    ("judgment answer", lambda t: values.parse("judgment.E1", "perhaps"),
     "judgment.E1: 'perhaps' is not yes or no (the clinician's answer to the criterion's judgment question)"),
    ("given twice", lambda t: parse_candidate({"fsh": "7", " fsh": "8"}), "fsh: given twice"),
    ("unknown field", lambda t: get_field("nope"),
     "unknown field 'nope' (known fields include: age, sex, bmi, cycle_length, regular_cycle_months, afc, fsh, "
     "good_blastocysts, ovarian_cyst_size, fibroid_size, hemoglobin, platelets, …)"),
    ("judgment key", lambda t: judgment.resolve_key("judgment.E99", _ruleset()),
     "judgment.E99: NCT07176143 has no criterion E99 (criteria with a clinician's judgment: I1, E1, E2, E6, E8, "
     "E10, E11, E14, E17, E18)"),
    ("assume", lambda t: judgment.check_assume("always"), "assume judgment 'always': choose one of none, favourable"),
    ("override", lambda t: apply_overrides(_ruleset(), {"bmi.mid": 1}),
     "override 'bmi.mid': write FIELD.min or FIELD.max (e.g. bmi.max)"),
    ("override bound", lambda t: apply_overrides(_ruleset("NCT06610773"), {"bmi.max": 1}),
     "override 'bmi.max': no range rule of NCT06610773 has a maximum on bmi"),
    ("override crossing", lambda t: apply_overrides(_ruleset(), {"bmi.max": 1}),
     "override bmi.max=1: I3 would have minimum 18 above maximum 1"),
    ("rules file: JSON", lambda t: read_rules_file(_file(t, "NCT1.json", "{")),
     "{tmp}/NCT1.json: not JSON (Expecting property name enclosed in double quotes at line 1)"),
    ("rules file: bounds", lambda t: read_rules_file(_file(t, "NCT1.json", json.dumps(
        {"nct_id": "NCT1", "criteria": {"I1": [{"kind": "range", "field": "bmi", "minimum": 30, "maximum": 20}]}}))),
     "{tmp}/NCT1.json: criteria.I1.0.range: Value error, minimum 30.0 is above maximum 20.0"),
    ("rules file: field", lambda t: read_rules_file(_file(t, "NCT1.json", json.dumps(
        {"nct_id": "NCT1", "criteria": {"I1": [{"kind": "fact", "field": "bmi", "expected": True}]}}))),
     "{tmp}/NCT1.json: criteria.I1.0: a fact rule cannot read 'bmi' (a number field)"),
    ("review: bounds", lambda t: review.range_rule("fsh", minimum=None, maximum=None),
     "fsh: a range rule needs a minimum or a maximum"),
    ("review: decision", lambda t: review.save_review(_trial("NCT07176143"), "I1", [], user="a", decision="maybe"),
     "decision 'maybe': one of accept, edit, add, judgment_only"),
    ("parameters", lambda t: validate_params({"age.min": 50, "age.max": 20}),
     "simulation parameter age.min (50.0) is above age.max (20.0)"),
    ("parameter range", lambda t: validate_params({"sex.female": 2}),
     "simulation parameter sex.female: 2.0 is outside [0, 1]"),
    ("cohort size", lambda t: simulate(["age"], 0, 1), "cohort size must be between 1 and 2,000,000, got 0"),
    ("scenario key", lambda t: clean_scenario({"Age": "3"}),
     "field 'Age': field names are lower-case letters, digits and _ (or judgment.CRITERION_ID for a clinician's "
     "answer)"),
    ("scenario value", lambda t: clean_scenario({"fsh": "7 furlongs"}),
     "field fsh: unit 'furlongs' does not fit FSH (IU/L)"),
    ("terminology", lambda t: read_table(_file(t, "t.csv", "field,resource\n")),
     "{tmp}/t.csv: missing column(s) system, code, display, unit, evidence"),
    ("FHIR: not a bundle", lambda t: read_bundle(b'{"resourceType": "Patient"}', source="b.json"),
     "b.json: field resourceType: expected a FHIR Bundle, found 'Patient'"),
    ("FHIR: JSON", lambda t: read_bundle(b'{"resourceType": ', source="b.json"),
     "b.json: line 1: not valid JSON (Expecting value)"),
    ("FHIR: resource", lambda t: read_bundle(_bundle({"resourceType": "Nope"}), source="b.json"),
     "b.json: entry 0: field resourceType: 'Nope' is not an R4 resource type"),
    ("FHIR: two patients", lambda t: candidate_from_bundle(read_bundle(_bundle(PATIENT, PATIENT), source="b.json")),
     "b.json: expected one Patient in the bundle, found 2 (use `cohort --fhir` for several patients)"),
    ("FHIR: no patient", lambda t: fhir_cohort_records(read_bundle(_bundle(), source="b.json")),
     "b.json: no Patient resources"),
    ("FHIR: folder", lambda t: read_ndjson_folder(t),
     "{tmp}: no Patient NDJSON file (expected Patient.000.ndjson or Patient.ndjson; found: no .ndjson files)"),
    ("FHIR: notes", lambda t: candidate_from_bundle(read_bundle(_bundle(PATIENT), source="b.json"),
                                                    index_date=dt.date(2024, 6, 1)).notes,
     "age: born 2030-01-01, after the index date 2024-06-01: unknown; sex: Patient.gender is unknown: unknown; "
     "pregnant: no active condition on 2024-06-01: unknown (absence is not 'no'); recurrent_miscarriage: no active "
     "condition on 2024-06-01: unknown (absence is not 'no')"),
    ("FHIR: unusable value", lambda t: candidate_from_bundle(read_bundle(_bundle(
        {**PATIENT, "birthDate": "1990-01-01"}, BAD_OBS), source="b.json"), index_date=dt.date(2024, 6, 1)).unusable,
     "bmi: LOINC 39156-5 Body mass index (BMI) [Ratio]: 27 furlong on 2024-01-01 (b.json: entry 1): "
     "bmi: unit 'furlong' does not fit BMI (kg/m²)"),
    ("OMOP: source", lambda t: open_source(str(t / "nowhere")),
     "{tmp}/nowhere: not a duckdb:/// URL, a PostgreSQL URL or a folder of OMOP parquet files"),
    ("OMOP: mapping", lambda t: load_mapping(_file(t, "fields.csv", "field,cdm_table\nbmi,nope\n")),
     "fields.csv: row 2: cdm_table: 'nope' is not one of ['condition_occurrence', 'measurement', 'person']"),
    ("structured criterion", lambda t: _ruleset().generated["SEX"], "Sex: female (structured eligibility field)"),
]


def _outcome(fn, tmp):
    """The message a case writes: an exception's one argument, or what it returns (a list is joined)."""
    try:
        value = fn(tmp)
    except Exception as exc:  # noqa: BLE001 - every case is meant to raise or return
        assert len(exc.args) == 1, exc
        return exc, exc.args[0]
    return value, value


def _untranslated(m: object) -> list[str]:
    """Catalog messages in ``m`` (and nested in its values) whose Chinese is still the English words."""
    if isinstance(m, (list, tuple)):
        return [u for v in m for u in _untranslated(v)]
    if not isinstance(m, Message):
        return []
    with language("zh"):
        if m.plural is not None:
            zh = ngettext(m.msgid, m.plural, m.n or 1)
        elif m.context is not None:
            zh = pgettext(m.context, m.msgid)
        else:
            zh = gettext(m.msgid)
    own = [m.msgid] if zh == m.msgid and re.search(r"[A-Za-z]{3,} [A-Za-z]{2,}", re.sub(r"\{[^}]*\}", "", m.msgid)) \
        else []
    return own + [u for v in (m.values or {}).values() for u in _untranslated(v)]


@pytest.mark.parametrize("case, make, english", CASES, ids=[c[0] for c in CASES])
def test_english_as_before_and_chinese_on_a_chinese_page(case, make, english, tmp_path):
    shown, message = _outcome(make, tmp_path)
    want = english.replace("{tmp}", str(tmp_path))
    text = "; ".join(message) if isinstance(message, list) else str(shown)
    assert text == want  # files, logs and the command line: the same English words as before
    with language("zh"):
        assert ("; ".join(message) if isinstance(message, list) else str(shown)) == want  # str() never changes
        zh = said(shown)
        assert text != zh and CJK.search(zh), zh
    assert _untranslated(message) == [], zh
    assert said(shown) == text  # an English page: the English words


def test_the_structured_criterion_is_marked_generated_on_a_chinese_page():
    rs = _ruleset()
    sex = rs.criterion("SEX")
    assert sex.text == "Sex: female (structured eligibility field)"  # files and JSON keep the English
    with language("zh"):
        words = rs.criterion_words(sex)
        assert words.startswith("性别：女性") and "trialkit" in words and "非注册原文" in words
        first_registry = next(c for c in rs.criteria if c.id not in rs.generated)
        assert rs.criterion_words(first_registry) == first_registry.text  # registry text stays verbatim
    assert rs.criterion_words(sex) == sex.text


def test_the_age_criterion_says_the_registry_ages_in_chinese():
    trial = _trial("NCT07176143")
    e = trial.eligibility.model_copy(update={"minimum_age": "20 Years", "maximum_age": None, "criteria": [],
                                             "minimum_age_years": 20.0, "maximum_age_years": None})
    with language("zh"):  # made while a Chinese page is drawn: the text files keep is still English
        rs = load_ruleset(trial.model_copy(update={"eligibility": e}))
    age = rs.criterion("AGE")
    assert age.text == "Age: 20 Years to no maximum (structured eligibility fields)"
    with language("zh"):
        assert rs.criterion_words(age).startswith("年龄：20岁至无上限（")


def test_the_simulation_parameter_table_reads_in_chinese_and_citations_stay_as_written():
    with language("zh"):
        assert said(SPECS["hemoglobin.mean"].label) == "血红蛋白，均值"
        assert said(SPECS["pregnant.prevalence"].label) == "比例：妊娠"
        note = said(SPECS["hemoglobin.mean"].note)
        assert note.startswith("正态分布") and "WHO: anaemia in non-pregnant women" in note  # the citation as written
        assert said(source_of("age.mean", "general")) == "假设值"
        assert source_of("cycle_length.mean", "general").startswith("Bull JR et al.")
    assert SPECS["pregnant.prevalence"].label == "Share with: pregnant" and source_of("age.mean") == "assumption"

"""AppTest of Home, Overview, Criteria and Import with both seed trials (issue 2)."""
from __future__ import annotations

import json
import re

import pytest

from tests.conftest import CTGOV, SEED_IDS

OVERVIEW, CRITERIA, IMPORT = "pages/1_Overview.py", "pages/2_Criteria.py", "pages/8_Import.py"


def all_text(at) -> str:
    parts = []
    for kind in ("markdown", "caption", "header", "subheader", "title", "text", "success", "info", "warning", "error"):
        parts += [str(getattr(e, "value", "")) for e in getattr(at, kind)]
    parts += [str(m.label) + " " + str(m.value) for m in at.metric]
    for df in at.dataframe:
        parts.append(df.value.to_string())
    # Data text is shown Markdown-escaped ("HUC\-MSC"); read it back as a person sees it.
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))


def test_home_lists_both_trials(apptest):
    at = apptest()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["NCT id"]) == list(SEED_IDS)
    assert at.sidebar.selectbox[0].value == "NCT06610773"
    assert at.query_params["trial"] == ["NCT06610773"] or at.query_params["trial"] == "NCT06610773"


@pytest.mark.parametrize("trial", SEED_IDS)
def test_overview_shows_every_field(apptest, trial):
    at = apptest(OVERVIEW, trial=trial)
    assert not at.exception
    text = all_text(at)
    if trial == "NCT07176143":
        assert "hBMSC Uterine Artery Infusion for Severe IUA-Related Infertility" in text
        assert "2024ZSLYFEC-013" in text
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["Enrollment"] == "60 (estimated)" and metrics["Phase"] == "not stated"
        assert metrics["Sex"] == "Female" and metrics["Ages"] == "20 Years to 38 Years"
        assert metrics["Healthy volunteers"] == "No"
        assert "Stem cell therapy group" in text and "Control group" in text
        assert "Dydrogesterone tablets 10mg bid" in text
        assert "Guihua Liu" in text and "Sun Yat-sen University" in text
        assert "Non randomized" in text and "Parallel" in text
        assert "To assess whether stem cell therapy improves pregnancy success rates" in text
    else:
        assert "HUC-MSC for Treatment of High-risk HPV Infection" in text
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["Phase"] == "Phase1 / Phase2" and metrics["Enrollment"] == "not stated"
        assert "Shanghai East Hospital" in text
    assert at.link_button[0].proto.url == f"https://clinicaltrials.gov/study/{trial}"


@pytest.mark.parametrize("trial, n_inc, n_exc", [("NCT06610773", 5, 10), ("NCT07176143", 9, 18)])
def test_criteria_lists_with_ids_counts_and_filter(apptest, trial, n_inc, n_exc):
    at = apptest(CRITERIA, trial=trial)
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Inclusion criteria"], metrics["Exclusion criteria"]) == (str(n_inc), str(n_exc))
    subheaders = [s.value for s in at.subheader]
    assert f"Inclusion criteria ({n_inc})" in subheaders and f"Exclusion criteria ({n_exc})" in subheaders
    at.text_input[0].input("pregnan").run()
    text = all_text(at)
    if trial == "NCT06610773":
        assert "of 10)" in " ".join(s.value for s in at.subheader)
        assert "**E1**" in text and "**E5**" not in text


def test_criteria_filter_narrows_to_fsh(apptest):
    at = apptest(CRITERIA, trial="NCT07176143")
    at.text_input[0].input("FSH").run()
    subheaders = [s.value for s in at.subheader]
    assert "Inclusion criteria (1 of 9)" in subheaders and "Exclusion criteria (0 of 18)" in subheaders


def test_deep_link_to_the_other_trial_and_the_chooser_updates_the_url(apptest):
    at = apptest(CRITERIA, trial="NCT07176143")
    assert at.sidebar.selectbox[0].value == "NCT07176143"
    at.sidebar.selectbox[0].select("NCT06610773").run()
    assert not at.exception
    assert "NCT06610773" in str(at.query_params["trial"])
    assert any("NCT06610773" in h.value for h in at.header)


@pytest.mark.parametrize("value, words", [("NCT00000000", "is not in the catalog"),
                                          ("<script>alert(1)</script>", "is not an NCT id")])
def test_unknown_or_malformed_trial_gets_a_clear_message(apptest, value, words):
    at = apptest(OVERVIEW, trial=value)
    assert not at.exception
    warning = " ".join(w.value for w in at.warning)
    assert words in warning
    assert "<script>" not in warning  # escaped
    assert at.sidebar.selectbox[0].value == "NCT06610773"


def test_lowercase_trial_id_is_accepted(apptest):
    at = apptest(OVERVIEW, trial="nct07176143")
    assert at.sidebar.selectbox[0].value == "NCT07176143"


def test_import_reads_shows_and_adds_a_study(apptest, data_dir):
    at = apptest(IMPORT)
    raw = (CTGOV / "NCT03934567.json").read_bytes()
    at.file_uploader[0].set_value(("study.json", raw, "application/json")).run()
    assert not at.exception
    assert "Read NCT03934567: 7 inclusion and 13 exclusion criteria" in at.success[0].value
    at.button[0].click().run()
    assert not at.exception
    assert any("Added NCT03934567" in s.value for s in at.success)
    assert (data_dir / "imported" / "NCT03934567").is_dir()
    at2 = apptest(OVERVIEW, trial="NCT03934567")
    assert "NCT03934567" in at2.sidebar.selectbox[0].options[2] or "NCT03934567" in str(at2.sidebar.selectbox[0].value)


def test_import_refuses_a_bad_file_and_says_why(apptest, data_dir):
    at = apptest(IMPORT)
    at.file_uploader[0].set_value(("classic.json", json.dumps({"FullStudiesResponse": {}}).encode(),
                                   "application/json")).run()
    assert not at.exception
    error = at.error[0].value
    assert "Not imported" in error and "classic" in error
    assert "Add to the catalog" not in [b.label for b in at.button]  # nothing to add
    assert not (data_dir / "imported").exists()

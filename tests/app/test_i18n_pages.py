"""Every page in Chinese (issue 18): an AppTest walk of ui.common.PAGES with ``?lang=zh`` for both seed trials
that fails on any interface string still in English.

What is read: titles, headers, subheaders, markdown, captions, text, alerts, widget labels and help, button
and download labels, tab and expander labels, metric labels and values, dataframe column names, and the
titles and axis titles of every Plotly chart. From each string the test removes what is data, not interface:

* the registry's own text (every string of the shown trial's ClinicalTrials.gov JSON and of the other
  catalog records), and the enrollment log's site names: a run of Latin text that occurs word-bounded in that
  corpus is the registry's words, shown verbatim (issue 18: "never translate data");
* NCT ids, addresses (http…), numbers, placeholders;
* terms the Chinese catalog itself keeps in Latin letters (every Latin word of a ``msgstr``: FHIR, OMOP, CSV,
  ClinicalTrials.gov, FSH, mg/dL …): the translator chose them, so they are not "untranslated".

What remains in Latin letters (a word of two or more letters) is an untranslated string and is listed in the
failure. The pages that are reshaped by other engineers this round (Home, What if, Cohort) and the shared
sidebar (ui/common.py) were marked expected-to-fail while they were reshaped; every page is translated now.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import pytest

from tests.conftest import CTGOV, ROOT, SEED_IDS
from ui.common import HOME, PAGES

#: Pages whose strings are not wrapped yet (the lead translates them after merging this round's reshaping).
NOT_YET_TRANSLATED: dict[str, str] = {}  # page path -> why; empty: every page is translated

#: NCT ids, and the ids of the structured criteria (SEX, AGE: identifiers, like I1 and E17)
_NCT = re.compile(r"NCT\d{8}|\b(?:SEX|AGE)\b")
#: addresses, e-mail addresses and file names (data: "NCT06610773.json", "cohort.csv") are not words
_URL = re.compile(r"(?:https?://|www\.|duckdb:|postgresql(?:\+\w+)?://|spark:)\S+|\S+@\S+\.\w+|[\w\-]*\.(?:json|csv|xpt|ndjson|duckdb|parquet|zip)\b")
#: Streamlit markup (":material/icon:", ":green-badge[…]"), file paths, audit-trail user names and `code` (column
#: names, commands: literal identifiers a reader types) are not interface words.
_MARKUP = re.compile(r":material/\w+:|:\w+-badge\[|:\w+\[|(?:/[\w.\-]+){2,}/?|\blocal:[\w.\-]+|`[^`]*`")
_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{[^{}]*\}")
_MD = re.compile(r"\\(.)")
_RUN = re.compile(r"[\x20-\x7e]+")  # a run of ASCII (Latin) text between CJK characters
_WORD = re.compile(r"[A-Za-z]{2,}")


def _strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


@lru_cache(maxsize=None)
def registry_corpus() -> str:
    """Every string of every catalog record (the shipped trials and the shared CT.gov records)."""
    texts = []
    for folder in (ROOT / "data" / "trials", CTGOV):
        for path in sorted(Path(folder).glob("NCT*.json")):
            texts.extend(_strings(json.loads(path.read_text(encoding="utf-8"))))
    # a reviewed rules file's judgment questions are data too: written by the people who reviewed the rules
    # (contracts: data/rules/<NCT>.json), shown verbatim and labelled as the rules file's words
    for path in sorted((ROOT / "data" / "rules").glob("NCT*.json")):
        texts.extend(re.findall(r'"question":\s*"((?:[^"\\]|\\.)*)"', path.read_text(encoding="utf-8")))
    return "\n".join(texts)


@lru_cache(maxsize=None)
def catalog_terms() -> frozenset[str]:
    """Latin-letter words the Chinese catalog keeps (abbreviations, names, units)."""
    from babel.messages.pofile import read_po

    from trialkit import i18n

    with i18n.catalog_path("zh").open("rb") as fh:
        cat = read_po(fh)
    words = set()
    for m in cat:
        strings = m.string if isinstance(m.string, (list, tuple)) else [m.string]
        for s in strings:
            words.update(_WORD.findall(_PLACEHOLDER.sub(" ", s or "")))
    return frozenset(words)


def _in_corpus(run: str, corpus: str) -> bool:
    return re.search(r"(?<![A-Za-z])" + re.escape(run) + r"(?![A-Za-z])", corpus) is not None


def untranslated(texts: list[str], corpus: str) -> list[str]:
    """The strings (with the offending Latin run) that still carry English interface words."""
    terms = catalog_terms()
    bad = []
    for text in texts:
        clean = _MD.sub(r"\1", str(text)).replace("\u2060", "")
        clean = _NCT.sub(" ", _URL.sub(" ", _MARKUP.sub(" ", clean)))
        for line in clean.splitlines():
            for m in _RUN.finditer(line):
                run = m.group(0).strip(" .,:;!?()[]*#-_|'\"`/<>=+~")
                words = _WORD.findall(run)
                if not words or all(w in terms for w in words):
                    continue
                if _in_corpus(run, corpus):
                    continue
                # a mixed run ("Guihua Liu (Principal investigator)"): each piece must be data or a term
                pieces = [p.strip(" .,:;!?()[]*#-_|'\"`/<>=+~") for p in re.split(r"[;,()·|/]", run)]
                if all(not _WORD.findall(p) or _in_corpus(p, corpus) or all(w in terms for w in _WORD.findall(p))
                       for p in pieces):
                    continue
                bad.append(f"{run!r}  in  {str(text)[:120]!r}")
    return bad


def _chart_texts(root) -> list[str]:
    out = []
    for chart in root.get("plotly_chart"):
        layout = json.loads(chart.proto.spec).get("layout", {})
        for key, value in layout.items():
            if key == "title" or key.startswith(("xaxis", "yaxis")) or key == "legend":
                title = value.get("title") if isinstance(value, dict) else None
                if key == "title":
                    title = value
                if isinstance(title, dict) and title.get("text"):
                    out.append(re.sub(r"<[^>]+>", " ", title["text"]))
        for note in layout.get("annotations", []):
            if note.get("text"):
                out.append(re.sub(r"<[^>]+>", " ", note["text"]))
    return out


WIDGETS = ("button", "download_button", "checkbox", "toggle", "radio", "selectbox", "multiselect", "slider",
           "select_slider", "text_input", "text_area", "number_input", "date_input", "file_uploader",
           "segmented_control", "pills", "link_button", "page_link", "form_submit_button", "time_input")


def interface_texts(root) -> list[str]:
    """Every interface string under ``root`` (``at.main`` or ``at.sidebar``)."""
    out = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "info", "warning", "error",
                 "success", "exception"):
        out.extend(str(getattr(e, "value", "") or "") for e in getattr(root, kind))
    for kind in WIDGETS:
        for w in root.get(kind):
            proto = getattr(w, "proto", None)
            for attr in ("label", "help", "placeholder"):
                value = getattr(proto, attr, None) if proto is not None else None
                if value:
                    out.append(str(value))
    for kind in ("tabs", "expander"):
        for b in getattr(root, kind):
            if getattr(b, "label", None):
                out.append(str(b.label))
    for m in root.metric:
        out.extend([str(m.label), str(m.value)])
    for df in root.dataframe:
        out.extend(str(c) for c in df.value.columns)
    out.extend(_chart_texts(root))
    return [t for t in out if t.strip()]


def page_corpus(trial: str) -> str:
    """The registry corpus plus the enrollment log's site rows and arm labels of ``trial`` (data, verbatim)."""
    extra = []
    try:
        from trialkit.db import get_engine
        from trialkit.enrollment.storage import read_log

        log = read_log(get_engine(), trial)
        if log is not None and log.sites is not None:
            extra.extend(str(v) for v in log.sites.astype(str).to_numpy().ravel())
        if log is not None and log.participants is not None and "arm" in log.participants:
            extra.extend(str(v) for v in log.participants["arm"].dropna().unique())  # the log's arm labels
    except Exception:
        pass
    return registry_corpus() + "\n" + "\n".join(extra)


def _cases():
    for path, label, _icon in PAGES:
        for trial in SEED_IDS:
            marks = ()
            if path in NOT_YET_TRANSLATED:
                marks = (pytest.mark.xfail(reason=NOT_YET_TRANSLATED[path], strict=False),)
            yield pytest.param(path, trial, id=f"{label}-{trial}", marks=marks)


@pytest.mark.parametrize("page, trial", list(_cases()))
def test_page_has_no_english_interface_string_in_chinese(apptest, page, trial):
    at = apptest(None if page == HOME else page, trial=trial, lang="zh")
    assert not at.exception, [e.value for e in at.exception]
    texts = interface_texts(at.main)
    assert texts, "nothing read from the page"
    bad = untranslated(texts, page_corpus(trial))
    assert not bad, f"{len(bad)} English interface strings on {page} with lang=zh:\n" + "\n".join(bad[:60])


COHORT_TABS = ("Funnel", "Who each criterion excludes", "What if", "Eligible vs whole cohort", "Per-patient results")


#: Other pages' lazy tabs (issue 13, page load: only the open tab runs): page -> (session key, English labels).
LAZY_TABS = {
    "pages/5_Enrollment.py": ("enrollment_tab", ("Over time", "By arm", "Screen failures", "CONSORT flow",
                                                 "Downloads", "Import a log", "Audit trail")),
    "pages/6_Sites.py": ("sites_tab", ("Ranking of site rates", "Activation timeline", "Map of the log's sites")),
}


@pytest.mark.parametrize("trial", SEED_IDS)
@pytest.mark.parametrize("page", list(LAZY_TABS))
def test_every_lazy_tab_in_chinese(apptest, page, trial):
    """The walk above sees a lazy tab bar's first tab only: open each tab in Chinese."""
    from trialkit import i18n

    key, labels = LAZY_TABS[page]
    with i18n.language("zh"):
        at = apptest(page, trial=trial, lang="zh")
        corpus = page_corpus(trial)
        bad = []
        for label in [i18n.gettext(t) for t in labels]:
            at.session_state[key] = label
            at.run()
            assert not at.exception, (label, [e.value for e in at.exception])
            bad += [f"[{label}] {b}" for b in untranslated(interface_texts(at.main), corpus)]
    assert not bad, f"{len(bad)} English interface strings on {page} with lang=zh:\n" + "\n".join(bad[:60])


#: Lazy expanders and popovers (built only while open): page -> session keys of their open state.
LAZY_PANELS = {
    "pages/2_Criteria.py": ("rr_open", "note_{trial}_I1_open"),
    "pages/1_Overview.py": ("note_{trial}_key_facts_open",),
    "pages/7_Forecast.py": ("fc_details", "fc_calibration"),
}
#: Pages that stop before their lazy panels for a trial (NCT06610773 states no enrollment target to forecast).
NO_PANELS = {("pages/7_Forecast.py", "NCT06610773")}


@pytest.mark.parametrize("trial", SEED_IDS)
@pytest.mark.parametrize("page", list(LAZY_PANELS))
def test_every_lazy_panel_in_chinese(apptest, page, trial):
    """The walk above sees closed lazy panels as their labels only: open them (all at once) in Chinese."""
    from trialkit import i18n

    if (page, trial) in NO_PANELS:
        pytest.skip(f"{page} stops before its panels for {trial}")
    with i18n.language("zh"):
        at = apptest(page, trial=trial, lang="zh")
        before = len(interface_texts(at.main))
        for key in LAZY_PANELS[page]:
            at.session_state[key.format(trial=trial)] = True
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        texts = interface_texts(at.main)
        assert len(texts) > before, "opening the panels drew nothing"
        bad = untranslated(texts, page_corpus(trial))
    assert not bad, f"{len(bad)} English interface strings on {page} with lang=zh:\n" + "\n".join(bad[:60])


@pytest.mark.parametrize("trial", SEED_IDS)
def test_every_cohort_tab_and_source_in_chinese(apptest, trial):
    """The Cohort page's tabs are lazy (only the open one runs), so the walk above sees the first tab only:
    open each tab in Chinese, move a bound, then switch to the database source (embedded synthetic OMOP).
    The test thread speaks Chinese too: AppTest calls the widgets' format functions (translated words) here."""
    from trialkit import i18n

    with i18n.language("zh"):
        at = apptest("pages/4_Cohort.py", trial=trial, lang="zh")
        corpus = page_corpus(trial)
        bad = []
        tabs = [i18n.gettext(t) for t in COHORT_TABS]
        for label in tabs:
            at.session_state["cohort_tab"] = label
            at.run()
            assert not at.exception, (label, [e.value for e in at.exception])
            if label == tabs[2] and at.slider:  # the what-if tab: a moved bound adds the amendment text, deltas
                s = at.slider[0]
                s.set_value(s.max).run()
                assert not at.exception, [e.value for e in at.exception]
            bad += [f"[{label}] {b}" for b in untranslated(interface_texts(at.main), corpus)]
        at.session_state["cohort_tab"] = tabs[0]
        at.session_state["cohort_source"] = "Database (OMOP CDM or FHIR export)"  # the radio's value, not its words
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        assert at.metric, "the database source drew no counts"
        bad += [f"[database] {b}" for b in untranslated(interface_texts(at.main), corpus)]
    assert not bad, f"{len(bad)} English interface strings on the Cohort page with lang=zh:\n" + "\n".join(bad[:60])


def test_sidebar_in_chinese(apptest):
    at = apptest("pages/1_Overview.py", trial=SEED_IDS[0], lang="zh")
    bad = untranslated(interface_texts(at.sidebar), page_corpus(SEED_IDS[0]))
    assert not bad, "\n".join(bad[:60])


def test_the_checker_catches_english_and_passes_data():
    """The detector itself: an English label fails; registry text, NCT ids and catalog terms pass."""
    corpus = registry_corpus()
    assert untranslated(["Enrollment by site"], corpus)
    assert untranslated(["入选标准 (Inclusion)"], corpus) == [] or "Inclusion" in corpus
    assert untranslated(["注册号 NCT06610773"], corpus) == []
    assert untranslated(["Shanghai East Hospital"], corpus) == []
    assert untranslated(["12 / 60"], corpus) == []
    assert untranslated(["受试者 Screened today"], corpus)


# -- the language switch (contracts §10) -------------------------------------------------------------------
CRITERIA, OVERVIEW = "pages/2_Criteria.py", "pages/1_Overview.py"


def _qp(at, key):
    v = at.query_params.get(key)
    return v[0] if isinstance(v, list) else v


def _switch(at) -> object:
    return next(w for w in at.sidebar.segmented_control if w.key == "_lang_selector")


def test_lang_parameter_chooses_chinese(apptest):
    at = apptest(OVERVIEW, trial=SEED_IDS[1], lang="zh")
    assert not at.exception
    assert "关键信息" in [s.value for s in at.main.subheader]
    assert _switch(at).value == "zh"
    assert _qp(at, "lang") == "zh" and _qp(at, "trial") == SEED_IDS[1]


def test_switching_language_keeps_page_trial_and_other_parameters(apptest):
    at = apptest(CRITERIA, trial=SEED_IDS[1], demo="1")
    assert not at.exception
    assert any(h.value.startswith("Eligibility criteria") for h in at.main.header)
    _switch(at).set_value("zh").run()
    assert not at.exception
    assert _qp(at, "lang") == "zh"
    assert _qp(at, "trial") == SEED_IDS[1] and _qp(at, "demo") == "1"  # nothing else in the address changed
    assert any(h.value == f"入选/排除标准 · {SEED_IDS[1]}" for h in at.main.header)  # same page, same trial
    _switch(at).set_value("en").run()
    assert _qp(at, "lang") == "en" and _qp(at, "trial") == SEED_IDS[1] and _qp(at, "demo") == "1"
    assert any(h.value == f"Eligibility criteria · {SEED_IDS[1]}" for h in at.main.header)


def test_links_carry_the_language_and_the_session_remembers_it(apptest):
    at = apptest(OVERVIEW, trial=SEED_IDS[0], lang="zh")
    links = [p for p in at.sidebar.get("page_link")]
    assert links and all(dict(p.proto.query_string and [kv.split("=", 1) for kv in p.proto.query_string.split("&")]
                              or []).get("lang") == "zh" for p in links), [p.proto.query_string for p in links]
    at.query_params.pop("lang", None)  # a page switch without the parameter keeps the session's choice
    at.switch_page(CRITERIA)
    at.run()
    assert any(h.value.startswith("入选/排除标准") for h in at.main.header)
    assert _qp(at, "lang") == "zh"  # and writes it back, so the copied link opens in Chinese


def test_unknown_language_falls_back_to_english_and_fixes_the_link(apptest):
    at = apptest(OVERVIEW, trial=SEED_IDS[0], lang="fr")
    assert not at.exception
    assert "Key facts" in [s.value for s in at.main.subheader]
    assert _qp(at, "lang") == "en"


def test_browser_language_is_the_default_and_the_url_wins(apptest, monkeypatch):
    from ui import language

    monkeypatch.setattr(language, "browser_language", lambda: "zh")
    at = apptest(OVERVIEW, trial=SEED_IDS[0])
    assert "关键信息" in [s.value for s in at.main.subheader]
    at = apptest(OVERVIEW, trial=SEED_IDS[0], lang="en")
    assert "Key facts" in [s.value for s in at.main.subheader]


def test_accept_language_header_picks_the_first_supported_language():
    from trialkit.i18n import language_from_accept

    assert language_from_accept("zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert language_from_accept("fr-FR,en-GB;q=0.7,zh;q=0.5") == "en"
    assert language_from_accept("fr, de") is None


# -- errors and problem lists trialkit writes, shown on a Chinese page (issue 18, records modules) -----------------
def _chinese_without_english(text: str, data: tuple[str, ...] = ()) -> list[str]:
    """What is still English in a shown error once its data values (file names, ids, columns) are taken out."""
    for value in sorted(data, key=len, reverse=True):
        text = re.sub(r"(?<![A-Za-z])" + re.escape(value) + r"(?![A-Za-z])", " ", text)
    return untranslated([text], "")


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_import_page_says_a_refused_study_file_in_chinese(apptest, data_dir):
    at = apptest("pages/8_Import.py", lang="zh")
    at.file_uploader[0].set_value(("classic.json", json.dumps({"FullStudiesResponse": {}}).encode(),
                                   "application/json")).run()
    assert not at.exception
    error = _MD.sub(r"\1", at.error[0].value)
    assert "旧版 API" in error and "上传的文件" in error, error
    assert _chinese_without_english(error, ("FullStudiesResponse", "/api/v2/studies/{nctId}")) == [], error


def test_shared_page_says_a_bad_link_in_chinese(apptest, data_dir):
    at = apptest("pages/10_Shared.py", token="not-a-share-token", lang="zh")
    assert not at.exception
    errors = [_MD.sub(r"\1", e.value) for e in at.error]
    assert any("此分享链接无效" in e for e in errors), errors
    assert all(_chinese_without_english(e) == [] for e in errors), errors


def test_enrollment_page_says_log_problems_and_audit_summaries_in_chinese(apptest, data_dir):
    from tests.unit.test_enrollment_fixtures import NCT, good_files, seed_trial
    from trialkit import i18n
    from trialkit.db import get_engine, init_db
    from trialkit.enrollment.storage import import_log, record_screening

    eng = get_engine()
    init_db(eng)
    import_log(eng, NCT, *good_files(), user="alice", trial=seed_trial())
    record_screening(eng, NCT, dict(subject_id="C-001", site_id="A", screening_date="2025-05-01",
                                    screen_outcome="IN_SCREENING"), user="alice", trial=seed_trial())
    at = apptest("pages/5_Enrollment.py", trial=NCT, lang="zh")
    assert not at.exception
    with i18n.language("zh"):
        summary_col, problem_col, import_label, audit_tab, import_tab = (
            i18n.gettext(w) for w in ("summary", "problem", "Import", "Audit trail", "Import a log"))
    at.session_state["enrollment_tab"] = audit_tab  # the tabs are lazy: open the one read
    at.run()
    trail = next(df.value for df in at.dataframe if summary_col in df.value.columns)
    summaries = list(trail[summary_col])
    assert summaries == [f"已为 {NCT} 导入 10 名受试者和 3 个研究中心。", "已记录研究中心 A 的 C-001：IN_SCREENING"]

    participants, sites = good_files()
    bad = participants.replace(b"A-002,A,2025-01-20", b"A-002,A,2025-01-40", 1)
    at.session_state["enrollment_tab"] = import_tab
    at.run()
    at.file_uploader(key="up_participants").set_value(("participants.csv", bad, "text/csv"))
    at.file_uploader(key="up_sites").set_value(("sites.csv", sites, "text/csv"))
    next(b for b in at.button if b.label == import_label).click().run()
    assert not at.exception
    table = next(df.value for df in at.dataframe if problem_col in df.value.columns)
    problems = list(table[problem_col])
    assert problems == ["第 3 行：screening_date：'2025-01-40' 不是真实存在的日期（participants.csv）"], problems
    assert _has_cjk(at.error[0].value)


def test_what_changed_page_says_the_diff_summary_and_versions_in_chinese(apptest, data_dir):
    from trialkit.catalog import Catalog

    nct = "NCT07176143"
    d = json.loads((data_dir / "trials" / f"{nct}.json").read_text(encoding="utf-8"))
    d["protocolSection"]["statusModule"]["overallStatus"] = "RECRUITING"
    Catalog().add(json.dumps(d).encode("utf-8"))
    at = apptest("pages/11_Changes.py", trial=nct, lang="zh")
    assert not at.exception
    summary = next(m.value for m in at.markdown if "总体状态" in m.value)
    assert "有变化" in summary and _chinese_without_english(_MD.sub(r"\1", summary)) == [], summary
    options = [str(o) for box in at.main.selectbox for o in box.options]
    assert options and all(o.startswith("第 ") and "版" in o for o in options), options


# -- trialkit's own errors, problem lists and notes on a Chinese page (issue 18, part B) --------------------
WHAT_IF, COHORT = "pages/3_What_if.py", "pages/4_Cohort.py"
SHARED = ROOT.parent / "shared"


def _chinese_and_translated(texts: list[str], trial: str, *, must: tuple[str, ...] = (),
                            data: tuple[str, ...] = ()) -> None:
    """``texts`` read in Chinese (each has CJK, no English interface words left apart from ``data``: the
    field names and values the user wrote) and contain ``must``."""
    assert texts, "nothing shown"
    assert all(re.search(r"[\u4e00-\u9fff]", t) for t in texts), texts
    bad = untranslated(texts, page_corpus(trial) + "\n" + "\n".join(data))
    assert not bad, "\n".join(bad)
    for word in must:
        assert any(word in t for t in texts), (word, texts)


def test_whatif_link_values_refused_in_chinese_and_generated_criterion_marked(apptest):
    from trialkit import i18n

    with i18n.language("zh"):
        at = apptest(WHAT_IF, trial="NCT07176143", lang="zh", fsh="7 g/dL", afc="2.5", sex="x")
    assert not at.exception, [e.value for e in at.exception]
    shown = [w.value for w in at.warning if "fsh" in w.value or "afc" in w.value or "'x'" in w.value]
    assert len(shown) == 3, [w.value for w in at.warning]
    _chinese_and_translated(shown, "NCT07176143", must=("不适用于", "不是整数", "不是 female（女性）或 male（男性）"),
                            data=("sex='x'", "afc='2.5'", "fsh='7 g/dL'", "sex", "afc", "fsh"))
    # the criterion trialkit wrote from the structured sex field: its generated words, marked as not registry text
    table = at.dataframe[0].value
    sex_rows = [r for r in table.astype(str).to_numpy().tolist() if "SEX" in r]
    assert sex_rows and any(cell.startswith("性别：女性（由 trialkit") for cell in sex_rows[0]), sex_rows


@pytest.mark.skipif(not (SHARED / "fhir" / "bundles" / "mcode-ctms-patient_data.json").is_file(),
                    reason="../shared/fhir is not here (a user's clone)")
def test_whatif_malformed_fhir_bundle_said_in_chinese(apptest):
    from trialkit import i18n

    bundle = SHARED / "fhir" / "bundles" / "mcode-ctms-patient_data.json"
    with i18n.language("zh"):
        at = apptest(WHAT_IF, trial="NCT07176143", lang="zh")
        at.file_uploader(key="fhir_bundle").set_value((bundle.name, bundle.read_bytes(), "application/json")).run()
    assert not at.exception, [e.value for e in at.exception]
    reason = [t.value for t in at.text if bundle.name in t.value]
    assert reason and "条目 2" in reason[0] and "value[x]" in reason[0] and "字段" in reason[0], reason
    assert "entry 2" not in reason[0]


def test_cohort_upload_problems_and_parameter_table_in_chinese(apptest):
    from trialkit import i18n

    with i18n.language("zh"):
        at = apptest(COHORT, trial="NCT07176143", lang="zh", timeout=120)
        params = [d.value for d in at.dataframe if "age.mean" in d.value.to_csv()]  # the parameter editor
        funnel_texts = [str(v) for d in at.dataframe for v in d.value.to_numpy().ravel()]
        at.radio(key="cohort_source").set_value("Upload a CSV").run(timeout=120)
        at.file_uploader(key="cohort_upload").set_value(
            ("bad.csv", b"patient_id,age,fsh,pregnant\n1,x,7 g/dL,maybe\n1,-3,5,no\n", "text/csv")).run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    problems = [str(v) for d in at.dataframe for v in d.value.to_numpy().ravel() if "第 " in str(v)]
    assert len(problems) == 5, problems
    _chinese_and_translated(problems, "NCT07176143", must=("第 2 行：age：'x' 不是数字",
                                                           "第 3 行：patient_id：'1' 已在前面的行中出现"),
                            data=("age", "fsh", "pregnant", "patient_id", "'maybe'"))
    # the simulation parameters: descriptions, units and notes in Chinese; a citation stays as published
    assert len(params) == 1
    rows = {r[0]: r for r in params[0].astype(str).to_numpy().tolist()}
    assert rows["age.mean"][1:] == ["年龄，均值", "32.0", "年", "假设值", "正态分布，截断于 [最小值, 最大值]"]
    assert rows["cycle_length.mean"][1] == "33 岁时月经周期长度，均值"
    assert rows["cycle_length.mean"][4].startswith("Bull JR et al. Real-world menstrual cycle")  # a citation as written
    assert rows["missing.afc"][1] == "缺失：窦卵泡计数（AFC）" and rows["missing.afc"][5].startswith("已发表研究中")
    # the funnel's criterion texts: the generated SEX criterion in Chinese, marked as not the registry's words
    assert any(t.startswith("性别：女性（由 trialkit") for t in funnel_texts), funnel_texts[:40]


def test_cohort_database_source_refused_in_chinese(apptest, tmp_path):
    from trialkit import i18n

    with i18n.language("zh"):
        at = apptest(COHORT, trial="NCT07176143", lang="zh", timeout=120)
        at.radio(key="cohort_source").set_value("Database (OMOP CDM or FHIR export)").run(timeout=240)
        at.radio(key="cohort_db_kind").set_value("Folder of OMOP parquet files").run(timeout=120)
        at.text_input(key="cohort_db_source").set_value(str(tmp_path)).run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value.replace("\\", "") for e in at.error]  # markdown escapes off
    assert any("不是 OMOP 文件夹（0 个 parquet 文件中没有 person.parquet）" in e for e in errors), errors
    assert not any("not an OMOP folder" in e for e in errors)


@pytest.mark.skipif(not (SHARED / "ctgov" / "NCT03377387.json").is_file(), reason="../shared/ctgov is not here")
def test_criteria_review_refusal_in_chinese(data_dir, apptest, tmp_path, monkeypatch):
    from trialkit import i18n
    from trialkit.catalog import default_catalog

    monkeypatch.setenv("TRIALKIT_RULES_DIR", str(tmp_path / "rules"))
    default_catalog().add((SHARED / "ctgov" / "NCT03377387.json").read_bytes(), source_name="NCT03377387.json")
    with i18n.language("zh"):
        at = apptest("pages/2_Criteria.py", trial="NCT03377387", lang="zh")
        from ui.rule_review import PANEL_KEY

        at.session_state[PANEL_KEY] = True  # the review panel is lazy: open it
        at.run()
        at.selectbox(key="rr_criterion").set_value("I7").run()
        at.text_input(key="rr_min_I7").input("55")
        at.text_input(key="rr_words_I7").input("LVEF at least 55 percent")
        [b for b in at.button if i18n.gettext("Save rule as reviewed") in (b.label or "")][0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value.replace("\\", "") for e in at.error]  # markdown escapes off
    assert any("I7：标准原文中没有 'LVEF at least 55 percent' 这些词" in e for e in errors), errors
    assert not (tmp_path / "rules" / "NCT03377387.json").exists()

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

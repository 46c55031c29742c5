"""The interface language (issue 18, contracts §10): catalogs, the language value, the Chinese report."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from trialkit import i18n
from trialkit.ctgov import load_study
from trialkit.i18n import gettext as _, language
from trialkit.plain_language import describe_rule, plain_summary
from trialkit.report import render_report

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import i18n as i18n_tool  # noqa: E402  (tools/i18n.py)

SEEDS = [ROOT / "data" / "trials" / f"{n}.json" for n in ("NCT06610773", "NCT07176143")]


@pytest.mark.parametrize("value, lang", [
    ("zh", "zh"), ("ZH", "zh"), ("zh-CN", "zh"), ("zh_Hans", "zh"), ("zh-Hans-CN", "zh"), (" en ", "en"),
    ("en-GB", "en"), ("en_US", "en"),
    ("fr", None), ("", None), (None, None), (3, None), ("zh" * 40, None), ("中文", None), ("z", None),
])
def test_language_values_have_one_meaning(value, lang):
    assert i18n.normalize_language(value) == lang


@pytest.mark.parametrize("header, lang", [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh"), ("en-US,en;q=0.9", "en"), ("fr-FR,zh;q=0.5", "zh"),
    ("fr,de", None), ("en;q=0.1,zh;q=0.8", "zh"), ("zh;q=0", None), (None, None), ("", None),
])
def test_browser_language_from_accept_language(header, lang):
    assert i18n.language_from_accept(header) == lang


def test_every_message_of_the_code_and_data_is_translated():
    """The catalog template is extracted from the code, templates and data tables right now, so a new
    string without a Chinese translation fails here (run `python tools/i18n.py update`, then translate)."""
    missing = i18n_tool.missing("zh")
    assert not missing, f"{len(missing)} untranslated, e.g. {missing[:5]}"


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{[A-Za-z_]+(?:![rsa])?\}|%\([a-z_]+\)s", text))


def _zh_messages():
    """(message ids, translations) of every entry of the Chinese catalog (one each, or a plural's forms)."""
    with i18n.catalog_path("zh").open("rb") as fh:
        cat = read_po(fh)
    for m in cat:
        if m.id:
            yield ([m.id] if isinstance(m.id, str) else list(m.id),
                   [m.string] if isinstance(m.string, str) else list(m.string))


def test_translations_keep_every_placeholder():
    bad = []
    for ids, strings in _zh_messages():
        want = set().union(*(_placeholders(i) for i in ids))
        for s in strings:
            if _placeholders(s) != want and not (len(ids) > 1 and _placeholders(s) <= want):
                bad.append((ids[0], s))
    assert not bad, bad[:5]


@pytest.mark.parametrize("field, value, english, chinese", [
    ("fsh", 10.4, "10.4 IU/L", "10.4IU/L"),
    ("age", 34.0, "34 years", "34岁"),
    ("months_since_other_trial", float("inf"), "never", "从未"),
    ("months_since_other_trial", 3.0, "3 months", "3个月"),
    ("pregnant", True, "yes", "是"),
    ("pregnant", False, "no", "否"),
    ("sex", "female", "female", "女性"),
])
def test_a_value_is_said_as_fields_format_writes_it(field, value, english, chinese):
    from trialkit.criteria.fields import FIELDS
    from trialkit.plain_language import value_words

    spec = FIELDS.get(field)
    if spec is None:
        pytest.skip(f"no field {field}")
    assert value_words(field, value) == spec.format(value) == english
    with language("zh"):
        assert value_words(field, value) == chinese


def test_translated_markdown_emphasis_still_renders():
    """CommonMark does not close ``**`` after full-width punctuation when a letter follows ("**沉默时间过长：**S02"
    shows its asterisks): every translation whose English renders its emphasis must render it too, with its
    placeholders filled by letters as the pages fill them."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark")
    bad = []
    for ids, strings in _zh_messages():
        for english, chinese in zip(ids * len(strings), strings):
            if "*" not in chinese:
                continue
            filled = [re.sub(r"\{[^{}]*\}", "Ab1", t) for t in (english, chinese)]
            if "*" not in md.renderInline(filled[0]) and "*" in md.renderInline(filled[1]):
                bad.append(chinese)
    assert not bad, bad


def test_glossary_terms_are_the_ones_the_catalog_uses():
    import csv

    rows = list(csv.DictReader((i18n.LOCALE_DIR / "glossary.csv").open(encoding="utf-8")))
    assert len(rows) >= 30
    glossary = {r["english"]: r["chinese"] for r in rows}
    with language("zh"):
        for message, term in [("Inclusion criteria", "inclusion criteria"), ("Exclusion criteria", "exclusion criteria"),
                              ("Screen failures", "screen failure"), ("Report for ethics committees", "ethics committee"),
                              ("Sponsor", "sponsor"), ("Lost to follow-up", "lost to follow-up"),
                              ("Assessed for eligibility", "eligibility"), ("Consent", "informed consent"),
                              ("Recruitment forecast", "recruitment"), ("Demo mode", "demo mode")]:
            assert glossary[term] in _(message), (message, term)


def test_english_is_the_default_and_the_context_is_restored():
    assert i18n.current_language() == "en"
    assert _("Inclusion criteria") == "Inclusion criteria"
    with language("zh"):
        assert _("Inclusion criteria") == "入选标准"
        with language("en"):
            assert _("Inclusion criteria") == "Inclusion criteria"
        assert i18n.current_language() == "zh"
    assert i18n.current_language() == "en"


def test_dates_use_cldr_data():
    from datetime import date

    with language("zh"):
        assert i18n.format_date(date(2026, 9, 1)) == "2026年9月1日"
    assert i18n.format_date(date(2026, 9, 1)) == "Sep 1, 2026"


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_plain_summary_reads_in_chinese(path):
    trial = load_study(path)
    with language("zh"):
        lines = plain_summary(trial)
    for line in lines:
        assert re.search(r"[\u4e00-\u9fff]", line.topic), line.topic
        assert re.search(r"[\u4e00-\u9fff]", line.text), line.text
        # no English sentence words of trialkit's own are left (quoted registry text is kept verbatim)
        own = re.sub(r"\u201c[^\u201d]*\u201d", "", line.text)
        for a in trial.arm_groups:  # arm descriptions are the registry's words
            own = own.replace((a.description or "").strip(), "")
        assert not re.search(r"\b(the|is|are|study|participants|not stated)\b", own), own


def test_rules_in_chinese():
    from trialkit.criteria.rules import RangeRule, WindowRule

    rule = RangeRule(field="age", minimum=20, maximum=38, source_text="20-38 years")
    with language("zh"):
        assert describe_rule(rule, "inclusion") == "年龄须在20至38岁之间（含两端）。"
        w = WindowRule(field="months_since_other_trial", within=3, unit="months", source_text="3 months")
        assert "最近3个月内" in describe_rule(w, "exclusion")
    assert describe_rule(rule, "inclusion") == "Age must be from 20 to 38 years (both included)."


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_chinese_report_translates_our_words_and_quotes_the_registry(path, engine):
    from markupsafe import escape

    trial = load_study(path)
    html = render_report(trial, lang="zh", engine=engine)
    assert '<html lang="zh-Hans">' in html
    assert "Noto Sans CJK SC" in html  # a CJK font for screens and print
    for words in ("伦理委员会报告", "通俗摘要", "入选标准", "排除标准", "数据来源", "注册的英文原文"):
        assert words in html
    body = re.sub(r"<style.*?</style>", "", html, flags=re.S)
    for note in trial.provenance_notes:  # how the seed was transcribed: data of the trial file, kept as written
        body = body.replace(str(escape(note)), "")
    for english in ("Plain-language summary", "Inclusion criteria", "Eligibility criteria and rules", "Data sources",
                    "not stated", "Report for ethics committees", "Contents"):
        assert english not in body, english
    for c in trial.criteria:  # the protocol's words, verbatim
        assert str(escape(c.text)) in html
    assert i18n.current_language() == "en"  # rendering in Chinese left the default alone


def test_report_command_takes_lang(tmp_path):
    out = tmp_path / "r.html"
    run = subprocess.run([sys.executable, "-m", "trialkit", "report", "NCT07176143", "--out", str(out),
                          "--lang", "zh", "--no-forecast"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "入选标准" in out.read_text(encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "trialkit", "report", "NCT07176143", "--out", str(out),
                          "--lang", "fr"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


# -- figures in Chinese (issue 18: chart titles, axes, legends; a CJK font stack, no tofu) -----------------------
def _enrollment_figures():
    from datetime import date

    from tests.unit.test_enrollment_fixtures import seed_trial
    from tests.unit.test_enrollment_metrics import frames as frames_fixture, summary as summary_fixture
    from trialkit.enrollment import charts
    from trialkit.enrollment.consort import consort_figure
    from trialkit.enrollment.metrics import ranking, site_table

    frames = frames_fixture.__wrapped__()
    summary = summary_fixture.__wrapped__(frames)
    t = site_table(*frames, as_of=date(2025, 6, 1))
    return [charts.cumulative_enrollment_figure(frames[0], 60, as_of=date(2025, 6, 1), simulated=True),
            charts.arm_figure(summary), charts.screen_fail_figure(summary, seed_trial()),
            charts.activation_timeline_figure(t, as_of=date(2025, 6, 1)), charts.ranking_figure(ranking(t)),
            charts.site_map_figure(t.assign(latitude=[23.1, 22.5, None], longitude=[113.3, 114.1, None]),
                                   label="site_name", size="enrolled", title=_("Sites")),
            consort_figure(dict(summary, simulated=True))]


def test_every_enrollment_figure_speaks_chinese_with_a_cjk_font():
    with language("zh"):
        figs = _enrollment_figures()
    for fig in figs:
        assert "Noto Sans CJK SC" in fig.layout.font.family and "Noto Sans CJK SC" in fig.layout.title.font.family
        title = fig.layout.title.text
        assert title and re.search(r"[\u4e00-\u9fff]", title), title
        axis = fig.layout.xaxis.title.text
        assert axis is None or re.search(r"[\u4e00-\u9fff]", axis), axis
    assert "模拟演示数据" in figs[0].layout.title.text
    with language("zh"):
        assert figs[0].layout.xaxis.tickformat == _("%b %Y")
    consort = " ".join(a.text for a in figs[-1].layout.annotations)
    assert "评估合格性" in consort or "合格性" in consort
    with language("en"):
        english = _enrollment_figures()
    assert english[0].layout.title.text.startswith("Cumulative enrollment against target")
    assert english[0].layout.xaxis.tickformat is None  # English keeps Plotly's adaptive date ticks


def test_criteria_reasons_in_chinese_and_unchanged_in_english():
    from trialkit.criteria import evaluate as ev
    from trialkit.criteria.rules import RangeRule

    rule = RangeRule(field="age", minimum=20, maximum=38)
    with language("en"):
        assert ev.rule_reason(rule, -1, "inclusion", {"age": 40}) == "Age 40 years is above the maximum of 38 years"
        assert ev.rule_reason(rule, 0, "inclusion", {}) == "needs Age"
    with language("zh"):
        assert ev.rule_reason(rule, -1, "inclusion", {"age": 40}) == "年龄 40 岁，高于最大值 38 岁"
        assert ev.rule_reason(rule, 0, "inclusion", {}) == "需要年龄"
        assert _(ev.UI_WORDS["needs_review"]) == "需审核"

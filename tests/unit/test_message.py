"""trialkit.message: one value, English wherever it is written, the reader's language where it is said."""
from __future__ import annotations

import json
import pickle

import pytest

from trialkit.errors import CandidateError, LogValidationError, StudyFormatError, TrialkitError
from trialkit.i18n import language
from trialkit.message import Message, PluralMessage, coded, said, word


def test_a_message_is_its_english_text():
    m = Message("rules file {name}", name="NCT07176143.json")
    assert m == "rules file NCT07176143.json"
    assert isinstance(m, str) and str(m) == "rules file NCT07176143.json" and type(str(m)) is str
    assert "NCT07176143" in m and m.startswith("rules file")
    assert json.dumps({"source": m}) == '{"source": "rules file NCT07176143.json"}'
    assert "; ".join([m, "x"]) == "rules file NCT07176143.json; x"


def test_said_in_chinese_and_english():
    m = Message("rules file {name}", name="NCT07176143.json")
    with language("zh"):
        assert m.said() == "规则文件 NCT07176143.json"
        assert said(m) == m.said()
        assert str(m) == "rules file NCT07176143.json"  # files keep English in any interface language
    assert m.said() == "rules file NCT07176143.json"
    assert m.said("zh") == "规则文件 NCT07176143.json"


def test_nested_messages_lists_and_words_are_said_in_the_same_language():
    inner = Message("{id}: not in the rules file; drafted rules are shown instead", id="E3")
    outer = Message("{n} problem(s): {problems}{more}", n=2, problems=[inner, "row 2: raw text"], more="")
    assert outer == "2 problem(s): E3: not in the rules file; drafted rules are shown instead; row 2: raw text"
    zh = outer.said("zh")
    assert zh.startswith("2 个问题：E3：不在规则文件中") and zh.endswith("；row 2: raw text")
    label = word("Age", "field")
    assert label == "Age" and label.said("zh") == "年龄"


def test_coded_keeps_the_code_in_english_and_says_the_label_elsewhere():
    m = Message("Simulated cohort: {n} patients, seed {seed}, population '{population}'", n="1,000", seed=7,
                population=coded("general", "Adults (generic)"))
    assert m == "Simulated cohort: 1,000 patients, seed 7, population 'general'"
    assert "general" not in m.said("zh") and "成人" in m.said("zh")


def test_plural_messages_count():
    one = PluralMessage("{n} study file could not be read and was skipped (details in the sidebar).",
                        "{n} study files could not be read and were skipped (details in the sidebar).", 1)
    many = PluralMessage("{n} study file could not be read and was skipped (details in the sidebar).",
                         "{n} study files could not be read and were skipped (details in the sidebar).", 3)
    assert one.startswith("1 study file could") and many.startswith("3 study files could")
    assert many.said("zh").startswith("3 ")


def test_pickling_keeps_the_message():
    m = Message("{n} problem(s): {problems}{more}", n=1,
                problems=[Message("{id}: not in the rules file; drafted rules are shown instead", id="I1")], more="")
    back = pickle.loads(pickle.dumps(m))
    assert back == m and back.said("zh") == m.said("zh") and type(back) is Message
    c = pickle.loads(pickle.dumps(coded("hpv", "Women screened for HPV")))
    assert c == "hpv" and c.said("zh") == coded("hpv", "Women screened for HPV").said("zh")


def test_a_message_without_a_translation_is_said_in_english():
    m = Message("{x} is a message nobody translated", x=1)
    assert m.said("zh") == "1 is a message nobody translated"


def test_a_translation_that_lost_a_placeholder_falls_back_to_english(monkeypatch):
    from trialkit import message as mod

    monkeypatch.setattr(mod, "gettext", lambda s: "坏的翻译 {nope}")
    m = Message("rules file {name}", name="a.json")
    assert m.said("zh") == "rules file a.json"


def test_format_specs_and_conversions_work_as_str_format():
    m = Message("{value!r} is {size:.1f} MB", value="x", size=2.25)
    assert m == "'x' is 2.2 MB"


def test_literal_braces_in_a_word_are_never_formatted():
    assert word("a {b} c") == "a {b} c" and word("a {b} c").said("zh") == "a {b} c"


@pytest.mark.parametrize("exc, english, chinese", [
    (CandidateError(Message("{id}: not in the rules file; drafted rules are shown instead", id="I1")),
     "I1: not in the rules file; drafted rules are shown instead", "I1：不在规则文件中；改为显示自动起草的规则"),
    (StudyFormatError(Message("the cohort file"), source="a.json", field="protocolSection"),
     "a.json: field 'protocolSection': the cohort file", "a.json：字段“protocolSection”：队列文件"),
    (LogValidationError(["row 2: a", "row 3: b"], source="log.csv"), "log.csv: 2 problem(s): row 2: a; row 3: b",
     "log.csv：2 个问题：row 2: a；row 3: b"),
    (LogValidationError([f"row {i}: x" for i in range(7)]),
     "7 problem(s): row 0: x; row 1: x; row 2: x; row 3: x; row 4: x …",
     "7 个问题：row 0: x；row 1: x；row 2: x；row 3: x；row 4: x …"),
])
def test_errors_read_english_and_are_said_in_chinese(exc, english, chinese):
    assert str(exc) == english
    with language("zh"):
        assert exc.said() == chinese == said(exc)
        assert str(exc) == english
    assert exc.said() == english


def test_plain_string_errors_and_foreign_exceptions_keep_their_words():
    with language("zh"):
        assert said(TrialkitError("plain words")) == "plain words"
        assert said(OSError(2, "No such file")) == "[Errno 2] No such file"
        assert said(["a", "b"]) == "a；b"
        assert said(None) == "None"

"""Every page shows a hostile study's text as inert text (AppTest), quickly, with no exception.

The study (tests/hostile.py) has script tags, ``javascript:`` links, outside Markdown images and raw HTML in
its titles, criteria, sites and arms, a 1 MB criterion and 10,000 locations. Pages come from
``ui.common.PAGES``, so a new page is covered as soon as it is listed.
"""
from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from ui.common import PAGES

_spec = importlib.util.spec_from_file_location("trialkit_tests_hostile", Path(__file__).parents[1] / "hostile.py")
hostile = sys.modules.setdefault("trialkit_tests_hostile", importlib.util.module_from_spec(_spec))
_spec.loader.exec_module(hostile)

#: Proto fields whose text Streamlit renders as Markdown.
MARKDOWN_FIELDS = {"body", "label", "help", "caption", "title"}
#: Elements whose text is shown literally (never interpreted): not checked.
INERT = {"text", "code", "json", "arrow_data_frame", "arrow_table", "dataframe", "selectbox", "multiselect",
         "radio", "text_input", "text_area", "download_button", "table"}

LIVE = [
    ("an unescaped <script> tag", re.compile(r"(?<!\\)<script", re.I)),
    ("an unescaped HTML tag from the data", re.compile(r"(?<!\\)<(img|a)\s", re.I)),
    ("a live javascript: link", re.compile(r"(?<!\\)\]\(\s*javascript:", re.I)),
    ("a live outside image", re.compile(r"(?<!\\)!\[[^\]\n]*(?<!\\)\]\(\s*https?:", re.I)),
]


def _strings(msg, out: list[str]) -> None:
    for fd, value in msg.ListFields():
        if fd.type == fd.TYPE_MESSAGE:
            for v in (value if isinstance(value, Sequence) else [value]):
                _strings(v, out)
        elif fd.type == fd.TYPE_STRING and fd.name in MARKDOWN_FIELDS:
            out.extend([value] if isinstance(value, str) else list(value))


def markdown_texts(at) -> list[tuple[str, str]]:
    """(element type, text) for every text the page hands to Markdown, in main and sidebar."""
    found: list[tuple[str, str]] = []

    def walk(node):
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "?")
        if proto is not None and kind not in INERT:
            texts: list[str] = []
            _strings(proto, texts)
            found.extend((kind, t) for t in texts)
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    return found


@pytest.fixture
def hostile_apptest(apptest, data_dir):
    hostile.write_hostile_trial(data_dir / "trials")
    return apptest


@pytest.mark.parametrize("path", [p for p, _, _ in PAGES], ids=[label for _, label, _ in PAGES])
def test_hostile_study_is_inert_on_every_page(hostile_apptest, path):
    at = hostile_apptest(None if path == "app.py" else path, trial=hostile.HOSTILE_ID, timeout=90)
    assert not at.exception, [e.value for e in at.exception]
    texts = markdown_texts(at)
    assert texts, "the page drew no text at all"
    problems = [f"{kind}: {what}: {text[:160]!r}" for kind, text in texts for what, rx in LIVE if rx.search(text)]
    assert not problems, "data text reached Markdown unescaped:\n" + "\n".join(problems[:10])


def test_hostile_study_is_the_one_shown(hostile_apptest):
    """Guard against a vacuous pass: the hostile study is really the chosen trial on the Criteria page."""
    at = hostile_apptest("pages/2_Criteria.py", trial=hostile.HOSTILE_ID, timeout=90)
    assert not at.exception
    joined = "\n".join(t for _, t in markdown_texts(at))
    assert hostile.HOSTILE_ID in joined
    assert "javascript" in joined and "script" in joined  # the payload is shown, escaped


def test_markdown_check_catches_live_markup():
    """The checker itself: it flags what it must."""
    for bad in ["<script>x</script>", "[a](javascript:alert(1))", "![x](http://198.51.100.7/t.png)", '<img src="x">']:
        assert any(rx.search(bad) for _, rx in LIVE), bad
    from ui.text import md_escape

    assert not any(rx.search(md_escape(hostile.PAYLOAD)) for _, rx in LIVE)

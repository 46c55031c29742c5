"""ui.text.md_escape: data text meets Markdown as plain characters (no link, image, HTML, formatting)."""
import re

import pytest

from ui.text import humanize, md_escape, not_stated

WJ = "\u2060"


def visible(s: str) -> str:
    """What a reader sees: escapes undone, invisible word joiners dropped."""
    return re.sub(r"\\(.)", r"\1", s).replace(WJ, "").replace("  \n", "\n")


@pytest.mark.parametrize("text", [
    "see http://evil.example/x", "www.evil.example", "mail@evil.example", "![i](http://x/i.png)",
    "[l](javascript:alert(1))", "<script>alert(1)</script>", "**bold** _it_ `code`", "# header", "1. list",
    "FSH 1-10 IU/L; AFC ≥6", "a\nb",
])
def test_escaped_text_reads_the_same_and_has_no_live_markup(text):
    out = md_escape(text)
    assert visible(out) == text
    assert not re.search(r"(?<!\\)[\[\]()<>*_`#!]", out)  # every Markdown character is escaped
    assert "://" not in out and not re.search(r"(?i)www\\?\.", out) and not re.search(r"[^\u2060]@", out)


def test_limit_and_none():
    assert md_escape(None) == ""
    assert visible(md_escape("x" * 50, limit=10)) == "x" * 10 + " …"


def test_humanize_and_not_stated():
    assert humanize("NOT_YET_RECRUITING") == "Not yet recruiting"
    assert humanize(None) == "not stated"
    assert not_stated([]) == "not stated" and not_stated(0) == "0"

"""Split ClinicalTrials.gov ``eligibilityCriteria`` Markdown into numbered criteria.

What the registry's text does (see ``shared/ctgov/SOURCES.md``): headers vary ("Inclusion Criteria:",
"Key Inclusion Criteria:", lower case, bold, Markdown ``#``; sometimes no exclusion header), lists use
``*``, ``-`` or ``1.`` markers, sub-items are indented, comparison signs are backslash-escaped
(``\\<``, ``\\>=``), and lead-in sentences ("Subjects who meet each of the following…:") precede lists.

The result keeps each criterion's text verbatim, except that Markdown escapes are undone and the list
marker is dropped; nested sub-items stay with their parent, one per line, indented two spaces per level.
Ids follow contracts §1: ``I1``, ``I2``… and ``E1``, ``E2``…, numbered as the protocol numbers them
(``3.`` becomes ``I3``), or in the order the items come when the list is unnumbered.
"""
from __future__ import annotations

import re

from trialkit.i18n import N_
from dataclasses import dataclass, field

_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>=^~|&])")
_HEADER = re.compile(
    r"^\s*(?:[*\-+•·]\s+|\d{1,2}[.)]\s+)?(?:#+\s*)?(?:\*\*|__)?\s*"
    r"(?P<pre>(?:[A-Za-z0-9()'’\-/&,]+\s+){0,5}?)"
    r"(inclusion|exclusion)(?:\s+(?:criteria|criterion|crtieria|critera))?\s*(?:\([^)]{0,40}\))?\s*(?:\*\*|__)?\s*[:：]?\s*(?:\*\*|__)?\s*(.*)$",
    re.IGNORECASE,
)
#: Headings of the old PDQ-style records: their items are requirements ("No prior chemotherapy").
_PDQ_HEADER = re.compile(
    r"^\s*(?:#+\s*)?(?:\*\*|__)?\s*(DISEASE CHARACTERISTICS|PATIENT CHARACTERISTICS|PRIOR CONCURRENT THERAPY|"
    r"PRIOR THERAPY|CONCURRENT THERAPY)\s*(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(.*)$", re.IGNORECASE)
#: What the Criteria page says when the text has no heading at all.
KIND_UNCLEAR = N_("The eligibility text has no inclusion or exclusion headings, so whether each item is a "
                  "requirement or an exclusion cannot be told; they are listed as inclusion criteria and "
                  "need a clinician's reading (no rule is drafted from them).")  # N_: translated where shown
_ITEM = re.compile(r"^(\s*)((?:([*\-+•·])|(\d{1,3})[.)、]|([a-zA-Z]|[ivx]{1,4})[.)]|\((?:\d{1,2}|[a-z]|[ivx]{1,4})\))\s+)(.*)$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def unescape(text: str) -> str:
    """Undo Markdown backslash escapes (``\\>=`` -> ``>=``, ``\\[RNA\\]`` -> ``[RNA]``)."""
    return _ESCAPE.sub(r"\1", text)


def strip_control(text: str) -> str:
    """Drop C0 control characters other than tab and newline (they carry no meaning in a criterion)."""
    return _CONTROL.sub("", text)


@dataclass
class SplitCriterion:
    id: str
    kind: str  # "inclusion" | "exclusion"
    text: str


@dataclass
class SplitResult:
    criteria: list[SplitCriterion] = field(default_factory=list)
    #: Lead-in text that is not a criterion, by section ("general", "inclusion", "exclusion").
    lead_in: dict[str, str] = field(default_factory=dict)


@dataclass
class _Item:
    number: int | None
    indent: int
    lines: list[str]


def _header(line: str) -> tuple[str, str] | None:
    """Return (kind, rest-of-line) if ``line`` is a section header ("Inclusion Criteria:", "Maternal
    Exclusion Criteria:", "Part A - Key Inclusion Criteria", "* Exclusion criteria:", "DISEASE
    CHARACTERISTICS:")."""
    if len(line) > 400:
        return None
    m = _PDQ_HEADER.match(line)
    if m:
        return "inclusion", m.group(2).strip()
    m = _HEADER.match(line)
    if not m:
        return None
    rest = m.group(3).strip()
    head = line[: m.start(3)] if m.group(3) else line
    # A header is short; "Inclusion of women ..." is a sentence, not a header.
    if not re.search(r"criteri|crtieria|critera|:|：|\*\*|#", head, re.IGNORECASE):
        return None
    pre = (m.group("pre") or "").strip()
    if pre:
        # "Maternal Inclusion Criteria:", "Cohort 2 exclusion criteria": qualified headings name the
        # criteria and say nothing else on their line; "Patients who meet the exclusion criteria of …" do not.
        if rest or not re.search(r"criteri|crtieria|critera", head, re.IGNORECASE) or \
                re.search(r"\b(?:not|no|meet\w*|any|all|who|with|without|the)\b", pre, re.IGNORECASE):
            return None
    return m.group(2).lower(), rest


def _section_items(lines: list[str]) -> tuple[list[_Item], list[str], list[str]]:
    """Group one section's lines into top-level items. Returns (items, lead-in lines, loose paragraphs)."""
    parsed = []
    for raw in lines:
        if not raw.strip():
            parsed.append(None)
            continue
        m = _ITEM.match(raw)
        if m:
            indent = len(m.group(1).expandtabs(4))
            number = int(m.group(4)) if m.group(4) else None
            marker = m.group(2).strip()
            parsed.append(("item", indent, number, m.group(6).rstrip(), marker))
        else:
            indent = len(raw) - len(raw.lstrip(" \t"))
            parsed.append(("text", indent, None, raw.strip(), ""))
    item_indents = [p[1] for p in parsed if p and p[0] == "item"]
    if not item_indents:
        # No list at all: every paragraph is a criterion.
        paragraphs: list[str] = []
        current: list[str] = []
        for p in parsed:
            if p is None:
                if current:
                    paragraphs.append(" ".join(current))
                    current = []
            else:
                current.append(p[3])
        if current:
            paragraphs.append(" ".join(current))
        return [_Item(None, 0, [t]) for t in paragraphs], [], []
    top = min(item_indents)
    items: list[_Item] = []
    lead: list[str] = []
    sub_indents = sorted({i for i in item_indents if i > top})
    depth_of = {ind: k + 1 for k, ind in enumerate(sub_indents)}
    for p in parsed:
        if p is None:
            continue
        kind, indent, number, text, marker = p
        if kind == "item" and indent <= top:
            items.append(_Item(number, indent, [text]))
        elif not items:
            lead.append(text)
        elif kind == "item":
            # a numbered sub-item keeps its own marker ("1.", "a)", "(ii)"): the text stays the protocol's
            # words (a bullet is dropped, as for top-level items); one more indentation level per step
            depth = depth_of.get(indent, 1)
            keep = marker and marker[0] not in "*-+•·"
            items[-1].lines.append("  " * depth + (f"{marker} {text}" if keep else text))
        elif indent <= top and text.rstrip().endswith((":", "：")) and len(text) < 120:
            # a sub-heading between items ("Part B:", "For cohort 2:") introduces what follows;
            # it is never glued into the item before it
            lead.append(text)
        else:
            # Continuation of the current item (indented text, a note, or a wrapped line).
            items[-1].lines.append(("  " if indent > top else "") + text)
    return items, lead, []


def _number(items: list[_Item]) -> list[int]:
    numbers = [it.number for it in items]
    if all(n is not None for n in numbers) and len(set(numbers)) == len(numbers):
        return [int(n) for n in numbers]  # as the protocol numbers them
    return list(range(1, len(items) + 1))  # as the list items come


def split_criteria(markdown: str | None) -> SplitResult:
    """Split eligibility Markdown into inclusion and exclusion criteria (see module docstring)."""
    result = SplitResult()
    if not markdown or not markdown.strip():
        return result
    text = strip_control(unescape(markdown.replace("\r\n", "\n").replace("\r", "\n")))
    sections: list[tuple[str, list[str]]] = [("general", [])]
    for line in text.split("\n"):
        h = _header(line)
        if h:
            kind, rest = h
            sections.append((kind, [rest] if rest else []))
        else:
            sections[-1][1].append(line)
    has_headers = len(sections) > 1
    counters = {"inclusion": 0, "exclusion": 0}
    seen_ids: set[str] = set()
    for kind, lines in sections:
        if kind == "general":
            if not has_headers:
                kind = "inclusion"  # listed as inclusion, but the page says the kind cannot be told
                if any(line.strip() for line in lines):
                    result.lead_in["kind_unclear"] = KIND_UNCLEAR
            else:
                lead = "\n".join(line.strip() for line in lines if line.strip())
                if lead:
                    result.lead_in["general"] = lead
                continue
        items, lead, _ = _section_items(lines)
        if lead:
            prev = result.lead_in.get(kind)
            result.lead_in[kind] = (prev + "\n" if prev else "") + "\n".join(lead)
        prefix = "I" if kind == "inclusion" else "E"
        numbers = _number(items)
        for it, n in zip(items, numbers):
            # A second section of the same kind continues the numbering.
            n = n + counters[kind] if f"{prefix}{n}" in seen_ids else n
            cid = f"{prefix}{n}"
            while cid in seen_ids:
                n += 1
                cid = f"{prefix}{n}"
            seen_ids.add(cid)
            counters[kind] = max(counters[kind], n)
            body = "\n".join(it.lines).strip()
            result.criteria.append(SplitCriterion(cid, kind, body))
    return result

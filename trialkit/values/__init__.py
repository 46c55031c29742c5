"""One meaning per written value: each field *kind* has one module that owns its written forms.

A candidate value is written in four places: the command line (``check --set age=39``), a link's query
parameter (``/What_if?age=39``), a CSV cell of a cohort file, and a share link / referral scenario
(:mod:`trialkit.scenario`). All of them parse through :func:`parse` (the CSV, column-wise, through
:func:`column`, which uses the same words), so they cannot disagree. Each kind module has ``parse``
(written text or a Python value -> canonical value, None for unknown), ``write`` (the canonical written
form, what links and share links carry) and ``show`` (what a person reads).

===================  ==========================  ===============================================
kind                 module                      written forms (see each module)
===================  ==========================  ===============================================
number with units    :mod:`.number`              ``10.4``, ``9.8 g/dL``, ``7 mIU/mL``
time since / never   :mod:`.since`               ``6``, ``6 months``, ``never``/``none``/``inf``
yes/no               :mod:`.yesno`               ``yes/y/true/t/1``, ``no/n/false/f/0``
sex                  :mod:`.sex`                 ``female/f/woman/women``, ``male/m/man/men``
code set             :mod:`.codeset`             ``16,52``, ``HPV16/HPV52``, ``none``/``negative``
judgment answer      :mod:`.answer`              as yes/no, key ``judgment.E17``
unknown (every kind) :mod:`.words`               ``""``, ``unknown``, ``?``, ``na``, ``n/a``, ``-``
===================  ==========================  ===============================================

The field specs (name, unit, range) stay in :data:`trialkit.criteria.fields.FIELDS`; unit conversion stays in
:mod:`trialkit.criteria.units`. A new field of an existing kind needs nothing here; a new kind adds a
module with ``parse``/``write``/``show``/``column`` and a line in :func:`kind_module`.
"""
from __future__ import annotations

from types import ModuleType

from trialkit.criteria import judgment
from trialkit.criteria.fields import FieldSpec, get_field
from trialkit.errors import CandidateError
from trialkit.values import answer, codeset, number, sex, since, yesno
from trialkit.values.words import UNKNOWN_WORDS, is_unknown

__all__ = ["UNKNOWN_WORDS", "column", "is_unknown", "kind_module", "parse", "show", "write"]


def kind_module(spec: FieldSpec) -> ModuleType:
    """The module that owns ``spec``'s written forms."""
    if spec.kind == "number":
        return since if spec.allow_never else number
    return {"yesno": yesno, "sex": sex, "set": codeset}[spec.kind]


def parse(name: str, value):
    """Any written form of field ``name`` (or a ``judgment.<ID>`` key) -> its canonical value, None for
    unknown. Raises :class:`CandidateError` naming the field and the value."""
    if judgment.is_judgment_key(name):
        return answer.parse(name, value)
    spec = get_field(name)
    return kind_module(spec).parse(spec, value)


def write(name: str, value) -> str:
    """The canonical written form of a canonical value (what a link or share link carries)."""
    if judgment.is_judgment_key(name):
        return answer.write(name, value)
    spec = get_field(name)
    return kind_module(spec).write(spec, value)


def show(name: str, value) -> str:
    """A canonical value as a person reads it ("10.4 IU/L", "never", "yes", "16, 52"); None -> "unknown"."""
    if value is None:
        return "unknown"
    if judgment.is_judgment_key(name):
        return answer.show(name, value)
    spec = get_field(name)
    return kind_module(spec).show(spec, value)


def column(name: str, cells, row) -> tuple[object, list[str]]:
    """A CSV column of strings -> the engine frame's column; ``row(i)`` numbers the i-th cell for the
    problems (``row N: name: …``; past each check's first ``DETAILED_PROBLEMS`` a ``None`` that only counts).
    Uses the same words as :func:`parse`."""
    s = cells.astype(str).str.strip()
    low = s.str.lower()
    missing = low.isin(UNKNOWN_WORDS).to_numpy()
    if judgment.is_judgment_key(name):
        return answer.column(name, low, missing, s, row)
    spec = get_field(name)
    mod = kind_module(spec)
    if mod in (number, since):
        return mod.column(name, spec, s, low, missing, row)
    if mod is codeset:
        return codeset.column(name, spec, low, missing, row)
    if mod in (yesno, sex):
        return mod.column(name, low, missing, s, row)
    raise CandidateError(f"{name}: fields of kind {spec.kind!r} cannot come from a CSV")  # pragma: no cover

"""The interface language: English or Simplified Chinese (contracts §10), through the standard gettext workflow.

Every word trialkit itself writes for a person goes through :func:`gettext` (``_``) or :func:`ngettext`;
words defined at import time (tables of labels) are marked with :func:`N_` and translated where they are
shown. The catalogs are ordinary gettext ``.po`` files under ``trialkit/locale/<lang>/LC_MESSAGES/``,
extracted from the code with Babel (``pybabel extract -F babel.cfg``, see the README) and compiled with
Babel's own compiler when first used (a ``.po`` is the single source; no stale ``.mo`` can be shipped).

The language is a context value, not a global: the app sets it for one script run
(:func:`use_language`), the report renders inside ``with language("zh")``, and everything else (the
command line, JSON) stays English because English is the default. Data text (criteria, titles, site
names) is never passed through the catalogs: it is the protocol's words and is shown as written.

Dates and numbers are formatted with Babel's CLDR locale data (:func:`format_date`, :func:`format_decimal`).
"""
from __future__ import annotations

import gettext as _gettext
import io
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

#: The interface languages, in the order the language switch lists them.
LANGUAGES: tuple[str, ...] = ("en", "zh")
DEFAULT_LANGUAGE = "en"
#: How each language names itself (the switch shows these, never translated).
LANGUAGE_NAMES = {"en": "English", "zh": "中文"}
#: The BCP 47 tag for HTML ``lang`` attributes and the CLDR locale Babel formats with.
HTML_TAGS = {"en": "en", "zh": "zh-Hans"}
BABEL_LOCALES = {"en": "en", "zh": "zh_Hans_CN"}
#: What separates two sentences (Chinese sets sentences with full-width punctuation and no space).
SENTENCE_SEPARATORS = {"en": " ", "zh": ""}

DOMAIN = "trialkit"
LOCALE_DIR = Path(__file__).with_name("locale")

_current: ContextVar[str] = ContextVar("trialkit_language", default=DEFAULT_LANGUAGE)


def normalize_language(value: object) -> str | None:
    """``"zh"``, ``"zh-CN"``, ``"zh_Hans"``, ``"ZH"`` → ``"zh"``; ``"en-GB"`` → ``"en"``; anything else → None.

    Used for the ``?lang=`` query parameter and the browser's ``Accept-Language`` / locale, so a link
    written by hand or by another tool means the same thing everywhere."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower().replace("_", "-")
    if not text or len(text) > 35:
        return None
    primary = text.split("-", 1)[0]
    return primary if primary in LANGUAGES else None


def language_from_accept(header: object) -> str | None:
    """The first supported language of an ``Accept-Language`` header (quality order), or None."""
    if not isinstance(header, str):
        return None
    ranked = []
    for i, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        lang = normalize_language(tag)
        if lang and q > 0:
            ranked.append((-q, i, lang))
    return min(ranked)[2] if ranked else None


def current_language() -> str:
    return _current.get()


def use_language(lang: str | None) -> str:
    """Set the language for the rest of this context (one Streamlit script run); returns what was set."""
    chosen = normalize_language(lang) or DEFAULT_LANGUAGE
    _current.set(chosen)
    return chosen


@contextmanager
def language(lang: str | None):
    """``with language("zh"): ...`` renders in Chinese, then restores the previous language."""
    token = _current.set(normalize_language(lang) or DEFAULT_LANGUAGE)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=None)
def translations(lang: str) -> _gettext.NullTranslations:
    """The compiled catalog of ``lang`` (English, the source language, needs none)."""
    path = catalog_path(lang)
    if lang == DEFAULT_LANGUAGE or not path.exists():
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        catalog = read_po(fh, locale=BABEL_LOCALES[lang], domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


def gettext(message: str) -> str:
    """``message`` in the current language (itself when the catalog has no translation)."""
    return translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations(_current.get()).pgettext(context, message)


_ = gettext


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now (translate it where it is shown)."""
    return message


def format_date(value: date | datetime | None, fmt: str = "medium") -> str:
    """A date as the current language writes it ("Sep 1, 2026" / "2026年9月1日")."""
    if value is None:
        return ""
    from babel.dates import format_date as _fd

    d = value.date() if isinstance(value, datetime) else value
    return _fd(d, format=fmt, locale=BABEL_LOCALES[_current.get()])


def format_decimal(value: float, fmt: str | None = None) -> str:
    from babel.numbers import format_decimal as _fn

    return _fn(value, format=fmt, locale=BABEL_LOCALES[_current.get()])


def sentence_separator() -> str:
    return SENTENCE_SEPARATORS[_current.get()]


def html_lang() -> str:
    return HTML_TAGS[_current.get()]


#: The font stack of figures (Plotly) and printed pages: Latin faces first, then Simplified Chinese faces
#: (Debian's fonts-noto-cjk provides "Noto Sans CJK SC"), so Chinese text never falls to tofu boxes.
FONT_STACK = ('"Source Sans Pro", "Segoe UI", "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", '
              '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
              '"WenQuanYi Micro Hei", sans-serif')


def with_fonts(fig, *, date_axes: tuple[str, ...] = ()):
    """A Plotly figure in the interface language's typography (every figure function returns through this):
    :data:`FONT_STACK` on the figure and on each text part (Streamlit's chart theme replaces the figure-wide
    font, not the parts' own), and for ``date_axes`` ("xaxis", …) dates as the language writes them."""
    font = dict(family=FONT_STACK)
    fig.update_layout(font=font, title_font=font, legend_font=font, hoverlabel_font=font)
    fig.update_xaxes(title_font=font, tickfont=font)
    fig.update_yaxes(title_font=font, tickfont=font)
    for note in fig.layout.annotations or ():
        note.font = dict(family=FONT_STACK, size=note.font.size, color=note.font.color)
    # d3 date format of axis ticks (English keeps Plotly's own adaptive format)
    tick = gettext("%b %Y")
    if tick != "%b %Y":
        for axis in date_axes:
            fig.layout[axis].tickformat = tick
    return fig


# -- words that come from data tables rather than string literals -------------------------------------------
#: ClinicalTrials.gov API v2 enumerations shown to people through ``plain_language.humanize`` (spec v2.0.5).
REGISTRY_ENUMS: tuple[str, ...] = (
    # Status / RecruitmentStatus
    "ACTIVE_NOT_RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "NOT_YET_RECRUITING", "RECRUITING",
    "SUSPENDED", "TERMINATED", "WITHDRAWN", "AVAILABLE", "NO_LONGER_AVAILABLE", "TEMPORARILY_NOT_AVAILABLE",
    "APPROVED_FOR_MARKETING", "WITHHELD", "UNKNOWN",
    # StudyType, Phase
    "EXPANDED_ACCESS", "INTERVENTIONAL", "OBSERVATIONAL", "NA", "EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3",
    "PHASE4",
    # Sex, DateType / EnrollmentType
    "FEMALE", "MALE", "ALL", "ACTUAL", "ESTIMATED",
    # DesignAllocation, InterventionalAssignment
    "RANDOMIZED", "NON_RANDOMIZED", "SINGLE_GROUP", "PARALLEL", "CROSSOVER", "FACTORIAL", "SEQUENTIAL",
    # PrimaryPurpose
    "TREATMENT", "PREVENTION", "DIAGNOSTIC", "ECT", "SUPPORTIVE_CARE", "SCREENING", "HEALTH_SERVICES_RESEARCH",
    "BASIC_SCIENCE", "DEVICE_FEASIBILITY", "OTHER",
    # DesignMasking, WhoMasked
    "NONE", "SINGLE", "DOUBLE", "TRIPLE", "QUADRUPLE", "PARTICIPANT", "CARE_PROVIDER", "INVESTIGATOR",
    "OUTCOMES_ASSESSOR",
    # ArmGroupType
    "EXPERIMENTAL", "ACTIVE_COMPARATOR", "PLACEBO_COMPARATOR", "SHAM_COMPARATOR", "NO_INTERVENTION",
    # InterventionType
    "BEHAVIORAL", "BIOLOGICAL", "COMBINATION_PRODUCT", "DEVICE", "DIAGNOSTIC_TEST", "DIETARY_SUPPLEMENT", "DRUG",
    "GENETIC", "PROCEDURE", "RADIATION",
    # ContactRole
    "STUDY_CHAIR", "STUDY_DIRECTOR", "PRINCIPAL_INVESTIGATOR", "SUB_INVESTIGATOR", "CONTACT",
    # ObservationalModel, DesignTimePerspective
    "COHORT", "CASE_CONTROL", "CASE_ONLY", "CASE_CROSSOVER", "ECOLOGIC_OR_COMMUNITY", "FAMILY_BASED",
    "DEFINED_POPULATION", "NATURAL_HISTORY", "RETROSPECTIVE", "PROSPECTIVE", "CROSS_SECTIONAL",
    # the enrollment log's site statuses (contracts §5)
    "PLANNED", "ACTIVE", "ON_HOLD", "CLOSED",
)


def data_messages() -> list[tuple[str | None, str]]:
    """(context, message) pairs shown to people that live in data tables, not in string literals: field
    labels and units (:mod:`trialkit.criteria.fields`), registry enumerations as ``humanize`` writes them,
    CDISC NCOMPLT reasons as the CONSORT boxes write them, and the enrollment summary's denominator
    words. The extraction tool adds them to the catalog template; a test checks each has a translation."""
    import re

    from trialkit.criteria.fields import FIELDS
    from trialkit.enrollment.schema import NCOMPLT_TERMS
    from trialkit.enrollment.storage import DEMO_LABEL

    out: list[tuple[str | None, str]] = []
    for spec in FIELDS.values():
        out.append(("field", spec.label))
        if spec.help:
            out.append(("field help", spec.help))
        if spec.unit:
            out.append(("unit", spec.unit))
    out.append(("unit of age", "years"))  # ages read "20岁", other durations "3年" (plain_language.unit_words)
    for value in REGISTRY_ENUMS:
        words = value.replace("_", " ")
        out.append(("registry value", words.capitalize()))
        out.append(("registry value, mid-sentence", re.sub(r"(?<=[a-z])(?=\d)", " ", words.lower())))
    out += [(None, term.capitalize()) for term in NCOMPLT_TERMS]
    out += [(None, DEMO_LABEL), (None, "enrolled"), (None, "no target stated"),
            (None, "screenings with an outcome (declined counted, still in screening left out)"),
            (None, "sum of the site targets in the log")]
    out += [(None, f"registry enrollment ({kind})") for kind in ("actual", "estimated", "not typed")]
    out += [(None, "female"), (None, "male")]
    seen: set = set()
    return [m for m in out if not (m in seen or seen.add(m))]

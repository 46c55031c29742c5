"""The gettext workflow for trialkit's interface languages (Babel).

    python tools/i18n.py extract   # code + data tables -> trialkit/locale/trialkit.pot
    python tools/i18n.py update    # merge the template into every language's .po (new messages empty)
    python tools/i18n.py check     # list messages without a translation (exit 1 if any)

Messages come from ``_()``/``ngettext()``/``pgettext()``/``N_()`` in the Python code and ``{{ _("…") }}`` in the
Jinja2 templates (``babel.cfg``), plus :func:`trialkit.i18n.data_messages` (field labels, units, registry
values). Catalogs are compiled by Babel when first used (:func:`trialkit.i18n.translations`).
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from babel.messages.catalog import Catalog  # noqa: E402
from babel.messages.extract import extract_from_dir  # noqa: E402
from babel.messages.frontend import parse_mapping_cfg  # noqa: E402
from babel.messages.pofile import read_po, write_po  # noqa: E402

from trialkit import i18n  # noqa: E402

POT = i18n.LOCALE_DIR / f"{i18n.DOMAIN}.pot"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "N_": None,
            "Message": None, "PluralMessage": (1, 2)}  # trialkit.message


def template() -> Catalog:
    """Every message of the code, templates and data tables."""
    cat = Catalog(project="trialkit", domain=i18n.DOMAIN)
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True):
        cat.add(message, locations=[(filename, lineno)], auto_comments=comments, context=context)
    for context, message in i18n.data_messages():
        cat.add(message, locations=[("trialkit/i18n.py:data_messages", 0)], context=context)
    return cat


def extract() -> Catalog:
    cat = template()
    POT.parent.mkdir(parents=True, exist_ok=True)
    with POT.open("wb") as fh:
        write_po(fh, cat, width=110, sort_output=False, omit_header=False, include_lineno=False)
    return cat


def update() -> None:
    pot = extract()
    for lang in i18n.LANGUAGES:
        if lang == i18n.DEFAULT_LANGUAGE:
            continue
        path = i18n.catalog_path(lang)
        if path.exists():
            with path.open("rb") as fh:
                cat = read_po(fh, locale=i18n.BABEL_LOCALES[lang], domain=i18n.DOMAIN)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            cat = Catalog(locale=i18n.BABEL_LOCALES[lang], domain=i18n.DOMAIN, project="trialkit")
        cat.update(pot, no_fuzzy_matching=True)
        with path.open("wb") as fh:
            write_po(fh, cat, width=110, include_previous=False, ignore_obsolete=True, include_lineno=False)


def missing(lang: str) -> list[tuple[str | None, object]]:
    """(context, message id) of every template message that ``lang``'s catalog leaves untranslated."""
    with i18n.catalog_path(lang).open("rb") as fh:
        cat = read_po(fh, locale=i18n.BABEL_LOCALES[lang], domain=i18n.DOMAIN)
    out = []
    for m in template():
        if not m.id:
            continue
        have = cat.get(m.id, context=m.context)
        strings = [] if have is None else (list(have.string) if isinstance(have.string, (list, tuple)) else [have.string])
        if have is None or have.fuzzy or not all(strings):
            out.append((m.context, m.id))
    return out


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "check"
    if cmd == "extract":
        print(f"{len(extract())} messages -> {POT.relative_to(ROOT)}")
    elif cmd == "update":
        update()
        print("catalogs updated")
    elif cmd == "check":
        bad = {lang: missing(lang) for lang in i18n.LANGUAGES if lang != i18n.DEFAULT_LANGUAGE}
        for lang, items in bad.items():
            for ctx, mid in items:
                print(f"{lang}: untranslated: {(ctx + ' | ') if ctx else ''}{mid}")
        return 1 if any(bad.values()) else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""A message: words trialkit writes for a person, kept as a catalog message and its values until read.

An error's reason, a problem in an uploaded file, a cohort's provenance or a ruleset's source is written
once, where it is found, and read in two places: files, logs, JSON and the command line keep it in English
(the contracts' language), while a page says it in the reader's language (issue 18). A :class:`Message` is
both. It *is* the English text (a ``str``: ``str(m)``, ``"; ".join``, ``in``, ``==``, JSON and the CSV
writers all see the English words, exactly as before), and it keeps its catalog message id and values so
:meth:`Message.said` (or :func:`said`) can render it again in the current interface language.

    raise CandidateError(Message("{field}: {value!r} is not a number", field=name, value=raw))
    ...
    except TrialkitError as exc:
        st.error(said(exc))            # Chinese on a Chinese page, English elsewhere

Values are formatted as ``str.format`` does (``{size:.1f}``, ``{value!r}``); a value that is itself a
:class:`Message` (a field label from :func:`word`, a nested reason) is said in the same language, and a
list or tuple value is said item by item, joined by the language's list separator ("; " / "；"). Message
ids are extracted for the catalog by ``tools/i18n.py`` (keywords ``Message`` and ``PluralMessage``).
A translation that lost a placeholder falls back to the English words rather than failing (a test also
checks every translation keeps its placeholders).
"""
from __future__ import annotations

from collections.abc import Mapping

from trialkit.i18n import DEFAULT_LANGUAGE, current_language, gettext, language, ngettext, pgettext

__all__ = ["Message", "PluralMessage", "word", "coded", "said"]


class Message(str):
    """The English text of a catalog message (a ``str``), which can also be said in another language."""

    msgid: str
    values: Mapping[str, object] | None  # None for a word (no placeholders: never formatted)
    context: str | None = None
    plural: str | None = None
    n: int | None = None
    #: for :func:`coded`: the code files write, where other languages say a translated label
    code: str | None = None

    def __new__(cls, msgid: str, /, **values) -> "Message":
        return cls._make(msgid, values)

    @classmethod
    def _make(cls, msgid: str, values: Mapping[str, object] | None, *, context: str | None = None,
              plural: str | None = None, n: int | None = None) -> "Message":
        english = _render(msgid, values, context, plural, n, DEFAULT_LANGUAGE)
        self = str.__new__(cls, english)
        self.msgid, self.context, self.plural, self.n = msgid, context, plural, n
        self.values = None if values is None else dict(values)
        return self

    def said(self, lang: str | None = None) -> str:
        """These words in ``lang`` (default: the current interface language), as a plain ``str``."""
        lang = lang or current_language()
        if lang == DEFAULT_LANGUAGE:
            return str.__str__(self)
        return _render(self.msgid, self.values, self.context, self.plural, self.n, lang)

    def __str__(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str.__repr__(self)})"

    def __reduce__(self):  # pickling (Streamlit's caches) keeps the message, not only its English words
        return (_rebuild, (self.msgid, self.values, self.context, self.plural, self.n, self.code))


class PluralMessage(Message):
    """A message whose words depend on a count ``n`` (also available to the text as ``{n}``)."""

    def __new__(cls, singular: str, plural: str, n: int, /, **values) -> "PluralMessage":
        return cls._make(singular, {"n": n, **values}, plural=plural, n=int(n))


def _rebuild(msgid, values, context, plural, n, code=None) -> Message:
    if code is not None:
        return coded(code, msgid, context)
    cls = Message if plural is None else PluralMessage
    return cls._make(msgid, values, context=context, plural=plural, n=n)


def word(msgid: str, context: str | None = None) -> Message:
    """A catalog word with no values (a field label: ``word(spec.label, "field")``), said in the reader's
    language where it is a value of another message. The caller makes sure the catalog has it (literal
    ``N_()`` strings or :func:`trialkit.i18n.data_messages`)."""
    return Message._make(msgid, None, context=context)


def coded(code: str, label: str, context: str | None = None) -> Message:
    """A code as files write it (``"hpv"``), said as its translated label in another language
    (``"Women screened for HPV"`` → Chinese): English keeps the code, so files and the command line do not
    change with the interface."""
    self = str.__new__(Message, code)
    self.msgid, self.values, self.context, self.plural, self.n, self.code = label, None, context, None, None, code
    return self


def said(value: object, lang: str | None = None) -> str:
    """Anything shown to a person, in ``lang`` (default: the current language): a :class:`Message`, an
    exception whose one argument is a message (trialkit's errors), a list of them (joined by the list
    separator), or anything else as ``str()`` gives it (another library's error stays in its words)."""
    if isinstance(value, Message):
        return value.said(lang)
    if isinstance(value, BaseException):
        if len(value.args) == 1 and isinstance(value.args[0], Message):
            return value.args[0].said(lang)
        return str(value)
    if isinstance(value, (list, tuple)):
        return _separator(lang or current_language()).join(said(v, lang) for v in value)
    return str(value)


def _separator(lang: str) -> str:
    with language(lang):
        return gettext("; ")


def _value(value: object, lang: str) -> object:
    if isinstance(value, Message):
        return value.said(lang) if lang != DEFAULT_LANGUAGE else str.__str__(value)
    if isinstance(value, (list, tuple)):
        return _separator(lang).join(str(_value(v, lang)) for v in value)
    return value


def _render(msgid: str, values: Mapping[str, object] | None, context: str | None, plural: str | None,
            n: int | None, lang: str) -> str:
    if lang == DEFAULT_LANGUAGE:  # the source language: the message ids are its words (no catalog lookup)
        template = msgid if plural is None or n == 1 else plural
        if values is None:
            return template
        words = {k: _value(v, lang) for k, v in values.items()}
    else:
        with language(lang):
            if plural is not None:
                template = ngettext(msgid, plural, n if n is not None else 1)
            elif context is not None:
                template = pgettext(context, msgid)
            else:
                template = gettext(msgid)
            if values is None:
                return template
            words = {k: _value(v, lang) for k, v in values.items()}
    try:
        return template.format(**words)
    except (KeyError, IndexError, ValueError):
        english = msgid if plural is None or n == 1 else plural
        if template == english:
            raise
        return english.format(**words)  # a translation that lost a placeholder: the English words

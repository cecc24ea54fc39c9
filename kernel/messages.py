"""Bilingual message catalogs: every user-facing text of a service, keyed by a stable code.

Each service keeps ONE catalog (``services/<name>/messages.py``), apart from the logic that
raises or returns the texts: a code maps to a pair of templates, Bahasa Indonesia first, then
English. A template names its parameters the way :meth:`str.format` does (``{request_id}``,
``{limit:,}``), and both languages take the same parameters; a parameter that reads differently
in each language (a date, a list of days, a smaller text of the catalog) is passed as a
:class:`Bilingual` and each language takes its own side. The code that refuses looks the texts
up by code::

    raise MESSAGES.refusal(RefusalKind.CONFLICT, "request_expired", request_id=rid, ...)

A unit test checks every catalog: both languages present and non-blank, the same parameters in
each, and every code the sources look up present.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal, NamedTuple, TypedDict

from kernel.refusal import Refusal, RefusalKind

__all__ = ["Bilingual", "MessageCatalog", "Messages", "bilingual", "parameters_of"]

_Lang = Literal["id", "en"]


class Messages(TypedDict):
    """A text as the contract's bilingual fields carry it (``**text.as_messages()``)."""

    message_id: str
    message_en: str


class Bilingual(NamedTuple):
    """A text in Bahasa Indonesia and in English (unpacks as ``message_id, message_en``)."""

    id: str
    en: str

    def say(self, lang: _Lang) -> str:
        """The text in ``lang``."""
        return self.id if lang == "id" else self.en

    def as_messages(self) -> Messages:
        """The ``message_id`` and ``message_en`` fields of an event or a refusal."""
        return {"message_id": self.id, "message_en": self.en}

    @staticmethod
    def join(separator: str, parts: Iterable[Bilingual]) -> Bilingual:
        """``separator.join`` in each language."""
        listed = list(parts)
        return Bilingual(
            separator.join(part.id for part in listed), separator.join(part.en for part in listed)
        )


def bilingual(write: Callable[[_Lang], str]) -> Bilingual:
    """A text written once per language, e.g. ``bilingual(lambda lang: format_date(d, lang))``."""
    return Bilingual(write("id"), write("en"))


def parameters_of(template: str) -> frozenset[str]:
    """The names a template formats (``{name}`` or ``{name:spec}``)."""
    return frozenset(
        field.split(".", 1)[0].split("[", 1)[0]
        for _, field, _, _ in string.Formatter().parse(template)
        if field is not None and field != ""
    )


def _side(params: Mapping[str, Any], index: int) -> dict[str, Any]:
    return {
        name: value[index] if isinstance(value, Bilingual) else value
        for name, value in params.items()
    }


class MessageCatalog(Mapping[str, Bilingual]):
    """A service's bilingual texts by code; looking one up formats both languages."""

    def __init__(self, service: str, entries: Mapping[str, tuple[str, str]]) -> None:
        self.service = service
        self._entries = {code: Bilingual(*pair) for code, pair in entries.items()}

    def __getitem__(self, code: str) -> Bilingual:
        return self._entries[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def text(self, code: str, /, **params: Any) -> Bilingual:
        """Both texts of ``code`` with ``params`` filled in (a :class:`Bilingual` parameter
        gives each language its own side)."""
        template_id, template_en = self._entries[code]
        return Bilingual(
            template_id.format(**_side(params, 0)), template_en.format(**_side(params, 1))
        )

    def say(self, code: str, lang: _Lang, /, **params: Any) -> str:
        """The text of ``code`` in one language."""
        return self.text(code, **params).say(lang)

    def refusal(
        self,
        kind: RefusalKind,
        code: str,
        /,
        details: Sequence[Any] = (),
        **params: Any,
    ) -> Refusal:
        """A :class:`Refusal` of ``kind`` with the texts of ``code`` (raise or return it)."""
        message_id, message_en = self.text(code, **params)
        return Refusal(kind, code, message_id, message_en, details)

"""User-facing strings: gettext catalogs, one per language, and the locale rules.

``locale/<lang>/LC_MESSAGES/aiclub.po`` is *monolingual* gettext: the msgid is a dotted key
(``errors.unexpected``), the msgstr a ``str.format`` template; English is the base file. A plural
entry (msgid_plural: the key again) has one msgstr per form of its language, picked with the
``count`` parameter by the file's own ``Plural-Forms``; the count is written as a Babel number in
that language (``1,234``). ``zh/LC_MESSAGES/commands.po`` (hand-edited; ``make i18n`` leaves it
alone) translates the slash commands, whose English lives in the code. An empty or fuzzy msgstr
falls back to English; a key missing in English is a bug. ``make i18n`` extracts the keys the
code uses (``bot.i18n.extract``) into ``aiclub.pot`` and updates every ``aiclub.po`` from it; the
tests check both are current.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from gettext import c2py
from pathlib import Path
from typing import Any, Literal

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

Lang = Literal["en", "zh"]
LANGUAGES: tuple[Lang, ...] = ("en", "zh")
DOMAIN = "aiclub"  # responses; "commands" holds the slash commands' translations
LOCALE_DIR = Path(__file__).parent / "locale"


@dataclass(frozen=True)
class Plural:
    """A catalog entry with one template per plural form of its language."""

    forms: tuple[str, ...]
    index: Callable[[int], int] = field(compare=False, repr=False)  # the Plural-Forms rule

    def select(self, count: int) -> str:
        """The template for ``count``."""
        return self.forms[self.index(count)]


Entry = str | Plural


@cache
def po_catalog(lang: str, domain: str = DOMAIN) -> Catalog:
    """The ``.po`` file of ``lang`` in ``domain``, read once (empty when there is none)."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
    if not path.exists():
        return Catalog(locale=lang, domain=domain)
    with path.open("rb") as fh:
        return read_po(fh, domain=domain)


def entries(po: Catalog) -> dict[str, Entry]:
    """The translated entries of ``po`` by key: an empty or fuzzy msgstr is left out."""
    index = c2py(po.plural_expr)
    found: dict[str, Entry] = {}
    for message in po:
        if not message.id or message.fuzzy:
            continue
        key, text = message.id, message.string
        if isinstance(key, tuple | list) and isinstance(text, tuple | list):
            if all(text):
                found[key[0]] = Plural(tuple(text), index)
        elif isinstance(key, str) and isinstance(text, str) and text:
            found[key] = text
    return found


@cache
def catalog(lang: Lang) -> dict[str, Entry]:
    """The response catalog of one language."""
    return entries(po_catalog(lang))


@cache
def command_catalog(lang: Lang) -> dict[str, str]:
    """Command-name/description translations (keys like ``help.name``)."""
    return {k: v for k, v in entries(po_catalog(lang, "commands")).items() if isinstance(v, str)}


@cache
def babel_locale(lang: str) -> Locale:
    """Babel's locale of a supported language ('zh' is Simplified Chinese)."""
    return Locale.parse("zh_Hans_CN" if normalize_lang(lang) == "zh" else "en")


def format_number(lang: str, value: float) -> str:
    """``value`` as the language writes numbers (digit grouping, decimal sign)."""
    return format_decimal(value, locale=babel_locale(lang))


def t(lang: str, key: str, /, **params: Any) -> str:
    """Render ``key`` in ``lang`` (falling back to English) with ``params``.

    A plural entry picks its form with ``count`` (a missing count is a KeyError).
    """
    code = normalize_lang(lang)
    entry = catalog(code).get(key)
    if entry is None:
        code, entry = "en", catalog("en")[key]
    if isinstance(entry, Plural):
        count = params["count"]
        params = {**params, "count": format_number(code, count)}
        entry = entry.select(count)
    return entry.format(**params) if params else entry


def normalize_lang(value: str | None) -> Lang:
    """Map 'zh', 'zh-CN', 'zh-TW', 'en-US'… to a supported language; default English."""
    if value and value.lower().startswith("zh"):
        return "zh"
    return "en"


def pick_lang(user_locale: str | None, guild_lang: str | None) -> Lang:
    """The user's locale when we speak it, otherwise the guild's language."""
    if user_locale:
        lowered = user_locale.lower()
        if lowered.startswith("zh"):
            return "zh"
        if lowered.startswith("en"):
            return "en"
    return normalize_lang(guild_lang)

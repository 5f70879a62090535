"""User-facing strings: one catalog per language (``en.yaml``, ``zh.yaml``) and the locale rules.

Keys are dotted paths (``errors.unexpected``); values are ``str.format`` templates, or plural
mappings of CLDR categories (``one``/``other`` in English, ``other`` in Chinese) chosen with the
``count`` parameter through Babel's plural rules (``_count: NAME`` picks another parameter).
The count itself is written as a Babel number in the catalog's language (``1,234``). A key
missing in ``zh`` falls back to ``en``; a key missing in ``en`` is a bug (a test checks parity).
The catalogs stay YAML for now; moving them to gettext ``.po`` files is left for later.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from babel import Locale
from babel.numbers import format_decimal

Lang = Literal["en", "zh"]
LANGUAGES: tuple[Lang, ...] = ("en", "zh")
PLURAL_CATEGORIES = frozenset({"zero", "one", "two", "few", "many", "other"})
_COUNT_KEY = "_count"
_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Plural:
    """A catalog value with one template per CLDR plural category, chosen by ``param``."""

    forms: dict[str, str]
    param: str = "count"

    def select(self, lang: Lang, count: Any) -> str:
        """The template of the category ``count`` falls in, in ``lang`` ('other' if absent)."""
        category = babel_locale(lang).plural_form(count)
        return self.forms.get(category) or self.forms["other"]


Entry = str | Plural


def _is_plural(value: dict[str, Any]) -> bool:
    return "other" in value and set(value) <= PLURAL_CATEGORIES | {_COUNT_KEY}


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Entry]:
    flat: dict[str, Entry] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and _is_plural(value):
            forms = {k: str(v) for k, v in value.items() if k != _COUNT_KEY}
            flat[path] = Plural(forms, str(value.get(_COUNT_KEY, "count")))
        elif isinstance(value, dict):
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = str(value)
    return flat


@cache
def _load(lang: Lang) -> dict[str, Any]:
    with open(_DIR / f"{lang}.yaml", encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


@cache
def catalog(lang: Lang) -> dict[str, Entry]:
    """The flattened response catalog of one language."""
    return _flatten(_load(lang).get("responses", {}))


@cache
def command_catalog(lang: Lang) -> dict[str, str]:
    """Flattened command-name/description translations (keys like ``help.name``)."""
    return {k: str(v) for k, v in _flatten(_load(lang).get("commands", {})).items()}


@cache
def babel_locale(lang: str) -> Locale:
    """Babel's locale of a supported language ('zh' is Simplified Chinese)."""
    return Locale.parse("zh_Hans_CN" if normalize_lang(lang) == "zh" else "en")


def format_number(lang: str, value: float) -> str:
    """``value`` as the language writes numbers (digit grouping, decimal sign)."""
    return format_decimal(value, locale=babel_locale(lang))


def t(lang: str, key: str, /, **params: Any) -> str:
    """Render ``key`` in ``lang`` (falling back to English) with ``params``.

    A plural entry picks its form with the count parameter (a missing one is a KeyError).
    """
    code = normalize_lang(lang)
    entry = catalog(code).get(key)
    if entry is None:
        code, entry = "en", catalog("en")[key]
    if isinstance(entry, Plural):
        count = params[entry.param]
        params = {**params, entry.param: format_number(code, count)}
        entry = entry.select(code, count)
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

"""User-facing strings: one catalog per language (``en.yaml``, ``zh.yaml``) and the locale rules.

Keys are dotted paths (``errors.unexpected``); values are ``str.format`` templates. A key
missing in ``zh`` falls back to ``en``; a key missing in ``en`` is a bug (a test checks parity).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml

Lang = Literal["en", "zh"]
LANGUAGES: tuple[Lang, ...] = ("en", "zh")
_DIR = Path(__file__).parent


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = str(value)
    return flat


@cache
def catalog(lang: Lang) -> dict[str, str]:
    """The flattened response catalog of one language."""
    with open(_DIR / f"{lang}.yaml", encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return _flatten(data.get("responses", {}))


@cache
def command_catalog(lang: Lang) -> dict[str, str]:
    """Flattened command-name/description translations (keys like ``help.name``)."""
    with open(_DIR / f"{lang}.yaml", encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return _flatten(data.get("commands", {}))


def t(lang: str, key: str, /, **params: Any) -> str:
    """Render ``key`` in ``lang`` (falling back to English) with ``params``."""
    template = catalog(normalize_lang(lang)).get(key) or catalog("en")[key]
    return template.format(**params) if params else template


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

"""Catalogs: same keys and placeholders in every language; every command translated."""

from __future__ import annotations

import string

import pytest
from discord import Locale, app_commands

from bot.i18n import catalog, command_catalog, pick_lang, t
from bot.translator import CatalogTranslator
from tests.conftest import Sim


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    en, zh = catalog("en"), catalog("zh")
    assert en.keys() == zh.keys()
    for key in en:
        assert _placeholders(en[key]) == _placeholders(zh[key]), key


@pytest.mark.parametrize(
    ("user", "guild", "expected"),
    [
        ("zh-CN", "en", "zh"),
        ("zh-TW", "en", "zh"),
        ("en-GB", "zh", "en"),
        ("fr", "zh", "zh"),
        ("fr", "en", "en"),
        (None, "zh", "zh"),
    ],
)
def test_user_locale_wins_and_the_guild_language_is_the_fallback(
    user: str | None, guild: str, expected: str
) -> None:
    assert pick_lang(user, guild) == expected


def test_missing_zh_keys_fall_back_to_english() -> None:
    assert t("zh", "errors.guild_only") != t("en", "errors.guild_only")
    assert t("xx", "errors.guild_only") == t("en", "errors.guild_only")


async def test_every_command_has_a_valid_chinese_name_and_description(sim: Sim) -> None:
    translator = CatalogTranslator()
    for command in sim.bot.tree.walk_commands():
        for location, value in (
            (app_commands.TranslationContextLocation.command_name, command.name),
            (app_commands.TranslationContextLocation.command_description, command.description),
        ):
            context = app_commands.TranslationContext(location=location, data=command)
            text = await translator.translate(
                app_commands.locale_str(value), Locale.chinese, context
            )
            assert text, f"no zh translation for {command.qualified_name} {location.name}"
            if location is app_commands.TranslationContextLocation.command_name:
                assert text == text.lower() and len(text) <= 32 and " " not in text
    assert set(command_catalog("zh")) >= {"help.name", "about.name"}

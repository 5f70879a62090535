"""Catalogs: same keys and placeholders in every language; every command translated."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from discord import Locale, app_commands

from bot.i18n import (
    LANGUAGES,
    Entry,
    Plural,
    _flatten,
    babel_locale,
    catalog,
    command_catalog,
    pick_lang,
    t,
)
from bot.translator import CatalogTranslator
from tests.conftest import Sim

ROOT = Path(__file__).resolve().parents[2]
# A literal key passed to t(lang, "…") or UserError("…") anywhere in the bot.
_KEY_IN_CODE = re.compile(r'\b(?:t\(\s*[\w.\[\]"]+,\s*|UserError\(\s*)"([A-Za-z0-9_.]+)"')
# "answer(s)", "member(es)", "活动(s)": a plural written as a placeholder ("http(s)" is a scheme).
_PLURAL_HACK = re.compile(r"(?<!http)(?<=[A-Za-z\u4e00-\u9fff])[(（](?:s|es)[)）]")


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _forms(entry: Entry) -> list[str]:
    return list(entry.forms.values()) if isinstance(entry, Plural) else [entry]


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    en, zh = catalog("en"), catalog("zh")
    assert en.keys() == zh.keys(), sorted(en.keys() ^ zh.keys())
    for key in en:
        expected = _placeholders(_forms(en[key])[0])
        for form in _forms(en[key]) + _forms(zh[key]):
            assert _placeholders(form) == expected, key


def test_plural_entries_have_exactly_the_languages_categories_and_count_the_same_thing() -> None:
    plurals = {
        lang: {k: v for k, v in catalog(lang).items() if isinstance(v, Plural)}
        for lang in LANGUAGES
    }
    assert plurals["en"], "no plural entries: the catalogs lost their plural forms"
    assert plurals["en"].keys() == plurals["zh"].keys()
    for lang, entries in plurals.items():
        categories = set(babel_locale(lang).plural_form.tags) | {"other"}
        for key, entry in entries.items():
            assert set(entry.forms) == categories, (lang, key)
            assert entry.param in _placeholders(entry.forms["other"]), (lang, key)
            assert entry.param == plurals["en"][key].param, (lang, key)


@pytest.mark.parametrize(
    ("lang", "count", "expected"),
    [
        ("en", 1, "Telling the 1 member who was"),
        ("en", 0, "Telling the 0 members who were"),
        ("en", 2, "Telling the 2 members who were"),
        ("en", 1234, "Telling the 1,234 members"),
        ("zh", 1, "正在通知 1 位"),
        ("zh", 1234, "正在通知 1,234 位"),
    ],
)
def test_plurals_follow_babel_rules_and_numbers_are_localized(
    lang: str, count: int, expected: str
) -> None:
    assert expected in t(lang, "events.cancelled", title="Talk", count=count)


def test_a_plural_may_count_another_parameter() -> None:
    line = t("en", "digest.question_line", prompt="Q", answers=1, average="7")
    assert "1 answer," in line
    assert "3 answers," in t("en", "digest.question_line", prompt="Q", answers=3, average="7")


def test_a_plural_entry_without_its_count_is_a_bug_not_a_guess() -> None:
    with pytest.raises(KeyError):
        t("en", "events.cancelled", title="Talk")


def test_plural_mappings_are_recognised_and_ordinary_subtrees_are_not() -> None:
    flat = _flatten(
        {
            "a": {"one": "{count} item", "other": "{count} items"},
            "b": {"_count": "n", "other": "{n} 项"},
            "kind": {"daily": "Daily", "other": "Other"},  # a section that has an 'other' key
        }
    )
    assert flat["a"] == Plural({"one": "{count} item", "other": "{count} items"})
    assert flat["b"] == Plural({"other": "{n} 项"}, "n")
    assert flat["kind.daily"] == "Daily" and flat["kind.other"] == "Other"


def test_no_string_writes_a_plural_as_a_placeholder_like_s_in_brackets() -> None:
    for lang in LANGUAGES:
        texts = [(k, f) for k, v in catalog(lang).items() for f in _forms(v)]
        texts += list(command_catalog(lang).items())
        bad = [(key, text) for key, text in texts if _PLURAL_HACK.search(text)]
        assert not bad, (lang, bad)
    assert _PLURAL_HACK.search("3 answer(s)") and not _PLURAL_HACK.search("an http(s) link")


def test_every_key_the_code_uses_exists_in_both_languages() -> None:
    used = {
        match.group(1)
        for folder in ("bot", "cogs")
        for path in (ROOT / folder).rglob("*.py")
        for match in _KEY_IN_CODE.finditer(path.read_text(encoding="utf-8"))
    }
    assert len(used) > 100
    for lang in LANGUAGES:
        missing = sorted(used - catalog(lang).keys())
        assert not missing, (lang, missing)


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


def test_permissions_are_named_as_discords_client_names_them() -> None:
    from bot.client import permission_names

    assert permission_names("en", ["manage_guild", "manage_events"]) == (
        "Manage Server, Manage Events"
    )
    assert permission_names("zh", ["manage_guild", "manage_events"]) == "管理服务器、管理活动"
    assert permission_names("en", ["kick_members"]) == "Kick Members"  # none we require


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("This week", "week", "本周"),  # /leaderboard period
        ("next 7 days", "week", "未来 7 天"),  # /event list range: the same value, another meaning
        ("next 30 days", "month", "未来 30 天"),
        ("2 ★★", 2, "★★ 中级"),
    ],
)
async def test_choices_are_translated_by_what_they_mean_in_their_command(
    name: str, value: object, expected: str
) -> None:
    choice = app_commands.Choice(name=name, value=value)
    context = app_commands.TranslationContext(
        location=app_commands.TranslationContextLocation.choice_name, data=choice
    )
    text = await CatalogTranslator().translate(
        app_commands.locale_str(name), Locale.chinese, context
    )
    assert text == expected

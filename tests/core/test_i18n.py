"""Catalogs: same keys and placeholders in every language, all translated, none stale; every
command translated."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po
from discord import Locale, app_commands

import bot.i18n
from bot.i18n import (
    LANGUAGES,
    Entry,
    Plural,
    catalog,
    command_catalog,
    entries,
    pick_lang,
    po_catalog,
    t,
)
from bot.translator import CatalogTranslator
from tests.helpers import Sim

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "bot" / "i18n" / "aiclub.pot"
# "answer(s)", "member(es)", "活动(s)": a plural written as a placeholder ("http(s)" is a scheme).
_PLURAL_HACK = re.compile(r"(?<!http)(?<=[A-Za-z\u4e00-\u9fff])[(（](?:s|es)[)）]")


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _forms(entry: Entry) -> list[str]:
    return list(entry.forms) if isinstance(entry, Plural) else [entry]


def _key(msgid: str | tuple[str, ...]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def _extracted() -> Catalog:
    """What `make i18n` extracts from the code (babel.cfg, the `aiclub` method)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    template = Catalog()
    for path, _, msgid, comments, _ in extract_from_dir(ROOT, method_map, options_map):
        template.add(msgid, None, [(path, None)], auto_comments=comments)
    return template


def _summary(template: Catalog) -> dict[str, tuple[object, ...]]:
    return {
        # the English text is a comment, wrapped in the file
        _key(m.id): (
            m.id,
            sorted({path for path, _ in m.locations}),
            " ".join(m.auto_comments).split(),
        )
        for m in template
        if m.id
    }


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    en, zh = catalog("en"), catalog("zh")
    assert en.keys() == zh.keys(), sorted(en.keys() ^ zh.keys())
    for key in en:
        expected = _placeholders(_forms(en[key])[0])
        for form in _forms(en[key]) + _forms(zh[key]):
            assert _placeholders(form) == expected, key


def test_every_entry_is_translated_and_none_is_fuzzy() -> None:
    for lang in LANGUAGES:
        for domain in ("aiclub", "commands"):
            untranslated = [
                _key(m.id)
                for m in po_catalog(lang, domain)
                if m.id and (m.fuzzy or not all(m.string if m.pluralizable else [m.string]))
            ]
            assert not untranslated, (lang, domain, untranslated)


def test_plural_entries_have_exactly_the_languages_forms_and_count_the_same_thing() -> None:
    plurals = {
        lang: {k: v for k, v in catalog(lang).items() if isinstance(v, Plural)}
        for lang in LANGUAGES
    }
    assert plurals["en"], "no plural entries: the catalogs lost their plural forms"
    assert plurals["en"].keys() == plurals["zh"].keys()
    for lang, found in plurals.items():
        expected = po_catalog(lang).num_plurals
        assert expected == (2 if lang == "en" else 1), lang  # the Plural-Forms Babel gives
        for key, entry in found.items():
            assert len(entry.forms) == expected, (lang, key)
            assert all("count" in _placeholders(form) for form in entry.forms), (lang, key)


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


def test_the_digest_line_counts_answers_with_count() -> None:
    line = t("en", "digest.question_line", prompt="Q", count=1, average="7")
    assert "1 answer," in line
    assert "3 answers," in t("en", "digest.question_line", prompt="Q", count=3, average="7")


def test_a_plural_entry_without_its_count_is_a_bug_not_a_guess() -> None:
    with pytest.raises(KeyError):
        t("en", "events.cancelled", title="Talk")


def test_a_language_with_three_plural_forms_just_works_and_gaps_are_left_out(
    tmp_path: Path,
) -> None:
    polish = Catalog(locale="pl", domain="aiclub")  # what `pybabel init -l pl` starts from
    polish.add(("a.items", "a.items"), ("{count} rzecz", "{count} rzeczy", "{count} rzeczy!"))
    polish.add("kind.other", "Inne")  # a key ending in 'other' is no plural
    polish.add("a.empty", "")
    polish.add("a.fuzzy", "Zgadnięte", flags=["fuzzy"])
    path = tmp_path / "aiclub.po"
    with path.open("wb") as fh:
        write_po(fh, polish)
    with path.open("rb") as fh:
        found = entries(read_po(fh))
    assert found.keys() == {"a.items", "kind.other"}  # untranslated ones fall back to English
    items = found["a.items"]
    assert isinstance(items, Plural) and len(items.forms) == 3
    assert [items.select(n) for n in (1, 3, 5)] == list(items.forms)
    assert found["kind.other"] == "Inne"


def test_missing_zh_keys_fall_back_to_english(monkeypatch: pytest.MonkeyPatch) -> None:
    assert t("zh", "errors.guild_only") != t("en", "errors.guild_only")
    assert t("xx", "errors.guild_only") == t("en", "errors.guild_only")
    english = catalog("en")  # as if zh lacked every entry (untranslated, or fuzzy)
    monkeypatch.setattr(bot.i18n, "catalog", lambda lang: english if lang == "en" else {})
    assert t("zh", "events.cancelled", title="T", count=1234) == t(
        "en", "events.cancelled", title="T", count=1234
    )


def test_no_string_writes_a_plural_as_a_placeholder_like_s_in_brackets() -> None:
    for lang in LANGUAGES:
        texts = [(k, f) for k, v in catalog(lang).items() for f in _forms(v)]
        texts += list(command_catalog(lang).items())
        bad = [(key, text) for key, text in texts if _PLURAL_HACK.search(text)]
        assert not bad, (lang, bad)
    assert _PLURAL_HACK.search("3 answer(s)") and not _PLURAL_HACK.search("an http(s) link")


def test_every_key_the_code_uses_exists_in_both_languages() -> None:
    used = set(_summary(_extracted()))
    assert len(used) > 400
    for lang in LANGUAGES:
        missing = sorted(used - catalog(lang).keys())
        assert not missing, (lang, missing)


def test_the_template_is_what_extraction_finds_and_no_catalog_keeps_a_dead_key() -> None:
    with TEMPLATE.open("rb") as fh:
        committed = _summary(read_po(fh))
    extracted = _summary(_extracted())
    stale = sorted(
        k for k in committed.keys() | extracted.keys() if committed.get(k) != extracted.get(k)
    )
    assert not stale, f"run `make i18n`: {TEMPLATE.name} is out of date for {stale}"
    for lang in LANGUAGES:
        dead = sorted(catalog(lang).keys() - extracted.keys())
        assert not dead, f"run `make i18n`: {lang} has keys no code uses: {dead}"


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


async def test_every_command_option_and_choice_has_a_valid_chinese_name_and_description(
    sim: Sim,
) -> None:
    where = app_commands.TranslationContextLocation
    translator = CatalogTranslator()

    async def zh(data: object, location: where, value: str) -> str:
        context = app_commands.TranslationContext(location=location, data=data)
        text = await translator.translate(app_commands.locale_str(value), Locale.chinese, context)
        assert text, f"no zh translation for {value!r} ({location.name})"
        return text

    for command in sim.bot.tree.walk_commands():
        name = await zh(command, where.command_name, command.name)
        assert name == name.lower() and len(name) <= 32 and " " not in name
        await zh(command, where.command_description, command.description)
        for param in getattr(command, "parameters", ()):
            await zh(param, where.parameter_name, param.name)
            await zh(param, where.parameter_description, param.description)
            for choice in param.choices:
                await zh(choice, where.choice_name, choice.name)
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

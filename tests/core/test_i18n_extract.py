"""The `aiclub` Babel extraction method finds every way the code names a catalog key."""

from __future__ import annotations

from io import BytesIO

from bot.i18n import catalog
from bot.i18n.extract import extract_keys

SOURCE = b"""
t(lang, "errors.guild_only")
raise UserError("events.not_found", id=3)
embed(lang, title_key="config.show_title")
key = "about.grading_loaded" if loaded else "about.grading_lazy"
t(lang, f"alerts.kind.{kind}")
t(lang, f"ml.{family}.{code}")
t(lang, "events.no_such_key")
t(lang, "events.cancelled", title=title, count=n)
print("errors.unexpected.not_a_key", f"cogs.{name}", f"{a}.{b}", "about")
"""


def _extract(source: bytes) -> dict[str, tuple[str, object, list[str]]]:
    return {
        (messages if isinstance(messages, str) else messages[0]): (keyword, messages, comments)
        for _, keyword, messages, comments in extract_keys(BytesIO(source), (), (), {})
    }


def test_literal_keys_in_key_positions_variables_and_f_strings_are_found() -> None:
    found = _extract(SOURCE)
    english = catalog("en")
    alert_kinds = {key for key in english if key.startswith("alerts.kind.")}
    ml_keys = {key for key in english if key.count(".") == 2 and key.startswith("ml.")}
    assert alert_kinds and ml_keys
    assert found.keys() == {
        "errors.guild_only",
        "events.not_found",
        "config.show_title",
        "about.grading_loaded",
        "about.grading_lazy",
        "events.no_such_key",  # a typo in a key position is reported, not skipped
        "events.cancelled",
        *alert_kinds,
        *ml_keys,
    }


def test_plurals_come_out_as_ngettext_with_the_english_text_as_comment() -> None:
    found = _extract(SOURCE)
    assert found["events.cancelled"][:2] == ("ngettext", ("events.cancelled", "events.cancelled"))
    assert any("{count} member who was" in line for line in found["events.cancelled"][2])
    assert found["errors.guild_only"] == (
        "gettext",
        "errors.guild_only",
        ["This command only works inside a server."],
    )
    assert found["events.no_such_key"] == ("gettext", "events.no_such_key", [])

"""Build the /help listing from the live command tree, localized."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from discord import app_commands

from bot.i18n import command_catalog, t


@dataclass(frozen=True)
class HelpSection:
    """One block of /help: a title and one line per command."""

    title: str
    lines: tuple[str, ...]


def _leaves(item: app_commands.Command | app_commands.Group) -> Iterator[app_commands.Command]:
    if isinstance(item, app_commands.Group):
        for child in item.commands:
            yield from _leaves(child)
    else:
        yield item


def _shown_name(item: app_commands.Command | app_commands.Group, lang: str) -> str:
    """`/name` as the reader's command picker shows it; in Chinese with the English name too,
    which Discord also accepts when typed."""
    english = f"`/{item.qualified_name}`"
    if lang != "zh":
        return english
    names, parts = command_catalog("zh"), item.qualified_name.split(" ")
    local = [names.get(".".join(parts[: i + 1]) + ".name", part) for i, part in enumerate(parts)]
    localized = f"`/{' '.join(local)}`"
    return english if localized == english else f"{localized} ({english})"


def _describe(item: app_commands.Command | app_commands.Group, lang: str) -> str:
    if lang == "zh":
        key = f"{item.qualified_name.replace(' ', '.')}.description"
        return command_catalog("zh").get(key, item.description)
    return item.description


def help_sections(
    items: Iterable[app_commands.Command | app_commands.Group | app_commands.ContextMenu], lang: str
) -> list[HelpSection]:
    """Standalone commands under 'General', then one section per command group."""
    general: list[str] = []
    groups: list[HelpSection] = []
    for item in sorted(items, key=lambda i: i.name):
        if isinstance(item, app_commands.ContextMenu):
            continue
        if isinstance(item, app_commands.Group):
            lines = tuple(
                f"{_shown_name(leaf, lang)} — {_describe(leaf, lang)}" for leaf in _leaves(item)
            )
            title = f"{_shown_name(item, lang)} — {_describe(item, lang)}".replace("`", "")
            groups.append(HelpSection(title, lines))
        else:
            general.append(f"{_shown_name(item, lang)} — {_describe(item, lang)}")
    sections = [HelpSection(t(lang, "help.general"), tuple(general))] if general else []
    return sections + groups

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
                f"`/{leaf.qualified_name}` — {_describe(leaf, lang)}" for leaf in _leaves(item)
            )
            groups.append(HelpSection(f"/{item.name} — {_describe(item, lang)}", lines))
        else:
            general.append(f"`/{item.name}` — {_describe(item, lang)}")
    sections = [HelpSection(t(lang, "help.general"), tuple(general))] if general else []
    return sections + groups

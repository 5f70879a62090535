"""Localized command names and descriptions through discord.py's Translator."""

from __future__ import annotations

from discord import Locale, app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.i18n import command_catalog

# What a command or group name or description is translated for.
_NAMED = (app_commands.Command, app_commands.Group, app_commands.ContextMenu)


def translation_key(context: app_commands.TranslationContextTypes) -> str | None:
    """Catalog key for a command/group/parameter name or description, or a choice name."""
    data, where = context.data, context.location
    if isinstance(data, _NAMED):
        if where in (Where.command_name, Where.group_name):
            return f"{data.qualified_name}.name"
        if where in (Where.command_description, Where.group_description):
            return f"{data.qualified_name}.description"
    elif isinstance(data, app_commands.Parameter):
        if where is Where.parameter_name:
            return f"{data.command.qualified_name}.params.{data.name}.name"
        if where is Where.parameter_description:
            return f"{data.command.qualified_name}.params.{data.name}.description"
    elif isinstance(data, app_commands.Choice) and where is Where.choice_name:
        return f"choices.{data.value}"
    return None


def choice_by_name_key(context: app_commands.TranslationContextTypes, text: str) -> str | None:
    """Catalog key of a choice by its English name: one value ('week') may mean different
    things in different commands ('this week' on the leaderboard, 'next 7 days' for events)."""
    if isinstance(context.data, app_commands.Choice) and context.location is Where.choice_name:
        return f"choice_names.{text}"
    return None


class CatalogTranslator(app_commands.Translator):
    """Serves the zh ``commands.po`` (domain ``commands``) to Chinese (zh-CN, zh-TW) clients."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        if not locale.value.startswith("zh"):
            return None
        zh = command_catalog("zh")
        by_name = choice_by_name_key(context, string.message)
        if by_name is not None and by_name in zh:
            return zh[by_name]
        key = translation_key(context)
        return zh.get(key.replace(" ", ".")) if key else None

"""Who a message may ping. The bot's default is nobody (``AllowedMentions.none()``, set on
the client), so text written by members (event titles, places, descriptions, answers) is
never read as @everyone, @here, a role or a user mention. A send that means to ping says
exactly whom with one of these."""

from __future__ import annotations

from collections.abc import Iterable

import discord

# Discord refuses more than 100 ids in allowed_mentions.users or .roles.
MAX_PINGS = 100


def ping_role(role_id: int | None) -> discord.AllowedMentions:
    """Ping this one role (or nobody): no @everyone/@here, no user, no other role."""
    roles = [discord.Object(role_id)] if role_id is not None else False
    return discord.AllowedMentions(everyone=False, users=False, roles=roles, replied_user=False)


def ping_users(user_ids: Iterable[int]) -> discord.AllowedMentions:
    """Ping these members only (at most 100, Discord's limit): no @everyone/@here, no role."""
    ids = list(dict.fromkeys(user_ids))[:MAX_PINGS]
    users = [discord.Object(user_id) for user_id in ids] if ids else False
    return discord.AllowedMentions(everyone=False, users=users, roles=False, replied_user=False)


def pings_in(text: str, user_ids: Iterable[int]) -> discord.AllowedMentions:
    """Ping those of ``user_ids`` that ``text`` mentions, and nobody else."""
    return ping_users(user_id for user_id in user_ids if f"<@{user_id}>" in text)

"""The demo guild of the simulated world: `aiclub-demo` with three channels and four people."""

from __future__ import annotations

from dataclasses import dataclass

import simcord

GUILD_NAME = "aiclub-demo"
CHANNELS = ("general", "daily-question", "events")
OWNER = "admin"
MEMBERS = ("alice", "bob", "carol")


@dataclass(frozen=True)
class DemoWorld:
    """Handles to the demo guild, its channels by name and its members by name."""

    guild: simcord.GuildHandle
    channels: dict[str, simcord.ChannelHandle]
    actors: dict[str, simcord.MemberActor]


def create_demo_world(env: simcord.Env) -> DemoWorld:
    """Create the guild, owned by `admin`, with channels and members as DESIGN.md describes."""
    owner = env.create_user(OWNER)
    guild = env.create_guild(GUILD_NAME, owner=owner)
    channels = {name: guild.create_text_channel(name) for name in CHANNELS}
    actors = {OWNER: guild.add_member(owner)}
    for name in MEMBERS:
        actors[name] = guild.add_member(env.create_user(name))
    return DemoWorld(guild, channels, actors)

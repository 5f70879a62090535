"""The demo guild of the simulated world: `aiclub-demo` with three channels and four people.

Created before the bot connects, SimCord gives the world the same ids in every run, so a
console on a kept database (`--database`) finds its guild, channels and members again; the
ids and the simulated time are stored in ``bot_state`` to check that and to resume the clock.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime

import simcord
from sqlalchemy import delete, inspect, select
from sqlalchemy.exc import SQLAlchemyError

from bot.cliutil import CliError
from bot.console.timestamps import Viewer, parse_locale, parse_timezone
from bot.db.engine import Database
from bot.db.models import BotState

GUILD_NAME = "aiclub-demo"
CHANNELS = ("general", "daily-question", "events")
OWNER = "admin"
MEMBERS = ("alice", "bob", "carol")
STATE_KEY = "console_world"
_SYNCED_TREE_KEYS = "command_tree_hash:%"  # what the bot synced to the last simulated Discord


@dataclass(frozen=True)
class DemoWorld:
    """Handles to the demo guild, its channels by name and its members by name."""

    guild: simcord.GuildHandle
    channels: dict[str, simcord.ChannelHandle]
    actors: dict[str, simcord.MemberActor]

    def ids(self) -> dict[str, int]:
        """Every id of the world by name: `guild`, `#channel`, `@member`."""
        return {
            "guild": self.guild.id,
            **{f"#{name}": channel.id for name, channel in self.channels.items()},
            **{f"@{name}": actor.id for name, actor in self.actors.items()},
        }


@dataclass(frozen=True)
class WorldState:
    """What a kept database remembers of its console world: its ids, the simulated time and
    each member's language and timezone."""

    ids: dict[str, int]
    now: datetime
    viewers: dict[str, Viewer]


def create_demo_world(env: simcord.Env) -> DemoWorld:
    """Create the guild, owned by `admin`, with its channels and members."""
    owner = env.create_user(OWNER)
    guild = env.create_guild(GUILD_NAME, owner=owner)
    channels = {name: guild.create_text_channel(name) for name in CHANNELS}
    actors = {OWNER: guild.add_member(owner)}
    for name in MEMBERS:
        actors[name] = guild.add_member(env.create_user(name))
    return DemoWorld(guild, channels, actors)


async def load_world(url: str) -> WorldState | None:
    """The world a database kept from an earlier console run (None for a new database)."""
    from bot.db.cli import database_error

    db = Database(url)
    try:
        async with db.engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        if BotState.__tablename__ not in tables:  # a new database: the bot migrates it
            return None
        async with db.session() as session:
            value = await session.scalar(select(BotState.value).where(BotState.key == STATE_KEY))
    except SQLAlchemyError as exc:  # not a database, unreachable…
        raise database_error(exc) from None
    finally:
        await db.close()
    if value is None:
        return None
    try:
        stored = json.loads(value)
        viewers = {
            name: Viewer(parse_locale(viewer["locale"]), parse_timezone(viewer["timezone"]))
            for name, viewer in stored["viewers"].items()
        }
        return WorldState(stored["ids"], datetime.fromisoformat(stored["now"]), viewers)
    except (ValueError, TypeError, KeyError, AttributeError):
        raise CliError(
            f"this database's console world (bot_state {STATE_KEY!r}) is damaged: "
            "use a new --database file"
        ) from None


async def forget_synced_commands(db: Database) -> None:
    """The simulated Discord is new in every run: drop the command-tree hashes of the last
    one, so that the bot syncs its commands again at start."""
    try:
        async with db.session() as session:
            await session.execute(delete(BotState).where(BotState.key.like(_SYNCED_TREE_KEYS)))
            await session.commit()
    except SQLAlchemyError:  # a new database: nothing was synced yet
        return


async def save_world(
    db: Database, world: DemoWorld, now: datetime, viewers: Mapping[str, Viewer]
) -> None:
    """Remember the world's ids, the simulated time and the members' viewers."""
    shown = {name: asdict(viewer) for name, viewer in viewers.items()}
    value = json.dumps({"ids": world.ids(), "now": now.isoformat(), "viewers": shown})
    async with db.session() as session:
        state = await session.get(BotState, STATE_KEY)
        if state is None:
            session.add(BotState(key=STATE_KEY, value=value, updated_at=now))
        else:
            state.value, state.updated_at = value, now
        await session.commit()

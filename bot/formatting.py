"""Small presentation helpers shared by cogs (durations, Discord timestamps)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.i18n import t


def discord_timestamp(when: datetime, style: str = "F") -> str:
    """A Discord timestamp tag, shown to each user in their own timezone."""
    return f"<t:{int(when.timestamp())}:{style}>"


def human_duration(lang: str, delta: timedelta) -> str:
    """'2 d 3 h 4 min' style duration, the two largest units."""
    seconds = max(0, int(delta.total_seconds()))
    parts: list[str] = []
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60), ("seconds", 1)):
        value, seconds = divmod(seconds, size)
        if value or (unit == "seconds" and not parts):
            parts.append(t(lang, f"duration.{unit}", n=value))
    return " ".join(parts[:2])

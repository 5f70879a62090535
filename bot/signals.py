"""The bot's own event names (``bot.dispatch``) and its scheduler job ids, each named once.

A signal reaches every cog method named ``on_<signal>``: ``DAILY_CONFIG_CHANGED`` reaches
``on_daily_config_changed``.
"""

from __future__ import annotations

DAILY_CONFIG_CHANGED = "daily_config_changed"  # daily channel, time, timezone or language
DIGEST_CONFIG_CHANGED = "digest_config_changed"  # digest channel, day or time
EVENT_CONFIG_CHANGED = "event_config_changed"  # reminders, organisers, events channel or zone
SETTINGS_SIGNALS = (DAILY_CONFIG_CHANGED, DIGEST_CONFIG_CHANGED, EVENT_CONFIG_CHANGED)

SWEEP_JOB = "delivery:sweep"


def daily_post_job(guild_id: int) -> str:
    """The guild's daily-question job."""
    return f"questions:daily:{guild_id}"


def reveal_job(post_id: int) -> str:
    """The job that reveals a daily post's answers at its deadline."""
    return f"questions:reveal:{post_id}"


def digest_job(guild_id: int) -> str:
    """The guild's weekly digest job."""
    return f"digest:{guild_id}"


def reminder_job(event_id: int) -> str:
    """The job that sends an event's next reminder."""
    return f"events:reminders:{event_id}"

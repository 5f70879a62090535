"""Errors that carry a localized message for the user."""

from __future__ import annotations

from typing import Any

from discord import app_commands


class UserError(Exception):
    """A problem the user can fix; rendered from the catalog key ``key`` with ``params``.

    The global error handler turns it into an ephemeral reply; nothing else is logged.
    """

    def __init__(self, key: str, /, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def is_answered_error(error: BaseException) -> bool:
    """Whether the global handler answers ``error`` as the user's mistake (not a bot bug)."""
    original = getattr(error, "original", error)
    return isinstance(original, UserError) or isinstance(
        error,
        app_commands.CheckFailure | app_commands.TransformerError | app_commands.CommandOnCooldown,
    )

"""Errors that carry a localized message for the user."""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """A problem the user can fix; rendered from the catalog key ``key`` with ``params``.

    The global error handler turns it into an ephemeral reply; nothing else is logged.
    """

    def __init__(self, key: str, /, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

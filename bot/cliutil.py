"""Small helpers shared by every `aiclub` CLI verb."""

from __future__ import annotations


class CliError(Exception):
    """A user-facing CLI failure: printed as one line on stderr, then exit with `exit_code`."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code

"""Parse console lines (pure): slash commands with `name:value` options and `:verbs`."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from datetime import timedelta


class ConsoleSyntaxError(ValueError):
    """A line the console cannot understand; the message says how to write it."""


@dataclass(frozen=True)
class Slash:
    """`[@user] /command sub option:value …`"""

    user: str | None
    name: str
    options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Click:
    """`[@user] :click N LABEL` — press a button on printed message N."""

    user: str | None
    number: int
    label: str


@dataclass(frozen=True)
class Choose:
    """`[@user] :select N a,c` — pick values in the menu on printed message N."""

    user: str | None
    number: int
    values: tuple[str, ...]


@dataclass(frozen=True)
class Submit:
    """`[@user] :submit field:value …` — fill and submit the last modal shown to the user."""

    user: str | None
    values: dict[str, str]


@dataclass(frozen=True)
class Advance:
    """`:advance 1d6h` — move the clock; due jobs run in order."""

    delta: timedelta


@dataclass(frozen=True)
class Now:
    """`:now` — print the simulated time."""


@dataclass(frozen=True)
class Quit:
    """`:quit`"""


ConsoleCommand = Slash | Click | Choose | Submit | Advance | Now | Quit

_DURATION = re.compile(r"(\d+)\s*([wdhms])")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def parse_duration(text: str) -> timedelta:
    """'1d6h', '90m', '2w', '45s' → timedelta (positive)."""
    compact = text.replace(" ", "").lower()
    if not compact or _DURATION.sub("", compact):
        raise ConsoleSyntaxError(f"bad duration {text!r}: write it like 1d6h, 90m or 2w")
    delta = timedelta()
    for amount, unit in _DURATION.findall(compact):
        delta += timedelta(**{_UNITS[unit]: int(amount)})
    if delta <= timedelta(0):
        raise ConsoleSyntaxError("the duration must be more than zero")
    return delta


def _options(tokens: list[str], what: str) -> dict[str, str]:
    options: dict[str, str] = {}
    for token in tokens:
        name, sep, value = token.partition(":")
        if not sep or not name:
            raise ConsoleSyntaxError(f"{what}: expected name:value, got {token!r}")
        if name in options:
            raise ConsoleSyntaxError(f"{what}: option {name!r} given twice")
        options[name] = value
    return options


def parse_line(line: str) -> ConsoleCommand | None:
    """Parse one line; None for blank lines and comments."""
    try:
        tokens = shlex.split(line)
    except ValueError as exc:
        raise ConsoleSyntaxError(f"cannot read the line: {exc} (check your quotes)") from None
    comment = next((i for i, token in enumerate(tokens) if token.startswith("#")), len(tokens))
    tokens = tokens[:comment]
    if not tokens:
        return None
    user = None
    if tokens[0].startswith("@"):
        user = tokens.pop(0)[1:]
        if not user or not tokens:
            raise ConsoleSyntaxError("write @user followed by a command, e.g. @alice /help")
    head, rest = tokens[0], tokens[1:]
    if head.startswith("/"):
        path = [head[1:]]
        while rest and ":" not in rest[0]:
            path.append(rest.pop(0))
        if not path[0]:
            raise ConsoleSyntaxError("a command needs a name, e.g. /help")
        return Slash(user, " ".join(path), _options(rest, f"/{' '.join(path)}"))
    if head == ":click":
        if len(rest) < 2 or not rest[0].lstrip("#").isdigit():
            raise ConsoleSyntaxError("usage: :click MESSAGE_NUMBER BUTTON_LABEL")
        return Click(user, int(rest[0].lstrip("#")), " ".join(rest[1:]))
    if head == ":select":
        if len(rest) != 2 or not rest[0].lstrip("#").isdigit():
            raise ConsoleSyntaxError("usage: :select MESSAGE_NUMBER VALUE[,VALUE…]")
        values = tuple(v for v in rest[1].split(",") if v)
        return Choose(user, int(rest[0].lstrip("#")), values)
    if head == ":submit":
        return Submit(user, _options(rest, ":submit"))
    if user is not None:
        raise ConsoleSyntaxError(f"{head} does not take a @user")
    if head == ":advance":
        if len(rest) != 1:
            raise ConsoleSyntaxError("usage: :advance DURATION (e.g. :advance 1d6h)")
        return Advance(parse_duration(rest[0]))
    if head == ":now":
        return Now()
    if head == ":quit":
        return Quit()
    raise ConsoleSyntaxError(
        f"unknown input {head!r}: type a /command, :advance, :now, :click, :select, "
        ":submit or :quit"
    )

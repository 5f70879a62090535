"""Parse console lines (pure): slash commands with `name:value` options and `:verbs`."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from bot.console.timestamps import parse_locale, parse_timezone
from bot.console.world import MEMBERS, OWNER


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


@dataclass(frozen=True)
class SetLocale:
    """`:locale @bob zh-CN` — the member's Discord language: replies and times follow it."""

    user: str
    locale: str


@dataclass(frozen=True)
class SetTimezone:
    """`:timezone @bob Asia/Shanghai` — the member's device timezone, for `<t:…>` times."""

    user: str
    timezone: str


@dataclass(frozen=True)
class In:
    """`:in #events` — run the following commands there; `:in` alone lists the channels."""

    channel: str | None


@dataclass(frozen=True)
class Show:
    """`:channel #events` — show that channel on the web page (`--web`); alone: list them."""

    channel: str | None


ConsoleCommand = (
    Slash | Click | Choose | Submit | Advance | Now | Quit | SetLocale | SetTimezone | In | Show
)

# `#events`, `#12` after these are not comments
_TAKES_HASH = {":in", ":channel", ":click", ":select"}
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


def _member_setting(
    user: str | None, rest: list[str], usage: str, parse: Callable[[str], str]
) -> tuple[str, str]:
    """`@member VALUE` after a verb (or `@member :verb VALUE`), the value checked by ``parse``."""
    if user is None and rest and rest[0].startswith("@"):
        user = rest.pop(0)[1:]
    if not user or len(rest) != 1:
        raise ConsoleSyntaxError(f"usage: {usage}")
    try:
        return user, parse(rest[0])
    except ValueError as exc:
        raise ConsoleSyntaxError(str(exc)) from None


def parse_line(line: str) -> ConsoleCommand | None:
    """Parse one line; None for blank lines and comments."""
    try:
        tokens = shlex.split(line)
    except ValueError as exc:
        raise ConsoleSyntaxError(f"cannot read the line: {exc} (check your quotes)") from None
    comment = next(
        (
            i
            for i, token in enumerate(tokens)
            if token.startswith("#") and (i == 0 or tokens[i - 1] not in _TAKES_HASH)
        ),
        len(tokens),
    )
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
    if head == ":locale":
        return SetLocale(
            *_member_setting(user, rest, ":locale @member LOCALE (e.g. zh-CN)", parse_locale)
        )
    if head == ":timezone":
        return SetTimezone(
            *_member_setting(
                user, rest, ":timezone @member ZONE (e.g. Asia/Shanghai)", parse_timezone
            )
        )
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
    if head in (":in", ":channel"):
        channel = " ".join(rest).lstrip("#").strip()  # a thread's name may have spaces
        if rest and not channel:
            raise ConsoleSyntaxError(f"usage: {head} #channel (alone: list the channels)")
        return (In if head == ":in" else Show)(channel or None)
    raise ConsoleSyntaxError(
        f"unknown input {head!r}: type a /command, :advance, :now, :click, :select, "
        ":submit, :in, :channel, :locale, :timezone or :quit"
    )


def viewer_options(locales: list[str], timezones: list[str]) -> dict[str, dict[str, str]]:
    """`--locale alice=zh-CN`, `--timezone Asia/Shanghai` (no member: everyone) → what each
    member's viewer changes (`{"alice": {"locale": "zh-CN"}}`); ValueError naming a bad one."""
    members = (OWNER, *MEMBERS)
    changes: dict[str, dict[str, str]] = {}
    for option, field_name, values, parse in (
        ("--locale", "locale", locales, parse_locale),
        ("--timezone", "timezone", timezones, parse_timezone),
    ):
        for text in values:
            member, sep, value = text.rpartition("=")
            names = [member.lstrip("@")] if sep else list(members)
            if names[0] not in members:
                raise ValueError(
                    f"{option} {text}: no member @{names[0]} (members: {', '.join(members)})"
                )
            try:
                checked = parse(value)
            except ValueError as exc:
                raise ValueError(f"{option} {text}: {exc}") from None
            for name in names:
                changes.setdefault(name, {})[field_name] = checked
    return changes

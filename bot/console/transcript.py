"""Render a bot message as plain console text (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any


def _indent(text: str, prefix: str = "  ") -> list[str]:
    return [prefix + line for line in str(text).splitlines() or [""]]


def render_embed(embed: dict[str, Any]) -> list[str]:
    """Title, description, fields, image and footer of one embed, indented."""
    lines: list[str] = []
    if embed.get("title"):
        lines.append(f"  ┃ {embed['title']}")
    if embed.get("description"):
        lines += _indent(embed["description"], "  ┃ ")
    for field in embed.get("fields", []):
        lines.append(f"  ┃ ▸ {field['name']}")
        lines += _indent(field["value"], "  ┃   ")
    if (embed.get("image") or {}).get("url"):
        lines.append(f"  ┃ (image {embed['image']['url'].rsplit('/', 1)[-1]})")
    if (embed.get("footer") or {}).get("text"):
        lines.append(f"  ┃ — {embed['footer']['text']}")
    return lines


def _buttons(components: Iterable[dict[str, Any]]) -> Iterator[str]:
    for component in components:
        if component.get("type") == 2:  # button
            label = component.get("label") or component.get("emoji", {}).get("name", "?")
            yield f"[{label}]" if not component.get("disabled") else f"[{label} (disabled)]"
        elif component.get("type") == 3:  # string select
            options = ", ".join(o.get("label", "?") for o in component.get("options", []))
            yield f"[select: {options}]"
        yield from _buttons(component.get("components", []))


def render_message(
    number: int,
    channel: str,
    author: str,
    message: Any,
    *,
    edited: bool,
    attachment_paths: Iterable[str] = (),
) -> list[str]:
    """All the lines printed for one message (its header, content, embeds, buttons, files)."""
    flags = []
    if message.is_ephemeral:
        flags.append("(only you)")
    if edited:
        flags.append("(edited)")
    header = " ".join([f"#{number}", channel, author, *flags])
    lines = [header]
    if message.content:
        lines += _indent(message.content)
    for embed in message.embeds:
        lines += render_embed(embed)
    buttons = list(_buttons(message.components))
    if buttons:
        lines.append("  " + " ".join(buttons))
    lines += [f"[attachment] {path}" for path in attachment_paths]
    return lines

"""Babel extraction method ``aiclub``: the catalog keys a Python file uses.

A key is used when it is a literal in a key position (``t(lang, "key")``, ``UserError("key")``,
a ``*key=`` keyword), any other literal that is a key of the English catalog (a key kept in a
variable first), or an f-string (``f"alerts.kind.{kind}"``) that English keys match, each
placeholder standing for one word. Plural keys come out as ``ngettext`` entries, and the
English text as the translators' comment.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from bot.i18n import Plural, catalog

# (line number, keyword, msgid or (msgid, msgid_plural), extracted comments)
Extracted = tuple[int, str, str | tuple[str, str], list[str]]

_KEY = re.compile(r"[a-z][a-z0-9_]*(?:\.[A-Za-z0-9_-]+)+")
_KEY_HEAD = re.compile(r"[a-z][a-z0-9_]*\.")


def extract_keys(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Extracted]:
    """Babel's extraction-method interface (``keywords`` and ``comment_tags`` are not used)."""
    tree = ast.parse(fileobj.read().decode(options.get("encoding", "utf-8")))
    english = catalog("en")
    for lineno, key in sorted(set(_keys(tree, english.keys()))):
        yield _entry(lineno, key, english.get(key))


def _keys(tree: ast.AST, known: Collection[str]) -> Iterator[tuple[int, str]]:
    in_fstring = {
        id(part)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for part in node.values
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for arg in _key_arguments(node):
                text = _text(arg)
                if text and _KEY.fullmatch(text):
                    yield arg.lineno, text
        elif isinstance(node, ast.JoinedStr) and _starts_like_a_key(node):
            pattern = _fstring_pattern(node)
            yield from ((node.lineno, key) for key in known if pattern.fullmatch(key))
        elif isinstance(node, ast.Constant) and node.value in known and id(node) not in in_fstring:
            yield node.lineno, str(node.value)


def _text(node: ast.AST) -> str | None:
    """The value of a string literal."""
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _key_arguments(call: ast.Call) -> list[ast.expr]:
    """The arguments of ``call`` that hold a catalog key."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    args = [kw.value for kw in call.keywords if kw.arg and kw.arg.endswith("key")]
    position = {"t": 1, "UserError": 0}.get(name)
    if position is not None and len(call.args) > position:
        args.append(call.args[position])
    return args


def _starts_like_a_key(node: ast.JoinedStr) -> bool:
    head = _text(node.values[0]) if node.values else None
    return bool(head and _KEY_HEAD.match(head))


def _fstring_pattern(node: ast.JoinedStr) -> re.Pattern[str]:
    parts = [
        re.escape(_text(part) or "") if isinstance(part, ast.Constant) else r"[A-Za-z0-9_-]+"
        for part in node.values
    ]
    return re.compile("".join(parts))


def _entry(lineno: int, key: str, english: str | Plural | None) -> Extracted:
    if isinstance(english, Plural):
        return (
            lineno,
            "ngettext",
            (key, key),
            [line for f in english.forms for line in f.split("\n")],
        )
    return lineno, "gettext", key, english.split("\n") if english else []

"""YAML sources with line numbers: parse once, keep the node tree, report issues by line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class BankIssue:
    """One problem in a content file; `line` is 1-based, None when it concerns the whole file."""

    file: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else str(self.file)
        return f"{where}: {self.message}"


class BankError(ValueError):
    """Content (question bank or golden file) failed to load; nothing was loaded."""

    def __init__(self, issues: Sequence[BankIssue]) -> None:
        self.issues: tuple[BankIssue, ...] = tuple(
            sorted(issues, key=lambda i: (str(i.file), i.line or 0))
        )
        shown = "; ".join(str(issue) for issue in self.issues[:3])
        more = f" (+{len(self.issues) - 3} more)" if len(self.issues) > 3 else ""
        super().__init__(f"{len(self.issues)} issue(s): {shown}{more}")


@dataclass(frozen=True, slots=True)
class YamlDoc:
    """A parsed YAML document: plain Python data plus the node tree it came from."""

    data: Any
    node: yaml.Node | None


def read_text(path: Path) -> str:
    """Read a UTF-8 content file (a BOM is tolerated); raise BankError on failure."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BankError([BankIssue(path, None, "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BankError([BankIssue(path, None, f"cannot read file: {exc}")]) from None


def parse_yaml(file: Path, text: str) -> YamlDoc:
    """Parse one YAML document; malformed YAML or duplicate mapping keys raise BankError."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        message = f"malformed YAML: {exc.problem or 'bad syntax'}"
        if exc.context and exc.context_mark is not None:
            message += f" ({exc.context} at line {exc.context_mark.line + 1})"
        raise BankError([BankIssue(file, line, message)]) from None
    except yaml.YAMLError as exc:
        raise BankError([BankIssue(file, None, f"malformed YAML: {exc}")]) from None
    finally:
        loader.dispose()
    duplicates = [
        BankIssue(file, line, f"duplicate key {key!r}") for line, key in _duplicate_keys(node)
    ]
    if duplicates:
        raise BankError(duplicates)
    return YamlDoc(data, node)


def _duplicate_keys(node: yaml.Node | None) -> list[tuple[int, str]]:
    """Keys repeated within one mapping (PyYAML silently keeps the last one)."""
    found: list[tuple[int, str]] = []
    stack = [node] if node is not None else []
    seen_nodes: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen_nodes:
            continue
        seen_nodes.add(id(current))
        if isinstance(current, yaml.MappingNode):
            keys: set[str] = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in keys:
                        found.append((key.start_mark.line + 1, key.value))
                    keys.add(key.value)
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return found


def child(node: yaml.MappingNode, key: str) -> yaml.Node:
    """The value node stored under scalar `key` in a mapping node."""
    value: yaml.Node = next(v for key_node, v in node.value if key_node.value == key)
    return value


def line_of(node: yaml.Node, loc: Sequence[int | str]) -> int:
    """1-based line of the deepest node reachable along `loc` (a pydantic error location)."""
    current = node
    line = node.start_mark.line
    for part in loc:
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    line, current = key.start_mark.line, value
                    break
            else:
                break
        elif isinstance(current, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(current.value):
                break
            current = current.value[part]
            line = current.start_mark.line
        else:
            break
    return line + 1


def validation_issues(
    file: Path, node: yaml.Node, error: ValidationError, prefix: str = ""
) -> list[BankIssue]:
    """Turn a pydantic error into issues, each located at the line of the offending item."""
    issues = []
    for item in error.errors():
        loc = item["loc"]
        message = item["msg"].removeprefix("Value error, ")
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
        where = ": ".join(part for part in (prefix, path) if part)
        text = f"{where}: {message}" if where else message
        issues.append(BankIssue(file, line_of(node, loc), text))
    return issues

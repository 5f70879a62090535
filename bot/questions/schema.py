"""The question schema: frozen pydantic v2 models with every rule of the YAML format.

Short questions have 3..8 weighted key points (`core` or `bonus`, at least one core) with
bilingual labels, one-line descriptions and aliases, and up to 8 misconceptions, each
naming the key point it contradicts; choice questions have 2..5 options and at least one
correct option id. Fields of the other type are rejected, as are unknown fields.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from bot.questions.normalize import normalize
from bot.questions.topics import TOPICS

_SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_SNAKE_RE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
_OPTION_RE = re.compile(r"[a-z]")


def _slug(value: str) -> str:
    if not _SLUG_RE.fullmatch(value) or len(value) > 64:
        raise ValueError(f"slug {value!r} must be lowercase kebab-case (a-z, 0-9, '-')")
    return value


def _snake(value: str) -> str:
    if not _SNAKE_RE.fullmatch(value) or len(value) > 48:
        raise ValueError(f"id {value!r} must be snake_case (a-z, 0-9, '_')")
    return value


def _option_id(value: str) -> str:
    if not _OPTION_RE.fullmatch(value):
        raise ValueError(f"option id {value!r} must be one lowercase letter")
    return value


def _text(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


def _topic(value: str) -> str:
    if value not in TOPICS:
        raise ValueError(f"unknown topic {value!r}; expected one of: {', '.join(TOPICS)}")
    return value


Text = Annotated[str, Field(strict=True), AfterValidator(_text)]
Slug = Annotated[str, Field(strict=True), AfterValidator(_slug)]
SnakeId = Annotated[str, Field(strict=True), AfterValidator(_snake)]
OptionId = Annotated[str, Field(strict=True), AfterValidator(_option_id)]
Level = Annotated[int, Field(strict=True, ge=1, le=3)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Localized(_Model):
    """A text in both languages."""

    en: Text
    zh: Text

    def get(self, lang: str) -> str:
        """The text in `lang` (`zh`, anything else means English)."""
        return self.zh if lang == "zh" else self.en


class Aliases(_Model):
    """Phrasings that count as covering a key point, per language (at least one each)."""

    en: tuple[Text, ...] = Field(min_length=1)
    zh: tuple[Text, ...] = Field(min_length=1)

    @field_validator("en", "zh")
    @classmethod
    def _no_blank(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not normalize(alias) for alias in value):
            raise ValueError("aliases must contain letters, digits or CJK characters")
        return value


class Phrasings(_Model):
    """Plain-language phrasings of a key point per language (up to 8 each, optional)."""

    en: tuple[Text, ...] = Field(default=(), max_length=8)
    zh: tuple[Text, ...] = Field(default=(), max_length=8)

    def get(self, lang: str) -> tuple[str, ...]:
        """The phrasings in `lang` (`zh`, anything else means English)."""
        return self.zh if lang == "zh" else self.en


class KeyPoint(_Model):
    """One rubric item of a short-answer question.

    `core` points are what a complete answer must say (all of them earn at least 9/10);
    `bonus` points fill the rest. `description` is a one-line statement of the idea and
    `paraphrases` are plain-language ways members say it without the textbook terms; the
    semantic grader compares answers with them, the label and the reference answer.
    """

    id: SnakeId
    kind: Literal["core", "bonus"]
    weight: Level
    label: Localized
    description: Localized
    paraphrases: Phrasings = Field(default_factory=lambda: Phrasings())
    aliases: Aliases


class Misconception(_Model):
    """A classic wrong claim about a short question: stating it costs points.

    `patterns` are matched within one clause of the answer (English: the words in order,
    a few words apart at most; Chinese: the space-separated parts in order); a negated
    clause ("L1 does not make weights dense") does not state it.
    """

    id: SnakeId
    contradicts: SnakeId
    label: Localized
    patterns: Aliases
    correction: Localized


class ChoiceOption(_Model):
    """One option of a multiple-choice question."""

    id: OptionId
    en: Text
    zh: Text

    def text(self, lang: str) -> str:
        """The option text in `lang`."""
        return self.zh if lang == "zh" else self.en


class Question(_Model):
    """A bank question: `short` (free text, scored by key points) or `choice`."""

    slug: Slug
    topic: Annotated[str, Field(strict=True), AfterValidator(_topic)]
    difficulty: Level
    type: Literal["short", "choice"]
    prompt: Localized
    reference_answer: Localized
    key_points: tuple[KeyPoint, ...] | None = Field(default=None, validate_default=True)
    misconceptions: tuple[Misconception, ...] = ()
    options: tuple[ChoiceOption, ...] | None = Field(default=None, validate_default=True)
    correct: tuple[OptionId, ...] | None = Field(default=None, validate_default=True)

    @field_validator("key_points")
    @classmethod
    def _check_key_points(
        cls, value: tuple[KeyPoint, ...] | None, info: ValidationInfo
    ) -> tuple[KeyPoint, ...] | None:
        kind = info.data.get("type")
        if kind == "choice" and value is not None:
            raise ValueError("key_points are only for short questions")
        if kind == "short":
            if value is None:
                raise ValueError("short questions need key_points (3..8)")
            if not 3 <= len(value) <= 8:
                raise ValueError(f"short questions need 3..8 key points, got {len(value)}")
            _require_unique("key point id", [point.id for point in value])
            if not any(point.kind == "core" for point in value):
                raise ValueError("at least one key point must be kind: core")
        return value

    @field_validator("misconceptions")
    @classmethod
    def _check_misconceptions(
        cls, value: tuple[Misconception, ...], info: ValidationInfo
    ) -> tuple[Misconception, ...]:
        if not value:
            return value
        if info.data.get("type") != "short":
            raise ValueError("misconceptions are only for short questions")
        if len(value) > 8:
            raise ValueError(f"at most 8 misconceptions, got {len(value)}")
        _require_unique("misconception id", [item.id for item in value])
        points = info.data.get("key_points")
        if points is not None:
            known = {point.id for point in points}
            for item in value:
                if item.contradicts not in known:
                    raise ValueError(
                        f"misconception {item.id!r} contradicts unknown key point "
                        f"{item.contradicts!r}; expected one of: {', '.join(sorted(known))}"
                    )
        return value

    @field_validator("options")
    @classmethod
    def _check_options(
        cls, value: tuple[ChoiceOption, ...] | None, info: ValidationInfo
    ) -> tuple[ChoiceOption, ...] | None:
        kind = info.data.get("type")
        if kind == "short" and value is not None:
            raise ValueError("options are only for choice questions")
        if kind == "choice":
            if value is None:
                raise ValueError("choice questions need options (2..5)")
            if not 2 <= len(value) <= 5:
                raise ValueError(f"choice questions need 2..5 options, got {len(value)}")
            _require_unique("option id", [option.id for option in value])
        return value

    @field_validator("correct")
    @classmethod
    def _check_correct(
        cls, value: tuple[str, ...] | None, info: ValidationInfo
    ) -> tuple[str, ...] | None:
        kind = info.data.get("type")
        if kind == "short" and value is not None:
            raise ValueError("correct is only for choice questions")
        if kind == "choice":
            if not value:
                raise ValueError("choice questions need at least one correct option id")
            _require_unique("correct option", list(value))
            options = info.data.get("options")
            if options is not None:
                known = {option.id for option in options}
                unknown = [item for item in value if item not in known]
                if unknown:
                    raise ValueError(f"correct names unknown option(s): {', '.join(unknown)}")
        return value


def _require_unique(what: str, values: Sequence[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"duplicate {what} {value!r}")
        seen.add(value)

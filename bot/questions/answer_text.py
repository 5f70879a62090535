"""Checks on what a member submits as an answer (pure)."""

from __future__ import annotations

import unicodedata

MAX_ANSWER_CHARS = 2000
_ALLOWED_CONTROLS = {"\n", "\t", "\r"}
_MAX_COMBINING_RUN = 3


class AnswerTextError(ValueError):
    """Why an answer text is refused; ``code`` is a catalog key suffix."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _invisible(char: str) -> bool:
    """Whitespace, format characters (zero-width space/joiners, BOM, bidi marks) and
    variation selectors: characters that show nothing on their own."""
    return char.isspace() or unicodedata.category(char) == "Cf" or _variation_selector(char)


def _variation_selector(char: str) -> bool:
    code = ord(char)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF


def _has_words(text: str) -> bool:
    """At least one letter or digit (any script): not only emoji, symbols or punctuation."""
    return any(unicodedata.category(char)[0] in "LN" for char in text)


def clean_answer_text(text: str) -> str:
    """The stripped text, or AnswerTextError: ``empty``, ``too_long``, ``control``, ``zalgo``,
    ``no_words``.

    ``empty`` covers text made only of invisible characters (zero-width spaces and joiners
    too); ``no_words`` text with no letter or digit (only emoji, symbols or punctuation).
    Callers check before anything is stored, so a refused text never uses an attempt.
    """
    stripped = text.strip()
    if all(_invisible(char) for char in stripped):
        raise AnswerTextError("empty")
    if len(stripped) > MAX_ANSWER_CHARS:
        raise AnswerTextError("too_long", limit=MAX_ANSWER_CHARS, length=len(stripped))
    run = 0
    for char in stripped:
        category = unicodedata.category(char)
        if category in ("Cc", "Cf") and char not in _ALLOWED_CONTROLS and char != "\u200d":
            raise AnswerTextError("control")
        run = run + 1 if unicodedata.combining(char) else 0
        if run > _MAX_COMBINING_RUN:
            raise AnswerTextError("zalgo")
    if not _has_words(stripped):
        raise AnswerTextError("no_words")
    return stripped

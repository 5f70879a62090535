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


def clean_answer_text(text: str) -> str:
    """The stripped text, or AnswerTextError: ``empty``, ``too_long``, ``control``, ``zalgo``."""
    stripped = text.strip()
    if not stripped:
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
    return stripped

"""The composition root: ``build_bot`` wires settings, clock, scheduler, database and services.

`aiclub run`, `aiclub console` and the tests all build the bot here, so there is one place that
decides what the cogs get. Tests pass their own question bank or ML backend instead of editing a
running cog; cogs read ``bot.services``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.client import AiclubBot
from bot.clock import Clock
from bot.config import Settings
from bot.db.engine import Database
from bot.events.events_service import EventsService
from bot.ml.backend import Backend
from bot.ml.service import InferenceService, MlConfig
from bot.questions.bank import BankError, QuestionBank, load_bank
from bot.questions.daily import DailyQuestions
from bot.questions.standings import Standings
from bot.scheduling import Scheduler
from bot.server_settings import ServerSettings


class StartupError(RuntimeError):
    """The bot cannot be built as configured; the message says what to fix."""


@dataclass
class Services:
    """The long-lived services the cogs share: one of each per process."""

    bank: QuestionBank
    daily: DailyQuestions
    events: EventsService
    inference: InferenceService
    settings: ServerSettings
    standings: Standings


def default_ml_backend(config: MlConfig) -> Backend:
    """LiteRT for models whose card vouches for a ``.tflite``, TensorFlow for the rest
    (nothing heavy is imported before the first model loads)."""
    from bot.ml.litert_backend import serving_backend

    return serving_backend(config.intra_op_threads, config.inter_op_threads)


def shipped_bank() -> QuestionBank:
    """The question bank in ``data/questions``; StartupError if it has errors (nothing
    half-loaded)."""
    try:
        return load_bank()
    except BankError as exc:
        raise StartupError(
            f"the question bank has errors; run `aiclub questions validate`: {exc}"
        ) from None


def build_bot(
    settings: Settings,
    *,
    clock: Clock,
    scheduler: Scheduler,
    db: Database | None = None,
    bank: QuestionBank | None = None,
    ml_backend: Backend | None = None,
    extensions: Iterable[str] | None = None,
    shard_count: int | None = None,
) -> AiclubBot:
    """The bot with its services; ``bank`` and ``ml_backend`` default to the shipped ones."""
    database = db if db is not None else Database(settings.database_url)
    ml_config = MlConfig.from_settings(settings)
    questions = bank if bank is not None else shipped_bank()
    services = Services(
        bank=questions,
        daily=DailyQuestions(database, clock, questions),
        events=EventsService(database, clock),
        inference=InferenceService(
            ml_config,
            backend=ml_backend if ml_backend is not None else default_ml_backend(ml_config),
            db=database,
            clock=clock,
        ),
        settings=ServerSettings(database, clock),
        standings=Standings(database, clock),
    )
    return AiclubBot(
        settings,
        db=database,
        clock=clock,
        scheduler=scheduler,
        services=services,
        extensions=extensions,
        shard_count=shard_count,
    )

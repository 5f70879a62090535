"""Test helpers any test may import: the bot on a manual clock, the simulated guild, small banks."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
import simcord

from bot.app import build_bot
from bot.client import AiclubBot
from bot.clock import ManualClock
from bot.config import load_settings
from bot.console.world import DemoWorld
from bot.db import migrate
from bot.db.engine import create_engine
from bot.ml.backend import Backend
from bot.questions.bank import QuestionBank, build_bank
from bot.scheduling import SimulatedScheduler

PG_HOST = os.environ.get("AICLUB_TEST_PG_HOST", "127.0.0.1")


PG_ADMIN_DSN = f"postgresql://postgres@{PG_HOST}:5432/test"


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


database_numbers = itertools.count()


async def pg_admin(sql: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def pg_database_url(name: str) -> str:
    return f"postgresql+asyncpg://postgres@{PG_HOST}:5432/{name}"


async def migrate_to_head(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


# Bots made by make_bot whose database is still open. SimCord detaches a bot (at a restart and
# at the end of a test) without closing it, so the sim fixture closes their databases: an engine
# left to the garbage collector closes its aiosqlite connections from a later test, whose event
# loop may be closed by then ("RuntimeError: Event loop is closed" in aiosqlite's thread).
_open_bots: list[AiclubBot] = []


def make_bot(
    db_url: str,
    start: datetime = START,
    *,
    bank: QuestionBank | None = None,
    ml_backend: Backend | None = None,
    **settings: object,
) -> AiclubBot:
    """The real bot on a manual clock and the simulated scheduler (the shipped bank and the
    TensorFlow backend unless ``bank`` or ``ml_backend`` are given)."""
    config = load_settings(database_url=db_url, **settings)
    clock = ManualClock(start)
    bot = build_bot(
        config,
        clock=clock,
        scheduler=SimulatedScheduler(clock),
        bank=bank,
        ml_backend=ml_backend,
        shard_count=1,
    )
    _open_bots.append(bot)
    return bot


async def close_bot_databases() -> None:
    """Close the database of every bot make_bot made (in the test's own event loop)."""
    while _open_bots:
        await _open_bots.pop().db.close()


class Sim:
    """A running simulated guild: env, bot and the demo world's handles."""

    def __init__(self, env: simcord.Env, bot: AiclubBot, world: DemoWorld) -> None:
        self.env, self.bot, self.world = env, bot, world
        self.guild, self.channels, self.actors = world.guild, world.channels, world.actors
        self.error_cursor = env.error_cursor

    def acknowledge_errors(self) -> None:
        """The errors the bot raised so far were expected (the test checked how they were
        answered): teardown looks only at later ones."""
        self.error_cursor = self.env.error_cursor

    @property
    def general(self) -> simcord.ChannelHandle:
        return self.channels["general"]

    async def advance(self, delta) -> list:  # type: ignore[no-untyped-def]
        """Move the manual clock (and SimCord's) forward, firing due jobs."""
        scheduler = self.bot.scheduler
        assert isinstance(scheduler, SimulatedScheduler)
        fired = await scheduler.advance_to(self.bot.clock.now() + delta)
        await self.env.settle()
        return fired


BANK_YAML = """
questions:
  - slug: overfit-lite
    topic: dl-training
    difficulty: 2
    type: short
    prompt: {en: "How do you fight overfitting?", zh: "如何应对过拟合？"}
    reference_answer: {en: "Regularize, stop early, add data.", zh: "正则化、早停、增加数据。"}
    key_points:
      - id: regularization
        kind: core
        weight: 2
        label: {en: "Regularization", zh: "正则化"}
        description: {en: "Penalize large weights in the loss.", zh: "在损失里惩罚过大的权重。"}
        aliases: {en: ["weight decay", "l2 regularization"], zh: ["权重衰减", "正则化"]}
      - id: early_stopping
        kind: core
        weight: 2
        label: {en: "Early stopping", zh: "早停"}
        description: {en: "Stop training once the validation score stops improving.", zh: "验证集指标不再提升时停止训练。"}
        aliases: {en: ["early stopping"], zh: ["早停", "提前停止"]}
      - id: more_data
        kind: core
        weight: 1
        label: {en: "More data", zh: "更多数据"}
        description: {en: "Gather a bigger, more varied training set.", zh: "收集更多、更多样的训练样本。"}
        aliases: {en: ["more training data", "collect more data"], zh: ["更多数据", "增加数据"]}
    misconceptions:
      - id: less_data
        contradicts: more_data
        label: {en: "Less data reduces overfitting", zh: "减少数据能减轻过拟合"}
        patterns: {en: ["less data", "remove training data"], zh: ["减少 数据", "更少的数据"]}
        correction: {en: "More (and more varied) data reduces overfitting; removing data makes it worse.", zh: "更多、更丰富的数据才能减轻过拟合，减少数据只会更糟。"}
      - id: no_regularization
        contradicts: regularization
        label: {en: "Remove regularization to fight overfitting", zh: "去掉正则化来应对过拟合"}
        patterns: {en: ["remove regularization", "drop weight decay"], zh: ["去掉 正则", "去掉 权重衰减"]}
        correction: {en: "Regularization fights overfitting; removing it makes the model fit noise.", zh: "正则化正是用来抑制过拟合的，去掉它会让模型去拟合噪声。"}
  - slug: metrics-lite
    topic: evaluation-metrics
    difficulty: 1
    type: short
    prompt: {en: "Which metrics evaluate a classifier?", zh: "用哪些指标评估分类器？"}
    reference_answer: {en: "Precision, recall, F1.", zh: "精确率、召回率、F1。"}
    key_points:
      - id: precision
        kind: core
        weight: 1
        label: {en: "Precision", zh: "精确率"}
        description: {en: "Of the predicted positives, the share that are right.", zh: "预测为正的样本里有多少是真的正样本。"}
        aliases: {en: ["precision"], zh: ["精确率", "查准率"]}
      - id: recall
        kind: core
        weight: 1
        label: {en: "Recall", zh: "召回率"}
        description: {en: "Of the actual positives, the share the model finds.", zh: "真实正样本里被模型找出来的比例。"}
        aliases: {en: ["recall"], zh: ["召回率", "查全率"]}
      - id: f1
        kind: core
        weight: 1
        label: {en: "F1 score", zh: "F1 分数"}
        description: {en: "The harmonic mean of precision and recall.", zh: "精确率和召回率的调和平均。"}
        aliases: {en: ["f1 score", "f1"], zh: ["F1分数", "F1值"]}
  - slug: choice-lite
    topic: ml-fundamentals
    difficulty: 1
    type: choice
    prompt: {en: "Which loss suits binary classification?", zh: "二分类适合哪种损失？"}
    reference_answer: {en: "Binary cross-entropy.", zh: "二元交叉熵。"}
    options:
      - {id: a, en: "Mean squared error", zh: "均方误差"}
      - {id: b, en: "Binary cross-entropy", zh: "二元交叉熵"}
    correct: [b]
"""


def lite_bank() -> QuestionBank:
    """Three small questions over three topics (two short, one choice)."""
    return build_bank([(Path("lite.yaml"), BANK_YAML)])


def bank_from(yaml: str) -> Callable[[], QuestionBank]:
    """A bank factory for ``@pytest.mark.question_bank``: the questions of one YAML text."""
    return lambda: build_bank([(Path("test.yaml"), yaml)])


def run_console_script(tmp_path: Path, script: str, out_dir: Path | None = None) -> str:
    """Run `aiclub console --script` in a subprocess from 2026-12-01 08:00 UTC; its stdout.

    Fails the test when the console exits non-zero (an unhandled bot error).
    """
    import subprocess
    import sys

    path = tmp_path / "script.txt"
    path.write_text(script)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "console",
            "--script",
            str(path),
            "--out",
            str(out_dir or tmp_path / "out"),
            "--start",
            "2026-12-01T08:00Z",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


async def claim_and_post(session, bank, guild_id, now, **kwargs):  # type: ignore[no-untyped-def]
    """``claim_daily_post`` then record that Discord took it (a question is answerable only
    once it was posted); returns the claim."""
    from bot.ledger import Occurrence
    from bot.questions import service

    claimed = await service.claim_daily_post(session, bank, guild_id, now, **kwargs)
    if claimed is not None:
        key = claimed.post.local_date.isoformat()
        occurrence = Occurrence(guild_id, service.LEDGER_KIND, key)
        await service.record_message(session, occurrence, 10_000 + claimed.post.id, now)
        await session.commit()
    return claimed

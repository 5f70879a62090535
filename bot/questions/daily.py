"""The daily question as one service: what the /question, /answer and /score commands and the
scheduled post and reveal ask for, each call one unit of work.

Built once per process with the database, the clock and the question bank (``bot.app``). The
rules themselves live in ``bot.questions.service`` and ``bot.questions.answering`` (functions
over a session); this object opens the session, so no cog does. Claims commit before anything
is sent; no Discord call happens here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.db.engine import Database
from bot.errors import UserError
from bot.guilds import read_settings
from bot.questions import answering, service
from bot.questions.bank import Question, QuestionBank
from bot.questions.review import is_expert
from bot.questions.scoring import Feedback
from bot.scheduling import LocalTime


@dataclass(frozen=True)
class OpenQuestion:
    """The question a member may answer now, with its post."""

    post_id: int
    question: Question
    deadline_at: datetime


@dataclass(frozen=True)
class DailySchedule:
    """When and where the guild's daily question goes out."""

    channel_id: int | None
    post_time: str
    timezone: str

    @property
    def local_time(self) -> LocalTime | None:
        """When the post goes out each day; None while no channel is set."""
        return LocalTime(self.post_time, self.timezone) if self.channel_id else None


@dataclass(frozen=True)
class Adjusted:
    """A manual point change: the member's new total and their server's language."""

    total: float
    language: str


@dataclass(frozen=True)
class PendingReveal:
    """A posted question whose answers stay hidden until ``deadline_at``."""

    post_id: int
    deadline_at: datetime


class DailyQuestions:
    """The daily question, practice and manual scores of every guild."""

    def __init__(self, db: Database, clock: Clock, bank: QuestionBank) -> None:
        self.db = db
        self.clock = clock
        self.bank = bank

    # ------------------------------------------------------------------ schedule and delivery
    async def schedule(self, guild_id: int) -> DailySchedule:
        """The guild's daily channel, local post time and timezone (writes nothing)."""
        now = self.clock.now()
        async with self.db.session() as session:
            settings = await read_settings(session, guild_id, now)
            config = await service.read_daily_config(session, guild_id, now)
        return DailySchedule(config.channel_id, config.post_time, settings.timezone)

    async def guilds_with_channel(self) -> list[int]:
        """Every guild with a daily channel."""
        async with self.db.session() as session:
            return await service.guild_ids_with_daily_channel(session)

    async def pending_reveals(self) -> list[PendingReveal]:
        """Posted questions not revealed yet."""
        async with self.db.session() as session:
            posts = await service.unrevealed_posts(session)
            return [PendingReveal(post.id, post.deadline_at) for post in posts]

    async def claim_post(self, guild_id: int, *, force: bool = False) -> str | None:
        """Claim the guild's post if due (or forced); its ledger key, None if nothing to claim."""
        async with self.db.session() as session:
            claimed = await service.claim_daily_post(
                session, self.bank, guild_id, self.clock.now(), force=force
            )
        return claimed.post.local_date.isoformat() if claimed is not None else None

    async def plan(self, guild_id: int, key: str) -> service.DailySend | None:
        """What (re)sending the claimed post ``key`` needs."""
        async with self.db.session() as session:
            return await service.daily_send(session, self.bank, guild_id, key, self.clock.now())

    async def claim_due_reveals(self) -> list[tuple[int, str]]:
        """Claim the reveal of every post past its deadline: (guild id, ledger key) each."""
        now = self.clock.now()
        async with self.db.session() as session:
            posts = await service.posts_to_reveal(session, now)
            return [
                (post.guild_id, key)
                for post in posts
                if (key := await service.claim_reveal(session, post.id, now)) is not None
            ]

    async def reveal_stats(self, question: Question, post_id: int) -> service.RevealStats:
        """How the guild answered ``question``, for its reveal."""
        async with self.db.session() as session:
            return await service.reveal_stats(session, question, post_id)

    # ------------------------------------------------------------------ members
    async def open_question(self, guild_id: int, post_id: int | None = None) -> OpenQuestion:
        """The question open for answers (the one of ``post_id`` when a button names it);
        UserError when none is, or that one has closed."""
        async with self.db.session() as session:
            post = await service.open_post(session, guild_id, self.clock.now())
            if post is None and post_id is None:
                raise await answering.nothing_to_answer(session, guild_id)
        if post is None or (post_id is not None and post.id != post_id):
            raise UserError("answer.question_closed")
        question = self.bank.get(post.slug)
        if question is None:
            raise UserError("answer.question_retired")
        return OpenQuestion(post.id, question, post.deadline_at)

    async def answer(self, guild_id: int, user_id: int, text: str) -> answering.AnswerResult:
        """Score and store a member's free-text answer to the open question."""
        async with self.db.session() as session:
            return await answering.submit_answer(
                session, self.bank, guild_id, user_id, text, self.clock.now()
            )

    async def choose(
        self, guild_id: int, user_id: int, selected: set[str], post_id: int
    ) -> answering.AnswerResult:
        """Score and store a member's pick on the multiple-choice post ``post_id``."""
        async with self.db.session() as session:
            return await answering.submit_choice(
                session, self.bank, guild_id, user_id, selected, self.clock.now(), post_id=post_id
            )

    async def practice_question(
        self, guild_id: int, user_id: int, *, topic: str | None, difficulty: int | None, seed: str
    ) -> Question:
        """The next practice question for a member (none repeats until the topic runs out)."""
        async with self.db.session() as session:
            return await answering.next_practice_question(
                session,
                self.bank,
                guild_id,
                user_id,
                self.clock.now(),
                topic=topic,
                difficulty=difficulty,
                seed=seed,
            )

    def practice_card(self, slug: str) -> Question:
        """The practice question a button names; UserError if the bank no longer has it."""
        question = self.bank.get(slug)
        if question is None:
            raise UserError("questions.unknown_slug", value=slug)
        return question

    async def practise(
        self, guild_id: int, user_id: int, question: Question, answer: str | set[str]
    ) -> Feedback:
        """Full feedback on a practice answer (no points)."""
        async with self.db.session() as session:
            return await answering.practice_answer(
                session, question, guild_id, user_id, answer, self.clock.now()
            )

    # ------------------------------------------------------------------ experts
    async def may_change_scores(
        self, guild_id: int, role_ids: set[int], manages_server: bool
    ) -> bool:
        """Whether a member may adjust scores (see ``review.is_expert``)."""
        async with self.db.session() as session:
            config = await service.read_daily_config(session, guild_id, self.clock.now())
        return is_expert(config.expert_role_id, role_ids, manages_server)

    async def adjust(
        self, guild_id: int, user_id: int, points: float, reason: str, by_user_id: int
    ) -> Adjusted:
        """Add or remove a member's points with an audit row."""
        now = self.clock.now()
        async with self.db.session() as session:
            total = await answering.adjust_score(
                session, guild_id, user_id, points, reason, by_user_id, now
            )
            language = (await read_settings(session, guild_id, now)).language
        return Adjusted(total, language)

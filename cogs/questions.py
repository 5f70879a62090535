"""/question, /answer, /score and the daily post, reveal and practice flows."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import discord
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from discord import app_commands
from discord.ext import commands

from bot import ledger
from bot.client import AiclubBot, component_guard, send_ephemeral
from bot.delivery import Kind, Undeliverable
from bot.errors import UserError
from bot.guilds import get_settings
from bot.i18n import t
from bot.interactions import guild_id_of
from bot.ledger import Occurrence
from bot.mentions import ping_role
from bot.questions import service
from bot.questions.bank import Question, QuestionBank
from bot.questions.schedule import parse_post_time
from bot.questions.topics import TOPICS
from cogs._question_ui import (
    AnswerButton,
    AnswerModal,
    ChoiceButton,
    ChoiceSelect,
    feedback_embed,
    question_embed,
    question_view,
    reveal_embed,
)
from cogs._review_ui import AskReviewButton, ReviewDecisionButton, ReviewDesk

log = logging.getLogger(__name__)
THREAD_ALREADY_CREATED = 160004  # Discord: "A thread has already been created for this message"
TOPIC_CHOICES = [app_commands.Choice(name=topic.en, value=topic.id) for topic in TOPICS.values()]
DIFFICULTY_CHOICES = [
    app_commands.Choice(name=n, value=v) for n, v in (("1 ★", 1), ("2 ★★", 2), ("3 ★★★", 3))
]


class Questions(commands.Cog):
    """The daily interview question."""

    question = app_commands.Group(
        name="question", description="The daily interview question", guild_only=True
    )
    score_group = app_commands.Group(
        name="score",
        description="Manual point changes (Manage Server or expert role)",
        guild_only=True,
    )

    def __init__(self, bot: AiclubBot) -> None:
        self.bot = bot
        self.reviews = ReviewDesk(self)

    @property
    def bank(self) -> QuestionBank:
        """The bot's question bank (``bot.services``)."""
        return self.bot.services.bank

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(
            AnswerButton, ChoiceButton, ChoiceSelect, AskReviewButton, ReviewDecisionButton
        )
        self._register_kinds()
        await self.rebuild_jobs()

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(
            AnswerButton, ChoiceButton, ChoiceSelect, AskReviewButton, ReviewDecisionButton
        )

    # ------------------------------------------------------------------ scheduling
    @commands.Cog.listener()
    async def on_daily_config_changed(self, guild_id: int) -> None:
        """/config daily changed: move the guild's job to its new local time."""
        await self.schedule_guild(guild_id)

    async def rebuild_jobs(self) -> None:
        """A cron job per configured guild and a date job per pending reveal; catch up now."""
        async with self.bot.db.session() as session:
            guild_ids = await service.guild_ids_with_daily_channel(session)
        for guild_id in guild_ids:
            await self.schedule_guild(guild_id)
        async with self.bot.db.session() as session:
            pending = await service.unrevealed_posts(session)
        for post in pending:
            self._schedule_reveal(post.id, post.deadline_at)
        for guild_id in guild_ids:
            await self.post_if_due(guild_id)
        await self.reveal_due()

    async def schedule_guild(self, guild_id: int) -> None:
        """(Re)schedule the guild's daily post at its local time."""
        async with self.bot.db.session() as session:
            settings = await get_settings(session, guild_id, self.bot.clock.now())
            config = await service.get_daily_config(session, guild_id, self.bot.clock.now())
            await session.commit()
        job_id = f"questions:daily:{guild_id}"
        if config.channel_id is None:
            self.bot.scheduler.remove_job(job_id)
            return
        at = parse_post_time(config.post_time)
        trigger = CronTrigger(hour=at.hour, minute=at.minute, timezone=ZoneInfo(settings.timezone))

        async def fire() -> None:
            await self.post_if_due(guild_id)

        self.bot.scheduler.add_job(job_id, trigger, fire)

    async def post_if_due(self, guild_id: int, *, force: bool = False) -> bool | None:
        """Claim and publish the guild's post if due (or forced): None if there was nothing
        to claim, else whether the first attempt went out.

        A claimed post is delivered at least once: a transient fault is retried by the sweep,
        a permanent one tells the admins (see ``bot.delivery``).
        """
        async with self.bot.db.session() as session:
            claimed = await service.claim_daily_post(
                session, self.bank, guild_id, self.bot.clock.now(), force=force
            )
        if claimed is None:
            return None
        key = claimed.post.local_date.isoformat()
        return await self.bot.delivery.deliver(Occurrence(guild_id, service.LEDGER_KIND, key))

    # ------------------------------------------------------------------ delivery kinds
    def _register_kinds(self) -> None:
        delivery = self.bot.delivery
        delivery.register(
            Kind(service.LEDGER_KIND, self._send_post, service.record_message, self._after_post)
        )
        delivery.register(Kind(service.THREAD_KIND, self._send_thread, service.record_thread))
        delivery.register(Kind(service.REVEAL_KIND, self._send_reveal))

    async def _plan(self, occurrence: Occurrence) -> service.DailySend:
        async with self.bot.db.session() as session:
            plan = await service.daily_send(
                session, self.bank, occurrence.guild_id, occurrence.key, self.bot.clock.now()
            )
            await session.commit()
        if plan is None:
            raise Undeliverable(f"no daily post {occurrence.key} to send")
        return plan

    async def _send_post(self, occurrence: Occurrence) -> int:
        plan = await self._plan(occurrence)
        channel = await self.bot.post_channel(plan.channel_id)
        message = await channel.send(
            f"<@&{plan.ping_role_id}>" if plan.ping_role_id else None,
            embed=question_embed(plan.question, plan.language, deadline=plan.deadline_at),
            view=question_view(plan.question, "post", str(plan.post_id), plan.language),
            allowed_mentions=ping_role(plan.ping_role_id),
            nonce=ledger.nonce(occurrence),
        )
        return message.id

    async def _after_post(self, occurrence: Occurrence, message_id: int | None) -> None:
        plan = await self._plan(occurrence)
        self._schedule_reveal(plan.post_id, plan.deadline_at)
        if plan.thread_id is None:
            await self.bot.delivery.deliver(
                Occurrence(occurrence.guild_id, service.THREAD_KIND, occurrence.key)
            )

    async def _send_thread(self, occurrence: Occurrence) -> int:
        plan = await self._plan(occurrence)
        if plan.message_id is None:
            raise Undeliverable(f"daily post {occurrence.key} has no message")
        channel = await self.bot.post_channel(plan.channel_id)
        name = t(plan.language, "question.thread", date=plan.local_date.isoformat())
        try:
            thread = await channel.get_partial_message(plan.message_id).create_thread(name=name)
        except discord.HTTPException as exc:
            if exc.code == THREAD_ALREADY_CREATED:  # an earlier attempt made it: same id
                return plan.message_id
            raise
        return thread.id

    def _schedule_reveal(self, post_id: int, deadline: datetime) -> None:
        self.bot.scheduler.add_job(
            f"questions:reveal:{post_id}", DateTrigger(deadline), self.reveal_due
        )

    async def reveal_due(self) -> None:
        """Claim the reveal of every posted post past its deadline, then deliver each."""
        now = self.bot.clock.now()
        async with self.bot.db.session() as session:
            posts = await service.posts_to_reveal(session, now)
            keys = [
                (post.guild_id, key)
                for post in posts
                if (key := await service.claim_reveal(session, post.id, now)) is not None
            ]
        for guild_id, key in keys:
            await self.bot.delivery.deliver(Occurrence(guild_id, service.REVEAL_KIND, key))

    async def _send_reveal(self, occurrence: Occurrence) -> int:
        plan = await self._plan(occurrence)
        async with self.bot.db.session() as session:
            stats = await service.reveal_stats(session, plan.question, plan.post_id)
        target = await self.bot.post_channel(plan.thread_id or plan.channel_id)
        message = await target.send(
            embed=reveal_embed(plan.question, stats, plan.language),
            allowed_mentions=discord.AllowedMentions.none(),  # names members, pings nobody
            nonce=ledger.nonce(occurrence),
        )
        if plan.message_id is not None:
            closed = question_embed(
                plan.question, plan.language, deadline=plan.deadline_at, reveal_url=message.jump_url
            )
            try:
                channel = await self.bot.post_channel(plan.channel_id)
                await channel.get_partial_message(plan.message_id).edit(embed=closed, view=None)
            except (discord.HTTPException, TypeError) as exc:  # the reveal itself went out
                log.warning("daily post %s not marked closed: %s", plan.post_id, exc)
        return message.id

    # ------------------------------------------------------------------ commands
    @question.command(name="today", description="Show today's question with its Answer button")
    async def today(self, interaction: discord.Interaction) -> None:
        lang = await self.bot.lang_for(interaction)
        async with self.bot.db.session() as session:
            post = await service.open_post(session, guild_id_of(interaction), self.bot.clock.now())
            if post is None:
                raise await service.nothing_to_answer(session, guild_id_of(interaction))
        if (question := self.bank.get(post.slug)) is None:
            raise UserError("answer.no_open_question")
        await interaction.response.send_message(
            embed=question_embed(question, lang, deadline=post.deadline_at),
            view=question_view(question, "post", str(post.id), lang),
            ephemeral=True,
        )

    @question.command(name="post", description="Post today's question now if not yet posted")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def post_now(self, interaction: discord.Interaction) -> None:
        lang = await self.bot.lang_for(interaction)
        async with self.bot.db.session() as session:
            config = await service.get_daily_config(
                session, guild_id_of(interaction), self.bot.clock.now()
            )
            await session.commit()
        if config.channel_id is None:
            raise UserError("daily.no_channel")
        await interaction.response.defer(ephemeral=True)
        posted = await self.post_if_due(guild_id_of(interaction), force=True)
        key = {True: "daily.posted_now", False: "daily.post_failed", None: "daily.already_posted"}[
            posted
        ]
        await interaction.followup.send(
            t(lang, key, channel=f"<#{config.channel_id}>"), ephemeral=True
        )

    @question.command(name="practice", description="A private practice question, any time")
    @app_commands.describe(topic="Topic to practise", difficulty="1 (junior) to 3 (senior)")
    @app_commands.choices(topic=TOPIC_CHOICES)  # one call per value type: ChoiceT is one type
    @app_commands.choices(difficulty=DIFFICULTY_CHOICES)
    async def practice(
        self,
        interaction: discord.Interaction,
        topic: str | None = None,
        difficulty: int | None = None,
    ) -> None:
        lang = await self.bot.lang_for(interaction)
        async with self.bot.db.session() as session:
            question = await service.next_practice_question(
                session,
                self.bank,
                guild_id_of(interaction),
                interaction.user.id,
                self.bot.clock.now(),
                topic=topic,
                difficulty=difficulty,
                seed=f"{interaction.user.id}:{interaction.id}",
            )
        await interaction.response.send_message(
            embed=question_embed(question, lang, deadline=None, practice=True),
            view=question_view(question, "practice", question.slug, lang),
            ephemeral=True,
        )

    @app_commands.command(name="answer", description="Answer today's question (opens a form)")
    @app_commands.describe(text="Your answer (up to 2,000 characters); leave empty for a form")
    @app_commands.guild_only()
    async def answer(self, interaction: discord.Interaction, text: str | None = None) -> None:
        if text is None:
            await self._open_answer_form(interaction, None)
            return
        await self._submit_text(interaction, text)

    @score_group.command(name="adjust", description="Add or remove a member's points")
    @app_commands.describe(
        member="Whose points",
        points="Points to add (negative removes)",
        reason="Why (kept in the audit log)",
    )
    async def adjust(
        self,
        interaction: discord.Interaction,
        member: discord.Member,
        points: app_commands.Range[float, -1000, 1000],
        reason: app_commands.Range[str, 1, 200],
    ) -> None:
        if member.id == interaction.user.id:
            raise UserError("review.self_adjust")
        await self._require_expert(interaction)
        lang = await self.bot.lang_for(interaction)
        async with self.bot.db.session() as session:
            total = await service.adjust_score(
                session,
                guild_id_of(interaction),
                member.id,
                points,
                reason,
                interaction.user.id,
                self.bot.clock.now(),
            )
        told = await self._tell_adjusted(
            member, guild_id_of(interaction), points, reason.strip(), total
        )
        text = t(
            lang, "score.adjusted", member=member.mention, points=f"{points:+g}", total=f"{total:g}"
        )
        if not told:
            text += "\n" + t(lang, "score.not_told")
        await interaction.response.send_message(text, ephemeral=True)

    async def _tell_adjusted(
        self, member: discord.Member, guild_id: int, points: float, reason: str, total: float
    ) -> bool:
        """DM the member about a manual change, in their server's language; False if it failed
        (closed DMs never fail the command)."""
        async with self.bot.db.session() as session:
            lang = (await get_settings(session, guild_id, self.bot.clock.now())).language
            await session.commit()
        text = t(
            lang,
            "score.dm",
            guild=member.guild.name,
            points=f"{points:+g}",
            reason=reason,
            total=f"{total:g}",
        )
        try:
            await member.send(text, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.info("points of member %s adjusted; not told by DM: %s", member.id, exc)
            return False
        return True

    async def _require_expert(self, interaction: discord.Interaction) -> None:
        if interaction.permissions.manage_guild:
            return
        async with self.bot.db.session() as session:
            config = await service.get_daily_config(
                session, guild_id_of(interaction), self.bot.clock.now()
            )
            await session.commit()
        roles = getattr(interaction.user, "roles", [])
        if config.expert_role_id is None or all(r.id != config.expert_role_id for r in roles):
            raise app_commands.MissingPermissions(["manage_guild"])

    # ------------------------------------------------------------------ flows
    async def _open_answer_form(
        self, interaction: discord.Interaction, post_id: int | None
    ) -> None:
        lang = await self.bot.lang_for(interaction)
        async with self.bot.db.session() as session:
            post = await service.open_post(session, guild_id_of(interaction), self.bot.clock.now())
            if post is None and post_id is None:
                raise await service.nothing_to_answer(session, guild_id_of(interaction))
        if post is None or (post_id is not None and post.id != post_id):
            raise UserError("answer.question_closed")
        question = self.bank.get(post.slug)
        if question is not None and question.type == "choice":
            raise UserError("answer.use_buttons")
        await interaction.response.send_modal(
            AnswerModal(
                t(lang, "answer.form_title"), t(lang, "answer.form_label"), self._submit_text
            )
        )

    async def _submit_text(self, interaction: discord.Interaction, text: str) -> None:
        lang = await self.bot.lang_for(interaction)
        async with self.bot.db.session() as session:
            result = await service.submit_answer(
                session,
                self.bank,
                guild_id_of(interaction),
                interaction.user.id,
                text,
                self.bot.clock.now(),
            )
        await self._send_result(interaction, result, lang)

    async def _send_result(
        self, interaction: discord.Interaction, result: service.AnswerResult, lang: str
    ) -> None:
        embed = feedback_embed(
            result.question, result.feedback, lang, reveal_missed=False, result=result
        )
        view = None
        if result.question.type == "short":  # free-text daily answers may be reviewed
            view = await self.reviews.view_for(
                guild_id_of(interaction), interaction.user.id, result.question.slug, lang
            )
        if view is None:
            await send_ephemeral(interaction, embed=embed)
        else:
            await send_ephemeral(interaction, embed=embed, view=view)

    @component_guard
    async def answer_clicked(self, interaction: discord.Interaction, post_id: int) -> None:
        """The Answer button: a form for the daily question (or the first result)."""
        await self._open_answer_form(interaction, post_id)

    @component_guard
    async def choice_clicked(
        self, interaction: discord.Interaction, post_id: int, selected: set[str]
    ) -> None:
        """An option button of a daily multiple-choice question."""
        lang = await self.bot.lang_for(interaction)
        async with self.bot.db.session() as session:
            result = await service.submit_choice(
                session,
                self.bank,
                guild_id_of(interaction),
                interaction.user.id,
                selected,
                self.bot.clock.now(),
                post_id=post_id,
            )
        await self._send_result(interaction, result, lang)

    @component_guard
    async def practice_clicked(self, interaction: discord.Interaction, slug: str) -> None:
        """Answer button of a practice question: the form, then full feedback."""
        lang = await self.bot.lang_for(interaction)
        question = self._practice_question(slug)

        async def on_answer(modal_interaction: discord.Interaction, text: str) -> None:
            async with self.bot.db.session() as session:
                feedback = await service.practice_answer(
                    session,
                    question,
                    guild_id_of(modal_interaction),
                    modal_interaction.user.id,
                    text,
                    self.bot.clock.now(),
                )
            await send_ephemeral(
                modal_interaction,
                embed=feedback_embed(question, feedback, lang, reveal_missed=True),
            )

        await interaction.response.send_modal(
            AnswerModal(t(lang, "answer.form_title"), t(lang, "answer.form_label"), on_answer)
        )

    @component_guard
    async def practice_choice_clicked(
        self, interaction: discord.Interaction, slug: str, selected: set[str]
    ) -> None:
        """An option button of a practice multiple-choice question."""
        lang = await self.bot.lang_for(interaction)
        question = self._practice_question(slug)
        async with self.bot.db.session() as session:
            feedback = await service.practice_answer(
                session,
                question,
                guild_id_of(interaction),
                interaction.user.id,
                selected,
                self.bot.clock.now(),
            )
        await send_ephemeral(
            interaction, embed=feedback_embed(question, feedback, lang, reveal_missed=True)
        )

    def _practice_question(self, slug: str) -> Question:
        question = self.bank.get(slug)
        if question is None:
            raise UserError("questions.unknown_slug", value=slug)
        return question


async def setup(bot: AiclubBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Questions(bot))

"""/question, /answer, /score and the daily post, reveal and practice flows."""

from __future__ import annotations

import logging
from datetime import datetime

import discord
from apscheduler.triggers.date import DateTrigger
from discord import app_commands
from discord.ext import commands

from bot import ledger
from bot.client import AiclubBot, component_guard, send_ephemeral
from bot.delivery import Kind, Undeliverable
from bot.errors import UserError
from bot.i18n import t
from bot.interactions import Request, request_of
from bot.ledger import Occurrence
from bot.mentions import ping_role
from bot.questions import answering, service
from bot.questions.daily import Adjusted, DailyQuestions
from bot.questions.topics import TOPICS
from bot.scheduling import schedule_local_cron
from bot.signals import daily_post_job, reveal_job
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
    def daily(self) -> DailyQuestions:
        """The daily-question service (``bot.services``)."""
        return self.bot.services.daily

    async def cog_load(self) -> None:
        # Kept after an unload, so old buttons answer that this part is switched off.
        self.bot.add_dynamic_items(
            AnswerButton, ChoiceButton, ChoiceSelect, AskReviewButton, ReviewDecisionButton
        )
        self._register_kinds()
        await self.rebuild_jobs()

    # ------------------------------------------------------------------ scheduling
    @commands.Cog.listener()
    async def on_daily_config_changed(self, guild_id: int) -> None:
        """/config daily changed: move the guild's job to its new local time."""
        await self.schedule_guild(guild_id)

    async def rebuild_jobs(self) -> None:
        """A cron job per configured guild and a date job per pending reveal; catch up now."""
        guild_ids = await self.daily.guilds_with_channel()
        for guild_id in guild_ids:
            await self.schedule_guild(guild_id)
        for pending in await self.daily.pending_reveals():
            self._schedule_reveal(pending.post_id, pending.deadline_at)
        for guild_id in guild_ids:
            await self.post_if_due(guild_id)
        await self.reveal_due()

    async def schedule_guild(self, guild_id: int) -> None:
        """(Re)schedule the guild's daily post at its local time."""
        schedule = await self.daily.schedule(guild_id)

        async def fire() -> None:
            await self.post_if_due(guild_id)

        schedule_local_cron(self.bot.scheduler, daily_post_job(guild_id), schedule.local_time, fire)

    async def post_if_due(self, guild_id: int, *, force: bool = False) -> bool | None:
        """Claim and publish the guild's post if due (or forced): None if there was nothing
        to claim, else whether the first attempt went out.

        A claimed post is delivered at least once: a transient fault is retried by the sweep,
        a permanent one tells the admins (see ``bot.delivery``).
        """
        key = await self.daily.claim_post(guild_id, force=force)
        if key is None:
            return None
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
        plan = await self.daily.plan(occurrence.guild_id, occurrence.key)
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
        self.bot.scheduler.add_job(reveal_job(post_id), DateTrigger(deadline), self.reveal_due)

    async def reveal_due(self) -> None:
        """Claim the reveal of every posted post past its deadline, then deliver each."""
        for guild_id, key in await self.daily.claim_due_reveals():
            await self.bot.delivery.deliver(Occurrence(guild_id, service.REVEAL_KIND, key))

    async def _send_reveal(self, occurrence: Occurrence) -> int:
        plan = await self._plan(occurrence)
        stats = await self.daily.reveal_stats(plan.question, plan.post_id)
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
        request = await request_of(interaction)
        open_now = await self.daily.open_question(request.guild_id)
        question, lang = open_now.question, request.lang
        await interaction.response.send_message(
            embed=question_embed(question, lang, deadline=open_now.deadline_at),
            view=question_view(question, "post", str(open_now.post_id), lang),
            ephemeral=True,
        )

    @question.command(name="post", description="Post today's question now if not yet posted")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def post_now(self, interaction: discord.Interaction) -> None:
        request = await request_of(interaction)
        schedule = await self.daily.schedule(request.guild_id)
        if schedule.channel_id is None:
            raise UserError("daily.no_channel")
        await interaction.response.defer(ephemeral=True)
        posted = await self.post_if_due(request.guild_id, force=True)
        key = {True: "daily.posted_now", False: "daily.post_failed", None: "daily.already_posted"}[
            posted
        ]
        await interaction.followup.send(
            t(request.lang, key, channel=f"<#{schedule.channel_id}>"), ephemeral=True
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
        request = await request_of(interaction)
        question = await self.daily.practice_question(
            request.guild_id,
            request.user_id,
            topic=topic,
            difficulty=difficulty,
            seed=f"{request.user_id}:{interaction.id}",
        )
        lang = request.lang
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
        request = await request_of(interaction)
        roles = {role.id for role in getattr(interaction.user, "roles", [])}
        if not await self.daily.may_change_scores(
            request.guild_id, roles, interaction.permissions.manage_guild
        ):
            raise app_commands.MissingPermissions(["manage_guild"])
        adjusted = await self.daily.adjust(
            request.guild_id, member.id, points, reason, request.user_id
        )
        told = await self._tell_adjusted(member, points, reason.strip(), adjusted)
        text = t(
            request.lang,
            "score.adjusted",
            member=member.mention,
            points=f"{points:+g}",
            total=f"{adjusted.total:g}",
        )
        if not told:
            text += "\n" + t(request.lang, "score.not_told")
        await interaction.response.send_message(text, ephemeral=True)

    async def _tell_adjusted(
        self, member: discord.Member, points: float, reason: str, adjusted: Adjusted
    ) -> bool:
        """DM the member about a manual change, in their server's language; False if it failed
        (closed DMs never fail the command)."""
        text = t(
            adjusted.language,
            "score.dm",
            guild=member.guild.name,
            points=f"{points:+g}",
            reason=reason,
            total=f"{adjusted.total:g}",
        )
        try:
            await member.send(text, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.info("points of member %s adjusted; not told by DM: %s", member.id, exc)
            return False
        return True

    # ------------------------------------------------------------------ flows
    async def _open_answer_form(
        self, interaction: discord.Interaction, post_id: int | None
    ) -> None:
        request = await request_of(interaction)
        open_now = await self.daily.open_question(request.guild_id, post_id)
        if open_now.question.type == "choice":
            raise UserError("answer.use_buttons")
        lang = request.lang
        await interaction.response.send_modal(
            AnswerModal(
                t(lang, "answer.form_title"), t(lang, "answer.form_label"), self._submit_text
            )
        )

    async def _submit_text(self, interaction: discord.Interaction, text: str) -> None:
        request = await request_of(interaction)
        result = await self.daily.answer(request.guild_id, request.user_id, text)
        await self._send_result(interaction, result, request)

    async def _send_result(
        self, interaction: discord.Interaction, result: answering.AnswerResult, request: Request
    ) -> None:
        lang = request.lang
        embed = feedback_embed(
            result.question, result.feedback, lang, reveal_missed=False, result=result
        )
        view = None
        if result.question.type == "short":  # free-text daily answers may be reviewed
            view = await self.reviews.view_for(
                request.guild_id, request.user_id, result.question.slug, lang
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
        request = await request_of(interaction)
        result = await self.daily.choose(request.guild_id, request.user_id, selected, post_id)
        await self._send_result(interaction, result, request)

    @component_guard
    async def practice_clicked(self, interaction: discord.Interaction, slug: str) -> None:
        """Answer button of a practice question: the form, then full feedback."""
        request = await request_of(interaction)
        question, lang = self.daily.practice_card(slug), request.lang

        async def on_answer(modal_interaction: discord.Interaction, text: str) -> None:
            feedback = await self.daily.practise(
                request.guild_id, modal_interaction.user.id, question, text
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
        request = await request_of(interaction)
        question = self.daily.practice_card(slug)
        feedback = await self.daily.practise(request.guild_id, request.user_id, question, selected)
        await send_ephemeral(
            interaction, embed=feedback_embed(question, feedback, request.lang, reveal_missed=True)
        )


async def setup(bot: AiclubBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Questions(bot))

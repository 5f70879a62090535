"""Appeals and expert review of daily answers: buttons, forms, the review card and the flows.

The member's **Ask for review** button sits under the private feedback of a daily answer;
the review card with **Confirm score** / **Set score** goes to the guild's review channel.
All three buttons are `DynamicItem`s with stable custom_ids keyed by the answer id, so they
keep working after a restart. The rules live in `bot.questions.review`; this module parses,
calls one service function, then talks to Discord (never with a database session open).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Self

import discord

from bot.client import component_guard, send_ephemeral
from bot.errors import UserError
from bot.formatting import discord_timestamp
from bot.i18n import t
from bot.interactions import client_of, guild_id_of
from bot.questions import review
from bot.questions.review import Card, Decision, Outcome
from cogs._question_ui import questions_cog
from cogs._style import BRAND, ORANGE, SUCCESS

if TYPE_CHECKING:
    from bot.client import AiclubBot
    from cogs.questions import Questions

log = logging.getLogger(__name__)
NO_PINGS = discord.AllowedMentions.none()


# ---------------------------------------------------------------------------- rendering
def _quote(text: str, limit: int) -> str:
    text = text.strip()
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return "\n".join(f"> {line}" if line.strip() else ">" for line in text.splitlines())


def _short(text: str | None, limit: int = 120) -> str:
    text = re.sub(r"\s+", " ", text or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clip(lines: list[str], limit: int = 1000) -> str:
    out: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in out) + len(line) > limit:
            out.append("…")
            break
        out.append(line)
    return "\n".join(out)


def _num(value: float) -> str:
    return f"{value:g}"


def _delta(value: float) -> str:
    return f"{value:+g}"


def outcome_text(outcome: Outcome, lang: str) -> str:
    """One line (two with a reason) saying who decided what, and when."""
    when = discord_timestamp(outcome.decided_at, "R")
    expert = f"<@{outcome.decided_by}>"
    if outcome.status == review.CONFIRMED:
        return t(
            lang,
            "review.outcome_confirmed",
            expert=expert,
            score=_num(outcome.new_score),
            when=when,
        )
    return t(
        lang,
        "review.outcome_changed",
        expert=expert,
        new=_num(outcome.new_score),
        old=_num(outcome.old_score),
        delta=_delta(outcome.points_delta),
        reason=outcome.reason or "—",
        when=when,
    )


def card_embed(card: Card, outcome: Outcome | None = None) -> discord.Embed:
    """The review card: question, the member's answer, automatic score, evidence, note."""
    lang = card.lang
    question = card.question
    prompt = question.prompt.get(lang)
    color = BRAND if outcome is None else SUCCESS if outcome.status == review.CONFIRMED else ORANGE
    answer = _quote(card.text, max(300, 3300 - len(prompt)))
    description = (
        f"**{t(lang, 'review.card_question')}:** {prompt}\n\n"
        f"**{t(lang, 'review.card_answer')}:**\n{answer}"
    )
    embed = discord.Embed(
        title=t(lang, "review.card_title", date=card.local_date.isoformat()),
        description=description if len(description) <= 4096 else description[:4095] + "…",
        color=color,
    )
    embed.add_field(name=t(lang, "review.card_member"), value=f"<@{card.user_id}>")
    auto = t(lang, "review.card_auto_value", score=_num(card.auto_score), points=_num(card.points))
    if card.evidence.score != card.auto_score and outcome is None:
        auto += "\n" + t(lang, "review.card_regraded", score=_num(card.evidence.score))
    embed.add_field(name=t(lang, "review.card_auto"), value=auto)
    labels = {p.id: p.label.get(lang) for p in question.key_points or ()}
    lines = []
    for point in card.evidence.points:
        label = labels.get(point.id, point.label)
        if point.covered:
            lines.append(f"✅ **{label}** — “{_short(point.evidence)}”")
        else:
            lines.append(f"▫️ {label}")
    embed.add_field(
        name=t(lang, "review.card_evidence"),
        value=_clip(lines) or t(lang, "review.card_no_points"),
        inline=False,
    )
    embed.add_field(
        name=t(lang, "review.card_note"),
        value=_quote(card.note, 1000) if card.note else t(lang, "review.card_no_note"),
        inline=False,
    )
    if outcome is not None:
        embed.add_field(
            name=t(lang, "review.card_outcome"),
            value=outcome_text(outcome, lang)[:1024],
            inline=False,
        )
    embed.set_footer(text=t(lang, "review.card_footer", answer=card.answer_id, slug=question.slug))
    return embed


def dm_embed(decision: Decision) -> discord.Embed:
    """What the member is told privately about the decision, in their language."""
    lang, card, outcome = decision.member_lang, decision.card, decision.outcome
    expert, day = f"<@{outcome.decided_by}>", card.local_date.isoformat()
    if outcome.status == review.CONFIRMED:
        text = t(
            lang, "review.dm_confirmed", expert=expert, date=day, score=_num(outcome.new_score)
        )
    else:
        text = t(
            lang,
            "review.dm_changed",
            expert=expert,
            date=day,
            new=_num(outcome.new_score),
            old=_num(outcome.old_score),
            delta=_delta(outcome.points_delta),
            reason=outcome.reason or "—",
        )
    embed = discord.Embed(
        title=t(lang, "review.dm_title"),
        description=text,
        color=SUCCESS if outcome.status == review.CONFIRMED else ORANGE,
    )
    embed.add_field(
        name=t(lang, "review.card_question"),
        value=_short(card.question.prompt.get(lang), 1000),
        inline=False,
    )
    return embed


# ---------------------------------------------------------------------------- components
class AskReviewButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"aiclub:review:ask:(?P<answer>\d+)"
):
    """Ask for review, under the private feedback of a daily answer (keeps working after a
    restart)."""

    def __init__(self, answer_id: int, label: str = "Ask for review") -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                emoji="🔎",
                custom_id=f"aiclub:review:ask:{answer_id}",
            )
        )
        self.answer_id = answer_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(int(match["answer"]))

    @component_guard
    async def callback(self, interaction: discord.Interaction) -> None:
        await questions_cog(interaction).reviews.ask_clicked(interaction, self.answer_id)


class ReviewDecisionButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"aiclub:review:(?P<action>confirm|set):(?P<answer>\d+)",
):
    """Confirm score / Set score on a review card (experts and Manage Server only)."""

    def __init__(self, action: str, answer_id: int, label: str | None = None) -> None:
        style = discord.ButtonStyle.success if action == "confirm" else discord.ButtonStyle.primary
        super().__init__(
            discord.ui.Button(
                label=label or action, style=style, custom_id=f"aiclub:review:{action}:{answer_id}"
            )
        )
        self.action, self.answer_id = action, answer_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(match["action"], int(match["answer"]))

    @component_guard
    async def callback(self, interaction: discord.Interaction) -> None:
        await questions_cog(interaction).reviews.decide_clicked(
            interaction, self.answer_id, self.action
        )


def ask_view(answer_id: int, lang: str) -> discord.ui.View:
    """The Ask for review button under a daily answer's feedback."""
    view = discord.ui.View(timeout=None)
    view.add_item(AskReviewButton(answer_id, t(lang, "review.ask_button")))
    return view


def card_view(answer_id: int, lang: str) -> discord.ui.View:
    """Confirm score / Set score under a pending review card."""
    view = discord.ui.View(timeout=None)
    view.add_item(ReviewDecisionButton("confirm", answer_id, t(lang, "review.confirm_button")))
    view.add_item(ReviewDecisionButton("set", answer_id, t(lang, "review.set_button")))
    return view


class _Modal(discord.ui.Modal):
    # Modal.on_error takes (interaction, error) where View.on_error also takes the item, and
    # discord.py's own Modal does not match the BaseView signature it inherits.
    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction, error: Exception
    ) -> None:
        await client_of(interaction).on_app_command_error(interaction, error)


class NoteModal(_Modal):
    """The request form: an optional note for the experts (up to 500 characters)."""

    def __init__(
        self, lang: str, on_note: Callable[[discord.Interaction, str], Awaitable[None]]
    ) -> None:
        super().__init__(title=t(lang, "review.note_title")[:45], timeout=900)
        self.note: discord.ui.TextInput = discord.ui.TextInput(
            label=t(lang, "review.note_label")[:45],
            style=discord.TextStyle.paragraph,
            placeholder=t(lang, "review.note_placeholder")[:100],
            required=False,
            max_length=review.MAX_NOTE,
            custom_id="note",
        )
        self.add_item(self.note)
        self._on_note = on_note

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self._on_note(interaction, self.note.value)


class SetScoreModal(_Modal):
    """The expert's form: a new score (0–10, one decimal) and a reason (up to 200 characters)."""

    def __init__(
        self,
        lang: str,
        current: float,
        on_score: Callable[[discord.Interaction, str, str], Awaitable[None]],
    ) -> None:
        super().__init__(title=t(lang, "review.score_title")[:45], timeout=900)
        self.score: discord.ui.TextInput = discord.ui.TextInput(
            label=t(lang, "review.score_label")[:45],
            style=discord.TextStyle.short,
            placeholder=_num(current),
            max_length=6,
            custom_id="score",
        )
        self.reason: discord.ui.TextInput = discord.ui.TextInput(
            label=t(lang, "review.reason_label")[:45],
            style=discord.TextStyle.paragraph,
            max_length=review.MAX_REASON,
            custom_id="reason",
        )
        self.add_item(self.score)
        self.add_item(self.reason)
        self._on_score = on_score

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self._on_score(interaction, self.score.value, self.reason.value)


# ---------------------------------------------------------------------------- flows
def _decider(interaction: discord.Interaction) -> tuple[frozenset[int], bool]:
    roles = frozenset(r.id for r in getattr(interaction.user, "roles", ()))
    return roles, bool(interaction.permissions.manage_guild)


class ReviewDesk:
    """The review flows of the Questions cog: ask, post the card, decide, tell the member."""

    def __init__(self, cog: Questions) -> None:
        self.cog = cog

    @property
    def bot(self) -> AiclubBot:
        return self.cog.bot

    async def view_for(
        self, guild_id: int, user_id: int, slug: str, lang: str
    ) -> discord.ui.View | None:
        """The Ask for review button for the member's daily answer to ``slug``, unless asked."""
        state = await review.review_state(self.bot.db, guild_id, user_id, slug)
        if state is None or state.requested:
            return None
        return ask_view(state.answer_id, lang)

    # ------------------------------------------------------------------ asking
    @component_guard
    async def ask_clicked(self, interaction: discord.Interaction, answer_id: int) -> None:
        """Check first (nothing to type in vain), then open the note form."""
        lang = await self.bot.lang_for(interaction)
        await review.check_request(
            self.bot.db,
            self.bot.services.bank,
            guild_id_of(interaction),
            interaction.user.id,
            answer_id,
        )

        async def on_note(modal_interaction: discord.Interaction, note: str) -> None:
            await self._send_request(modal_interaction, answer_id, note, lang)

        await interaction.response.send_modal(NoteModal(lang, on_note))

    async def _send_request(
        self, interaction: discord.Interaction, answer_id: int, note: str, lang: str
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)  # re-scoring may be slow
        card = await review.prepare_request(
            self.bot.db,
            self.bot.services.bank,
            guild_id_of(interaction),
            interaction.user.id,
            answer_id,
            note,
            self.bot.clock.now(),
        )
        try:
            channel = await self.bot.post_channel(card.channel_id)
            message = await channel.send(
                embed=card_embed(card),
                view=card_view(card.answer_id, card.lang),
                allowed_mentions=NO_PINGS,
            )
        except (discord.HTTPException, TypeError) as exc:  # TypeError: not a text channel
            log.warning(
                "review card for answer %s not posted in channel %s: %s",
                answer_id,
                card.channel_id,
                exc,
            )
            raise UserError("review.channel_unavailable", channel=f"<#{card.channel_id}>") from None
        try:
            await review.record_request(self.bot.db, card, message.id, lang, self.bot.clock.now())
        except UserError:
            try:  # another request of the same answer got in first: keep only its card
                await message.delete()
            except discord.HTTPException as exc:
                log.warning("duplicate review card %s not deleted: %s", message.id, exc)
            raise
        await send_ephemeral(interaction, t(lang, "review.sent"))

    # ------------------------------------------------------------------ deciding
    @component_guard
    async def decide_clicked(
        self, interaction: discord.Interaction, answer_id: int, action: str
    ) -> None:
        """Confirm decides at once; Set score checks the expert, then opens the score form."""
        lang = await self.bot.lang_for(interaction)
        roles, manage = _decider(interaction)
        if action == "confirm":
            await interaction.response.defer(ephemeral=True, thinking=True)
            decision = await review.decide(
                self.bot.db,
                self.bot.services.bank,
                guild_id_of(interaction),
                answer_id,
                interaction.user.id,
                roles,
                manage,
                self.bot.clock.now(),
            )
            await self._announce(interaction, decision, lang)
            return
        current = await review.check_decider(
            self.bot.db, guild_id_of(interaction), answer_id, interaction.user.id, roles, manage
        )

        async def on_score(modal_interaction: discord.Interaction, score: str, reason: str) -> None:
            new_score = review.parse_score(score)
            modal_roles, modal_manage = _decider(modal_interaction)
            await modal_interaction.response.defer(ephemeral=True, thinking=True)
            decision = await review.decide(
                self.bot.db,
                self.bot.services.bank,
                guild_id_of(modal_interaction),
                answer_id,
                modal_interaction.user.id,
                modal_roles,
                modal_manage,
                self.bot.clock.now(),
                new_score=new_score,
                reason=reason,
            )
            await self._announce(modal_interaction, decision, lang)

        await interaction.response.send_modal(SetScoreModal(lang, current, on_score))

    async def _announce(
        self, interaction: discord.Interaction, decision: Decision, lang: str
    ) -> None:
        """Tell the expert, redraw the card with the outcome, DM the member."""
        card, outcome = decision.card, decision.outcome
        member = f"<@{card.user_id}>"
        if outcome.status == review.CONFIRMED:
            text = t(lang, "review.done_confirmed", member=member, score=_num(outcome.new_score))
        else:
            text = t(
                lang,
                "review.done_changed",
                member=member,
                new=_num(outcome.new_score),
                old=_num(outcome.old_score),
                delta=_delta(outcome.points_delta),
            )
        await send_ephemeral(interaction, text, allowed_mentions=NO_PINGS)
        try:
            channel = await self.bot.post_channel(card.channel_id)
            await channel.get_partial_message(decision.message_id).edit(
                embed=card_embed(card, outcome), view=None, allowed_mentions=NO_PINGS
            )
        except discord.HTTPException as exc:
            log.warning("review card %s not updated: %s", decision.message_id, exc)
        try:
            user = self.bot.get_user(card.user_id) or await self.bot.fetch_user(card.user_id)
            await user.send(embed=dm_embed(decision), allowed_mentions=NO_PINGS)
        except discord.Forbidden:
            log.info(
                "review %s decided; member %s not told: their DMs are closed",
                decision.request_id,
                card.user_id,
            )
        except discord.HTTPException as exc:
            log.warning(
                "review %s decided; DM to member %s failed: %s",
                decision.request_id,
                card.user_id,
                exc,
            )

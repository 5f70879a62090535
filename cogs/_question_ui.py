"""Embeds, buttons and the answer form of the daily question (shared by the question cogs)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Self

import discord

from bot.client import component_guard
from bot.formatting import discord_timestamp
from bot.i18n import t
from bot.interactions import client_of, cog_for
from bot.questions.answering import AnswerResult
from bot.questions.bank import Question
from bot.questions.points import streak_bonus
from bot.questions.scoring import MISCONCEPTION_PENALTY, Feedback, PointResult
from bot.questions.service import FULL_SCORE, RevealStats
from bot.questions.topics import TOPICS
from cogs._style import BRAND, MUTED, SUCCESS

if TYPE_CHECKING:
    from cogs.questions import Questions

BAR_WIDTH = 12
STARS = {1: "★☆☆", 2: "★★☆", 3: "★★★"}


def other(lang: str) -> str:
    """The other language."""
    return "en" if lang == "zh" else "zh"


def question_embed(
    question: Question,
    lang: str,
    *,
    deadline: datetime | None,
    practice: bool = False,
    reveal_url: str | None = None,
) -> discord.Embed:
    """The question in ``lang`` with the other language below, topic, difficulty, deadline.

    With ``reveal_url`` the question is closed: it says so and links to its reveal.
    """
    closed = reveal_url is not None
    title = t(lang, "question.practice_title" if practice else "question.title")
    if closed:
        title = t(lang, "question.closed_title")
    embed = discord.Embed(
        title=title, description=question.prompt.get(lang), color=MUTED if closed else BRAND
    )
    embed.add_field(
        name=t(other(lang), "question.translation"),
        value=question.prompt.get(other(lang)),
        inline=False,
    )
    if question.type == "choice":
        lines = [f"**{o.id.upper()}.** {o.text(lang)}" for o in question.options or ()]
        embed.add_field(name=t(lang, "question.options"), value="\n".join(lines), inline=False)
    embed.add_field(name=t(lang, "question.topic"), value=TOPICS[question.topic].label(lang))
    embed.add_field(name=t(lang, "question.difficulty"), value=STARS[question.difficulty])
    if closed and deadline is not None:
        value = t(
            lang, "question.closed_value", when=discord_timestamp(deadline, "f"), url=reveal_url
        )
        embed.add_field(name=t(lang, "question.closed"), value=value, inline=False)
    elif deadline is not None:
        embed.add_field(name=t(lang, "question.deadline"), value=discord_timestamp(deadline, "R"))
    footer = "question.footer_closed" if closed else "question.footer"
    embed.set_footer(text=t(lang, footer, slug=question.slug))
    return embed


def feedback_embed(
    question: Question,
    feedback: Feedback,
    lang: str,
    *,
    reveal_missed: bool,
    result: AnswerResult | None = None,
) -> discord.Embed:
    """The score, then for a free-text answer the key points it covered (with the words that
    earned each) and the missed ones; for a choice the picks marked right or wrong.
    ``reveal_missed`` shows everything (practice): missed points, correct options, reference."""
    embed = discord.Embed(
        title=t(lang, "feedback.title", score=f"{feedback.score:g}"),
        color=SUCCESS if feedback.score >= 6 else BRAND,
    )
    if feedback.reason:
        embed.description = t(lang, f"feedback.reason.{feedback.reason}")
    notes: list[str] = []
    if question.type == "choice":
        _choice_feedback(embed, question, feedback, lang, reveal=reveal_missed)
    else:
        _key_point_feedback(embed, question, feedback, lang, reveal_missed=reveal_missed)
    if result is not None:
        embed.add_field(name=t(lang, "feedback.points"), value=_points_text(result, lang))
        embed.add_field(name=t(lang, "feedback.streak"), value=str(result.streak))
        if not result.first_attempt:
            notes.append(t(lang, "feedback.already_answered"))
    if reveal_missed:
        embed.add_field(
            name=t(lang, "feedback.reference"),
            value=question.reference_answer.get(lang)[:1024],
            inline=False,
        )
    if question.type == "short" and feedback.graded_by == "lexical":
        notes.append(t(lang, "feedback.grading_lexical"))
    if notes:
        embed.set_footer(text="\n".join(notes))
    return embed


def _points_text(result: AnswerResult, lang: str) -> str:
    """``+12``, and how the streak bonus adds to it when there is one."""
    bonus = streak_bonus(result.streak) if result.first_attempt and result.points > 0 else 0
    if not bonus:
        return f"+{result.points:g}"
    return t(lang, "feedback.points_with_bonus", points=f"{result.points:g}", bonus=f"{bonus:g}")


def _choice_feedback(
    embed: discord.Embed, question: Question, feedback: Feedback, lang: str, *, reveal: bool
) -> None:
    """Each picked option marked right or wrong; the correct ones once they may be shown."""
    texts = {o.id: o.text(lang) for o in question.options or ()}
    picked = [
        f"{'✅' if p.weight else '❌'} **{p.id.upper()}.** {texts.get(p.id, p.label)}"
        for p in feedback.points
        if p.covered
    ]
    if picked:
        embed.add_field(name=t(lang, "feedback.your_pick"), value=clip_lines(picked), inline=False)
    if reveal:
        embed.add_field(
            name=t(lang, "feedback.correct"), value=correct_options(question, lang), inline=False
        )
    elif feedback.score < FULL_SCORE:
        embed.add_field(
            name=t(lang, "feedback.correct"), value=t(lang, "feedback.correct_later"), inline=False
        )


def correct_options(question: Question, lang: str) -> str:
    """The correct options of a choice question, one per line: ``**B.** Binary cross-entropy``."""
    correct = set(question.correct or ())
    lines = [
        f"**{o.id.upper()}.** {o.text(lang)}" for o in question.options or () if o.id in correct
    ]
    return clip_lines(lines)


def _key_point_feedback(
    embed: discord.Embed, question: Question, feedback: Feedback, lang: str, *, reveal_missed: bool
) -> None:
    """Covered key points with the words that earned each, misconceptions, and the missed ones
    (only counted until the reveal)."""
    labels = {p.id: p.label.get(lang) for p in question.key_points or ()}
    covered = [p for p in feedback.points if p.covered]
    missed = [p for p in feedback.points if not p.covered]
    if covered:
        lines = [
            "✅ " + " · ".join(_earned(p, labels, lang) for p in points) + f" — “{quote}”"
            for quote, points in _by_quote(covered).items()
        ]
        embed.add_field(name=t(lang, "feedback.covered"), value=clip_lines(lines), inline=False)
    if feedback.misconceptions:
        lines = [
            f"❌ **{m.label}** — “{_quote(m.evidence)}”\n"
            f"↳ {t(lang, 'feedback.correction')}: {m.correction}"
            for m in feedback.misconceptions
        ]
        name = t(lang, "feedback.misconceptions", penalty=f"{MISCONCEPTION_PENALTY:g}")
        embed.add_field(name=name, value=clip_lines(lines), inline=False)
    if missed and reveal_missed:
        lines = [f"▫️ {_point_label(p, labels, lang)}" for p in missed]
        embed.add_field(name=t(lang, "feedback.missed"), value=clip_lines(lines), inline=False)
    elif missed:
        embed.add_field(
            name=t(lang, "feedback.missed"),
            value=t(lang, "feedback.missed_hidden", count=len(missed)),
            inline=False,
        )


def _by_quote(points: list[PointResult]) -> dict[str, list[PointResult]]:
    """The covered points grouped by the words that earned them: a sentence that earned
    several points is quoted once, in the answer's order."""
    grouped: dict[str, list[PointResult]] = {}
    for point in points:
        grouped.setdefault(_quote(point.evidence), []).append(point)
    return grouped


def _earned(point: PointResult, labels: dict[str, str], lang: str) -> str:
    """A covered point's bold label, marked when it was credited by meaning."""
    by_meaning = f" {t(lang, 'feedback.by_meaning')}" if point.semantic else ""
    return f"**{_point_label(point, labels, lang)}**{by_meaning}"


def _point_label(point: PointResult, labels: dict[str, str], lang: str) -> str:
    label = labels.get(point.id, point.label)
    return f"{label} ({t(lang, 'feedback.bonus')})" if point.kind == "bonus" else label


def reveal_embed(question: Question, stats: RevealStats, lang: str) -> discord.Embed:
    """The reveal: reference answer, key points (choice: the correct options), answer count,
    score distribution (choice: picks per option), who answered first and best, most missed."""
    embed = discord.Embed(
        title=t(lang, "reveal.title"), color=SUCCESS, description=question.prompt.get(lang)
    )
    embed.add_field(
        name=t(lang, "feedback.reference"),
        value=question.reference_answer.get(lang)[:1024],
        inline=False,
    )
    if question.key_points:
        lines = [f"• {p.label.get(lang)} (×{p.weight})" for p in question.key_points]
        embed.add_field(name=t(lang, "reveal.key_points"), value=clip_lines(lines), inline=False)
    else:
        embed.add_field(
            name=t(lang, "feedback.correct"), value=correct_options(question, lang), inline=False
        )
    embed.add_field(name=t(lang, "reveal.answers"), value=str(stats.answers))
    if stats.average is not None:
        embed.add_field(name=t(lang, "reveal.average"), value=f"{stats.average:g}/10")
    if stats.answers and question.type == "choice":
        embed.add_field(
            name=t(lang, "reveal.picks"), value=_pick_bars(question, stats), inline=False
        )
    elif stats.answers:
        bars = [f"`{name:>5}` {'█' * n} {n}" for name, n in stats.distribution.items()]
        embed.add_field(name=t(lang, "reveal.distribution"), value="\n".join(bars), inline=False)
    if stats.first_full is not None:
        embed.add_field(
            name=t(lang, "reveal.first_full"),
            value=_member(stats.first_full, stats, lang),
            inline=False,
        )
    if stats.best:
        lines = [
            t(lang, "reveal.best_line", rank=rank, member=_member(uid, stats, lang), score=f"{s:g}")
            for rank, (uid, s) in enumerate(stats.best, 1)
        ]
        embed.add_field(name=t(lang, "reveal.best"), value="\n".join(lines), inline=False)
    if stats.most_missed is not None:
        label = next(
            p.label.get(lang) for p in question.key_points or () if p.id == stats.most_missed
        )
        embed.add_field(name=t(lang, "reveal.most_missed"), value=label, inline=False)
    if stats.misconceptions:
        known = {m.id: m for m in question.misconceptions}
        lines = [
            t(
                lang,
                "reveal.misconception_line",
                label=item.label.get(lang),
                count=count,
                correction=item.correction.get(lang),
            )
            for mid, count in stats.misconceptions
            if (item := known.get(mid)) is not None
        ]
        if lines:
            embed.add_field(
                name=t(lang, "reveal.misconceptions"), value=clip_lines(lines), inline=False
            )
    return embed


def _pick_bars(question: Question, stats: RevealStats) -> str:
    """One text bar per option, scaled to the most picked one; ✅ marks the correct options."""
    correct = set(question.correct or ())
    top = max((n for _id, n in stats.picks), default=0) or 1
    lines = []
    for option_id, n in stats.picks:
        bar = "█" * max(round(BAR_WIDTH * n / top), 1 if n else 0)
        mark = "✅" if option_id in correct else "▫️"
        share = round(100 * n / stats.answers) if stats.answers else 0
        lines.append(f"{mark} `{option_id.upper()}` {bar} {n} · {share}%")
    return "\n".join(lines)


def _member(user_id: int, stats: RevealStats, lang: str) -> str:
    """A mention, or an anonymous label for a member who opted out of being named."""
    return t(lang, "profile.anonymous") if user_id in stats.hidden else f"<@{user_id}>"


def _quote(text: str | None) -> str:
    text = re.sub(r"\s+", " ", text or "").strip()
    return text if len(text) <= 120 else text[:117] + "…"


def clip_lines(lines: list[str]) -> str:
    """Whole lines up to 1,000 characters (an embed field holds 1,024), then "…"."""
    out: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in out) + len(line) > 1000:
            out.append("…")
            break
        out.append(line)
    return "\n".join(out)


# ---------------------------------------------------------------------------- components
def questions_cog(interaction: discord.Interaction) -> Questions:
    """The Questions cog, for a persistent component (politely refused if it is unloaded)."""
    from cogs.questions import Questions  # imported here: that module imports this one

    return cog_for(interaction, Questions)


Target = Literal["post", "practice"]
_TARGET = r"(?P<target>post|practice):(?P<ref>[a-z0-9-]+)"


def _target(match: re.Match[str]) -> Target:
    return "post" if match["target"] == "post" else "practice"


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button], template=rf"aiclub:answer:{_TARGET}"):
    """Answer (free text) under a daily post (ref = post id) or a practice question (slug).

    Its custom_id is stable, so it keeps working after a restart.
    """

    def __init__(self, target: Target, ref: str, label: str = "Answer") -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.primary,
                emoji="✍️",
                custom_id=f"aiclub:answer:{target}:{ref}",
            )
        )
        self.target, self.ref = target, ref

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(_target(match), match["ref"])

    @component_guard
    async def callback(self, interaction: discord.Interaction) -> None:
        if self.target == "post":
            await questions_cog(interaction).answer_clicked(interaction, int(self.ref))
        else:
            await questions_cog(interaction).practice_clicked(interaction, self.ref)


class ChoiceButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=rf"aiclub:choice:{_TARGET}:(?P<option>[a-z0-9]+)",
):
    """One option of a daily (ref = post id) or practice (slug) multiple-choice question."""

    def __init__(self, target: Target, ref: str, option: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=option.upper(),
                style=discord.ButtonStyle.secondary,
                custom_id=f"aiclub:choice:{target}:{ref}:{option}",
            )
        )
        self.target, self.ref, self.option = target, ref, option

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(_target(match), match["ref"], match["option"])

    @component_guard
    async def callback(self, interaction: discord.Interaction) -> None:
        cog = questions_cog(interaction)
        if self.target == "post":
            await cog.choice_clicked(interaction, int(self.ref), {self.option})
        else:
            await cog.practice_choice_clicked(interaction, self.ref, {self.option})


class ChoiceSelect(discord.ui.DynamicItem[discord.ui.Select], template=rf"aiclub:choose:{_TARGET}"):
    """A menu to pick every correct option of a question with more than one."""

    def __init__(
        self, target: Target, ref: str, question: Question | None = None, lang: str = "en"
    ) -> None:
        choices = (question.options or ()) if question else ()
        options = [
            discord.SelectOption(label=o.id.upper(), value=o.id, description=o.text(lang)[:100])
            for o in choices
        ] or [discord.SelectOption(label="?", value="?")]  # rebuilt from a custom_id: unused
        super().__init__(
            discord.ui.Select(
                custom_id=f"aiclub:choose:{target}:{ref}",
                min_values=1,
                max_values=len(options),
                placeholder=t(lang, "question.choose_all"),
                options=options,
            )
        )
        self.target, self.ref = target, ref

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        return cls(_target(match), match["ref"])

    @component_guard
    async def callback(self, interaction: discord.Interaction) -> None:
        values = interaction.data.get("values", []) if interaction.data is not None else []
        selected = set(values) if isinstance(values, list) else set()
        cog = questions_cog(interaction)
        if self.target == "post":
            await cog.choice_clicked(interaction, int(self.ref), selected)
        else:
            await cog.practice_choice_clicked(interaction, self.ref, selected)


def question_view(question: Question, target: Target, ref: str, lang: str) -> discord.ui.View:
    """Under a question: option buttons (one correct), a menu (several correct), or Answer."""
    view = discord.ui.View(timeout=None)
    if question.type == "choice" and len(question.correct or ()) > 1:
        view.add_item(ChoiceSelect(target, ref, question, lang))
    elif question.type == "choice":
        for option in question.options or ():
            view.add_item(ChoiceButton(target, ref, option.id))
    else:
        view.add_item(AnswerButton(target, ref, t(lang, "question.answer_button")))
    return view


class AnswerModal(discord.ui.Modal):
    """The answer form (up to 2,000 characters); ``on_answer`` receives the text."""

    def __init__(
        self,
        title: str,
        label: str,
        on_answer: Callable[[discord.Interaction, str], Awaitable[None]],
    ) -> None:
        super().__init__(title=title[:45], timeout=900)
        self.answer: discord.ui.TextInput = discord.ui.TextInput(
            label=label[:45], style=discord.TextStyle.paragraph, max_length=2000, custom_id="answer"
        )
        self.add_item(self.answer)
        self._on_answer = on_answer

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self._on_answer(interaction, self.answer.value)

    # Modal.on_error takes (interaction, error) where View.on_error also takes the item, and
    # discord.py's own Modal does not match the BaseView signature it inherits.
    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction, error: Exception
    ) -> None:
        await client_of(interaction).on_app_command_error(interaction, error)

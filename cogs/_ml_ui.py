"""Embeds, buttons and views of the ML commands (/gan, /cnn, /ml)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Self

import discord

from bot.client import component_guard
from bot.formatting import discord_timestamp
from bot.i18n import t
from bot.interactions import cog_for
from bot.ml.cards import ModelCard
from bot.ml.jobs import Morph, Prediction
from bot.ml.requests import MorphRequest, SampleRequest
from cogs._style import BRAND, DANGER, MUTED, SUCCESS

if TYPE_CHECKING:
    from cogs.ml import ML

GAN_ACTIONS = ("reroll", "pick", "digit", "details")


def _digit_text(request: SampleRequest, lang: str) -> str:
    return t(lang, "gan.mixed") if request.digit is None else str(request.digit)


def sample_embed(request: SampleRequest, version: str, filename: str, lang: str) -> discord.Embed:
    """The embed around a /gan sample grid: seed and model version, image attached."""
    key = "gan.description_mixed" if request.digit is None else "gan.description_digit"
    embed = discord.Embed(
        title=t(lang, "gan.title"), color=BRAND,
        description=t(lang, key, count=request.count, digit=request.digit, seed=request.seed),
    )  # fmt: skip
    embed.add_field(name=t(lang, "gan.seed"), value=f"`{request.seed}`")
    embed.add_field(name=t(lang, "gan.digit"), value=_digit_text(request, lang))
    embed.add_field(name=t(lang, "gan.model"), value=f"`{version}`")
    embed.set_image(url=f"attachment://{filename}")
    embed.set_footer(text=t(lang, "gan.footer", command=request.command()))
    return embed


def details_embed(
    request: SampleRequest, version: str, current: str | None, lang: str
) -> discord.Embed:
    """Every parameter of a picture and the command that draws it again."""
    embed = discord.Embed(title=t(lang, "gan.details_title"), color=BRAND)
    embed.add_field(name=t(lang, "gan.count"), value=str(request.count))
    embed.add_field(name=t(lang, "gan.digit"), value=_digit_text(request, lang))
    embed.add_field(name=t(lang, "gan.seed"), value=f"`{request.seed}`")
    embed.add_field(name=t(lang, "gan.model"), value=f"`{version}`", inline=False)
    embed.add_field(name=t(lang, "gan.reproduce"), value=f"`{request.command()}`", inline=False)
    if current is not None and current != version:
        embed.description = t(lang, "gan.details_older", version=version, current=current)
    return embed


def morph_embed(request: MorphRequest, morph: Morph, filename: str, lang: str) -> discord.Embed:
    """The embed around a /gan interpolate animation."""
    embed = discord.Embed(
        title=t(lang, "gan.morph_title", start=request.start, end=request.end), color=BRAND,
        description=t(lang, "gan.morph_description", start=request.start, end=request.end,
                      steps=request.steps, seed=request.seed,
                      method=t(lang, f"gan.method_{morph.method}")),
    )  # fmt: skip
    embed.add_field(name=t(lang, "gan.seed"), value=f"`{request.seed}`")
    embed.add_field(name=t(lang, "gan.model"), value=f"`{morph.model_version}`")
    embed.set_image(url=f"attachment://{filename}")
    embed.set_footer(text=t(lang, "gan.footer", command=request.command()))
    return embed


def prediction_embed(prediction: Prediction, filename: str, lang: str) -> discord.Embed:
    """Top classes with probabilities, the chart, and the truth for a held-out digit.

    A picture that does not look like a digit says so plainly; the best guess stays in small
    print under it, and the chart still shows what the model saw.
    """
    label, probability = prediction.top[0]
    if prediction.not_digit is not None:
        embed = discord.Embed(title=t(lang, "cnn.not_digit_title"), color=MUTED)
        embed.description = "\n".join(
            (
                t(lang, f"cnn.not_digit_{prediction.not_digit}"),
                t(lang, "cnn.not_digit_hint"),
                "-# " + t(lang, "cnn.best_guess", label=label, probability=f"{probability:.0%}"),
            )
        )
        embed.add_field(name=t(lang, "gan.model"), value=f"`{prediction.model_version}`")
        embed.set_image(url=f"attachment://{filename}")
        embed.set_footer(text=t(lang, "cnn.footer"))
        return embed
    correct = prediction.truth is None or prediction.truth == label
    embed = discord.Embed(
        title=t(lang, "cnn.title", label=label, probability=f"{probability:.1%}"),
        color=SUCCESS if correct else DANGER,
    )
    lines = [f"**{name}** — {p:.1%}" for name, p in prediction.top]
    embed.add_field(name=t(lang, "cnn.top"), value="\n".join(lines))
    if prediction.truth is not None:
        verdict = "cnn.truth_right" if correct else "cnn.truth_wrong"
        embed.add_field(name=t(lang, "cnn.truth"), value=t(lang, verdict, truth=prediction.truth))
        embed.description = t(
            lang, "cnn.heldout", index=prediction.index, size=prediction.heldout_size
        )
    embed.add_field(name=t(lang, "gan.model"), value=f"`{prediction.model_version}`", inline=False)
    embed.set_image(url=f"attachment://{filename}")
    embed.set_footer(text=t(lang, "cnn.footer"))
    return embed


def _metric(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else "?"


def card_lines(card: ModelCard, lang: str) -> list[str]:
    """A model card in a few lines: dataset, quality beside its baseline, when, version."""
    data, metrics = card.dataset, card.metrics
    lines = [
        t(
            lang,
            "ml.info_dataset",
            dataset=data.get("name", "?"),
            train=data.get("train_size", "?"),
            test=data.get("test_size", "?"),
        )
    ]
    if card.kind == "cnn":
        lines.append(
            t(
                lang,
                "ml.info_accuracy",
                accuracy=_metric(metrics.get("accuracy")),
                baseline=_metric(metrics.get("svc_baseline_accuracy")),
            )
        )
        held = (metrics.get("uploads") or {}).get("heldback")
        if isinstance(held, dict):
            lines.append(
                t(
                    lang,
                    "ml.info_uploads",
                    count=held.get("digits", "?"),
                    accuracy=f"{held.get('accuracy', 0):.1%}",
                    rejected=f"{held.get('false_reject_rate', 0):.1%}",
                    flagged=f"{held.get('detection_rate', 0):.1%}",
                )
            )
    else:
        lines.append(
            t(
                lang,
                "ml.info_frechet",
                value=_metric(metrics.get("frechet_distance")),
                floor=_metric(metrics.get("frechet_floor_train_vs_test")),
                ceiling=_metric(metrics.get("frechet_ceiling_uniform_noise")),
            )
        )
        lines.append(
            t(lang, "ml.info_conditional", value=_metric(metrics.get("conditional_accuracy")))
        )
    failing = [name for name, ok in card.gates.items() if not ok]
    lines.append(
        t(lang, "ml.info_gates_failing", gates=", ".join(failing))
        if failing
        else t(lang, "ml.info_gates_pass")
    )
    if card.created is not None:
        lines.append(t(lang, "ml.info_trained", when=discord_timestamp(card.created, "D")))
    lines.append(t(lang, "ml.info_version", version=card.version))
    return lines


def model_choice_label(card: ModelCard) -> str:
    """How a model reads in the ``model:`` autocomplete: name, dataset and classes."""
    classes = ", ".join(card.class_names[:4]) + ("…" if len(card.class_names) > 4 else "")
    return f"{card.name} — {card.dataset.get('name', '?')} ({classes})"


def cards_embed(
    title: str, cards: dict[str, ModelCard | str], loaded: list[str], lang: str
) -> discord.Embed:
    """One field per model (by name): its card, or why it is not served and how to fix that."""
    embed = discord.Embed(title=title, color=BRAND)
    for name, card in list(cards.items())[:25]:  # an embed holds 25 fields
        kind, _, dataset = name.partition("-")
        command, label = f"aiclub train {kind}", t(lang, f"ml.kind_{kind}")
        if dataset != "digits":
            command, label = f"{command} --dataset {dataset}", f"{label} · {name}"
        if isinstance(card, str):
            value = t(lang, "ml.not_served", problem=card, command=command)
        else:
            value = "\n".join(card_lines(card, lang))
        embed.add_field(name=label, value=value[:1024], inline=False)
    state = ", ".join(loaded) or t(lang, "ml.info_not_loaded")
    embed.set_footer(text=t(lang, "ml.info_loaded", models=state))
    return embed


# ---------------------------------------------------------------------------- components
def ml_cog(interaction: discord.Interaction) -> ML:
    """The ML cog, for a persistent component (politely refused if it is unloaded)."""
    from cogs.ml import ML  # imported here: that module imports this one

    return cog_for(interaction, ML)


class GanButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=(
        r"aiclub:gan:(?P<action>reroll|pick|digit|details):(?P<count>\d{1,3}):"
        r"(?P<digit>\d|x):(?P<seed>\d{1,10}):(?P<version>[A-Za-z0-9._-]{1,48})"
    ),
):
    """A button under a GAN picture; everything it needs is in its custom_id (survives restarts)."""

    def __init__(
        self,
        action: str,
        request: SampleRequest,
        version: str,
        label: str = "?",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        emoji: str | None = None,
        row: int | None = None,
    ) -> None:
        digit = "x" if request.digit is None else str(request.digit)
        super().__init__(discord.ui.Button(
            label=label, style=style, emoji=emoji, row=row,
            custom_id=f"aiclub:gan:{action}:{request.count}:{digit}:{request.seed}:{version}",
        ))  # fmt: skip
        self.action, self.request, self.version = action, request, version

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Self:
        digit = None if match["digit"] == "x" else int(match["digit"])
        request = SampleRequest(int(match["count"]), digit, int(match["seed"]))
        return cls(match["action"], request, match["version"])

    @component_guard
    async def callback(self, interaction: discord.Interaction) -> None:
        await ml_cog(interaction).gan_button(interaction, self.action, self.request, self.version)


def sample_view(request: SampleRequest, version: str, lang: str) -> discord.ui.View:
    """Re-roll, Same seed / other digit, Details."""
    view = discord.ui.View(timeout=None)
    secondary = discord.ButtonStyle.secondary
    view.add_item(
        GanButton(
            "reroll", request, version, t(lang, "gan.reroll"), discord.ButtonStyle.primary, "🎲"
        )
    )
    view.add_item(GanButton("pick", request, version, t(lang, "gan.other_digit"), secondary, "🔢"))
    view.add_item(GanButton("details", request, version, t(lang, "gan.details"), secondary, "ℹ️"))
    return view


def digit_picker(request: SampleRequest, version: str) -> discord.ui.View:
    """Ten buttons, one per digit, drawing the same seed as another digit."""
    view = discord.ui.View(timeout=None)
    for digit in range(10):
        picked = SampleRequest(request.count, digit, request.seed)
        style = (
            discord.ButtonStyle.primary if digit == request.digit else discord.ButtonStyle.secondary
        )
        view.add_item(GanButton("digit", picked, version, str(digit), style, row=digit // 5))
    return view

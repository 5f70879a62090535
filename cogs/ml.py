"""/gan sample, /gan interpolate, /cnn predict, /ml info and /ml reload, and the GAN buttons.

Every ML command answers the same way: options are checked, the job takes its place in the
queue, the interaction is deferred privately, the work runs in the inference worker, then the
picture is posted publicly. Anything that goes wrong is a private, localized message.
"""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import AiclubBot, component_guard
from bot.errors import UserError
from bot.i18n import t
from bot.ml import jobs
from bot.ml.cards import ModelCard
from bot.ml.images import ImageInputError, check_upload_size
from bot.ml.limits import LimitError
from bot.ml.models import ModelSet
from bot.ml.requests import JobError, MorphRequest, SampleRequest
from bot.ml.service import InferenceService, Job
from cogs._ml_ui import (
    GanButton,
    cards_embed,
    details_embed,
    digit_picker,
    model_choice_label,
    morph_embed,
    prediction_embed,
    sample_embed,
    sample_view,
)

log = logging.getLogger(__name__)
_FAMILIES: dict[type[Exception], str] = {
    JobError: "job",
    LimitError: "limit",
    ImageInputError: "image",
}


async def _think(interaction: discord.Interaction) -> None:
    """Defer privately, so that an error can still be a private reply."""
    await interaction.response.defer(ephemeral=True, thinking=True)


async def _publish(interaction: discord.Interaction, lang: str, **message: Any) -> None:
    """Post the result publicly and remove the private 'thinking' placeholder."""
    await interaction.edit_original_response(content=t(lang, "ml.posted"))
    await interaction.followup.send(**message)
    await interaction.delete_original_response()


class ML(commands.Cog):
    """Live TensorFlow demos: a conditional GAN and a CNN on handwritten digits."""

    gan = app_commands.Group(
        name="gan", description="Draw handwritten digits with a GAN", guild_only=True
    )
    cnn = app_commands.Group(
        name="cnn", description="Read handwritten digits with a CNN", guild_only=True
    )
    ml = app_commands.Group(
        name="ml", description="The ML models: model cards and reload", guild_only=True
    )

    def __init__(self, bot: AiclubBot) -> None:
        self.bot = bot
        self._preload: asyncio.Task[None] | None = None

    @property
    def service(self) -> InferenceService:
        """The bot's inference service (``bot.services``)."""
        return self.bot.services.inference

    async def cog_load(self) -> None:
        # Kept after an unload, so old buttons answer that this part is switched off.
        self.bot.add_dynamic_items(GanButton)
        if self.bot.settings.preload_models:
            self._preload = asyncio.create_task(self._preload_models())

    async def cog_unload(self) -> None:
        if self._preload is not None:
            self._preload.cancel()

    async def _preload_models(self) -> None:
        """Once the bot is ready, start loading the models in the worker."""
        await self.bot.wait_until_ready()
        self.service.start_loading()

    @asynccontextmanager
    async def _job(
        self, interaction: discord.Interaction, command: str, parameters: dict[str, Any]
    ) -> AsyncIterator[Job]:
        """A recorded job whose ML errors become the user's localized message."""
        try:
            async with self.service.job(
                interaction.guild_id or 0, interaction.user.id, command, parameters
            ) as job:
                yield job
        except (JobError, LimitError, ImageInputError) as exc:
            raise UserError(f"ml.{_FAMILIES[type(exc)]}.{exc.code}", **exc.params) from None

    # ------------------------------------------------------------------ /gan
    @gan.command(name="sample", description="A grid of generated digits; same seed, same picture")
    @app_commands.describe(
        count="How many digits, 1-64 (default 16)",
        digit="Only this digit, 0-9 (default: every digit in turn)",
        seed="Random seed, 0-4294967295 (default: a random one)",
        model="Which GAN (default: the digits one)",
    )
    async def sample(
        self,
        interaction: discord.Interaction,
        count: int = 16,
        digit: int | None = None,
        seed: int | None = None,
        model: str | None = None,
    ) -> None:
        await self._sample(interaction, "gan sample", count, digit, seed, model=model)

    async def _sample(
        self,
        interaction: discord.Interaction,
        command: str,
        count: int,
        digit: int | None,
        seed: int | None,
        expect_version: str | None = None,
        model: str | None = None,
    ) -> None:
        lang = await self.bot.lang_for(interaction)
        raw = {"count": count, "digit": digit, "seed": seed, "model": model}
        async with self._job(interaction, command, raw) as job:
            request = SampleRequest.build(count, digit, seed)
            job.parameters, job.seed = {**request.parameters(), "model": model}, request.seed
            job.admit()
            await _think(interaction)
            sample = await job.run(
                "gan", jobs.sample_grid, request, expect_version=expect_version, model_name=model
            )
        filename = f"gan-{request.seed}.png"
        await _publish(
            interaction, lang, embed=sample_embed(request, sample.model_version, filename, lang),
            file=discord.File(io.BytesIO(sample.png), filename),
            view=sample_view(request, sample.model_version, lang),
        )  # fmt: skip

    @component_guard
    async def gan_button(
        self, interaction: discord.Interaction, action: str, request: SampleRequest, version: str
    ) -> None:
        """Re-roll, Same seed / other digit (a private digit picker), a picked digit, Details."""
        models = self.service.models
        card = _card_for(models, version)
        if action == "details":
            lang = await self.bot.lang_for(interaction)
            current = card.version if card is not None else None
            await interaction.response.send_message(
                embed=details_embed(request, version, current, lang), ephemeral=True
            )
            return
        if action == "pick":
            if card is not None and card.version != version:
                raise UserError("ml.job.stale", version=version, current=card.version)
            lang = await self.bot.lang_for(interaction)
            await interaction.response.send_message(
                t(lang, "gan.pick", seed=request.seed),
                view=digit_picker(request, version),
                ephemeral=True,
            )
            return
        seed = None if action == "reroll" else request.seed
        await self._sample(
            interaction, f"gan {action}", request.count, request.digit, seed, expect_version=version
        )

    @gan.command(name="interpolate", description="Morph one digit into another (animated GIF)")
    @app_commands.describe(
        from_digit="Start digit, 0-9 (default: from the seed)",
        to_digit="End digit, 0-9 (default: from the seed)",
        steps="Frames, 2-32 (default 12)",
        seed="Random seed, 0-4294967295 (default: a random one)",
        model="Which GAN (default: the digits one)",
    )
    async def interpolate(
        self,
        interaction: discord.Interaction,
        from_digit: int | None = None,
        to_digit: int | None = None,
        steps: int | None = None,
        seed: int | None = None,
        model: str | None = None,
    ) -> None:
        lang = await self.bot.lang_for(interaction)
        raw = {"from_digit": from_digit, "to_digit": to_digit, "steps": steps, "seed": seed}
        async with self._job(interaction, "gan interpolate", {**raw, "model": model}) as job:
            request = MorphRequest.build(from_digit, to_digit, steps, seed)
            job.parameters, job.seed = {**request.parameters(), "model": model}, request.seed
            job.admit()
            await _think(interaction)
            morph = await job.run("gan", jobs.morph, request, model_name=model)
            job.parameters["method"] = morph.method
        filename = f"morph-{request.start}-{request.end}-{request.seed}.gif"
        await _publish(
            interaction,
            lang,
            embed=morph_embed(request, morph, filename, lang),
            file=discord.File(io.BytesIO(morph.gif), filename),
        )

    # ------------------------------------------------------------------ /cnn
    @cnn.command(name="predict", description="Classify a digit picture (or a held-out test digit)")
    @app_commands.describe(
        image="A picture of one digit (PNG, JPEG, GIF, WebP or BMP, up to 8 MB); "
        "leave empty for a held-out test digit",
        model="Which classifier (default: the digits one)",
    )
    async def predict(
        self,
        interaction: discord.Interaction,
        image: discord.Attachment | None = None,
        model: str | None = None,
    ) -> None:
        lang = await self.bot.lang_for(interaction)
        raw: dict[str, Any] = {"image": image.filename if image else None, "model": model}
        if image is not None:
            raw["bytes"] = image.size
        async with self._job(interaction, "cnn predict", raw) as job:
            if image is not None:
                check_upload_size(image.size)
            job.admit()
            await _think(interaction)
            if image is not None:
                data = await job.bounded(image.read())
                prediction = await job.run("cnn", jobs.classify_upload, data, model_name=model)
                if prediction.not_digit is not None:
                    job.parameters["not_digit"] = prediction.not_digit
            else:
                pick = secrets.randbelow(2**31)
                job.parameters["pick"] = pick
                prediction = await job.run("cnn", jobs.classify_heldout, pick, model_name=model)
        await _publish(
            interaction,
            lang,
            embed=prediction_embed(prediction, "cnn.png", lang),
            file=discord.File(io.BytesIO(prediction.chart_png), "cnn.png"),
        )

    @sample.autocomplete("model")
    @interpolate.autocomplete("model")
    async def _gan_models(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._model_choices("gan", current)

    @predict.autocomplete("model")
    async def _cnn_models(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return await self._model_choices("cnn", current)

    async def _model_choices(self, kind: str, current: str) -> list[app_commands.Choice[str]]:
        """The served models of ``kind`` from their cards, matching what was typed so far."""
        cards = await self.service.cards()
        return [
            app_commands.Choice(name=model_choice_label(card)[:100], value=name)
            for name, card in cards.items()
            if isinstance(card, ModelCard)
            and card.kind == kind
            and current.lower() in model_choice_label(card).lower()
        ][:25]

    # ------------------------------------------------------------------ /ml
    @ml.command(name="info", description="Model cards: data, accuracy beside baselines, version")
    async def info(self, interaction: discord.Interaction) -> None:
        lang = await self.bot.lang_for(interaction)
        cards = await self.service.cards()
        embed = cards_embed(t(lang, "ml.info_title"), cards, self.service.loaded_models(), lang)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @ml.command(name="reload", description="Load the model files again, without a restart")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def reload(self, interaction: discord.Interaction) -> None:
        lang = await self.bot.lang_for(interaction)
        await _think(interaction)
        models = await self.service.reload()
        log.info(
            "models reloaded by %s in guild %s: %s",
            interaction.user.id,
            interaction.guild_id,
            ", ".join(models.versions()) or "none",
        )
        embed = cards_embed(t(lang, "ml.reloaded"), models.cards(), models.versions(), lang)
        await interaction.followup.send(embed=embed, ephemeral=True)


def _card_for(models: ModelSet | None, version: str) -> ModelCard | None:
    """The loaded GAN a button's picture came from (by version), else the default one."""
    if models is None:
        return None
    for generator in models.named("gan").values():
        if generator.card.version == version:
            return generator.card
    return models.card("gan")


async def setup(bot: AiclubBot) -> None:
    """Extension entry point: the models load later, off the loop."""
    await bot.add_cog(ML(bot))

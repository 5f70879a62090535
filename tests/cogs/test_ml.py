"""/gan, /cnn and /ml end to end through SimCord: pictures, buttons, bad input, limits, reload.

Most tests run the real cog and inference service on the fast fake backend (tests/ml/fakes.py);
the last ones run TensorFlow on small real models and on the shipped models when present.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import simcord
from PIL import Image
from sqlalchemy import select

from bot.client import AiclubBot
from bot.db.ml import MlJob
from bot.ml.service import InferenceService
from bot.ml.tf_backend import TfBackend
from tests.helpers import Sim, make_bot
from tests.ml.fakes import FakeBackend, Gate, write_fake_model
from tests.ml.tiny_models import (
    SHIPPED_DIR,
    build_other_models,
    copy_models,
    shipped_models_present,
    tiny_models,
)
from tests.ml.uploads import BAD_UPLOADS, digit_png

__all__ = ["tiny_models"]  # the session fixture


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "models"
    write_fake_model(directory, "gan")
    write_fake_model(directory, "cnn")
    return directory


@pytest.fixture
def simcord_bot(db_url: str, models_dir: Path) -> AiclubBot:
    """The bot on the fake ML backend, with no cooldown."""
    return make_bot(
        db_url,
        ml_backend=FakeBackend(),
        ml_preload=False,
        models_dir=models_dir,
        ml_cooldown_s=0,
    )


async def use_backend(
    sim: Sim, backend: object | None = None, **config: object
) -> InferenceService:
    """Give the bot a fresh inference service on ``backend`` (the fake by default), no cooldown."""
    old = sim.bot.services.inference
    await old.close()
    settings = replace(old.config, **{"cooldown": 0.0, **config})
    service = InferenceService(
        settings,
        backend=backend or FakeBackend(),  # type: ignore[arg-type]
        db=sim.bot.db,
        clock=sim.bot.clock,
    )
    sim.bot.services.inference = service
    return service


def error_text(result: simcord.InteractionResult) -> str:
    """The private error a command answered with (nothing was posted publicly)."""
    assert result.ephemeral and result.response is not None and not result.followups
    return result.response.content


def posted(result: simcord.InteractionResult) -> simcord.ResponseMessage:
    """The one public message a command posted after its private, deleted 'thinking' reply."""
    assert result.ephemeral and result.response is None, "expected a private deferral"
    [message] = result.followups
    assert not message.ephemeral
    return message


async def attachment(message: simcord.ResponseMessage) -> bytes:
    [file] = message.attachments
    return await file.read()


def fields(message: simcord.ResponseMessage) -> dict[str, str]:
    return {f.name: f.value for f in message.embeds[0].fields}


def labels(message: simcord.ResponseMessage) -> list[str]:
    return [c["label"] for row in message.components for c in row["components"]]


async def jobs_recorded(sim: Sim) -> list[MlJob]:
    async with sim.bot.db.session() as session:
        return list((await session.scalars(select(MlJob).order_by(MlJob.id))).all())


@asynccontextmanager
async def unsettled(sim: Sim) -> AsyncIterator[None]:
    """Dispatch interactions without waiting for the bot to finish them (concurrent work)."""
    env = sim.env
    settle = env._settle_internal

    async def dispatch_only(**_: object) -> None:
        return None

    env._settle_internal = dispatch_only  # type: ignore[method-assign]
    try:
        yield
    finally:
        env._settle_internal = settle  # type: ignore[method-assign]


async def until(condition: Callable[[], bool], what: str) -> None:
    """Let the loop run until ``condition`` holds (bounded by iterations, not asserted time)."""
    for _ in range(4000):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"never happened: {what}")


# ---------------------------------------------------------------------------- /gan sample
async def test_gan_sample_posts_a_labelled_grid_with_seed_and_model_version(sim: Sim) -> None:
    result = await sim.actors["alice"].slash(sim.general, "gan sample", count=16, seed=42)
    message = posted(result)
    embed = message.embeds[0]
    assert fields(message) == {
        "Seed": "`42`",
        "Digit": "mixed (0–9)",
        "Model": "`gan-digits-fake1`",
    }
    assert embed.image.url == "attachment://gan-42.png"
    assert "/gan sample count:16 seed:42" in (embed.footer.text or "")
    assert labels(message) == ["Re-roll", "Same seed, other digit", "Details"]
    png = await attachment(message)
    picture = Image.open(io.BytesIO(png))
    assert picture.text["seed"] == "42" and picture.text["model_version"] == "gan-digits-fake1"
    assert picture.width > 16 * 8  # scaled up

    again = posted(await sim.actors["bob"].slash(sim.general, "gan sample", count=16, seed=42))
    assert await attachment(again) == png  # same seed, same picture
    other = posted(await sim.actors["bob"].slash(sim.general, "gan sample", count=16, seed=43))
    assert await attachment(other) != png

    [first, *_] = await jobs_recorded(sim)
    assert (first.command, first.status, first.seed) == ("gan sample", "ok", 42)
    assert first.member_id == sim.actors["alice"].id and first.guild_id == sim.guild.id
    assert first.model_version == "gan-digits-fake1" and first.latency_ms is not None


async def test_defaults_draw_sixteen_mixed_digits_from_a_random_seed(sim: Sim) -> None:
    message = posted(await sim.actors["alice"].slash(sim.general, "gan sample", digit=7))
    seed = fields(message)["Seed"].strip("`")
    assert seed.isdigit() and fields(message)["Digit"] == "7"
    assert "16 × the digit **7**" in (message.embeds[0].description or "")


async def test_buttons_reroll_pick_another_digit_and_show_details(sim: Sim) -> None:
    original = posted(await sim.actors["alice"].slash(sim.general, "gan sample", count=4, seed=7))

    rerolled = posted(await sim.actors["bob"].click(original.message, label="Re-roll"))
    assert fields(rerolled)["Seed"] != "`7`" and "count:4" in rerolled.embeds[0].footer.text

    picker = await sim.actors["bob"].click(original.message, label="Same seed, other digit")
    assert picker.ephemeral and "seed 7" in picker.response.content
    assert labels(picker.response) == [str(d) for d in range(10)]
    three = posted(await sim.actors["bob"].click(picker.response.message, label="3"))
    assert fields(three)["Seed"] == "`7`" and fields(three)["Digit"] == "3"

    details = await sim.actors["carol"].click(original.message, label="Details")
    text = str(details.response.embeds[0].to_dict())
    assert details.ephemeral and "/gan sample count:4 seed:7" in text
    assert "gan-digits-fake1" in text
    commands = [job.command for job in await jobs_recorded(sim)]
    assert commands == ["gan sample", "gan reroll", "gan digit"]


async def test_buttons_keep_working_after_a_restart(sim: Sim, models_dir: Path) -> None:
    original = posted(await sim.actors["alice"].slash(sim.general, "gan sample", count=4, seed=5))
    await sim.env.restart_bot(
        make_bot(
            str(sim.bot.db.url),
            start=sim.bot.clock.now(),
            ml_backend=FakeBackend(),
            ml_preload=False,
            models_dir=models_dir,
            ml_cooldown_s=0,
        )
    )
    sim.bot = sim.env.bot  # type: ignore[assignment]
    message = next(m for m in sim.general.history() if m.id == original.id)
    rerolled = posted(await sim.actors["alice"].click(message, label="Re-roll"))
    assert fields(rerolled)["Model"] == "`gan-digits-fake1`"
    details = await sim.actors["alice"].click(message, label="Details")
    assert "seed:5" in str(details.response.embeds[0].to_dict())


async def test_a_button_from_before_a_model_reload_asks_to_run_the_command_again(
    sim: Sim, models_dir: Path
) -> None:
    old = posted(await sim.actors["alice"].slash(sim.general, "gan sample", count=4, seed=5))
    picker = await sim.actors["alice"].click(old.message, label="Same seed, other digit")
    write_fake_model(models_dir, "gan", version="2")

    refused = await sim.actors["alice"].slash(sim.general, "ml reload")
    assert "Manage Server" in error_text(refused)
    reloaded = await sim.actors["admin"].slash(sim.general, "ml reload")
    assert reloaded.ephemeral and "gan-digits-fake2" in str(reloaded.response.embeds[0].to_dict())

    for result in (
        await sim.actors["alice"].click(old.message, label="Re-roll"),
        await sim.actors["alice"].click(old.message, label="Same seed, other digit"),
        await sim.actors["alice"].click(picker.response.message, label="2"),
    ):
        assert "came from an older model" in error_text(result)
        assert "Run the command again" in error_text(result)
    details = await sim.actors["alice"].click(old.message, label="Details")
    assert "now runs gan-digits-fake2" in (details.response.embeds[0].description or "")
    fresh = posted(await sim.actors["alice"].slash(sim.general, "gan sample", count=4, seed=5))
    assert fields(fresh)["Model"] == "`gan-digits-fake2`"
    assert [j.status for j in await jobs_recorded(sim)] == ["ok", "stale", "stale", "ok"]


# ---------------------------------------------------------------------------- other commands
async def test_gan_interpolate_posts_an_animated_gif(sim: Sim) -> None:
    result = await sim.actors["alice"].slash(
        sim.general, "gan interpolate", from_digit=3, to_digit=8, steps=6, seed=11
    )
    message = posted(result)
    assert message.embeds[0].title == "🔀 3 → 8"
    assert "The same handwriting morphing from 3 to 8" in (message.embeds[0].description or "")
    gif = Image.open(io.BytesIO(await attachment(message)))
    assert gif.format == "GIF" and gif.n_frames == 10 and gif.info.get("loop") == 0


async def test_cnn_predict_reads_an_uploaded_digit(sim: Sim) -> None:
    result = await sim.actors["alice"].slash(
        sim.general, "cnn predict", image=("digit.png", digit_png(3))
    )
    message = posted(result)
    assert message.embeds[0].title.startswith("🔍 The CNN reads 3 (")
    top = fields(message)["Top 3"].splitlines()
    assert len(top) == 3 and top[0].startswith("**3** — ")
    chart = Image.open(io.BytesIO(await attachment(message)))
    assert chart.format == "PNG"
    [job] = await jobs_recorded(sim)
    assert job.command == "cnn predict" and job.status == "ok" and "digit.png" in job.parameters


async def test_cnn_predict_says_plainly_when_a_picture_is_not_a_digit(
    sim: Sim,
    user_locale,  # type: ignore[no-untyped-def]
) -> None:
    blank = io.BytesIO()
    Image.new("L", (120, 80), 250).save(blank, "PNG")
    message = posted(
        await sim.actors["alice"].slash(
            sim.general, "cnn predict", image=("page.png", blank.getvalue())
        )
    )
    embed = message.embeds[0]
    assert embed.title == "🤔 This doesn't look like a digit"
    lines = (embed.description or "").splitlines()
    assert lines[0].startswith("I found no strokes in it")
    assert lines[-1].startswith("-# Best guess anyway: ") and "what the model saw" in lines[-1]
    assert "Top 3" not in fields(message) and embed.image.url == "attachment://cnn.png"
    assert Image.open(io.BytesIO(await attachment(message))).format == "PNG"
    [job] = await jobs_recorded(sim)
    assert job.status == "ok" and '"not_digit": "no_ink"' in job.parameters

    user_locale("zh-CN")
    zh = posted(
        await sim.actors["alice"].slash(
            sim.general, "cnn predict", image=("page.png", blank.getvalue())
        )
    )
    assert zh.embeds[0].title == "🤔 这看起来不像一个数字"
    assert "-# 硬要猜的话：" in (zh.embeds[0].description or "")


async def test_cnn_predict_without_an_image_uses_a_heldout_test_digit(sim: Sim) -> None:
    message = posted(await sim.actors["bob"].slash(sim.general, "cnn predict"))
    assert "Truth" in fields(message)
    assert "Held-out test digit #" in (message.embeds[0].description or "")


async def test_ml_info_shows_the_model_cards(sim: Sim) -> None:
    result = await sim.actors["carol"].slash(sim.general, "ml info")
    text = str(result.response.embeds[0].to_dict())
    assert result.ephemeral
    assert "Held-out accuracy: **0.9861** (SVC baseline 0.9806)" in text
    assert (
        "Typed and pen-drawn test pictures (270): **88.9%** read right; "
        "3.3% of digits and 94.4% of non-digits flagged as not a digit"
    ) in text
    assert "Fréchet distance: **12.5** (real-vs-real floor 8.25, noise ceiling 410" in text
    assert "Version: `cnn-digits-fake1`" in text and "Trained: <t:" in text
    assert "In memory: nothing yet" in text


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("name", list(BAD_UPLOADS))
async def test_bad_uploads_get_a_clear_private_error(sim: Sim, name: str) -> None:
    backend = FakeBackend()
    await use_backend(sim, backend)
    filename, data = BAD_UPLOADS[name]
    result = await sim.actors["alice"].slash(sim.general, "cnn predict", image=(filename, data))
    text = error_text(result)
    assert any(
        hint in text
        for hint in ("empty", "larger than 8 MB", "not a picture", "damaged", "too big")
    )
    assert "error id" not in text
    assert not (backend.generators and backend.generators[0].calls)
    good = await sim.actors["alice"].slash(
        sim.general, "cnn predict", image=("digit.png", digit_png(5))
    )
    assert posted(good).embeds[0].title.startswith("🔍 The CNN reads 5")  # the bot carries on


@pytest.mark.parametrize(
    ("command", "options", "message"),
    [
        ("gan sample", {"count": 0}, "`count` must be from 1 to 64 (you gave 0)"),
        ("gan sample", {"count": 65}, "`count` must be from 1 to 64 (you gave 65)"),
        ("gan sample", {"digit": 10}, "Digits go from 0 to 9 (you gave 10)"),
        ("gan sample", {"seed": -1}, "`seed` must be a whole number from 0 to 4294967295"),
        ("gan interpolate", {"to_digit": 10}, "Digits go from 0 to 9"),
        ("gan interpolate", {"steps": 1}, "`steps` must be from 2 to 32"),
    ],
)
async def test_bad_options_get_a_clear_private_error(
    sim: Sim, command: str, options: dict[str, int], message: str
) -> None:
    result = await sim.actors["alice"].slash(sim.general, command, **options)
    assert message in error_text(result)
    assert [j.status for j in await jobs_recorded(sim)] == ["bad_input"]


async def test_missing_or_corrupt_models_say_how_to_install_them(
    sim: Sim, models_dir: Path
) -> None:
    (models_dir / "gan-digits.keras").unlink()
    (models_dir / "cnn-digits.keras").write_bytes(b"\x89PNG not a model")
    gan = error_text(await sim.actors["alice"].slash(sim.general, "gan sample"))
    assert "The GAN model is not installed — run `aiclub train gan`" in gan
    cnn = error_text(await sim.actors["bob"].slash(sim.general, "cnn predict"))
    assert "The CNN model is not installed — run `aiclub train cnn`" in cnn
    info = str((await sim.actors["bob"].slash(sim.general, "ml info")).response.embeds[0].to_dict())
    assert "gan-digits.keras not found" in info and "does not match its card" in info
    assert [j.status for j in await jobs_recorded(sim)] == ["no_model", "no_model"]


# ---------------------------------------------------------------------------- fair use
async def test_members_over_the_limits_are_told_their_place_and_when_to_retry(sim: Sim) -> None:
    gate = Gate()
    service = await use_backend(sim, FakeBackend(gate), member_jobs=2, guild_jobs=3)
    alice, bob = sim.actors["alice"], sim.actors["bob"]
    await alice.slash(sim.general, "ml info")  # the guild's settings row exists

    async def dispatch(actor: simcord.MemberActor, command: str) -> simcord.InteractionResult:
        before = service.limiter.queued
        result = await actor.slash(sim.general, command)
        await until(
            lambda: service.limiter.queued > before or result.response is not None,
            f"{command} admitted or refused",
        )
        return result

    try:
        async with unsettled(sim):
            running = [await dispatch(alice, "gan sample"), await dispatch(alice, "gan sample")]
            over_member = await dispatch(alice, "gan sample")
            running.append(await dispatch(bob, "cnn predict"))
            over_guild = await dispatch(bob, "gan sample")
    finally:
        gate.open()
    await sim.env.settle()
    member_text, guild_text = error_text(over_member), error_text(over_guild)
    assert "You already have 2 ML jobs waiting (2 in the queue in all)" in member_text
    assert "This server already has 3 ML jobs waiting (3 in the queue in all)" in guild_text
    assert "Try again in about 1 s" in guild_text
    assert all(posted(result) for result in running)
    statuses = sorted(j.status for j in await jobs_recorded(sim))
    assert statuses == ["limited", "limited", "ok", "ok", "ok"]


async def test_a_cooldown_spaces_out_one_members_jobs(sim: Sim) -> None:
    await use_backend(sim, cooldown=3.0)
    posted(await sim.actors["alice"].slash(sim.general, "gan sample", seed=1))
    text = error_text(await sim.actors["alice"].slash(sim.general, "gan sample", seed=2))
    assert "you can start another ML job in 3 s" in text
    posted(await sim.actors["bob"].slash(sim.general, "gan sample", seed=2))  # others may
    await sim.advance(timedelta(seconds=3))
    posted(await sim.actors["alice"].slash(sim.general, "gan sample", seed=2))


class StalledService(InferenceService):
    """The real service whose worker stops answering once the models are loaded."""

    async def in_worker(self, work, *args):  # type: ignore[no-untyped-def]
        if self.models is None:
            return await super().in_worker(work, *args)
        await asyncio.sleep(3600)  # a hung model call, on the simulated clock
        raise AssertionError("the job timeout should have cancelled this")


async def test_a_job_over_30_seconds_is_cancelled_with_a_clear_message(sim: Sim) -> None:
    service = StalledService(
        sim.bot.services.inference.config,
        backend=FakeBackend(),
        db=sim.bot.db,
        clock=sim.bot.clock,
    )
    sim.bot.services.inference = service
    await service.ready()
    result = await sim.actors["alice"].slash(sim.general, "gan sample", seed=1)
    assert result.response is not None and not result.followups  # still thinking
    await sim.env.advance_time(31)
    assert "took longer than 30 s and was cancelled" in error_text(result)
    assert [j.status for j in await jobs_recorded(sim)] == ["timeout"]


async def test_the_bot_answers_about_while_ml_jobs_run(sim: Sim) -> None:
    gate = Gate()
    await use_backend(sim, FakeBackend(gate))
    await sim.actors["admin"].slash(sim.general, "ml info")  # the guild's settings row exists
    try:
        async with unsettled(sim):
            jobs = [
                await sim.actors[name].slash(sim.general, "gan sample", count=64, seed=1)
                for name in ("alice", "bob", "carol")
            ]
            await until(gate.entered.is_set, "a job running in the worker")
            about = await sim.actors["admin"].slash(sim.general, "about")
            await until(lambda: about.response is not None, "/about answered")
            assert not any(job.followups for job in jobs)  # still running
    finally:
        gate.open()
    assert "gan-digits-fake1" in fields(about.response)["Models"]
    await sim.env.settle()
    assert all(posted(job) for job in jobs)


async def test_ml_replies_follow_the_users_language(sim: Sim, user_locale) -> None:  # type: ignore[no-untyped-def]
    user_locale("zh-CN")
    error = error_text(await sim.actors["alice"].slash(sim.general, "gan sample", count=99))
    assert "`count` 必须在 1 到 64 之间" in error
    message = posted(await sim.actors["alice"].slash(sim.general, "gan sample", seed=3))
    assert fields(message)["种子"] == "`3`" and "重新生成" in labels(message)


# ---------------------------------------------------------------------------- TensorFlow
async def _tensorflow_round_trip(sim: Sim, models_dir: Path) -> None:
    await use_backend(sim, TfBackend(), models_dir=models_dir)
    first = posted(await sim.actors["alice"].slash(sim.general, "gan sample", count=16, seed=9))
    again = posted(await sim.actors["bob"].slash(sim.general, "gan sample", count=16, seed=9))
    assert await attachment(first) == await attachment(again)
    picker = await sim.actors["carol"].click(first.message, label="Same seed, other digit")
    posted(await sim.actors["carol"].click(picker.response.message, label="4"))
    posted(
        await sim.actors["alice"].slash(
            sim.general, "gan interpolate", from_digit=1, to_digit=7, steps=4, seed=2
        )
    )
    upload = posted(
        await sim.actors["bob"].slash(sim.general, "cnn predict", image=("digit.png", digit_png(0)))
    )
    assert len(fields(upload)["Top 3"].splitlines()) == 3
    posted(await sim.actors["carol"].slash(sim.general, "cnn predict"))
    assert {j.status for j in await jobs_recorded(sim)} == {"ok"}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_tensorflow_models_end_to_end(sim: Sim, tiny_models: Path) -> None:
    await _tensorflow_round_trip(sim, tiny_models)


@pytest.mark.skipif(
    not shipped_models_present(),
    reason="the shipped models are not in data/models yet (run `aiclub train gan`)",
)
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_the_shipped_models_end_to_end(sim: Sim) -> None:
    await _tensorflow_round_trip(sim, SHIPPED_DIR)
    upload = posted(
        await sim.actors["alice"].slash(
            sim.general, "cnn predict", image=("seven.png", digit_png(7))
        )
    )
    assert upload.embeds[0].title.startswith("🔍 The CNN reads 7")  # a trained model reads it


@pytest.fixture(scope="module")
def many_models(tiny_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny digits models plus a CIFAR-shaped CNN and an MNIST-shaped GAN (and its CNN)."""
    directory = copy_models(tiny_models, tmp_path_factory.mktemp("many") / "models")
    build_other_models(directory)
    return directory


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_any_carded_model_is_served_by_name(sim: Sim, many_models: Path) -> None:
    await use_backend(sim, TfBackend(), models_dir=many_models)
    alice = sim.actors["alice"]
    choices = await alice.autocomplete(sim.general, "cnn predict", "model", "")
    assert [c["value"] for c in choices] == ["cnn-cifar10", "cnn-digits", "cnn-mnist"]
    assert "airplane" in choices[0]["name"]
    gans = await alice.autocomplete(sim.general, "gan sample", "model", "mni")
    assert [c["value"] for c in gans] == ["gan-mnist"]

    photo = Image.new("RGB", (64, 48), (30, 120, 200))
    out = io.BytesIO()
    photo.save(out, "PNG")
    upload = posted(
        await alice.slash(
            sim.general, "cnn predict", image=("sky.png", out.getvalue()), model="cnn-cifar10"
        )
    )
    label = upload.embeds[0].title.removeprefix("🔍 The CNN reads ").split(" (")[0]
    assert label in {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                     "ship", "truck"}  # fmt: skip
    assert fields(upload)["Model"].startswith("`cnn-cifar10-")
    chart = Image.open(io.BytesIO(await attachment(upload)))
    assert chart.mode == "RGB"  # the whole colour picture, as the model saw it

    grid = posted(await alice.slash(sim.general, "gan sample", count=4, seed=1, model="gan-mnist"))
    assert fields(grid)["Model"].startswith("`gan-mnist-")
    rerolled = posted(await sim.actors["bob"].click(grid.message, label="Re-roll"))
    assert fields(rerolled)["Model"].startswith("`gan-mnist-")  # the button keeps its model
    digits = posted(await alice.slash(sim.general, "gan sample", count=4, seed=1))
    assert fields(digits)["Model"].startswith("`gan-digits-")  # the default is unchanged
    posted(
        await alice.slash(
            sim.general, "gan interpolate", from_digit=1, to_digit=7, steps=3, seed=2,
            model="gan-mnist",
        )
    )  # fmt: skip
    missing = await alice.slash(sim.general, "cnn predict", model="cnn-nope")
    assert "There is no model called `cnn-nope`" in error_text(missing)
    assert "`cnn-cifar10`" in error_text(missing)
    heldout = await alice.slash(sim.general, "cnn predict", model="cnn-cifar10")
    assert "no held-out test digits for the cifar10 model" in error_text(heldout)
    info = str((await alice.slash(sim.general, "ml info")).response.embeds[0].to_dict())
    assert "cnn-cifar10" in info and "gan-mnist" in info

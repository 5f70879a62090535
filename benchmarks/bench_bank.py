"""`aiclub questions validate` on 20,000 generated questions, and the near-duplicate check
against the former O(n²) one, in the same run. Prints figures only.

Generates a bank directory of files of 2,000 questions each (80 % short questions with three
key points, 20 % choice; one file of 20,000 would pass the 16 MB limit per file) whose
prompts are random sentences over the seed bank's own vocabulary (data/questions: ~2,900
English words, ~6,600 Chinese character pairs), with 0.5 % reworded copies planted as
near-duplicates. ``--templated`` builds prompts from 8 sentence frames × 25 settings ×
~200 terms instead: a bank full of look-alike prompts, the hard case for any blocking.

Each measurement runs in a fresh interpreter, so its peak memory (max RSS) is its own:

1. ``aiclub questions validate FILE`` end to end (YAML, schema, slugs, near-duplicates).
2. The near-duplicate check alone on the loaded questions: the one in the bank now
   (``bot.questions.similar``: MinHash buckets, candidates scored by ``process.cdist``) and
   the former one (``process.cdist`` over all n² pairs, ``token_sort_ratio`` for English and
   ``ratio`` for Chinese, then ``np.argwhere(np.triu(...))``), with the pairs each found.

Run: .venv/bin/python benchmarks/bench_bank.py [--questions N] [--templated] [--no-quadratic]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------------------- generating
def _seed_vocabulary() -> tuple[list[str], list[str]]:
    """English words and Chinese character pairs of the seed bank's texts."""
    english: set[str] = set()
    chinese: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "en" and isinstance(value, str):
                    english.update(re.findall(r"[a-z][a-z-]{2,}", value.lower()))
                elif key == "zh" and isinstance(value, str):
                    for run in re.findall(r"[\u4e00-\u9fff]+", value):
                        chinese.update(run[i : i + 2] for i in range(0, len(run) - 1, 2))
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for file in sorted((ROOT / "data" / "questions").glob("*.yaml")):
        walk(yaml.safe_load(file.read_text(encoding="utf-8")))
    return sorted(english), sorted(chinese)


OPENERS = [
    ("How would you", "如何"),
    ("Why does", "为什么"),
    ("Explain why", "请解释"),
    ("When should you", "什么时候应该"),
    ("What happens if you", "如果"),
    ("Compare how", "比较"),
    ("Describe how", "描述"),
    ("Give an example where", "举例说明"),
    ("What is the role of", "什么是"),
    ("How do you decide whether to", "怎样判断是否"),
]
TERMS = (
    "dropout|batch normalization|layer normalization|weight decay|early stopping|learning rate "
    "warmup|cosine annealing|gradient clipping|mixed precision|label smoothing|data augmentation|"
    "mixup|knowledge distillation|pruning|quantization|self-attention|cross-attention|positional "
    "encoding|rotary embeddings|the kv cache|beam search|top-k sampling|nucleus sampling|"
    "temperature|contrastive learning|triplet loss|focal loss|cross-entropy|hinge loss|kl "
    "divergence|variational autoencoders|gans|diffusion models|score matching|lora|adapters|"
    "prefix tuning|rlhf|dpo|reward models|reranking|bm25|dense retrieval|hnsw|chunking|"
    "sentence embeddings|precision|recall|the f1 score|roc auc|calibration|confusion matrices|"
    "cross-validation|stratified sampling|the bootstrap|convolutions|max pooling|residual "
    "connections|vision transformers|u-nets|anchor boxes|non-max suppression|feature pyramids|"
    "data drift|model monitoring|canary releases|shadow deployments|feature stores|a model "
    "registry|a/b tests|dynamic batching|response caching|sharding|tokenization|perplexity|"
    "teacher forcing|curriculum learning|active learning|self-training|pseudo-labels|domain "
    "adaptation|linear probing|prompt tuning|in-context learning|chain-of-thought prompting|"
    "function calling|agent memory|guardrails|red teaming|hallucination|grounding|mixture of "
    "experts|sparse attention|flash attention|gradient checkpointing|pipeline parallelism|"
    "tensor parallelism|adamw|sgd with momentum|exploding gradients|xavier initialization|gelu|"
    "stochastic depth|k-means|dbscan|pca|t-sne|random forests|gradient boosting|logistic "
    "regression|svms|naive bayes|feature scaling|one-hot encoding|target encoding|missing "
    "values|outliers|class imbalance|smote|leakage|causal inference|propensity scores|bandits|"
    "thompson sampling|q-learning|policy gradients|actor-critic|reward shaping|imitation "
    "learning|world models|speculative decoding|llm-as-a-judge|elo ratings|toxicity filters|"
    "pii scrubbing|dataset deduplication|minhash|model cards|onnx export|kernel fusion|int8 "
    "inference|paged attention|continuous batching|autoscaling|cold starts|vector databases|"
    "hybrid search|query rewriting|multi-hop retrieval|long-context models|context compression"
).split("|")
SETTINGS = (
    "on a small dataset|with imbalanced classes|in production|under a tight latency budget|on "
    "edge devices|with noisy labels|for long documents|in a multilingual product|at very large "
    "batch sizes|with limited gpu memory|on streaming data|in a recommender system|for medical "
    "images|for code generation|in a customer-support chatbot|for sensor time series|in "
    "federated training|under distribution shift|for a search engine|in a fraud detector|for "
    "speech recognition|for autonomous driving|in an ads ranking system|for satellite imagery|"
    "with a tiny labelling budget"
).split("|")
FRAMES = [
    "Explain how {a} interacts with {b} {s}.",
    "Why might {a} hurt {b} {s}, and what would you do about it?",
    "Compare {a} with {b} {s}: when would you pick each?",
    "Walk through a failure of {a} {s} and how {b} could reveal it.",
    "What assumptions behind {a} break {s}, and does {b} help?",
    "Design an experiment {s} to decide between {a} and {b}.",
    "How would you debug {a} {s} if {b} looked fine?",
    "Give the intuition for {a} and relate it to {b} {s}.",
]


def varied_prompts(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """Random sentences over the seed bank's vocabulary (a few words far more common)."""
    english, chinese = _seed_vocabulary()
    prompts = []
    for _ in range(count):
        opener_en, opener_zh = rng.choice(OPENERS)
        words = [
            english[rng.randrange(60)] if rng.random() < 0.25 else rng.choice(english)
            for _ in range(rng.randint(6, 14))
        ]
        pairs = [rng.choice(chinese) for _ in range(rng.randint(5, 12))]
        prompts.append((f"{opener_en} {' '.join(words)}?", f"{opener_zh}{''.join(pairs)}？"))
    return prompts


def templated_prompts(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """Prompts from a few frames, settings and terms: many look-alikes, distinct as a whole."""
    _english, chinese = _seed_vocabulary()
    seen: set[tuple[int, int, int, int]] = set()
    prompts = []
    while len(prompts) < count:
        a, b = rng.sample(range(len(TERMS)), 2)
        s, f = rng.randrange(len(SETTINGS)), rng.randrange(len(FRAMES))
        if (a, b, s, f) in seen:
            continue
        seen.add((a, b, s, f))
        en = FRAMES[f].format(a=TERMS[a], b=TERMS[b], s=SETTINGS[s])
        zh = "".join(chinese[(a * 31 + b * 7 + s * 3 + f * k) % len(chinese)] for k in range(7))
        prompts.append((en[0].upper() + en[1:], f"{zh}？"))
    return prompts


def plant_near_duplicates(prompts: list[tuple[str, str]], rng: random.Random) -> int:
    """Replace 0.5 % of the prompts by rewordings of others; the number planted."""
    planted = len(prompts) // 200
    for target in rng.sample(range(len(prompts)), planted):
        en, zh = rng.choice(prompts)
        prompts[target] = (en.rstrip(".?") + ", in practice?", zh.rstrip("？") + "呢？")
    return planted


def question_yaml(n: int, en: str, zh: str) -> str:
    """One question in the bank's YAML form (short with three key points, or choice)."""
    head = (
        f"  - slug: gen-{n:05d}\n    topic: ml-fundamentals\n    difficulty: {n % 3 + 1}\n"
        f"    prompt: {{en: {json.dumps(en)}, zh: {json.dumps(zh, ensure_ascii=False)}}}\n"
        '    reference_answer: {en: "See the key points.", zh: "见要点。"}\n'
    )
    if n % 5 == 4:
        return head + (
            "    type: choice\n    options:\n"
            '      - {id: a, en: "The first option", zh: "第一个选项"}\n'
            '      - {id: b, en: "The second option", zh: "第二个选项"}\n'
            "    correct: [a]\n"
        )
    points = "".join(
        f"      - id: point_{k}\n        kind: core\n        weight: {k}\n"
        f'        label: {{en: "Point {k} of {n}", zh: "第 {k} 点"}}\n'
        f'        description: {{en: "Idea {k}", zh: "要点 {k}"}}\n'
        f'        aliases: {{en: ["idea{k}x{n}"], zh: ["要点{k}号{n}"]}}\n'
        for k in (1, 2, 3)
    )
    return head + "    type: short\n    key_points:\n" + points


PER_FILE = 2_000


def write_bank(directory: Path, count: int, templated: bool) -> int:
    """Write ``count`` generated questions into files of ``directory``; the number of
    planted copies."""
    rng = random.Random(20261201)
    prompts = (templated_prompts if templated else varied_prompts)(count, rng)
    planted = plant_near_duplicates(prompts, rng)
    for first in range(0, count, PER_FILE):
        body = "".join(
            question_yaml(n, *prompts[n]) for n in range(first, min(first + PER_FILE, count))
        )
        (directory / f"generated-{first // PER_FILE:03d}.yaml").write_text(
            "questions:\n" + body, encoding="utf-8"
        )
    return planted


# ---------------------------------------------------------------------------- measuring
def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(mode: str, path: Path) -> None:
    """One measurement in this (fresh) interpreter; prints a JSON line."""
    if mode == "validate":
        import contextlib
        import io

        from bot.cli import main

        start = time.perf_counter()
        with (
            contextlib.redirect_stdout(io.StringIO()) as out,
            contextlib.redirect_stderr(io.StringIO()) as err,
        ):
            code = main(["questions", "validate", str(path)])
        seconds = time.perf_counter() - start
        lines = out.getvalue().splitlines()
        last, error = (lines[-1] if lines else ""), err.getvalue().strip()
        print(json.dumps({"seconds": seconds, "peak_mb": _peak_mb(), "exit": code,
                          "last": last, "error": error}))  # fmt: skip
        return
    from bot.questions.schema import Question

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    questions = [
        Question.model_validate(item)
        for file in sorted(path.glob("*.yaml"))
        for item in yaml.load(file.read_text(encoding="utf-8"), Loader=loader)["questions"]
    ]
    before = _peak_mb()
    start = time.perf_counter()
    pairs = _new_check(questions) if mode == "new" else _former_check(questions)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "peak_mb": _peak_mb(), "before_mb": before,
                      "pairs": sorted(pairs)}))  # fmt: skip


def _new_check(questions: list) -> set[tuple[int, int]]:  # type: ignore[type-arg]
    from bot.questions.bank import near_duplicate_pairs

    en, zh = near_duplicate_pairs(questions)
    return set(en) | set(zh)


def _former_check(questions: list) -> set[tuple[int, int]]:  # type: ignore[type-arg]
    """The check as it was: cdist over every pair, then argwhere on the upper triangle."""
    import numpy as np
    from rapidfuzz import fuzz, process

    from bot.questions.normalize import normalize

    en = [normalize(q.prompt.en) for q in questions]
    zh = [normalize(q.prompt.zh).replace(" ", "") for q in questions]
    en_scores = process.cdist(en, en, scorer=fuzz.token_sort_ratio, score_cutoff=90.0)
    zh_scores = process.cdist(zh, zh, scorer=fuzz.ratio, score_cutoff=90.0)
    found = np.argwhere(np.triu((en_scores > 0) | (zh_scores > 0), k=1))
    return {(int(i), int(j)) for i, j in found}


def _measure(mode: str, path: Path) -> dict:  # type: ignore[type-arg]
    result = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=20_000)
    parser.add_argument("--templated", action="store_true", help="look-alike prompts")
    parser.add_argument("--no-quadratic", action="store_true", help="skip the former check")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]))
        return
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory)
        planted = write_bank(path, args.questions, args.templated)
        kind = "templated" if args.templated else "varied"
        files = sorted(path.glob("*.yaml"))
        size = sum(file.stat().st_size for file in files) / 2**20
        print(f"{args.questions:,} generated questions ({kind} prompts, {planted} reworded "
              f"copies planted) in {len(files)} files, {size:.1f} MB")  # fmt: skip
        run = _measure("validate", path)
        print(f"questions validate: {run['seconds']:.1f} s, peak {run['peak_mb']:.0f} MB, "
              f"exit {run['exit']} ({run['last'] or run['error']})")  # fmt: skip
        new = _measure("new", path)
        extra = new["peak_mb"] - new["before_mb"]
        print(f"near-duplicate check, candidates from MinHash buckets: {new['seconds']:.1f} s, "
              f"+{extra:.0f} MB peak, {len(new['pairs'])} pairs")  # fmt: skip
        if args.no_quadratic:
            return
        old = _measure("former", path)
        same = new["pairs"] == old["pairs"]
        extra = old["peak_mb"] - old["before_mb"]
        print(f"near-duplicate check, former O(n²) cdist: {old['seconds']:.1f} s, "
              f"+{extra:.0f} MB peak, {len(old['pairs'])} pairs")  # fmt: skip
        print(f"same pairs: {'yes' if same else 'NO'}; speed-up "
              f"{old['seconds'] / max(new['seconds'], 1e-9):.0f}×")  # fmt: skip


if __name__ == "__main__":
    main()

"""Question bank schema, loader line numbers, cross-file checks and lookups."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.questions.bank import (
    DEFAULT_BANK_PATH,
    BankError,
    BankLimitError,
    QuestionBank,
    bank_files,
    build_bank,
    load_bank,
)
from bot.questions.topics import TOPIC_IDS, TOPICS

FIXTURES = Path(__file__).parent / "fixtures"

SHORT = """\
questions:
  - slug: sample-question
    topic: dl-training
    difficulty: 2
    type: short
    prompt: {en: "What is dropout?", zh: "什么是 dropout？"}
    reference_answer: {en: "Randomly zeroing units.", zh: "随机置零神经元。"}
    key_points:
      - id: random_zero
        kind: core
        weight: 2
        label: {en: "Random zeroing", zh: "随机置零"}
        description: {en: "Random zeroing", zh: "随机置零"}
        aliases: {en: ["zero units"], zh: ["置零"]}
      - id: regularizer
        kind: core
        weight: 1
        label: {en: "Acts as a regularizer", zh: "起正则化作用"}
        description: {en: "Acts as a regularizer", zh: "起正则化作用"}
        aliases: {en: ["regularization"], zh: ["正则化"]}
      - id: inference_off
        kind: core
        weight: 1
        label: {en: "Off at inference", zh: "推理时关闭"}
        description: {en: "Off at inference", zh: "推理时关闭"}
        aliases: {en: ["disabled at inference"], zh: ["推理时关闭"]}
"""

CHOICE = """\
questions:
  - slug: sample-choice
    topic: ml-fundamentals
    difficulty: 1
    type: choice
    prompt: {en: "Pick the usual loss for classification.", zh: "分类通常用哪个损失？"}
    reference_answer: {en: "Cross-entropy.", zh: "交叉熵。"}
    options:
      - {id: a, en: "Mean squared error", zh: "均方误差"}
      - {id: b, en: "Cross-entropy", zh: "交叉熵"}
    correct: [b]
"""


def _issues(text: str, name: str = "q.yaml") -> list[tuple[int | None, str]]:
    with pytest.raises(BankError) as caught:
        build_bank([(Path(name), text)])
    return [(issue.line, issue.message) for issue in caught.value.issues]


def _expect(text: str, line: int, fragment: str) -> None:
    issues = _issues(text)
    assert any(got == line and fragment in message for got, message in issues), issues


def test_valid_inline_questions_load() -> None:
    bank = build_bank([(Path("a.yaml"), SHORT), (Path("b.yaml"), CHOICE)])
    assert bank.slugs == ("sample-question", "sample-choice")
    question = bank["sample-question"]
    assert question.key_points is not None and question.key_points[0].weight == 2
    assert question.prompt.get("zh") == "什么是 dropout？"
    choice = bank["sample-choice"]
    assert choice.correct == ("b",) and choice.key_points is None


@pytest.mark.parametrize(
    ("old", "new", "line", "fragment"),
    [
        ("slug: sample-question", "slug: Sample_Question", 2, "kebab-case"),
        ("topic: dl-training", "topic: cooking", 3, "unknown topic 'cooking'"),
        ("difficulty: 2", "difficulty: 4", 4, "less than or equal to 3"),
        ("difficulty: 2", 'difficulty: "2"', 4, "valid integer"),
        ("difficulty: 2", "difficulty: true", 4, "valid integer"),
        ("type: short", "type: essay", 5, "'short' or 'choice'"),
        ('{en: "What is dropout?", zh: "什么是 dropout？"}', '{en: "What is dropout?"}', 6, "zh"),
        ('en: "What is dropout?"', 'en: "   "', 6, "must not be blank"),
        ("weight: 2", "weight: 5", 11, "less than or equal to 3"),
        ("weight: 2", "weight: 0", 11, "greater than or equal to 1"),
        ("id: random_zero", "id: Random-Zero", 9, "snake_case"),
        ("id: regularizer", "id: random_zero", 8, "duplicate key point id 'random_zero'"),
        ('aliases: {en: ["zero units"], zh: ["置零"]}', 'aliases: {en: ["zero units"]}', 14, "zh"),
        ('aliases: {en: ["zero units"], zh: ["置零"]}', "aliases: {en: [], zh: [x]}", 14, "1 item"),
        ('en: ["zero units"]', 'en: ["?!"]', 14, "letters, digits or CJK"),
        ("difficulty: 2\n", "difficulty: 2\n    hint: nope\n", 5, "Extra inputs"),
        ("type: short", "type: choice", 8, "only for short questions"),
        ("kind: core", "kind: extra", 10, "'core' or 'bonus'"),
        ('        description: {en: "Random zeroing", zh: "随机置零"}\n', "", 9, "description"),
    ],
)
def test_short_question_rules(old: str, new: str, line: int, fragment: str) -> None:
    assert old in SHORT
    _expect(SHORT.replace(old, new, 1), line, fragment)


MISCONCEPTIONS = """\
    misconceptions:
      - id: dropout_at_inference
        contradicts: inference_off
        label: {en: "Dropout stays on at inference", zh: "推理时也用 dropout"}
        patterns: {en: ["dropout on at inference"], zh: ["推理 dropout"]}
        correction: {en: "Dropout is switched off at inference.", zh: "推理时关闭 dropout。"}
"""


def test_misconceptions_are_parsed() -> None:
    bank = build_bank([(Path("q.yaml"), SHORT + MISCONCEPTIONS)])
    (item,) = bank["sample-question"].misconceptions
    assert item.contradicts == "inference_off" and item.correction.zh == "推理时关闭 dropout。"


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("contradicts: inference_off", "contradicts: nope", "contradicts unknown key point 'nope'"),
        (', zh: ["推理 dropout"]}', "}", "zh: Field required"),
        ('{en: "Dropout is switched off at inference.", ', "{", "en: Field required"),
        ("id: dropout_at_inference", "id: Bad-Id", "snake_case"),
    ],
)
def test_misconception_rules(old: str, new: str, fragment: str) -> None:
    assert old in MISCONCEPTIONS
    text = SHORT + MISCONCEPTIONS.replace(old, new, 1)
    assert any(fragment in message for _line, message in _issues(text)), _issues(text)


def test_misconceptions_only_for_short_questions() -> None:
    issues = _issues(CHOICE + MISCONCEPTIONS.replace("inference_off", "b"))
    assert any("only for short questions" in message for _line, message in issues), issues


def test_a_short_question_needs_a_core_point() -> None:
    issues = _issues(SHORT.replace("kind: core", "kind: bonus"))
    assert any("at least one key point must be kind: core" in m for _l, m in issues), issues


def test_short_question_needs_three_to_eight_key_points() -> None:
    two = SHORT[: SHORT.index("      - id: inference_off")]
    _expect(two, 8, "3..8 key points, got 2")
    missing = SHORT[: SHORT.index("    key_points:")]
    _expect(missing, 2, "need key_points")


def test_short_question_rejects_choice_fields() -> None:
    text = SHORT + "    options: [{id: a, en: x, zh: y}, {id: b, en: x, zh: y}]\n    correct: [a]\n"
    issues = _issues(text)
    assert (27, "sample-question: options: options are only for choice questions") in issues
    assert (28, "sample-question: correct: correct is only for choice questions") in issues


@pytest.mark.parametrize(
    ("old", "new", "line", "fragment"),
    [
        ("correct: [b]", "correct: [c]", 11, "unknown option(s): c"),
        ("correct: [b]", "correct: []", 11, "at least one correct option"),
        ("correct: [b]", "correct: [b, b]", 11, "duplicate correct option 'b'"),
        ("{id: b,", "{id: a,", 8, "duplicate option id 'a'"),
        ("{id: b,", "{id: bb,", 10, "one lowercase letter"),
        ('      - {id: b, en: "Cross-entropy", zh: "交叉熵"}\n', "", 8, "2..5 options, got 1"),
        ("correct: [b]\n", "correct: [b]\n    key_points: []\n", 12, "only for short"),
    ],
)
def test_choice_question_rules(old: str, new: str, line: int, fragment: str) -> None:
    assert old in CHOICE
    _expect(CHOICE.replace(old, new, 1), line, fragment)


def test_choice_question_needs_options() -> None:
    text = CHOICE[: CHOICE.index("    options:")] + "    correct: [b]\n"
    _expect(text, 2, "need options")


def test_every_problem_in_a_file_is_reported() -> None:
    text = SHORT.replace("difficulty: 2", "difficulty: 9").replace("weight: 1", "weight: 7", 1)
    lines = sorted(line for line, _ in _issues(text) if line is not None)
    assert lines == [4, 17]


def test_malformed_yaml_reports_its_line() -> None:
    with pytest.raises(BankError) as caught:
        load_bank(FIXTURES / "malformed.yaml")
    (issue,) = caught.value.issues
    assert issue.line == 6
    assert "malformed YAML" in issue.message and "line 4" in issue.message


def test_duplicate_mapping_key_is_an_error() -> None:
    _expect(
        SHORT.replace("    type: short\n", "    type: short\n    type: short\n"), 6, "key 'type'"
    )


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("- just a list\n", 1, "expected a mapping"),
        ("", 1, "expected a mapping"),
        ("questions: []\n", 1, "non-empty list"),
        ("questions: nope\n", 1, "non-empty list"),
        ("extra: 1\nquestions: []\n", 1, "unknown top-level key 'extra'"),
        ("questions:\n  - 42\n", 2, "valid dictionary"),
    ],
)
def test_file_level_errors(text: str, line: int, fragment: str) -> None:
    _expect(text, line, fragment)


def test_duplicate_slug_across_files_names_both_locations() -> None:
    with pytest.raises(BankError) as caught:
        build_bank([(Path("one.yaml"), SHORT), (Path("two.yaml"), "\n\n" + SHORT)])
    messages = [str(issue) for issue in caught.value.issues]
    assert any(
        m.startswith("two.yaml:4:")
        and "duplicate slug 'sample-question'" in m
        and "one.yaml:2" in m
        for m in messages
    ), messages


def test_near_duplicate_prompts_are_reported_with_both_slugs() -> None:
    bank = FIXTURES / "bank"
    sources = [(f, f.read_text("utf-8")) for f in bank_files(bank)]
    near = FIXTURES / "import_near_dup.yaml"
    with pytest.raises(BankError) as caught:
        build_bank([*sources, (near, near.read_text("utf-8"))])
    (issue,) = caught.value.issues
    assert issue.file == near and issue.line == 2
    assert "'prevent-overfitting' vs 'overfitting'" in issue.message


def _prompt_variant(en: str, zh: str) -> str:
    return (
        SHORT.replace("slug: sample-question", "slug: other-question")
        .replace('en: "What is dropout?"', f'en: "{en}"')
        .replace('zh: "什么是 dropout？"', f'zh: "{zh}"')
    )


@pytest.mark.parametrize(
    ("en", "zh", "duplicate"),
    [
        ("what is Dropout", "完全不同的问题", True),  # case and punctuation only
        ("Dropout: what is it?", "完全不同的问题", True),  # word order
        ("Something else entirely?", "什麼是 dropout", True),  # traditional script
        ("What is dropout in CNNs and transformers?", "卷积网络和 Transformer 中的 dropout", False),
        ("What is weight decay?", "什么是权重衰减？", False),
    ],
)
def test_near_duplicate_threshold(en: str, zh: str, duplicate: bool) -> None:
    sources = [(Path("a.yaml"), SHORT), (Path("b.yaml"), _prompt_variant(en, zh))]
    if duplicate:
        with pytest.raises(BankError, match="near-duplicate"):
            build_bank(sources)
    else:
        assert len(build_bank(sources)) == 2


def test_missing_path_and_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(BankError) as caught:
        load_bank(tmp_path / "nope")
    assert caught.value.issues[0].message == "no such file or directory"
    with pytest.raises(BankError) as caught:
        load_bank(tmp_path)
    assert "no question files" in caught.value.issues[0].message


def test_loading_is_all_or_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(SHORT, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(CHOICE.replace("correct: [b]", "correct: [z]"), "utf-8")
    with pytest.raises(BankError) as caught:
        load_bank(tmp_path)
    assert [(i.file.name, i.line) for i in caught.value.issues] == [("b.yaml", 11)]


def test_fixture_bank_lookups() -> None:
    bank = load_bank(FIXTURES / "bank")
    assert isinstance(bank, QuestionBank) and len(bank) == 5
    assert "overfitting" in bank and "nope" not in bank
    assert bank.get("nope") is None
    assert bank["batch-norm"].topic == "dl-training"
    assert [q.slug for q in bank.filter(topic="dl-training", type="short")] == [
        "overfitting",
        "batch-norm",
    ]
    # files load in name order: rag.yaml, then training.yaml
    assert [q.slug for q in bank.filter(difficulty=1)] == [
        "rag-basics",
        "overfitting-signs",
        "dropout-inference",
    ]
    assert [q.slug for q in bank.filter(type="choice")] == [
        "overfitting-signs",
        "dropout-inference",
    ]
    source = bank.source("rag-basics")
    assert source is not None and source.file.name == "rag.yaml" and source.line == 2
    assert bank.closest("overfiting")[0] == "overfitting"
    assert bank.closest("zzzzzz") == []


def test_topics_are_the_ten_bilingual_topics() -> None:
    assert len(TOPIC_IDS) == 10
    assert TOPICS["retrieval-rag"].label("zh") == "检索与 RAG"
    assert TOPICS["dl-training"].label("en") == "Deep learning training"


def test_seed_bank_is_valid() -> None:
    if not bank_files(DEFAULT_BANK_PATH):
        pytest.skip("data/questions has no question files yet")
    bank = load_bank()
    assert {q.topic for q in bank} <= set(TOPIC_IDS)
    assert bank.filter(type="short") and bank.filter(type="choice")


# ---------------------------------------------------------------------------- size limits
def _distinct_prompt(n: int) -> tuple[str, str]:
    import random

    rng = random.Random(n)
    en = " ".join(
        rng.sample("alpha beta gamma delta omega sigma kappa lambda theta zeta".split(), 6)
    )
    return f"Which {en}?", "".join(rng.sample("甲乙丙丁戊己庚辛壬癸子丑寅卯", 8)) + "？"


def _choices(count: int, prompts: list[tuple[str, str]] | None = None, start: int = 0) -> str:
    """A question file of ``count`` choice questions with distinct (or the given) prompts."""
    items = []
    for n in range(count):
        en, zh = prompts[n] if prompts else _distinct_prompt(start + n)
        items.append(
            CHOICE.split("\n", 1)[1]
            .replace("slug: sample-choice", f"slug: q-{start + n}")
            .replace('en: "Pick the usual loss for classification."', f'en: "{en}"')
            .replace('zh: "分类通常用哪个损失？"', f'zh: "{zh}"')
        )
    return "questions:\n" + "".join(items)


def test_a_bank_over_the_question_limit_is_refused_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("bot.questions.bank.MAX_BANK_QUESTIONS", 5)
    assert len(build_bank([(Path("a.yaml"), _choices(5))])) == 5
    with pytest.raises(BankLimitError) as caught:
        build_bank(
            [
                (Path("a.yaml"), _choices(3)),
                (Path("b.yaml"), _choices(3, start=3)),
                (Path("c.yaml"), "not: [valid"),  # never read: loading stopped at b.yaml
            ]
        )
    (issue,) = caught.value.issues
    assert issue.file == Path("b.yaml") and issue.line is None
    assert "over the limit of 5 questions" in issue.message


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("bot.questions.bank.MAX_FILE_BYTES", 2 * 2**20)
    (tmp_path / "big.yaml").write_text("# " + "x" * (3 * 2**20) + "\n", encoding="utf-8")
    with pytest.raises(BankLimitError) as caught:
        load_bank(tmp_path)
    (issue,) = caught.value.issues
    assert issue.file.name == "big.yaml"
    assert issue.message.startswith("the file is 3.0 MB, over the limit of 2 MB")
    with pytest.raises(BankLimitError):  # text handed over directly is measured too
        build_bank([(Path("big.yaml"), "题" * 2**20)])  # 3 MB in UTF-8


# ---------------------------------------------------------------------------- near duplicates
def _all_pairs_issues(bank_text: str) -> list[str]:
    """The near-duplicate report of the former O(n²) check: cdist over every pair."""
    import numpy as np
    import yaml
    from rapidfuzz import fuzz, process

    from bot.questions.normalize import normalize
    from bot.questions.schema import Question

    questions = [Question.model_validate(item) for item in yaml.safe_load(bank_text)["questions"]]
    en = [normalize(q.prompt.en) for q in questions]
    zh = [normalize(q.prompt.zh).replace(" ", "") for q in questions]
    en_scores = process.cdist(en, en, scorer=fuzz.token_sort_ratio, score_cutoff=90)
    zh_scores = process.cdist(zh, zh, scorer=fuzz.ratio, score_cutoff=90)
    found = []
    for i, j in np.argwhere(np.triu((en_scores > 0) | (zh_scores > 0), k=1)):
        lang = "en" if en_scores[i, j] else "zh"
        score = max(en_scores[i, j], zh_scores[i, j])
        found.append(
            f"near-duplicate {lang} prompt: {questions[j].slug!r} vs {questions[i].slug!r} "
            f"(similarity {score:.0f})"
        )
    return found


def test_near_duplicates_are_those_of_scoring_every_pair() -> None:
    import random

    rng = random.Random(5)
    words = (
        "how why when which does would should model training data loss gradient layer "
        "attention token batch dropout weight decay learning rate overfitting bias variance "
        "precision recall embedding retrieval calibration quantization pruning sampling"
    ).split()
    chars = "过拟合正则化权重衰减早停数据增强学习率批归一化注意力检索重排序召回精确校准量化剪枝"
    prompts = [
        (
            " ".join(rng.choices(words, k=rng.randint(4, 14))).capitalize() + "?",
            "".join(rng.choices(chars, k=rng.randint(6, 24))) + "？",
        )
        for _ in range(300)
    ]
    for n in range(0, 300, 7):  # reworded copies: word order, a word more, a typo, 呢
        en, zh = prompts[n]
        swapped = " ".join(reversed(en.rstrip("?").split())) + "?"
        prompts[n + 1] = (swapped if n % 2 else en.replace("?", " here?"), zh + "呢")
        prompts[n + 2] = (en[:-3] + en[-2:], prompts[n + 2][1])
    text = _choices(len(prompts), prompts)
    with pytest.raises(BankError) as caught:
        build_bank([(Path("gen.yaml"), text)])
    reported = [
        issue.message.split(" (")[0] + " (similarity " + issue.message.rsplit("similarity ", 1)[1]
        for issue in caught.value.issues
    ]
    expected = _all_pairs_issues(text)
    assert len(expected) >= 80
    assert sorted(reported) == sorted(expected)

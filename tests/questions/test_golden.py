"""Grader regression harness: Spearman, MAE, golden file loading, real agreement."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from scipy.stats import spearmanr

from bot.questions.bank import BankError, load_bank
from bot.questions.golden import agreement, evaluate_golden, load_golden, spearman

HERE = Path(__file__).parent
FIXTURE_BANK = load_bank(HERE / "fixtures" / "bank")
GOLDEN = HERE / "golden.yaml"


def test_spearman_known_value() -> None:
    # ranks of y with a tie: [1, 2, 3.5, 5, 3.5]; rho = 0.8207826816681233 (scipy agrees)
    assert spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]) == pytest.approx(0.8207826816681233)


@pytest.mark.parametrize(
    ("x", "y"),
    [
        ([3, 1, 4, 1, 5, 9, 2, 6], [2, 7, 1, 8, 2, 8, 1, 8]),
        ([0, 0, 5, 5, 10, 10], [1, 2, 2, 3, 9, 9]),
        ([1.5, 2.5, 2.5, 7, 0], [10, 3, 3, 1, 0]),
    ],
)
def test_spearman_matches_scipy_with_ties(x: list[float], y: list[float]) -> None:
    assert spearman(x, y) == pytest.approx(spearmanr(x, y).statistic)


def test_spearman_edge_cases() -> None:
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert math.isnan(spearman([1], [1]))
    assert math.isnan(spearman([2, 2, 2], [1, 2, 3]))
    with pytest.raises(ValueError):
        spearman([1, 2], [1])


def test_agreement_reports_mae() -> None:
    result = agreement([10, 5, 0], [8, 5, 1])
    assert result.n == 3 and result.mae == pytest.approx(1.0) and result.spearman == 1.0


def test_evaluate_fixture_golden() -> None:
    report = evaluate_golden(FIXTURE_BANK, HERE / "fixtures" / "golden.yaml")
    assert report.overall.n == 8 == len(report.results)
    assert set(report.per_question) == {"overfitting", "batch-norm", "rag-basics"}
    assert list(report.per_lang) == ["en", "mixed", "zh"]
    assert report.per_question["overfitting"].n == 4
    assert report.overall.spearman > 0.8
    assert all(0 <= r.predicted <= 10 for r in report.results)


def _golden(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "golden.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("answers:\n  - {slug: nope, lang: en, text: hi, score: 1}\n", 2, "unknown question"),
        (
            "answers:\n  - {slug: overfitting, lang: en, text: a, score: 1}\n"
            "  - {slug: dropout-inference, lang: en, text: b, score: 1}\n",
            3,
            "not a short question",
        ),
        ("answers:\n  - {slug: overfitting, lang: fr, text: hi, score: 1}\n", 2, "'en'"),
        ("answers:\n  - {slug: overfitting, lang: en, text: hi, score: 11}\n", 2, "less than"),
        ("answers:\n  - {slug: overfitting, lang: en, score: 3}\n", 2, "text: Field required"),
        ("answers: []\n", 1, "at least 1 item"),
        ("answers:\n  - {slug: overfitting, lang: en\n", 3, "malformed YAML"),
        ("- 1\n", 1, "expected a mapping"),
    ],
)
def test_golden_file_errors(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    with pytest.raises(BankError) as caught:
        load_golden(_golden(tmp_path, text), FIXTURE_BANK)
    assert any(i.line == line and fragment in i.message for i in caught.value.issues), [
        str(i) for i in caught.value.issues
    ]


def test_missing_golden_file(tmp_path: Path) -> None:
    with pytest.raises(BankError, match="no such file"):
        load_golden(tmp_path / "none.yaml", FIXTURE_BANK)


def test_grader_agrees_with_human_grades() -> None:
    if not GOLDEN.exists():
        pytest.skip("tests/questions/golden.yaml is not written yet")
    report = evaluate_golden(load_bank(), GOLDEN)
    assert report.overall.n >= 20
    assert report.overall.spearman >= 0.8, report.overall

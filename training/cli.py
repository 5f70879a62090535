"""``aiclub train cnn|gan``, ``aiclub evaluate cnn|gan PATH`` and ``aiclub convert PATH``.

Cheap to import: TensorFlow and the training modules load inside the handlers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.cliutil import CliError
from training.datasets import DATASETS

KINDS = ("cnn", "gan")


def register(subparsers: Any) -> None:
    """Add the ``train`` and ``evaluate`` verbs."""
    train = subparsers.add_parser("train", help="train the CNN or the GAN and write a model card")
    train.add_argument("kind", choices=KINDS, help="which model to train")
    train.add_argument("--dataset", choices=DATASETS, default="digits", help="(default: digits)")
    train.add_argument(
        "--epochs", type=int, metavar="N", help="training epochs (default: the shipped models')"
    )
    train.add_argument("--seed", type=int, default=0, metavar="S", help="random seed (default: 0)")
    train.add_argument(
        "--out", type=Path, metavar="DIR", help="output directory (default: data/models)"
    )
    train.set_defaults(handler=_train)

    evaluate = subparsers.add_parser("evaluate", help="recompute every metric of a model file")
    evaluate.add_argument("kind", choices=KINDS, help="which model the file holds")
    evaluate.add_argument("path", type=Path, help="the .keras model file")
    evaluate.add_argument(
        "--cnn", type=Path, metavar="PATH", help="scoring CNN for a GAN (default: beside it)"
    )
    evaluate.add_argument("--json", action="store_true", help="print the metrics as JSON")
    evaluate.add_argument(
        "--update-card",
        action="store_true",
        help="digits CNN: re-choose its not-a-digit check on the evaluation set and write it and "
        "the upload figures into its card (after a change to the upload path; no retraining)",
    )
    evaluate.set_defaults(handler=_evaluate)

    convert = subparsers.add_parser(
        "convert", help="(re)write the LiteRT .tflite of a trained model and record it in its card"
    )
    convert.add_argument("path", type=Path, help="the .keras model file (its card beside it)")
    convert.set_defaults(handler=_convert)


def _train(args: argparse.Namespace) -> int:
    from training import artifacts

    if args.epochs is not None and args.epochs <= 0:
        raise CliError(f"--epochs must be a positive integer, got {args.epochs}")
    out_dir: Path = args.out if args.out is not None else artifacts.DEFAULT_MODELS_DIR
    try:
        artifacts.ensure_writable_dir(out_dir)
    except artifacts.ArtifactError as exc:
        raise CliError(str(exc)) from None
    data = _load_data(args.dataset, args.seed)

    from training import pipeline

    epochs = args.epochs or pipeline.default_epochs(args.kind, data.name)
    verbose = 1 if sys.stdout.isatty() else 2
    try:
        if args.kind == "cnn":
            _say(f"Training the CNN on {_describe(data)} for {epochs} epochs (seed {args.seed})")
            _, card = pipeline.train_cnn_and_save(
                data, epochs=epochs, seed=args.seed, out_dir=out_dir, verbose=verbose
            )
        else:
            cnn, cnn_version = _cnn_for_gan(data, out_dir, args.seed, verbose)
            _say(f"Training the GAN on {_describe(data)} for {epochs} epochs (seed {args.seed})")
            _, card = pipeline.train_gan_and_save(
                data, cnn, metrics_cnn=cnn_version, epochs=epochs, seed=args.seed,
                out_dir=out_dir, verbose=verbose,
            )  # fmt: skip
    except artifacts.ArtifactError as exc:  # a conversion that does not reproduce the model
        raise CliError(
            f"{exc}; no card was written, so the bot does not serve the new model"
        ) from None
    path = artifacts.model_path(out_dir, args.kind, data.name)
    print(_summary(card["metrics"], card["gates"]))
    print(f"trained in {card['training']['wall_time_s']} s; wrote {path} and its card")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from training import artifacts, datasets, runtime

    if args.update_card and args.kind != "cnn":
        raise CliError("--update-card is for a digits CNN (the GAN's card has no upload figures)")
    runtime.configure(0)
    model = _load(args.path, args.kind)
    shape = model.inputs[0].shape[1:] if args.kind == "cnn" else model.outputs[0].shape[1:]
    try:
        dataset = datasets.dataset_for_shape(tuple(shape))
    except ValueError as exc:
        raise CliError(f"{args.path}: {exc}") from None
    data = _load_data(dataset, 0)

    from training import cards, pipeline

    if args.kind == "cnn":
        report = pipeline.evaluate_cnn(model, data)
        if args.update_card:
            try:
                card = pipeline.update_uploads(args.path)
            except artifacts.ArtifactError as exc:
                raise CliError(str(exc)) from None
            report["metrics"]["uploads"] = card["metrics"]["uploads"]
    else:
        cnn_path = args.cnn or artifacts.model_path(args.path.parent, "cnn", dataset)
        report = pipeline.evaluate_gan(model, _load(cnn_path, "cnn", data.input_shape), data)
    version = cards.model_version(args.kind, dataset, artifacts.weights_sha256(model))
    if args.json:
        header = {"model": str(args.path), "model_version": version, "dataset": dataset}
        print(json.dumps({**header, **report}, indent=2))
    else:
        print(f"{args.path} ({version}) on the {dataset} test split")
        print(_summary(report["metrics"], report["gates"]))
    return 0


def _convert(args: argparse.Namespace) -> int:
    from training import artifacts, convert, runtime

    if not args.path.is_file():
        raise CliError(f"model file not found: {args.path}")
    runtime.configure(0)
    try:
        card = convert.convert_file(args.path)
    except artifacts.ArtifactError as exc:
        raise CliError(str(exc)) from None
    block = card["tflite"]
    figures = ", ".join(f"{k} {v:g}" for k, v in block["check"].items() if k != "tolerance")
    size = block["size_bytes"] / 2**20
    print(f"wrote {args.path.with_name(block['file'])} ({size:.2f} MiB, signatures "
          f"{', '.join(block['signatures'])}; {figures}) and updated its card")  # fmt: skip
    return 0


def _cnn_for_gan(data: Any, out_dir: Path, seed: int, verbose: int) -> tuple[Any, str]:
    """The scoring CNN from ``out_dir`` (trained first when missing) and its version."""
    from training import artifacts, cards, pipeline

    path = artifacts.model_path(out_dir, "cnn", data.name)
    if path.exists():
        cnn = _load(path, "cnn", data.input_shape)
        _say(f"Scoring with the CNN at {path}")
    else:
        epochs = pipeline.default_epochs("cnn", data.name)
        _say(f"No CNN at {path}: the GAN's metrics need it, so training it first ({epochs} epochs)")
        cnn, _ = pipeline.train_cnn_and_save(
            data, epochs=epochs, seed=seed, out_dir=out_dir, verbose=verbose
        )
    return cnn, cards.model_version("cnn", data.name, artifacts.weights_sha256(cnn))


def _load_data(name: str, seed: int) -> Any:
    from training import datasets, runtime

    runtime.configure(seed)
    try:
        return datasets.load_dataset(name)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    except Exception as exc:  # network or cache failures of keras.datasets
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise CliError(f"cannot load dataset '{name}' (needs internet once): {reason}") from None


def _load(path: Path, kind: str, input_shape: tuple[int, ...] | None = None) -> Any:
    """Load a model file, checking that it holds a ``kind`` model (and its input shape)."""
    from training import artifacts

    try:
        model = artifacts.load_model(path)
    except artifacts.ArtifactError as exc:
        raise CliError(str(exc)) from None
    what = "a CNN classifier" if kind == "cnn" else "a conditional GAN generator"
    if len(model.inputs) != (1 if kind == "cnn" else 2):
        raise CliError(f"{path} is not {what}")
    if input_shape is not None and tuple(model.inputs[0].shape[1:]) != tuple(input_shape):
        raise CliError(
            f"{path} expects images of shape {tuple(model.inputs[0].shape[1:])}, "
            f"not {tuple(input_shape)}"
        )
    return model


def _describe(data: Any) -> str:
    return f"{data.name} ({len(data.y_train)} train / {len(data.y_test)} test images)"


def _say(message: str) -> None:
    print(message, flush=True)


def _summary(metrics: dict[str, Any], gates: dict[str, bool]) -> str:
    """A plain-text table: one row per metric (per-class figures inline), then the gates."""
    rows = [(name, _format(value)) for name, value in metrics.items() if name != "uploads"]
    if "uploads" in metrics:  # the evaluation set: the held-back part's headline figures
        held = metrics["uploads"]["heldback"]
        rows.append((
            "uploads (held-back)",
            f"accuracy {held['accuracy']:.4f}, digits flagged {held['false_reject_rate']:.4f}, "
            f"negatives flagged {held['detection_rate']:.4f}",
        ))  # fmt: skip
    rows += [(f"gate: {name}", "pass" if ok else "FAIL") for name, ok in gates.items()]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, dict):
        return " ".join(f"{key}:{_format(item)}" for key, item in value.items())
    if isinstance(value, list):  # the confusion matrix: one bracketed row per true class
        return " ".join("[" + " ".join(map(str, row)) + "]" for row in value)
    return str(value)

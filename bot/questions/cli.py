"""`aiclub questions validate|list|import|try|eval`: manage and try the question bank."""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bot.cliutil import CliError
from bot.questions import semantic
from bot.questions.bank import (
    BANK_SUFFIXES,
    DEFAULT_BANK_PATH,
    BankError,
    BankIssue,
    BankLimitError,
    Question,
    QuestionBank,
    bank_files,
    build_bank,
    check_file_size,
    load_bank,
)
from bot.questions.golden import Agreement, evaluate_golden
from bot.questions.scoring import Feedback, Lang, rubric_for, score, score_choice
from bot.questions.topics import TOPIC_IDS
from bot.questions.yamlsrc import read_text


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `questions` verb and its sub-verbs."""
    parser = subparsers.add_parser("questions", help="validate, list, import and try questions")
    parser.set_defaults(handler=lambda _args: _usage(parser))
    verbs = parser.add_subparsers(dest="questions_verb", metavar="VERB")
    bank_help = "question bank file or directory (default: data/questions)"

    validate = verbs.add_parser("validate", help="check a bank file or directory")
    validate.add_argument("path", nargs="?", type=Path, default=DEFAULT_BANK_PATH)
    validate.set_defaults(handler=_validate)

    listing = verbs.add_parser("list", help="list questions")
    listing.add_argument("--topic", choices=TOPIC_IDS)
    listing.add_argument("--type", choices=("short", "choice"))
    listing.add_argument("--difficulty", type=int, choices=(1, 2, 3))
    listing.add_argument("--bank", type=Path, default=DEFAULT_BANK_PATH, help=bank_help)
    listing.set_defaults(handler=_list)

    importing = verbs.add_parser("import", help="validate a file and add it to the bank")
    importing.add_argument("file", type=Path)
    importing.add_argument(
        "--bank", type=Path, default=DEFAULT_BANK_PATH, help="bank directory to import into"
    )
    importing.set_defaults(handler=_import)

    trying = verbs.add_parser("try", help="score an answer to one question")
    trying.add_argument("slug")
    trying.add_argument("answer", help="answer text, or option ids like 'a,c' for choice")
    trying.add_argument("--lang", choices=("en", "zh"), help="label language (default: auto)")
    trying.add_argument("--json", action="store_true", help="print one JSON object")
    trying.add_argument("--bank", type=Path, default=DEFAULT_BANK_PATH, help=bank_help)
    trying.set_defaults(handler=_try)

    evaluating = verbs.add_parser("eval", help="agreement with human grades of golden files")
    evaluating.add_argument("golden", type=Path, nargs="+")
    evaluating.add_argument("--bank", type=Path, default=DEFAULT_BANK_PATH, help=bank_help)
    evaluating.set_defaults(handler=_eval)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _show(path: Path) -> str:
    """A path relative to the working directory when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _print_issues(issues: Sequence[BankIssue]) -> None:
    for issue in issues:
        where = _show(issue.file) + (f":{issue.line}" if issue.line is not None else "")
        print(f"{where}: {issue.message}")
    files = len({issue.file for issue in issues})
    print(f"{len(issues)} issue(s) in {files} file(s)")


def _limit_error(exc: BankLimitError) -> CliError:
    """The one line that says which limit the input is over and what to do."""
    (issue,) = exc.issues
    return CliError(f"{_show(issue.file)}: {issue.message}")


def _bank(path: Path) -> QuestionBank:
    try:
        return load_bank(path)
    except BankError as exc:
        raise CliError(
            f"the question bank at {_show(path)} is invalid ({exc}); "
            "run `aiclub questions validate` for details"
        ) from None


def _validate(args: argparse.Namespace) -> int:
    try:
        bank = load_bank(args.path)
    except BankLimitError as exc:
        raise _limit_error(exc) from None
    except BankError as exc:
        _print_issues(exc.issues)
        return 1
    warnings = [
        (
            bank.source(q.slug),
            f"{q.slug}: alias {alias!r} of key point {point!r} is made of "
            "the prompt's own words, so it is never credited; drop it or make it more specific",
        )
        for q in bank.filter(type="short")
        for point, alias in rubric_for(q).prompt_aliases
    ]
    for source, message in warnings:
        where = f"{_show(source.file)}:{source.line}" if source else "?"
        print(f"{where}: warning: {message}")
    short = len(bank.filter(type="short"))
    files = len(bank_files(args.path))
    print(
        f"OK: {len(bank)} questions ({short} short, {len(bank) - short} choice) in {files} file(s)"
    )
    return 0


def _list(args: argparse.Namespace) -> int:
    questions = _bank(args.bank).filter(
        topic=args.topic, difficulty=args.difficulty, type=args.type
    )
    rows = [("SLUG", "TOPIC", "DIFF", "TYPE", "PROMPT")] + [
        (q.slug, q.topic, str(q.difficulty), q.type, _truncate(q.prompt.en, 60)) for q in questions
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
        print("  ".join((*cells, row[4])))
    print(f"{len(questions)} question(s)")
    return 0


def _truncate(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _import(args: argparse.Namespace) -> int:
    source: Path = args.file
    target_dir: Path = args.bank
    if not source.is_file():
        raise CliError(f"no such file: {source}")
    if source.suffix not in BANK_SUFFIXES:
        raise CliError(f"{source}: expected a .yaml or .yml file")
    if not target_dir.is_dir():
        raise CliError(f"no such bank directory: {target_dir}")
    target = target_dir / source.name
    if target.exists():
        raise CliError(f"{_show(target)} already exists; rename the file to import it")
    try:
        check_file_size(source, source.stat().st_size)
        raw = source.read_bytes()
        text = raw.decode("utf-8-sig")
    except BankLimitError as exc:
        raise _limit_error(exc) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {source}: {exc}") from None
    try:
        existing = [(file, read_text(file)) for file in bank_files(target_dir)]
        bank = build_bank([*existing, (source, text)])
    except BankLimitError as exc:
        raise _limit_error(exc) from None
    except BankError as exc:
        _print_issues(exc.issues)
        print("nothing imported")
        return 1
    _write_new(target, raw)
    added = sum(1 for q in bank if (src := bank.source(q.slug)) and src.file == source)
    print(f"imported {added} question(s) into {_show(target)}")
    return 0


def _write_new(target: Path, data: bytes) -> None:
    """Write `target` atomically (temp file + os.replace); never overwrite a file."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            raise CliError(f"{_show(target)} appeared while importing; nothing written")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _try(args: argparse.Namespace) -> int:
    bank = _bank(args.bank)
    question = bank.get(args.slug)
    if question is None:
        close = bank.closest(args.slug)
        hint = f"did you mean: {', '.join(close)}?" if close else "see `aiclub questions list`"
        raise CliError(f"unknown question {args.slug!r}; {hint}")
    if not args.answer.strip():
        raise CliError("the answer is empty; pass the answer text as the second argument")
    lang: Lang | None = "zh" if args.lang == "zh" else "en" if args.lang == "en" else None
    feedback = _grade(question, args.answer, lang)
    if args.json:
        payload = {
            "slug": question.slug,
            "score": feedback.score,
            "reason": feedback.reason,
            "graded_by": feedback.graded_by if question.type == "short" else "choice",
            "key_points": [
                {
                    "id": p.id,
                    "kind": p.kind,
                    "covered": p.covered,
                    "by_meaning": p.semantic,
                    "evidence": p.evidence,
                }
                for p in (feedback.points if question.type == "short" else ())
            ],
            "misconceptions": [
                {"id": m.id, "evidence": m.evidence, "correction": m.correction}
                for m in feedback.misconceptions
            ],
        }
        print(json.dumps(payload, ensure_ascii=False))
        return 0
    reason = f"  ({feedback.reason})" if feedback.reason else ""
    graded = f"  [graded by {feedback.graded_by}]" if question.type == "short" else ""
    print(f"{question.slug}: {feedback.score:.1f}/10{reason}{graded}")
    for point in feedback.points:
        if question.type == "short":
            how = ", by meaning" if point.semantic else ""
            mark = "x" if point.covered else " "
            print(f"  [{mark}] {point.id} ({point.kind}, weight {point.weight}{how})")
            if point.evidence:
                print(f"      {point.evidence}")
        else:
            mark = "x" if point.covered else " "
            verdict = "correct" if point.weight else "wrong"
            print(f"  [{mark}] {point.id}) {point.label}  [{verdict}]")
    for item in feedback.misconceptions:
        print(f"  [!] misconception {item.id}: {item.evidence}")
        print(f"      correction: {item.correction}")
    return 0


def _grade(question: Question, answer: str, lang: Lang | None) -> Feedback:
    if question.type == "short":
        return score(question, answer, lang)
    selected = {part for part in re.split(r"[\s,，]+", answer.strip().lower()) if part}
    known = {option.id for option in question.options or ()}
    unknown = selected - known
    if unknown:
        raise CliError(
            f"{question.slug} is a choice question; pick from {', '.join(sorted(known))}, "
            f"not {', '.join(sorted(unknown))}"
        )
    return score_choice(question, selected, lang or "en")


def _eval(args: argparse.Namespace) -> int:
    bank = _bank(args.bank)
    for path in args.golden:
        if not path.is_file():
            raise CliError(f"no such file: {path}")
    status = semantic.status()
    try:
        lexical = evaluate_golden(bank, args.golden, semantic=False)
        meaning = evaluate_golden(bank, args.golden) if status.available else None
    except BankError as exc:
        _print_issues(exc.issues)
        return 1
    meaning_status = semantic.status()  # loading may have failed just now
    print(f"semantic layer: {meaning_status.detail}")
    groups: list[tuple[str, Agreement, Agreement | None]] = [
        ("overall", lexical.overall, meaning.overall if meaning else None)
    ]
    for label, lex_group, sem_group in (
        ("case", lexical.per_case, meaning.per_case if meaning else {}),
        ("lang", lexical.per_lang, meaning.per_lang if meaning else {}),
        ("question", lexical.per_question, meaning.per_question if meaning else {}),
    ):
        groups += [(f"{label}={key}", a, sem_group.get(key)) for key, a in lex_group.items()]
    header = ("", "N", "LEXICAL", "MAE", "G3<7", "G0>2", "SEMANTIC", "MAE", "G3<7", "G0>2")
    rows = [header] + [(name, str(a.n), *_cells(a), *_cells(b)) for name, a, b in groups]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        print("  ".join(cells).rstrip())
    print(
        "LEXICAL / SEMANTIC: Spearman with the human scores, lexical matching only / with the "
        "semantic layer; G3<7: complete answers scored under 7; G0>2: worthless ones over 2."
    )
    return 0


def _cells(agreement: Agreement | None) -> tuple[str, str, str, str]:
    if agreement is None:
        return ("n/a", "", "", "")
    rho = "n/a" if math.isnan(agreement.spearman) else f"{agreement.spearman:.3f}"
    low = f"{agreement.complete_low}/{agreement.complete}" if agreement.complete else "-"
    high = f"{agreement.worthless_high}/{agreement.worthless}" if agreement.worthless else "-"
    return (rho, f"{agreement.mae:.2f}", low, high)

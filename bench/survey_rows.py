"""Survey row validator benchmark: parse + validate rows/s, the current `RowValidator` against
the old generated (`exec`) one, on the same generated file in the same run.

The old module is read from git at run time (`git show 9996048:services/survey/rows.py`) into a
temporary file and imported from there; it is never part of the code base. Both validators read
the file with the same CSV reader (`imports/files.py:iter_csv`) and take batches the way the import
job does: COPY text lines (the PostgreSQL path) and staging records (the SQLite path). Each
figure is the best of a few alternating runs (the machine is shared and noisy); the ratio is
new / old rows/s (>= 1 means the current validator is at least as fast).

Usage:
    .venv/bin/python -m bench.survey_rows [--rows 300000] [--repeat 3] [--old-commit 9996048]
It asserts nothing; it prints the figures.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import itertools
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

from bench.survey_import import HEADER, generate_csv
from services.survey.imports import header as new_header
from services.survey.imports import rows as new_rows
from services.survey.imports.arrow_lines import ArrowLines
from services.survey.imports.files import iter_csv, open_csv
from services.survey.surveys.definition import OptionDef, QuestionDef, SurveyDef

BATCH = 10_000  # the import's default batch (SURVEY_IMPORT_BATCH_ROWS)
TODAY = date(2026, 1, 15)


def _question(n: int, code: str, kind: str, options: list[tuple[str, str]]) -> QuestionDef:
    return QuestionDef(
        id=n,
        code=code,
        text=code,
        kind=kind,
        slot=n,
        version=1,
        options=[OptionDef(c, label, p, c == "dont_know") for p, (c, label) in enumerate(options)],
    )


def survey() -> SurveyDef:
    """The questions of the file `bench.survey_import.generate_csv` writes."""
    yes_no = [("yes", "Yes"), ("no", "No")]
    return SurveyDef(
        id=1,
        code="opcc",
        title="bench",
        questions=[
            _question(
                1,
                "informed",
                "single_choice",
                [
                    ("very_well", "Very well informed"),
                    ("fairly_well", "Fairly well informed"),
                    ("not_very_well", "Not very well informed"),
                    ("not_at_all", "Not at all informed"),
                    ("dont_know", "Don't know"),
                ],
            ),
            _question(2, "have_say", "single_choice", [*yes_no, ("dont_know", "Don't know")]),
            _question(3, "seen_officer", "single_choice", yes_no),
            _question(
                4,
                "confidence",
                "single_choice",
                [
                    ("strongly_agree", "Strongly agree"),
                    ("tend_to_agree", "Tend to agree"),
                    ("neither", "Neither"),
                ],
            ),
            _question(5, "comments", "free_text", []),
        ],
    )


def load_old(commit: str) -> ModuleType:
    source = subprocess.run(
        ["git", "show", f"{commit}:services/survey/rows.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    # The definitions module it imports has moved since (services/survey/surveys/).
    source = source.replace(
        "from services.survey.definitions import", "from services.survey.surveys.definition import"
    )
    folder = Path(tempfile.mkdtemp(prefix="survey_rows_old_"))
    path = folder / "survey_rows_old.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("survey_rows_old", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    with open_csv(path) as fh:
        yield from iter_csv(fh)


def old_lines(module: ModuleType, path: Path, survey_def: SurveyDef) -> int:
    """The old job's COPY-lines loop (`imports._batches` at the old commit)."""
    validator = module.RowValidator(module.plan_header(survey_def, HEADER), today=TODAY)
    validator.enable_lines(["1"], ["csv", "2026-01-15", "2026-01-15"])
    rows, good = _rows(path), 0
    while True:
        text_lines: list[str] = []
        errors: list[Any] = []
        read = 0
        fast, append = validator.fast_line, text_lines.append
        for row_number, cells in itertools.islice(rows, BATCH):
            read += 1
            line = fast(row_number, cells)
            if line is not None:
                append(line)
                continue
            if cells and cells[0] == module.CSV_ERROR:
                errors.append((row_number, "(row)", cells[1]))
                continue
            line, row_errors = validator.slow_line(row_number, cells)
            if line is None:
                errors.extend(row_errors)
            else:
                append(line)
        if read == 0:
            return good
        "".join(text_lines).encode()
        good += len(text_lines)


def old_records(module: ModuleType, path: Path, survey_def: SurveyDef) -> int:
    validator = module.RowValidator(module.plan_header(survey_def, HEADER), today=TODAY)
    rows, good = _rows(path), 0
    while True:
        records: list[Any] = []
        errors: list[Any] = []
        read = 0
        for row_number, cells in itertools.islice(rows, BATCH):
            read += 1
            if cells and cells[0] == module.CSV_ERROR:
                errors.append((row_number, "(row)", cells[1]))
                continue
            record, row_errors = validator.validate(row_number, cells)
            if record is None:
                errors.extend(row_errors)
            else:
                records.append(record)
        if read == 0:
            return good
        good += len(records)


def new_lines(path: Path, survey_def: SurveyDef) -> int:
    validator = new_rows.RowValidator(new_header.plan_header(survey_def, HEADER), today=TODAY)
    validator.enable_lines(["1"], ["csv", "2026-01-15", "2026-01-15"])
    rows, good = _rows(path), 0
    while True:
        data, _, read, bad = validator.validate_lines(itertools.islice(rows, BATCH))
        if read == 0:
            return good
        data.encode()
        good += read - bad


def arrow_lines(path: Path, survey_def: SurveyDef) -> int:
    """The first load's Arrow path (`imports/arrow_lines.py`): parsed by pyarrow, the same
    validator's memos applied column by column (CPU of all its threads)."""
    validator = new_rows.RowValidator(new_header.plan_header(survey_def, HEADER), today=TODAY)
    validator.enable_lines(["1"], ["csv", "2026-01-15", "2026-01-15"])
    good = 0
    with path.open("rb") as fh:
        lines = ArrowLines(validator, fh)
        while (batch := lines.next_batch()) is not None:
            good += batch[2] - batch[3]
    return good


def new_records(path: Path, survey_def: SurveyDef) -> int:
    validator = new_rows.RowValidator(new_header.plan_header(survey_def, HEADER), today=TODAY)
    rows, good = _rows(path), 0
    while True:
        records, _, read = validator.validate_rows(itertools.islice(rows, BATCH))
        if read == 0:
            return good
        good += len(records)


def parse_only(path: Path) -> int:
    return sum(1 for _ in _rows(path))


def timed(run: Callable[[], int]) -> tuple[float, int]:
    gc.collect()
    started = time.process_time()  # CPU time: less sensitive to the other jobs on the machine
    good = run()
    return time.process_time() - started, good


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--old-commit", default="9996048")
    args = parser.parse_args()
    old = load_old(args.old_commit)
    survey_def = survey()
    with tempfile.TemporaryDirectory(prefix="survey_rows_") as folder:
        path = Path(folder) / "rows.csv"
        generate_csv(path, args.rows)
        cases: dict[str, Callable[[], int]] = {
            "csv parse only": lambda: parse_only(path),
            "old lines": lambda: old_lines(old, path, survey_def),
            "new lines": lambda: new_lines(path, survey_def),
            "arrow lines": lambda: arrow_lines(path, survey_def),
            "old records": lambda: old_records(old, path, survey_def),
            "new records": lambda: new_records(path, survey_def),
        }
        best: dict[str, float] = {}
        goods: dict[str, int] = {}
        for _ in range(args.repeat):
            for name, run in cases.items():
                seconds, good = timed(run)
                best[name] = min(best.get(name, seconds), seconds)
                goods[name] = good
    for name, seconds in best.items():
        print(f"{name:16s} {args.rows / seconds:>12,.0f} rows/s  ({seconds:.3f} s CPU)")
    for kind in ("lines", "records"):
        if goods[f"old {kind}"] != goods[f"new {kind}"]:
            print(f"WARNING: {kind}: good rows differ", goods[f"old {kind}"], goods[f"new {kind}"])
        ratio = best[f"old {kind}"] / best[f"new {kind}"]
        print(f"ratio new/old rows/s, {kind}: {ratio:.3f}")
    if goods["arrow lines"] != goods["new lines"]:
        print("WARNING: arrow lines: good rows differ", goods["arrow lines"], goods["new lines"])
    print(f"ratio arrow/new rows/s, lines: {best['new lines'] / best['arrow lines']:.3f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()

"""Export a question bank for instructors: the chapters' self-checks, and single-best-answer
vignettes built from the book's data, as Moodle XML and as a QTI 2.1 content package.

    python tools/question_bank.py [--out FOLDER]      (default: _build/question-bank)

writes `moodle.xml` and `qti21.zip`. Run `make book` first: the self-checks print numbers
glued from the executed notebooks, read here from `_build/jupyter_execute`.

- The self-checks are read from the chapters (in `_toc.yml` order) with `book_extensions/teaching_outline`,
  so the bank always asks what the book asks. A self-check with options becomes a
  single-answer multiple-choice item; one with a model answer becomes an essay item whose
  general feedback (and, in QTI, the scorer's rubric) is the model answer.
- The vignettes are computed from data rows: synthetic patients scored with
  `stormbook.instruments`, and trial results read from their typed columns. Each distractor is the
  answer a named, plausible error gives (swapped arms, odds for risk, a criterion
  miscounted), so every number shown is in the data or computed from it.
- MyST roles become plain text: glued values formatted as the page formats them, citations
  as the bibliography prints them, other roles as their text. Text that would still carry
  MyST syntax stops the export.
- Every item records its source (chapter and label, or data resource and row) and the book's
  version (CITATION.cff, the data release, and the git commit when there is one).

The files are for instructors and are not part of the published site.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bank_formats import moodle_xml, qti_package
from bank_items import (
    DEFAULT_OUT,
    GLUE_FOLDER,
    ROOT,
    Item,
    QuestionBankError,
    Version,
    book_version,
)
from bank_self_checks import self_check_items
from bank_trials import interval_item, risk_difference_item, risk_ratio_item
from bank_vignettes import bank_patients, hlh2004_item, hscore_item

VIGNETTES_PER_INSTRUMENT = 2
INTERVAL_ROWS = ("dex_none", "dex_imv")


def vignette_items(version: Version, root: Path = ROOT) -> list[Item]:
    """Single-best-answer items from the data: two synthetic patients per instrument, then
    trial results (a risk ratio, a risk difference, two intervals)."""
    items = []
    for make in (hscore_item, hlh2004_item):
        made = [make(row, version, root) for _, row in bank_patients().iterrows()]
        # The patients whose findings invite the most distinct slips make the best items.
        ranked = sorted((item for item in made if item is not None), key=lambda i: -len(i.choices))
        if len(ranked) < VIGNETTES_PER_INSTRUMENT:
            raise QuestionBankError(
                f"{make.__name__}: too few synthetic patients give distinct distractors"
            )
        items += ranked[:VIGNETTES_PER_INSTRUMENT]
    items.append(risk_ratio_item(version, root))
    items.append(risk_difference_item(version, root))
    items += [interval_item(key, version, root) for key in INTERVAL_ROWS]
    return items


# ---------------------------------------------------------------------------- the bank
def collect_items(
    root: Path = ROOT, glue_dir: Path | None = None, vignettes: bool = True
) -> list[Item]:
    """The self-checks, then the vignettes; identifiers checked unique."""
    version = book_version(root)
    items = self_check_items(root, glue_dir or root / GLUE_FOLDER, version)
    if vignettes:
        items += vignette_items(version, root)
    seen = set()
    for item in items:
        if item.identifier in seen:
            raise QuestionBankError(f"{item.identifier}: two items have this identifier")
        seen.add(item.identifier)
    return items


# ---------------------------------------------------------------------------- command line


def write_bank(items: list[Item], out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    moodle, qti = out / "moodle.xml", out / "qti21.zip"
    moodle.write_bytes(moodle_xml(items))
    qti.write_bytes(qti_package(items))
    return moodle, qti


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder to write into")
    args = parser.parse_args(argv)
    try:
        items = collect_items(ROOT)
    except QuestionBankError as error:
        print(f"question bank: {error}", file=sys.stderr)
        return 1
    moodle, qti = write_bank(items, args.out)
    checks = sum(item.kind == "self-check" for item in items)
    print(
        f"{len(items)} items ({checks} self-checks, {len(items) - checks} vignettes; "
        f"{items[0].version.sentence()}):\n  {moodle}\n  {qti}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

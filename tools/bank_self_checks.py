"""The chapters' self-checks as bank items: options become a single-answer item, a model
answer an essay item."""

from __future__ import annotations

import re
from pathlib import Path

from bank_items import Choice, Item, QuestionBankError, Source, Version
from bank_text import TextContext, check_no_myst, html_blocks, html_inline

from book_extensions.teaching_outline import directive_blocks, read_outline
from maintenance.book_toc import read_toc, toc_notebooks


# ---------------------------------------------------------------------------- self-checks
def self_check_items(root: Path, glue_dir: Path, version: Version) -> list[Item]:
    """Every self-check of every chapter, in the book's order."""
    items = []
    for notebook in toc_notebooks(read_toc(root), root):
        outline = read_outline(notebook)
        for number_in_chapter, block in enumerate(outline.self_checks, start=1):
            items.append(
                self_check_item(block, outline, number_in_chapter, root, glue_dir, version)
            )
    return items


def self_check_item(block, outline, position: int, root: Path, glue_dir: Path, version) -> Item:
    """One self-check as an item: single-answer multiple choice, or an essay with its model answer."""
    relative = outline.path.resolve().relative_to(root.resolve()).as_posix()
    if not block.label:
        raise QuestionBankError(f"self-check {position} in {relative} has no :label:")
    context = TextContext(root, outline.path, glue_dir, f"self-check {block.label} in {relative}")
    nested = directive_blocks(block.body)
    options = [b for b in nested if b.name == "self-check-choice"]
    answers = [b for b in nested if b.name == "self-check-answer"]
    stem = "\n\n".join(part for part in (block.argument, _outside_fences(block.body)) if part)
    if options:
        choices, feedback = _choices(options, context), "\n\n".join(a.body for a in answers)
    elif answers:
        choices, feedback = (), "**Model answer.** " + "\n\n".join(a.body for a in answers)
    else:
        raise QuestionBankError(
            f"{context.where}: neither options (self-check-choice) nor a model answer "
            "(self-check-answer)"
        )
    item = Item(
        identifier=block.label,
        name=block.label,
        chapter=outline.title,
        kind="self-check",
        question=html_blocks(stem, context),
        choices=choices,
        general_feedback=html_blocks(feedback, context) if feedback else "",
        source=Source(relative, block.label),
        version=version,
    )
    check_no_myst(item)
    return item


def _choices(options, context: TextContext) -> tuple[Choice, ...]:
    correct = [option.argument for option in options if "correct" in option.options]
    if len(correct) != 1:
        marked = f"{len(correct)} options are" if correct else "no option is"
        raise QuestionBankError(
            f"{context.where}: {marked} marked :correct: (exactly one must be)"
            + (f": {correct}" if correct else "")
        )
    if len(options) < 2:
        raise QuestionBankError(f"{context.where}: a single option is not a choice")
    return tuple(
        Choice(
            html_inline(option.argument, context),
            html_blocks(option.body, context),
            "correct" in option.options,
        )
        for option in options
    )


def _outside_fences(body: str) -> str:
    """A directive body without its nested fenced blocks (what a stem adds to the argument)."""
    kept, fence = [], None
    for line in body.splitlines():
        stripped = line.strip()
        if fence is None:
            opening = re.match(r"^(`{3,}|:{3,})\{", stripped)
            if opening:
                fence = opening.group(1)
            else:
                kept.append(line)
        elif stripped == fence:
            fence = None
    return "\n".join(kept).strip()

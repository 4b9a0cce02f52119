"""Single-best-answer items: the options kept, data text made safe to show, and an item
assembled from its parts and checked free of MyST."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bank_items import GLUE_FOLDER, Choice, Item
from bank_text import TextContext, check_no_myst, html_blocks, html_inline

from book_extensions.teaching_outline import read_outline

INSTRUMENTS_CHAPTER = "chapters/01-terminology"
EVIDENCE_CHAPTER = "chapters/03-anakinra-evidence"


@dataclass(frozen=True)
class Option:
    value: object
    text: str
    why: str


def distinct_options(correct: Option, distractors: list[Option], minimum: int) -> list[Option]:
    """The correct answer with the distractors whose text differs from it and each other, or
    [] when fewer than `minimum` distractors remain."""
    kept, seen = [], {correct.text}
    for distractor in distractors:
        if distractor.text not in seen:
            kept.append(distractor)
            seen.add(distractor.text)
    return [correct, *kept[:4]] if len(kept) >= minimum else []


def markdown_safe(text: str) -> str:
    """Data text made safe to place in Markdown (no character read as markup)."""
    return re.sub(r"([\\`*_\[\]{}<>#|!~])", r"\\\1", str(text))


def vignette_item(
    *, identifier, name, chapter, stem, options, correct, general, source, version, root, shuffle
) -> Item:
    """An item from a vignette's parts (Markdown texts), checked free of MyST syntax."""
    context = TextContext(root, root / f"{chapter}.ipynb", root / GLUE_FOLDER, identifier)
    item = Item(
        identifier=identifier,
        name=name,
        chapter=chapter_title(root, chapter),
        kind="vignette",
        question=html_blocks(stem, context),
        choices=tuple(
            Choice(
                html_inline(option.text, context),
                html_blocks(option.why, context),
                option is correct,
            )
            for option in options
        ),
        general_feedback=html_blocks(general, context),
        source=source,
        version=version,
        shuffle=shuffle,
    )
    check_no_myst(item)
    return item


def chapter_title(root: Path, chapter: str) -> str:
    path = root / f"{chapter}.ipynb"
    return read_outline(path).title if path.is_file() else chapter


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


def display(text) -> str:
    """Data text for a reader: comparators as symbols, nothing read as Markdown."""
    return markdown_safe(str(text).replace(">=", "≥").replace("<=", "≤"))


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]

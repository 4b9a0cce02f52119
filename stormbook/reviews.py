"""A chapter's review record: how far its evidence was searched, when it was last reviewed,
and what is new in that version.

The one place it is kept is the chapter notebook's own metadata, so a chapter carries its
record wherever it is opened (the book, Binder, JupyterLab)::

    "metadata": {"stormbook": {"review": {
        "evidence_searched_to": "2026-11",
        "last_reviewed": "2026-11-30",
        "changes": "One line: what is new in this version."}}}

The book's extension `book_extensions/chapter_reviews.py` prints it under each chapter's title and
fails the build when it is missing or wrong; a chapter's code reads it with
`chapter_review` (chapter 03 glues the month into its summary), so the date is typed once.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

from stormbook.paths import book_root

FIELDS = ("evidence_searched_to", "last_reviewed", "changes")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ReviewError(ValueError):
    """A chapter's review metadata is missing or invalid."""


@dataclass(frozen=True)
class Review:
    evidence_searched_to: dt.date  # the first day of the month searched to
    last_reviewed: dt.date
    changes: str

    @property
    def searched_text(self) -> str:
        """'November 2026'."""
        return f"{self.evidence_searched_to:%B %Y}"

    @property
    def reviewed_text(self) -> str:
        """'30 November 2026' (no zero padding)."""
        return f"{self.last_reviewed.day} {self.last_reviewed:%B %Y}"


def parse_review(metadata: dict, where: str) -> Review:
    """The review in a notebook's metadata; `where` (the chapter) names it in errors."""
    record = metadata.get("stormbook", {}).get("review")
    if not isinstance(record, dict):
        raise ReviewError(
            f"{where}: no review record; add metadata.stormbook.review with "
            f"{', '.join(FIELDS)} to the notebook"
        )
    for field in FIELDS:
        value = record.get(field)
        if not isinstance(value, str) or not value.strip():
            raise ReviewError(f"{where}: review field {field!r} is missing or empty")
    searched = _date(record, "evidence_searched_to", _MONTH, "%Y-%m", where)
    reviewed = _date(record, "last_reviewed", _DAY, "%Y-%m-%d", where)
    if reviewed < searched:
        raise ReviewError(
            f"{where}: review field 'last_reviewed' ({record['last_reviewed']}) is earlier "
            f"than the month the evidence was searched to ({record['evidence_searched_to']})"
        )
    changes = record["changes"].strip()
    if "\n" in changes:
        raise ReviewError(f"{where}: review field 'changes' must be one line")
    return Review(searched, reviewed, changes)


def _date(record: dict, field: str, shape: re.Pattern, form: str, where: str) -> dt.date:
    text = record[field]
    shown = form.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD")
    try:
        if not shape.match(text):  # strptime alone accepts '2026-1'
            raise ValueError
        return dt.datetime.strptime(text, form).date()
    except ValueError:
        raise ReviewError(
            f"{where}: review field {field!r} is {text!r}, not a {shown} date"
        ) from None


def read_review(notebook: Path | str) -> Review:
    """The review record of a chapter notebook file."""
    path = Path(notebook)
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))["metadata"]
    except (OSError, ValueError, KeyError) as error:
        raise ReviewError(f"{path}: cannot read the notebook's metadata ({error})") from None
    return parse_review(metadata, str(path.name))


def chapter_review(chapter: str) -> Review:
    """The review record of a chapter of this book, by name ('03-anakinra-evidence')."""
    return read_review(book_root() / "chapters" / f"{chapter}.ipynb")

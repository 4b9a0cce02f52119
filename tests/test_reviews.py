"""Each chapter states how far its evidence was searched and when it was last reviewed,
from one place (the notebook's metadata), and a chapter without that record fails the build."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT

from stormbook.reviews import ReviewError, chapter_review, parse_review, read_review

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
GOOD = {
    "evidence_searched_to": "2026-11",
    "last_reviewed": "2026-12-01",
    "changes": "Evidence extended to 2025.",
}


def _metadata(**fields):
    return {"stormbook": {"review": {**GOOD, **fields}}}


def test_a_review_reads_as_dates_and_words():
    review = parse_review(_metadata(), "03-x.ipynb")
    assert review.searched_text == "November 2026"
    assert review.reviewed_text == "1 December 2026"
    assert review.changes == "Evidence extended to 2025."


@pytest.mark.parametrize("metadata", [{}, {"stormbook": {}}, {"stormbook": {"review": "2026"}}])
def test_a_chapter_without_a_review_record_is_an_error_naming_it(metadata):
    with pytest.raises(ReviewError, match=r"^03-x\.ipynb: no review record.*metadata\.stormbook"):
        parse_review(metadata, "03-x.ipynb")


@pytest.mark.parametrize("field", ["evidence_searched_to", "last_reviewed", "changes"])
@pytest.mark.parametrize("value", [None, "", "  ", 202611])
def test_a_missing_or_empty_field_is_named(field, value):
    metadata = _metadata(**{field: value})
    with pytest.raises(
        ReviewError, match=rf"03-x\.ipynb: review field '{field}' is missing or empty"
    ):
        parse_review(metadata, "03-x.ipynb")


@pytest.mark.parametrize(
    "field, value",
    [
        ("evidence_searched_to", "2026-13"),
        ("evidence_searched_to", "November 2026"),
        ("evidence_searched_to", "2026-1"),
        ("evidence_searched_to", "2026-11-01"),
        ("last_reviewed", "2026-02-30"),
        ("last_reviewed", "2026-12"),
        ("last_reviewed", "1 December 2026"),
    ],
)
def test_a_date_that_does_not_parse_is_named(field, value):
    with pytest.raises(ReviewError, match=rf"review field '{field}' is '{value}', not a"):
        parse_review(_metadata(**{field: value}), "03-x.ipynb")


def test_a_review_before_the_month_searched_is_an_error():
    with pytest.raises(ReviewError, match=r"'last_reviewed' \(2026-10-31\) is earlier than"):
        parse_review(_metadata(last_reviewed="2026-10-31"), "03-x.ipynb")
    # The first day of the month searched to is allowed.
    assert parse_review(_metadata(last_reviewed="2026-11-01"), "x").last_reviewed.day == 1


def test_what_changed_is_one_line():
    with pytest.raises(ReviewError, match="'changes' must be one line"):
        parse_review(_metadata(changes="First.\nSecond."), "03-x.ipynb")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_every_chapter_has_a_valid_review(chapter):
    review = read_review(chapter)
    assert review.changes.endswith(".")


def test_chapter_03_reads_its_evidence_month_from_its_review_record():
    notebook = json.loads((ROOT / "chapters" / "03-anakinra-evidence.ipynb").read_text("utf-8"))
    code = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    month = chapter_review("03-anakinra-evidence").searched_text
    assert month not in code, "the month is typed in the code as well as in the metadata"
    assert '"searched": chapter_review("03-anakinra-evidence").searched_text' in code


# --- The extension, in a book of one chapter -------------------------------------------

CONF = """
extensions = ["myst_nb", "book_extensions.chapter_reviews"]
nb_execution_mode = "off"
exclude_patterns = ["_build"]
"""


def _tiny_book(tmp_path, metadata: dict):
    (tmp_path / "conf.py").write_text(CONF, encoding="utf-8")
    (tmp_path / "index.md").write_text("# Book\n\n```{toctree}\nchapters/a\n```\n", "utf-8")
    (tmp_path / "chapters").mkdir()
    cell = {"cell_type": "markdown", "id": "a1", "metadata": {}, "source": ["# A chapter\n\nText."]}
    notebook = {"cells": [cell], "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "chapters" / "a.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "-q",
            "-b",
            "html",
            str(tmp_path),
            str(tmp_path / "_build"),
        ],
        capture_output=True,
        text=True,
    )


def test_a_chapter_without_a_review_fails_the_build_naming_the_chapter(tmp_path):
    result = _tiny_book(tmp_path, {})
    assert result.returncode != 0
    assert "chapters/a" in result.stderr and "no review record" in result.stderr


def test_a_chapter_with_a_bad_field_fails_the_build_naming_the_field(tmp_path):
    result = _tiny_book(tmp_path, _metadata(last_reviewed="2026-12-32"))
    assert result.returncode != 0
    assert "a.ipynb: review field 'last_reviewed' is '2026-12-32'" in result.stderr


def test_the_review_is_printed_under_the_chapter_title(tmp_path):
    result = _tiny_book(tmp_path, _metadata())
    assert result.returncode == 0, result.stderr
    page = BeautifulSoup(
        (tmp_path / "_build" / "chapters" / "a.html").read_text("utf-8"), "html.parser"
    )
    block = page.select_one("h1").find_next(class_="chapter-review")
    assert block.get_text(" ", strip=True) == (
        "Evidence searched up to November 2026. Last reviewed 1 December 2026. "
        "New in this version: Evidence extended to 2025."
    )


# --- The built book -----------------------------------------------------------------------


@pytest.mark.build
@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_every_chapter_page_shows_its_review_first(built_site, chapter):
    review = read_review(chapter)
    page = BeautifulSoup(
        (built_site / "chapters" / f"{chapter.stem}.html").read_text("utf-8"), "html.parser"
    )
    title = page.select_one("article section > h1")
    # The first thing a reader sees under the title (the print-only note is not shown on screen).
    first_after_title = next(
        sibling
        for sibling in title.find_next_siblings()
        if "print-only" not in sibling.get("class", [])
    )
    assert "chapter-review" in first_after_title["class"]
    text = first_after_title.get_text(" ", strip=True)
    assert f"Evidence searched up to {review.searched_text}." in text
    assert f"Last reviewed {review.reviewed_text}." in text
    assert text.endswith(review.changes)


@pytest.mark.build
def test_chapter_03_summary_gives_the_same_month_as_its_review(built_site):
    html = (built_site / "chapters" / "03-anakinra-evidence.html").read_text("utf-8")
    month = chapter_review("03-anakinra-evidence").searched_text
    summary = BeautifulSoup(html, "html.parser").find(
        string=lambda s: "evidence searched up to" in s
    )
    assert summary is not None
    assert month in summary.find_parent().get_text()

"""What a student sees on a chapter page: a textbook's citations, tables and prose.

On the built site: no table cell shows a raw URL or DOI (sources are linked citations); no
code cell that only glues numbers or prints a table is shown open (it folds behind "Show
code cell source"); no page links to or names an unauthorised copy of a paper. In the
chapters' prose: no sentence about how the book or its data were made.
"""

from __future__ import annotations

import json
import re

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT, notebook_pages

from stormbook.sources import COPY_HOSTS

RAW_SOURCE = re.compile(r"https?://|\bdoi\.org/|\b10\.\d{4,9}/")
PLUMBING = re.compile(r"\b(glue|numbers_table|display)\(")
# Sentences the December 2026 reviews found describing the book's making (issue 21).
PROCESS_TALK = (
    "when the book is built",
    "needs no kernel",
    "the book's arithmetic",
    "listed in the dataset but not used",
    "precomputed points",
    "the tests check",
    "checked in tests",
    "not opened",
    "for this book",
    "rather than guessing",
    "the treatment chapter",
)


def _page(site, page: str) -> BeautifulSoup:
    return BeautifulSoup((site / f"{page}.html").read_text(encoding="utf-8"), "html.parser")


@pytest.mark.build
@pytest.mark.parametrize("page", notebook_pages())
def test_no_table_cell_shows_a_raw_url_or_doi(built_site, page):
    cells = _page(built_site, page).select("article table td")
    assert cells, f"{page}: no table"
    raw = [td.get_text(" ", strip=True)[:80] for td in cells if RAW_SOURCE.search(td.get_text())]
    assert not raw, f"{page}: {len(raw)} cells show a URL or DOI, e.g. {raw[:3]}"


@pytest.mark.build
@pytest.mark.parametrize("page", notebook_pages())
def test_plumbing_code_is_folded(built_site, page):
    cells = _page(built_site, page).select("article div.cell")
    shown = [
        cell.select_one("div.cell_input").get_text()[:80]
        for cell in cells
        if cell.select_one("div.cell_input")
        and PLUMBING.search(cell.select_one("div.cell_input").get_text())
        and "tag_hide-input" not in cell.get("class", [])
    ]
    assert not shown, f"{page}: plumbing code shown open: {shown}"


@pytest.mark.build
def test_no_page_links_to_or_names_an_unauthorised_copy(built_site):
    found = []
    for path in built_site.rglob("*.html"):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        article = soup.select_one("article") or soup
        hrefs = [a.get("href", "") for a in article.select("a")]
        text = article.get_text(" ")
        found += [
            f"{path.relative_to(built_site)}: {host}"
            for host in COPY_HOSTS
            if host in text or any(host in href for href in hrefs)
        ]
    assert not found, found


@pytest.mark.parametrize("page", notebook_pages())
def test_chapter_prose_is_about_the_subject(page):
    notebook = json.loads((ROOT / f"{page}.ipynb").read_text(encoding="utf-8"))
    prose = " ".join(
        " ".join("".join(cell["source"]).split())
        for cell in notebook["cells"]
        if cell["cell_type"] == "markdown"
    ).lower()
    talk = [phrase for phrase in PROCESS_TALK if phrase in prose]
    assert not talk, f"{page}: {talk}"


def test_the_process_check_finds_what_it_looks_for():
    prose = "The chart draws 7,812 precomputed points (the tests check this)."
    assert [p for p in PROCESS_TALK if p in prose.lower()] == [
        "precomputed points",
        "the tests check",
    ]

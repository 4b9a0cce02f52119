"""The "How to cite" page says what CITATION.cff says (it is rendered from the file)."""

from __future__ import annotations

import html as html_module
import re

import pytest
import yaml
from conftest import ROOT

from book_extensions.cite_from_cff import CffError, bibtex, formatted_citation, load_cff

CFF = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def _text(page: str) -> str:
    return html_module.unescape(" ".join(re.sub(r"<[^>]+>", "", page).split()))


def test_formatted_citation_of_a_person_and_an_entity():
    data = {
        "title": "A book",
        "version": "1.2.0",
        "date-released": "2025-03-04",
        "repository-code": "https://example.org/book",
        "authors": [{"family-names": "Doe", "given-names": "Jane"}, {"name": "A Group"}],
    }
    assert formatted_citation(data) == (
        "Doe, Jane; A Group (2025). A book (version 1.2.0). https://example.org/book"
    )
    entry = bibtex(data)
    assert "author = {Doe, Jane and {A Group}}" in entry
    assert "year = {2025}" in entry and "version = {1.2.0}" in entry


def test_a_cff_without_a_version_is_refused(tmp_path):
    path = tmp_path / "CITATION.cff"
    path.write_text(
        "title: t\nauthors:\n  - name: x\ndate-released: 2026-01-01\n"
        "repository-code: https://example.org\n",
        encoding="utf-8",
    )
    with pytest.raises(CffError, match="version"):
        load_cff(path)


@pytest.mark.build
def test_cite_page_matches_citation_cff(built_site):
    page = (built_site / "cite.html").read_text(encoding="utf-8")
    text = _text(page)
    # Written out here from the file, independently of the extension's formatting code.
    authors = "; ".join(author["name"] for author in CFF["authors"])
    expected = (
        f"{authors} ({str(CFF['date-released'])[:4]}). {CFF['title']} "
        f"(version {CFF['version']}). {CFF['repository-code']}"
    )
    assert expected in text
    assert CFF["message"] in text
    # The file itself is shown verbatim.
    block = re.search(
        r'<div class="[^"]*citation-cff-file[^"]*"[^>]*>.*?<pre>(.*?)</pre>', page, re.S
    )
    assert block, "the CITATION.cff block is missing"
    shown = html_module.unescape(re.sub(r"<[^>]+>", "", block.group(1)))
    assert shown.strip() == (ROOT / "CITATION.cff").read_text(encoding="utf-8").strip()


def test_citation_follows_the_file(tmp_path):
    """A copy of the file with another version gives a citation with that version."""
    source = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    changed = tmp_path / "CITATION.cff"
    changed.write_text(source.replace(f"version: {CFF['version']}", "version: 9.9.9"), "utf-8")
    assert "(version 9.9.9)" in formatted_citation(load_cff(changed))

"""The bibliography: every in-text citation points at one paper a reader can tell apart.

The book cites author–year ("Mehta et al. [2020a]"). Two entries with the same first
author, author count class and year would print the same citation; like APA, the book
then gives the years letters (2020a, 2020b), which this test requires.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest
from conftest import ROOT
from pybtex.database import parse_file, parse_string

from book_extensions.bibliography_style import BookBibliographyStyle

BIB = parse_file(str(ROOT / "references.bib"))


def citation_label(entry) -> tuple[str, ...]:
    """The names an author–year citation prints: one, two, or the first 'et al.'."""
    people = entry.persons.get("author", [])
    surnames = [" ".join(person.last_names) for person in people]
    if not surnames:
        return ("<no author>", entry.fields.get("title", ""))
    if len(surnames) > 2 or "others" in surnames:
        return (surnames[0], "et al.")
    return tuple(surnames)


def test_no_two_entries_print_the_same_citation():
    seen = defaultdict(list)
    for key, entry in BIB.entries.items():
        seen[(citation_label(entry), entry.fields.get("year"))].append(key)
    clashes = {label: keys for label, keys in seen.items() if len(keys) > 1}
    assert clashes == {}, f"give these years letters (2020a, 2020b): {clashes}"


def test_no_two_entries_share_a_doi():
    # Two keys for one paper split its citations and print it twice in the bibliography.
    keys_by_doi = defaultdict(list)
    for key, entry in BIB.entries.items():
        if doi := entry.fields.get("doi", "").strip().lower():
            keys_by_doi[doi].append(key)
    shared = {doi: keys for doi, keys in keys_by_doi.items() if len(keys) > 1}
    assert shared == {}, f"one entry per paper: {shared}"


def test_every_year_given_is_four_digits_with_an_optional_letter():
    bad = {
        key: entry.fields["year"]
        for key, entry in BIB.entries.items()
        if "year" in entry.fields and not re.fullmatch(r"\d{4}[a-z]?", entry.fields["year"])
    }
    assert bad == {}


def test_lettered_years_come_in_complete_runs():
    """2020b without 2020a would send a reader looking for a paper that is not there."""
    letters = defaultdict(set)
    for entry in BIB.entries.values():
        year = entry.fields.get("year", "")
        if year[-1:].isalpha():
            letters[(citation_label(entry), year[:4])].add(year[-1])
    for label, used in letters.items():
        expected = {chr(ord("a") + i) for i in range(len(used))}
        assert used == expected, f"{label}: letters {sorted(used)}"


def test_bibliography_prints_and_others_as_et_al_and_keeps_titles_as_written():
    bib = parse_string(
        "@article{cut, author={Jordan, Michael B. and others}, title={How I treat HLH}, journal={J}, year={2011}}"
        "@article{two, author={Fajgenbaum, David C. and June, Carl H.}, title={U}, journal={J}, year={2020}}",
        "bibtex",
    )
    rendered = {
        entry.key: entry.text.render_as("text")
        for entry in BookBibliographyStyle().format_bibliography(bib)
    }
    assert rendered["cut"].startswith("Michael B. Jordan et al. How I treat HLH.")
    assert rendered["two"].startswith("David C. Fajgenbaum and Carl H. June. U.")


CITATION_LINK_SAYING_AND_OTHERS = re.compile(r'bibliography\.html#[^"]*"[^>]*>[^<]*and others')


@pytest.mark.build
def test_built_citations_say_et_al_not_and_others(built_site):
    for page in sorted((built_site / "chapters").glob("*.html")):
        html = page.read_text(encoding="utf-8")
        assert not CITATION_LINK_SAYING_AND_OTHERS.search(html), page.name
    assert "and others." not in (built_site / "bibliography.html").read_text(encoding="utf-8")
    chapter = (built_site / "chapters" / "01-terminology.html").read_text(encoding="utf-8")
    assert ">Jordan <em>et al.</em>, 2011<" in chapter  # an entry whose list ends "and others"
    assert ">Mehta <em>et al.</em>, 2020a<" in chapter  # a lettered year

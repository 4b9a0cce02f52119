"""Ways into the book: launch and download buttons, numbering and previous/next links, the
index, and a search that knows the glossary."""

from __future__ import annotations

import json
import posixpath
import re

import build_book
import pytest
import yaml
from conftest import ROOT, notebook_pages, toc_pages

pytestmark = pytest.mark.build

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
_GLOSSARY = (
    (ROOT / "glossary.md").read_text(encoding="utf-8").split("```{glossary}")[1].split("```")[0]
)
# A term is a line that is not indented; its definition follows, indented.
GLOSSARY_TERMS = [
    line.strip() for line in _GLOSSARY.splitlines() if line.strip() and not line[0].isspace()
]


@pytest.fixture(params=["full", "student"])
def edition_site(request):
    """The edition's site and the folder its launch buttons open notebooks from: the
    repository's own for the full book, the solution-free copies for students."""
    if request.param == "full":
        return request.getfixturevalue("built_site"), ""
    return request.getfixturevalue("student_site"), f"{build_book.STUDENT_NOTEBOOKS}/"


def _launch_links(html: str) -> list[str]:
    return [
        link.replace("&amp;", "&")
        for link in re.findall(r'href="(https://mybinder\.org/[^"]+)"', html)
    ]


@pytest.mark.parametrize("page", notebook_pages())
def test_launch_link_names_this_repository_and_the_chapter_notebook(edition_site, page):
    owner_repo = CONFIG["repository"]["url"].rstrip("/").split("github.com/")[1]
    branch = CONFIG["repository"]["branch"]
    site, folder = edition_site
    links = _launch_links((site / f"{page}.html").read_text(encoding="utf-8"))
    assert links == [
        f"https://mybinder.org/v2/gh/{owner_repo}/{branch}?urlpath=lab/tree/{folder}{page}.ipynb"
    ]


@pytest.mark.parametrize("page", notebook_pages())
def test_no_colab_link(built_site, page):
    assert "colab" not in (built_site / f"{page}.html").read_text(encoding="utf-8").lower()


def test_front_page_says_why_there_is_no_colab(built_site):
    text = " ".join(re.sub(r"<[^>]+>", " ", (built_site / "index.html").read_text("utf-8")).split())
    assert (
        "There is no Colab button: Colab opens only the notebook, without the data/ folder" in text
    )


@pytest.mark.parametrize("page", notebook_pages())
def test_download_button_offers_the_notebook(built_site, page):
    html = (built_site / f"{page}.html").read_text(encoding="utf-8")
    depth = "../" * page.count("/")
    assert f'href="{depth}_sources/{page}.ipynb"' in html
    downloaded = json.loads((built_site / "_sources" / f"{page}.ipynb").read_text(encoding="utf-8"))
    assert (
        downloaded["cells"][0]["source"]
        == json.loads((ROOT / f"{page}.ipynb").read_text(encoding="utf-8"))["cells"][0]["source"]
    )


def test_chapters_are_numbered_in_the_navigation(built_site):
    html = (built_site / "index.html").read_text(encoding="utf-8")
    for number, page in enumerate(notebook_pages(), start=1):
        link = re.search(
            rf'<a class="reference internal" href="{re.escape(page)}\.html">([^<]+)</a>', html
        )
        assert link and link.group(1).startswith(f"{number}. "), page


def test_every_page_links_to_its_neighbours(built_site):
    pages = toc_pages()
    for position, page in enumerate(pages):
        html = (built_site / f"{page}.html").read_text(encoding="utf-8")
        assert 'class="prev-next-area"' in html, page
        area = html[html.index('class="prev-next-area"') :]

        def link(other, page=page):
            return f'href="{posixpath.relpath(f"{other}.html", posixpath.dirname(page) or ".")}"'

        if position > 0:
            assert 'class="left-prev"' in area and link(pages[position - 1]) in area, page
        if position < len(pages) - 1:
            assert 'class="right-next"' in area and link(pages[position + 1]) in area, page


def test_index_page_lists_glossary_terms_and_topics(built_site):
    genindex = (built_site / "genindex.html").read_text(encoding="utf-8")
    for term in GLOSSARY_TERMS:
        assert f">{term}</a>" in genindex or f">{term}" in genindex, term
    assert "window of opportunity" in genindex
    assert 'href="genindex.html"' in (built_site / "index.html").read_text(encoding="utf-8")


def test_glossary_terms_are_found(built_site):
    assert len(GLOSSARY_TERMS) >= 10
    assert "Haemophagocytic lymphohistiocytosis" in GLOSSARY_TERMS


def _search_index(site) -> dict:
    text = (site / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1 : text.rindex(")")])


def test_search_index_knows_every_glossary_term(built_site):
    """Every word of every glossary term, stemmed as the site's search stems a query, leads
    to the glossary page (the browser test runs a real search too)."""
    from sphinx.search.en import SearchEnglish

    index = _search_index(built_site)
    glossary = index["docnames"].index("glossary")
    language = SearchEnglish({})
    checked = 0
    for term in GLOSSARY_TERMS:
        for word in language.split(term):  # split as the search splits ("sCD25" is one word)
            if len(re.findall(r"[A-Za-z]", word)) < 3 or word.lower() in language.stopwords:
                continue
            hits = index["terms"].get(language.stem(word.lower()), [])
            hits = hits if isinstance(hits, list) else [hits]
            assert glossary in hits, (
                f"searching {word!r} (from {term!r}) does not find the glossary"
            )
            checked += 1
    assert checked >= len(GLOSSARY_TERMS)
    assert language.stem("haemophagocytic") in index["terms"]

"""The book builds strictly and writes every page.

That it never serves numbers from stale data is tested in test_incremental_build.py.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup
from conftest import chart_pages, toc_pages, trim_book
from raw_values import numpy_reprs, raw_values

pytestmark = pytest.mark.build


def test_build_exits_zero_with_no_warnings(build_result):
    log = build_result.stdout + build_result.stderr
    assert build_result.returncode == 0, log[-4000:]
    assert "BUILD FAILED" not in log
    assert "build succeeded" in log


@pytest.mark.parametrize("page", toc_pages())
def test_every_page_in_the_toc_was_written(built_site, page):
    assert (built_site / f"{page}.html").is_file()


def test_site_has_an_index(built_site):
    assert (built_site / "index.html").is_file()


@pytest.mark.parametrize("page", toc_pages())
def test_vega_bundle_is_on_chart_pages_only(built_site, page):
    html = (built_site / f"{page}.html").read_text(encoding="utf-8")
    has_chart = "vegaEmbed(" in html
    setup = re.search(r"_static/(vega-setup-[0-9a-f]+\.js)", html)
    assert has_chart == (setup is not None)
    assert has_chart == (page in chart_pages())
    # The bundle is not in the page's head: the setup script loads it once the page has loaded.
    assert re.search(r"<script[^>]*vega-bundle", html) is None
    if setup:
        named = re.search(
            r'STORMBOOK_VEGA_BUNDLE = "(vega-bundle-[0-9a-f]+\.js)"',
            (built_site / "_static" / setup.group(1)).read_text(encoding="utf-8"),
        )
        assert named and (built_site / "_static" / named.group(1)).is_file()


def _text(soup) -> str:
    return " ".join(soup.get_text(" ").split())


@pytest.mark.parametrize("page", toc_pages())
def test_no_raw_value_is_shown(built_site, page):
    """Numbers read as numbers: no `np.float64(93.0)`, `nan`, `None` or `1e-05` in the prose,
    tables and figure descriptions. Code cells' source is left out, and what code prints
    (`<pre>`, inline code) is searched for numpy reprs only: there `None` is Python."""
    soup = BeautifulSoup((built_site / f"{page}.html").read_bytes(), "html.parser")
    for tag in soup.select("script, style, template, .cell_input"):
        tag.decompose()
    printed = []
    for tag in soup.select("pre, code"):
        if tag.parent is not None:  # not inside a <pre> already taken out
            printed.append(_text(tag))
            tag.decompose()
    found = raw_values(_text(soup)) + numpy_reprs(" ".join(printed))
    assert not found, "\n".join(found)


def _trimmed(destination):
    # Only the introduction and chapter 01 (the introduction and the glossary glue numbers
    # from it): the mechanism is what is tested.
    return trim_book(destination, ["chapters/00-introduction", "chapters/01-terminology"])


def _run_build(book):
    return subprocess.run(
        [sys.executable, str(book / "tools" / "build_book.py")],
        cwd=book,
        capture_output=True,
        text=True,
    )


def _build(book):
    result = _run_build(book)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return (book / "_build" / "html" / "chapters" / "00-introduction.html").read_text("utf-8")


def test_changing_a_local_extension_changes_pages_built_before(book_copy):
    book = _trimmed(book_copy)
    bibliography = book / "_build" / "html" / "bibliography.html"
    _build(book)
    assert "Jordan <em>et al.</em> How I treat" in bibliography.read_text("utf-8")

    style = book / "book_extensions" / "bibliography_style.py"
    style.write_text(
        style.read_text("utf-8").replace('Tag("em", "et al.")', 'Tag("em", "and colleagues")'),
        "utf-8",
    )
    _build(book)
    assert "Jordan <em>and colleagues</em>. How I treat" in bibliography.read_text("utf-8")


def test_a_failing_cell_fails_the_build_and_the_next_build_too(book_copy):
    book = _trimmed(book_copy)
    notebook_path = book / "chapters" / "00-introduction.ipynb"
    notebook = json.loads(notebook_path.read_text("utf-8"))
    notebook["cells"].insert(
        1,
        {
            "cell_type": "code",
            "metadata": {},
            "execution_count": None,
            "outputs": [],
            "source": "raise RuntimeError('a broken cell')",
        },
    )
    notebook_path.write_text(json.dumps(notebook), "utf-8")

    first = _run_build(book)
    assert first.returncode != 0
    assert "a broken cell" in first.stdout + first.stderr
    # Nothing changed since: the problem must still be reported, not hidden by a saved state.
    assert _run_build(book).returncode != 0


def test_a_broken_cross_reference_fails_the_build(book_copy):
    book = _trimmed(book_copy)
    index = book / "index.md"
    index.write_text(
        index.read_text("utf-8") + "\nSee {ref}`a-label-that-does-not-exist`.\n", "utf-8"
    )
    result = _run_build(book)
    assert result.returncode != 0
    assert "a-label-that-does-not-exist" in result.stdout + result.stderr

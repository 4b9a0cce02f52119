"""The book's older local extensions, each built into a tiny Sphinx project of its own.

A tiny book (two reStructuredText pages, the extension under test, the basic theme) builds
in about a second, so these tests need neither the notebooks nor the full book.
"""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from sphinx.testing.util import SphinxTestApp

CHART_PAGE = """Chart
=====

.. raw:: html

   <div id="vis"></div><script>vegaEmbed("#vis", {});</script>
"""

TEXT_PAGE = """Text
====

No chart here.
"""

SELF_CHECK_PAGE = """Questions
=========

.. self-check:: Which one is right?
   :label: sc-one

   .. self-check-choice:: The first

      Because of *this*.

   .. self-check-choice:: The second
      :correct:

      Because of that.

.. self-check:: Why?

   .. self-check-answer::

      A model answer.
"""

NO_CORRECT_PAGE = """Broken
======

.. self-check:: None is right?
   :label: sc-broken

   .. self-check-choice:: A

      No.
"""


@pytest.fixture
def build(tmp_path):
    """Build `pages` (name: reStructuredText) with one local extension; return the app."""
    apps = []

    def run(extension: str, pages: dict[str, str], setup: str = "") -> SphinxTestApp:
        apps.append(_build(tmp_path, extension, pages, setup))
        return apps[-1]

    yield run
    for app in apps:
        app.cleanup()  # docutils keeps registered nodes and directives process-wide


def _build(tmp_path, extension: str, pages: dict[str, str], setup: str) -> SphinxTestApp:
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(
        f"extensions = [{'book_extensions.' + extension!r}]\nhtml_theme = 'basic'\n" + setup,
        encoding="utf-8",
    )
    toctree = "\n".join(f"   {name}" for name in pages if name != "index")
    index = pages.get("index", "Tiny book\n=========\n")
    (src / "index.rst").write_text(f"{index}\n.. toctree::\n\n{toctree}\n", encoding="utf-8")
    for name, text in pages.items():
        if name != "index":
            (src / f"{name}.rst").write_text(text, encoding="utf-8")
    app = SphinxTestApp("html", srcdir=src, builddir=tmp_path / "out")
    app.build()
    return app


def page(app: SphinxTestApp, name: str) -> BeautifulSoup:
    return BeautifulSoup((app.outdir / f"{name}.html").read_text("utf-8"), "html.parser")


def scripts(soup: BeautifulSoup) -> list[str]:
    """Script addresses in page order, without Sphinx's `?v=` cache-busting query."""
    return [s.get("src", "").split("?")[0] for s in soup.select("script")]


def stylesheets(soup: BeautifulSoup) -> list[str]:
    return [link["href"].split("?")[0] for link in soup.select("link[rel=stylesheet]")]


def test_altair_offline_loads_the_bundle_on_chart_pages_only(build):
    app = build("altair_offline", {"chart": CHART_PAGE, "text": TEXT_PAGE})
    chart, text = scripts(page(app, "chart")), scripts(page(app, "text"))
    setup = [s for s in chart if re.search(r"vega-setup-[0-9a-f]{12}\.js$", s)]
    assert len(setup) == 1
    assert not any("vega-bundle" in s for s in chart), "the bundle is loaded after the page"
    assert not any("vega-" in s for s in text), "a page without a chart loads no chart code"
    setup_text = (app.outdir / "_static" / setup[0].split("/")[-1]).read_text("utf-8")
    assert "window.VEGA_DEBUG" in setup_text and "vegalite_version" in setup_text
    bundle = re.search(r'STORMBOOK_VEGA_BUNDLE = "(vega-bundle-[0-9a-f]{12}\.js)"', setup_text)
    assert bundle, "the setup script names the bundle it loads"
    written = app.outdir / "_static" / bundle.group(1)
    assert "vegaEmbed" in written.read_text("utf-8")
    assert any(
        re.search(r"vega-style-[0-9a-f]{12}\.css$", h) for h in stylesheets(page(app, "chart"))
    )
    assert not any("vega-style" in h for h in stylesheets(page(app, "text")))


INLINE_TWICE = """
def _register_twice(app, pagename, templatename, context, doctree):
    context["script_files"].append(context["script_files"][-1])


def setup(app):
    app.add_js_file(None, body="const ONCE = 1;")
    # As sphinx-thebe did: the same inline script registered a second time.
    app.connect("html-page-context", _register_twice, priority=50)
"""

BIBLIOGRAPHY_PAGE = """References
==========

.. raw:: html

   <div role="list"><div role="doc-biblioentry">An entry.</div></div>
"""


def test_theme_fixes_keep_one_copy_of_a_script_and_list_bibliography_entries(build):
    app = build("theme_fixes", {"text": TEXT_PAGE, "refs": BIBLIOGRAPHY_PAGE}, INLINE_TWICE)
    inline = [s for s in page(app, "text").select("script") if "const ONCE" in s.get_text()]
    assert len(inline) == 1
    refs = str(page(app, "refs"))
    assert 'role="doc-biblioentry"' not in refs and 'role="listitem"' in refs
    assert any(
        re.search(r"theme-fixes-[0-9a-f]{12}\.css$", h) for h in stylesheets(page(app, "text"))
    )


def test_self_check_writes_native_disclosures_with_verdicts_in_words(build):
    app = build("self_check", {"questions": SELF_CHECK_PAGE})
    soup = page(app, "questions")
    first, second = soup.select("div.self-check[role=group]")
    assert first["id"] == "sc-one"
    prompt = first.select_one("p.self-check-prompt")
    assert first["aria-labelledby"] == prompt["id"]
    assert prompt.get_text(" ", strip=True) == "Question 1. Which one is right?"
    options = first.select("ul.self-check-choices > li > details")
    assert [o.summary.get_text(strip=True) for o in options] == ["The first", "The second"]
    verdicts = [o.select_one(".self-check-feedback strong").get_text() for o in options]
    assert verdicts == ["Not quite.", "Correct."]
    assert options[0].select_one(".self-check-feedback em").get_text() == "this"
    answer = second.select_one("details.self-check-answer")
    assert answer.summary.get_text(strip=True) == "Show a model answer"
    assert "A model answer." in answer.get_text()
    assert second["id"] == "self-check-2", "an unlabelled question is numbered"


def test_self_check_warns_when_no_choice_is_correct(build):
    app = build("self_check", {"broken": NO_CORRECT_PAGE})
    assert "self-check sc-broken: no choice is marked :correct:" in app.warning.getvalue()


def test_self_check_warns_when_a_label_is_used_twice(build):
    app = build("self_check", {"questions": SELF_CHECK_PAGE, "again": SELF_CHECK_PAGE})
    warnings = app.warning.getvalue()
    assert "self-check sc-one: this label is already used in" in warnings
    assert warnings.count("this label is already used") == 1


PASTED_PAGE = """Pasted
======

.. role:: pasted
   :class: pasted-text

A difference of :pasted:`-21 (95% CI -39 to -2)` over 10-15 days in IL-1 -2 trials.
"""


def test_minus_signs_print_pasted_negative_numbers_with_a_minus(build):
    app = build("minus_signs", {"pasted": PASTED_PAGE})
    paragraph = page(app, "pasted").select_one("p")
    pasted = paragraph.select_one("span.pasted-text").get_text()
    assert pasted == "\u221221 (95% CI \u221239 to \u22122)"
    # The page's own words are not pasted values and keep what was written.
    assert paragraph.get_text().endswith("over 10-15 days in IL-1 -2 trials.")


@pytest.mark.parametrize(
    "extension", ["altair_offline", "theme_fixes", "self_check", "minus_signs"]
)
def test_each_extension_builds_a_clean_tiny_book(build, extension):
    app = build(extension, {"text": TEXT_PAGE})
    assert app.statuscode == 0
    assert "WARNING" not in app.warning.getvalue()


# ----------------------------------------------------------------------------- lean_pages

HEAD = (
    '<link rel="stylesheet" type="text/css" href="_static/sphinx-design.min.css?v=1" />\n'
    '<script src="_static/searchtools.js?v=1"></script>\n'
    '<script src="searchindex.js"></script>\n'
    '<script data-sd-tabs-storage-prefix="x" src="_static/design-tabs.js?v=1"></script>\n'
)


def _site(tmp_path, pages: dict[str, str]):
    for name, body in pages.items():
        (tmp_path / name).write_text(f"<html><head>{HEAD}</head><body>{body}</body></html>")
    return tmp_path


def test_lean_pages_keep_search_on_the_search_page_and_design_where_it_is_used(tmp_path):
    from book_extensions import lean_pages

    site = _site(
        tmp_path,
        {
            "search.html": "<p>Search</p>",
            "text.html": "<p>No component.</p>",
            "chapter.html": '<details class="sd-sphinx-override sd-dropdown">x</details>',
        },
    )
    lean_pages._lean_pages(site)
    search, text, chapter = (
        (site / f"{n}.html").read_text() for n in ("search", "text", "chapter")
    )
    assert "searchindex.js" in search and "searchtools.js" in search
    assert "searchindex.js" not in text and "searchtools.js" not in chapter
    assert "sphinx-design.min.css" not in text and "design-tabs.js" not in text
    assert "sphinx-design.min.css" in chapter and "design-tabs.js" in chapter
    assert "<p>No component.</p>" in text, "only the asset tags are removed"

"""The theme's stylesheets cut to the rules the site uses (`book_extensions/lean_pages.py`) style every
page exactly as the stylesheets as shipped do.

Each page is opened twice, once with the site's cut stylesheets and once with the shipped
ones served in their place, and the computed style of every distinct element (by its chain of
tags and classes, and its place among its siblings, which `:nth-child` rules read) is
compared, pseudo-elements included: on a phone and a laptop, light and dark, with the menu,
contents and download dialogs open.
"""

from __future__ import annotations

import pytest
from conftest import CHART_SELECTOR, GENERATED_PAGES, toc_pages

from book_extensions import lean_pages

pytestmark = [pytest.mark.browser, pytest.mark.build]


# What a reader sees of an element; layout lengths included, so a lost rule that moves
# anything shows.
PROPERTIES = [
    "display", "position", "top", "left", "float", "visibility", "opacity", "z-index",
    "overflow-x", "overflow-y", "width", "height", "max-width",
    "margin-top", "margin-right", "margin-bottom", "margin-left",
    "padding-top", "padding-right", "padding-bottom", "padding-left",
    "border-top", "border-right", "border-bottom", "border-left", "border-radius",
    "outline", "box-shadow", "color", "background-color", "background-image",
    "font-family", "font-size", "font-weight", "font-style", "line-height", "text-align",
    "text-decoration-line", "text-transform", "white-space", "content", "flex-direction",
    "justify-content", "align-items", "gap", "grid-template-columns", "transform", "cursor",
    "list-style-type", "vertical-align",
]  # fmt: skip

STYLES = """(properties) => {
  const signature = (element) => {
    let chain = '', node = element;
    while (node && node !== document.documentElement) {
      const siblings = node.parentElement ? [...node.parentElement.children] : [node];
      const place = siblings.indexOf(node);
      const where = node === element
        ? `[${place % 2}${place === 0}${place === siblings.length - 1}]` : '';
      chain = `${node.tagName}.${node.getAttribute('class')}${where}>${chain}`;
      node = node.parentElement;
    }
    return chain;
  };
  const styles = {};
  for (const element of document.querySelectorAll('body *')) {
    const key = signature(element);
    if (key in styles) continue;
    styles[key] = [null, '::before', '::after'].map((pseudo) => {
      const computed = getComputedStyle(element, pseudo);
      return properties.map((name) => computed.getPropertyValue(name)).join(';');
    }).join('|');
  }
  return styles;
}"""
NO_MOTION = "*,*::before,*::after{transition:none!important;animation:none!important}"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}
OPENERS = {
    "menu": (PHONE, ".primary-toggle:visible"),
    "contents": (PHONE, ".secondary-toggle:visible"),
    "downloads": (LAPTOP, ".dropdown-download-buttons button:visible"),
}


def _serve(css: str):
    """A route handler answering with `css` (Playwright passes the route and the request)."""
    return lambda route, request: route.fulfill(body=css, content_type="text/css")


def _styles(browser, url: str, viewport: dict, dark: bool, shipped: dict, opener=None):
    context = browser.new_context(viewport=viewport, color_scheme="dark" if dark else "light")
    tab = context.new_page()
    for path, css in shipped.items():
        tab.route(f"**/{path}?*", _serve(css))
    tab.goto(url, wait_until="load")
    tab.add_style_tag(content=NO_MOTION)
    charts = tab.locator(CHART_SELECTOR)
    for index in range(charts.count()):
        charts.nth(index).locator("svg.marks").wait_for()
    tab.evaluate("document.fonts.ready.then(() => true)")  # not networkidle: slow under load
    if opener:
        tab.locator(opener).first.click()
    tab.wait_for_timeout(300)
    styles = tab.evaluate(STYLES, PROPERTIES)
    context.close()
    return styles


def _differences(cut: dict, shipped: dict) -> list[str]:
    assert cut.keys() == shipped.keys(), "the same elements in both runs"
    return [key for key in cut if cut[key] != shipped[key]]


@pytest.fixture(scope="module")
def shipped_stylesheets(built_site) -> dict[str, str]:
    sheets = lean_pages.shipped_stylesheets(built_site)
    assert len(sheets) == 3, "the theme's, sphinx-design's and myst-nb's stylesheets"
    return {
        copy.relative_to(built_site).as_posix(): shipped.read_text(encoding="utf-8")
        for copy, shipped in sheets.items()
    }


def test_the_cut_stylesheets_are_a_fraction_of_the_shipped(built_site):
    for copy, shipped in lean_pages.shipped_stylesheets(built_site).items():
        assert copy.stat().st_size < 0.5 * shipped.stat().st_size, copy.name


@pytest.mark.parametrize("page", toc_pages() + GENERATED_PAGES)
@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_pages_look_as_with_the_shipped_stylesheets(
    browser, site_url, shipped_stylesheets, page, viewport, dark
):
    url = f"{site_url}/{page}.html"
    cut = _styles(browser, url, viewport, dark, {})
    shipped = _styles(browser, url, viewport, dark, shipped_stylesheets)
    assert _differences(cut, shipped) == []


@pytest.mark.parametrize("opened", OPENERS)
def test_open_dialogs_look_as_with_the_shipped_stylesheets(
    browser, site_url, shipped_stylesheets, opened
):
    viewport, opener = OPENERS[opened]
    url = f"{site_url}/chapters/01-terminology.html"
    cut = _styles(browser, url, viewport, False, {}, opener)
    shipped = _styles(browser, url, viewport, False, shipped_stylesheets, opener)
    assert _differences(cut, shipped) == []

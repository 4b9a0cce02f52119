"""Every page of the built book, in headless Chromium, with no network but the local server.

For each page: no request leaves the machine, the console stays free of errors, every chart
is drawn and described, each chart page has a control that changes the drawing, and
axe-core finds no accessibility violation of any impact.
"""

from __future__ import annotations

import sys
import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from conftest import (
    CHART_SELECTOR,
    GENERATED_PAGES,
    ROOT,
    chart_pages,
    student_pages,
    toc_pages,
)

# Browser tests use the built site, so they carry the build marker too.
pytestmark = [pytest.mark.browser, pytest.mark.build]

CHART_DRAWN_MS = 15_000
# The network counts as settled after this long with no request in flight.
QUIET_MS = 500
SETTLE_TIMEOUT_MS = 60_000


class PageVisit:
    """A page opened with every request outside the local server blocked and recorded."""

    def __init__(self, browser, site_url: str, page: str, width: int = 1280):
        self.context = browser.new_context(viewport={"width": width, "height": 900})
        self.page = self.context.new_page()
        self.outside_requests: list[str] = []
        self.console_errors: list[str] = []
        self.in_flight: dict[int, str] = {}
        self.page.on(
            "request", lambda request: self.in_flight.__setitem__(id(request), request.url)
        )
        self.page.on("requestfinished", lambda request: self.in_flight.pop(id(request), None))
        self.page.on("requestfailed", lambda request: self.in_flight.pop(id(request), None))
        self.page.route("**/*", self._route(site_url))
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console_errors.append(f"uncaught: {error}"))
        self.page.goto(f"{site_url}/{page}.html", wait_until="load")

    def _route(self, site_url):
        def handle(route):
            url = route.request.url
            if url.startswith(site_url + "/") or url.startswith("data:") or url.startswith("blob:"):
                route.continue_()
            else:
                self.outside_requests.append(url)
                route.abort()

        return handle

    def _console(self, message):
        if message.type == "error":
            self.console_errors.append(message.text)

    def wait_for_quiet_network(self):
        """Wait until no request has been in flight for QUIET_MS; name any that never end.

        Playwright's own "networkidle" reports only a timeout, not the request behind it.
        """
        deadline = time.monotonic() + SETTLE_TIMEOUT_MS / 1000
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            if self.in_flight:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= QUIET_MS / 1000:
                return
            self.page.wait_for_timeout(100)  # lets Playwright deliver request events
        pytest.fail(
            f"requests still in flight after {SETTLE_TIMEOUT_MS} ms: "
            f"{sorted(self.in_flight.values())}"
        )

    def charts(self):
        return self.page.locator(CHART_SELECTOR)

    def wait_for_charts(self):
        for index in range(self.charts().count()):
            self.charts().nth(index).locator("svg.marks").wait_for(timeout=CHART_DRAWN_MS)

    def close(self):
        self.context.close()


def _open(browser, site_url, page):
    page_visit = PageVisit(browser, site_url, page)
    page_visit.wait_for_charts()
    return page_visit


# Every page of both editions: the full book (table of contents and generated pages) and
# the student edition, whose chapter pages differ (no solutions).
EVERY_PAGE = [("full", page) for page in toc_pages() + GENERATED_PAGES] + [
    ("student", page) for page in student_pages() + GENERATED_PAGES
]


def _edition_url(request, edition: str) -> str:
    return request.getfixturevalue("site_url" if edition == "full" else "student_site_url")


# One visit per page, shared by the read-only checks below (none clicks or types); the
# check that operates controls opens its own.
@pytest.fixture(scope="module", params=EVERY_PAGE, ids=lambda p: f"{p[0]}:{p[1]}")
def visit(request, browser):
    edition, page = request.param
    page_visit = _open(browser, _edition_url(request, edition), page)
    yield page_visit
    page_visit.close()


@pytest.fixture(params=chart_pages())
def chart_page_visit(request, browser, site_url):
    page_visit = _open(browser, site_url, request.param)
    yield page_visit
    page_visit.close()


def test_no_request_leaves_the_local_server(visit):
    visit.wait_for_quiet_network()
    assert visit.outside_requests == []


def test_console_is_free_of_errors(visit):
    visit.wait_for_quiet_network()
    assert visit.console_errors == []


def test_every_chart_is_drawn_and_described(visit):
    charts = visit.charts()
    for index in range(charts.count()):
        chart = charts.nth(index)
        assert chart.locator(".error").count() == 0, chart.inner_text()
        marks = chart.locator("svg.marks g[class^='mark-'] path, svg.marks g[class^='mark-'] text")
        assert marks.count() > 0, f"chart {index} has no marks"
        label = chart.locator("[role='graphics-document']").first.get_attribute("aria-label") or ""
        assert len(label) > 20, f"chart {index} has no description for screen readers: {label!r}"


def _use(control) -> None:
    """Operate one bound Vega control: pick another option, move a slider, tick a box."""
    kind = control.evaluate("e => e.tagName === 'SELECT' ? 'select' : e.type")
    if kind == "select":
        values = control.evaluate("e => Array.from(e.options).map(o => o.value)")
        current = control.input_value()
        control.select_option(next(v for v in values if v != current))
    elif kind == "range":
        control.evaluate(
            "e => { e.value = (Number(e.value) === Number(e.max)) ? e.min : e.max;"
            " e.dispatchEvent(new Event('input', {bubbles: true})); }"
        )
    elif kind == "radio":
        control.check()
    else:
        control.click()


def test_chart_controls_change_the_drawing(chart_page_visit):
    visit = chart_page_visit
    charts = visit.charts()
    assert charts.count() > 0
    changed_any = False
    for index in range(charts.count()):
        chart = charts.nth(index)
        controls = chart.locator(
            ".vega-bindings input:not([type=radio]:checked), .vega-bindings select"
        )
        for position in range(controls.count()):
            before = chart.locator("svg.marks").inner_html()
            _use(controls.nth(position))
            visit.page.wait_for_timeout(250)
            if chart.locator("svg.marks").inner_html() != before:
                changed_any = True
                break
    assert changed_any, "no control on this chart page changed any chart"


def test_no_accessibility_violations(visit):
    results = Axe().run(visit.page)
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]
    assert violations == []


@pytest.mark.parametrize("edition, page", EVERY_PAGE, ids=lambda p: str(p))
def test_page_fits_a_phone_screen(request, browser, edition, page):
    """At 390 px wide nothing forces the page to scroll sideways."""
    visit = PageVisit(browser, _edition_url(request, edition), page, width=390)
    try:
        visit.wait_for_charts()
        overflow = visit.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1
    finally:
        visit.close()


def _self_check_pages() -> list[str]:
    return [
        page
        for page in student_pages()
        if (ROOT / f"{page}.ipynb").exists()
        and "{self-check}" in (ROOT / f"{page}.ipynb").read_text(encoding="utf-8")
    ]


@pytest.mark.parametrize("page", _self_check_pages())
def test_self_check_works_with_the_keyboard_and_no_script(browser, student_site_url, page):
    """With JavaScript off, Tab reaches an answer, Enter opens it and shows its verdict."""
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    try:
        tab = context.new_page()
        tab.goto(f"{student_site_url}/{page}.html")
        summaries = tab.locator(".self-check summary")
        assert summaries.count() > 0
        first = summaries.first
        feedback = tab.locator(".self-check details").first.locator(".self-check-feedback")
        assert not feedback.is_visible()
        first.focus()
        assert tab.evaluate("document.activeElement.tagName") == "SUMMARY"
        tab.keyboard.press("Enter")
        assert feedback.is_visible()
        assert feedback.inner_text().split(".")[0] in {"Correct", "Not quite"}
        # Tab moves on to the next answer: every answer is reachable from the keyboard.
        tab.keyboard.press("Tab")
        assert tab.evaluate("document.activeElement.tagName") == "SUMMARY"
    finally:
        context.close()


def test_search_finds_glossary_terms(browser, site_url):
    """The site's own search (in the browser, offline) finds a glossary term's page."""
    visit = PageVisit(browser, site_url, "search")
    try:
        visit.page.goto(f"{site_url}/search.html?q=haemophagocytic", wait_until="load")
        # Sphinx adds results one at a time and then writes its summary; read them after it.
        visit.page.locator("#search-results p.search-summary", has_text="Search finished").wait_for(
            timeout=20_000
        )
        results = visit.page.locator("#search-results ul.search li a")
        hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
        assert any(href.startswith("glossary.html") for href in hrefs), hrefs
        assert visit.outside_requests == [] and visit.console_errors == []
    finally:
        visit.close()


def test_quiet_network_wait_names_a_request_that_never_ends(browser, site_url, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "SETTLE_TIMEOUT_MS", 2_000)
    page_visit = PageVisit(browser, site_url, "index")
    page_visit.page.route("**/never-answered.json", lambda route: None)  # held open
    page_visit.page.evaluate("() => { fetch('never-answered.json'); }")
    with pytest.raises(pytest.fail.Exception, match=r"never-answered\.json"):
        page_visit.wait_for_quiet_network()
    page_visit.close()

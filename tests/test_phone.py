"""Reading on a phone (390 px, touch) and a laptop (1280 px), in light and dark.

Navigation opens and leads somewhere, calculators work with a thumb and a screen reader,
every control can be hit and shows focus, and the dark theme passes axe.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from conftest import CHART_SELECTOR, GENERATED_PAGES, chart_pages, student_pages, toc_pages

pytestmark = [pytest.mark.browser, pytest.mark.build]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}
CHAPTER = "chapters/01-terminology"  # the calculators' chapter
CHARTS_DRAWN_MS = 15_000


def _open(browser, url: str, page: str, viewport: dict, dark: bool = False):
    phone = viewport is PHONE
    context = browser.new_context(
        viewport=viewport,
        has_touch=phone,
        is_mobile=phone,
        color_scheme="dark" if dark else "light",
    )
    tab = context.new_page()
    tab.goto(f"{url}/{page}.html", wait_until="load")
    charts = tab.locator(CHART_SELECTOR)
    for index in range(charts.count()):
        charts.nth(index).locator("svg.marks").wait_for(timeout=CHARTS_DRAWN_MS)
    return context, tab


@pytest.fixture
def phone_chapter(browser, site_url):
    context, tab = _open(browser, site_url, CHAPTER, PHONE)
    yield tab
    context.close()


@pytest.mark.parametrize("edition", ["site_url", "student_site_url"])
def test_phone_menu_opens_follows_a_link_and_comes_back(request, browser, edition):
    url = request.getfixturevalue(edition)
    context, tab = _open(browser, url, CHAPTER, PHONE)
    try:
        tab.locator(".primary-toggle:visible").tap()
        menu = tab.locator("#pst-primary-sidebar-modal[open]")
        menu.wait_for(state="visible", timeout=3_000)
        with tab.expect_navigation():
            menu.get_by_role("link", name="perforin pathway").first.tap()
        assert tab.url.endswith("chapters/02-perforin-pathway.html")
        tab.go_back(wait_until="load")
        assert tab.url.endswith(f"{CHAPTER}.html")

        tab.locator(".secondary-toggle:visible").tap()
        contents = tab.locator("#pst-secondary-sidebar-modal[open]")
        contents.wait_for(state="visible", timeout=3_000)
        entry = contents.locator("a.nav-link").nth(3)
        target = entry.get_attribute("href")
        entry.tap()
        tab.wait_for_timeout(500)
        assert tab.locator("#pst-secondary-sidebar-modal[open]").count() == 0, "contents closed"
        assert tab.url.endswith(target)
        heading = tab.locator(f"{target} h2, {target} h3").first
        box = heading.bounding_box()
        assert box is not None and 0 <= box["y"] < PHONE["height"] / 4, "the section is at the top"
    finally:
        context.close()


def test_laptop_menu_button_hides_and_shows_the_sidebar(browser, site_url):
    context, tab = _open(browser, site_url, CHAPTER, LAPTOP)
    try:
        sidebar = tab.locator("#pst-primary-sidebar")
        assert sidebar.is_visible()
        tab.locator(".primary-toggle:visible").click()
        tab.wait_for_timeout(400)
        assert not sidebar.is_visible()
        tab.locator(".primary-toggle:visible").click()
        tab.wait_for_timeout(400)
        assert sidebar.is_visible()
        assert tab.locator("#pst-secondary-sidebar a.nav-link").first.is_visible()
    finally:
        context.close()


# The introduction's one chart has no controls.
CONTROL_PAGES = [page for page in chart_pages() if not page.endswith("00-introduction")]


@pytest.mark.parametrize("page", CONTROL_PAGES)
@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_every_control_fits_the_screen_and_a_finger(browser, site_url, page, viewport):
    context, tab = _open(browser, site_url, page, viewport)
    try:
        boxes = tab.eval_on_selector_all(
            ".vega-bindings input, .vega-bindings select",
            "els => els.map(e => { const r = e.getBoundingClientRect();"
            " return [e.name || e.type, r.left, r.right, r.width, r.height]; })",
        )
        assert boxes, f"{page} has no chart controls"
        for name, left, right, width, height in boxes:
            assert left >= 0 and right <= viewport["width"], f"{name} runs off the screen"
            assert width >= 24 and height >= 24, f"{name} is {width:.0f}×{height:.0f} px"
    finally:
        context.close()


def test_calculator_fields_name_units_read_a_decimal_comma_and_name_a_bad_entry(phone_chapter):
    tab = phone_chapter
    field = tab.locator("input[name=hlh_ferritin]")
    label = field.locator("xpath=ancestor::label").inner_text()
    assert "µg/L or ng/mL" in label
    field.fill("600,5")
    assert field.input_value() == "600.5"
    criteria = tab.locator("#fig-hlh2004 .calculator-criteria li", has_text="Ferritin")
    assert "met · 600.5 µg/L" in criteria.inner_text()
    field.fill("6oo")
    assert field.get_attribute("aria-invalid") == "true"
    message = tab.locator("#hlh_ferritin-error").inner_text()
    assert message.startswith("Ferritin (µg/L or ng/mL)") and "6oo" in message


def test_calculator_result_is_announced_and_stays_in_view(phone_chapter):
    tab = phone_chapter
    result = tab.locator("#fig-hlh2004 .calculator-result")
    assert result.get_attribute("aria-live") == "polite"
    before = result.inner_text()
    assert before.startswith("HLH-2004 (study entry criteria) — route A")
    tab.locator("select[name=hlh_fever]").select_option("yes")
    tab.wait_for_timeout(300)
    assert result.inner_text() != before and "1 of 8 criteria met" in result.inner_text()
    tab.locator("input[name=hlh_scd25]").focus()
    tab.locator("input[name=hlh_scd25]").scroll_into_view_if_needed()
    tab.wait_for_timeout(400)
    pinned = tab.locator("#fig-hlh2004 .calculator-float")
    assert pinned.is_visible(), "the result is pinned while the controls are on screen"
    assert pinned.inner_text() == result.inner_text()
    assert pinned.get_attribute("aria-hidden") == "true", "read once, from the live region"


def test_a_slider_takes_a_typed_value(browser, site_url):
    context, tab = _open(browser, site_url, "chapters/03-anakinra-evidence", PHONE)
    try:
        chart = tab.locator("#fig-pk")
        before = chart.locator("svg.marks").inner_html()
        number = chart.locator("input.vega-bind-number")
        assert chart.locator("input.vega-bind-number ~ span").is_hidden(), "the value shown once"
        number.fill("400,0")  # a decimal comma is read as a point
        number.dispatch_event("change")
        tab.wait_for_timeout(300)
        assert chart.locator("input[type=range]").input_value() == "400"
        assert chart.locator("svg.marks").inner_html() != before
        number.fill("4oo")
        number.dispatch_event("change")
        assert number.get_attribute("aria-invalid") == "true"
        message = tab.locator(f"#{number.get_attribute('aria-describedby')}").inner_text()
        assert "4oo" in message and "stays at 400" in message
        assert chart.locator("input[type=range]").input_value() == "400"
    finally:
        context.close()


@pytest.mark.parametrize("page", chart_pages())
def test_a_chart_is_named_by_its_title_and_description(browser, site_url, page):
    context, tab = _open(browser, site_url, page, PHONE)
    try:
        for index in range(tab.locator(".vega-embed").count()):
            chart = tab.locator(".vega-embed").nth(index)
            name = chart.locator("[role=graphics-document]").first.get_attribute("aria-label")
            title = chart.evaluate(
                "e => [...e.querySelectorAll('svg g.role-title')].slice(-1).map(g => g.querySelector('text')).map(t => {"
                " const lines = [...t.querySelectorAll('tspan')].map(l => l.textContent);"
                " return lines.length ? lines.join(' ') : t.textContent; }).join(' ')"
            )
            assert title and name.startswith(title.rstrip(". ")) and len(name) > len(title)
            # No tick label or mark is announced on its own.
            labelled = chart.locator("svg [aria-label]:not([role=graphics-symbol])").count()
            assert labelled == 0
            # Text outside the drawing's own box is cut off (Vega clips at the SVG's edge).
            overflow = chart.evaluate(
                "e => { const s = e.querySelector('svg.marks').getBoundingClientRect();"
                " return [...e.querySelectorAll('svg.marks text')].filter(t => {"
                " const r = t.getBoundingClientRect(); return r.width > 0 &&"
                " (r.right > s.right + 0.5 || r.left < s.left - 0.5 || r.top < s.top - 0.5); })"
                ".map(t => t.textContent); }"
            )
            assert overflow == [], "chart text is cut off at the drawing's edge"
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_every_header_control_shows_where_the_keyboard_is(browser, site_url, viewport):
    context, tab = _open(browser, site_url, CHAPTER, viewport)
    try:
        unmarked = []
        for _ in range(12):
            tab.keyboard.press("Tab")
            focus = tab.evaluate(
                "() => { const e = document.activeElement, s = getComputedStyle(e);"
                " return [e.getAttribute('aria-label') || e.title || e.textContent.trim().slice(0, 30),"
                " s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2"
                " || s.boxShadow !== 'none' && !s.boxShadow.startsWith('rgba(0, 0, 0, 0)')]; }"
            )
            if not focus[1]:
                unmarked.append(focus[0])
        assert unmarked == []
    finally:
        context.close()


def test_theme_button_reaches_dark_in_one_tap(browser, site_url):
    context, tab = _open(browser, site_url, CHAPTER, PHONE)
    try:
        assert tab.evaluate("document.documentElement.dataset.theme") == "light"
        tab.locator(".theme-switch-button:visible").first.tap()
        assert tab.evaluate("document.documentElement.dataset.theme") == "dark"
        svg_filter = tab.evaluate(
            "getComputedStyle(document.querySelector('.vega-embed svg.marks')).filter"
        )
        assert "invert" in svg_filter, "charts follow the dark theme"
    finally:
        context.close()


def test_search_field_and_back_to_top_leave_the_text_readable(browser, site_url):
    context, tab = _open(browser, site_url, CHAPTER, PHONE)
    try:
        tab.locator(".search-button__button:visible").first.tap()
        field = tab.locator("input[name=q]:visible").first
        field.wait_for(state="visible")
        icon = field.locator("xpath=../i").bounding_box()
        text_starts = field.evaluate(
            "e => e.getBoundingClientRect().left + parseFloat(getComputedStyle(e).paddingLeft)"
        )
        assert text_starts >= icon["x"] + icon["width"]
        tab.keyboard.press("Escape")
        tab.mouse.wheel(0, 3000)
        tab.wait_for_timeout(300)
        tab.mouse.wheel(0, -400)
        button = tab.locator("#pst-back-to-top")
        button.wait_for(state="visible", timeout=3_000)
        box = button.bounding_box()
        assert box["x"] >= PHONE["width"] - 60 and box["width"] <= 48, "a small corner button"
        button.wait_for(state="hidden", timeout=4_000)  # and it leaves once scrolling stops
        # A tap on a header button leaves no hover tooltip over the text.
        tab.locator(".theme-switch-button:visible").first.tap()
        tab.wait_for_timeout(500)
        assert tab.locator(".tooltip:visible").count() == 0
    finally:
        context.close()


DARK_PAGES = [("site_url", p) for p in toc_pages() + GENERATED_PAGES] + [
    ("student_site_url", p) for p in student_pages() if p.startswith("chapters/")
]


@pytest.mark.parametrize("edition, page", DARK_PAGES, ids=lambda p: str(p))
def test_no_accessibility_violations_in_the_dark_theme(request, browser, edition, page):
    context, tab = _open(browser, request.getfixturevalue(edition), page, LAPTOP, dark=True)
    try:
        assert tab.evaluate("document.documentElement.dataset.theme") == "dark"
        # The theme's colours fade in (CSS transitions): measure contrast once they have ended.
        tab.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
        results = Axe().run(tab)
        violations = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]
        ]
        assert violations == []
    finally:
        context.close()


@pytest.mark.parametrize("page", [p for p in toc_pages() if p.startswith("chapters/")])
def test_every_table_fits_a_phone_with_rows_shorter_than_the_screen(browser, site_url, page):
    """Folded tables opened: the page never scrolls sideways (a wide table scrolls inside its
    own box) and no row is taller than the screen."""
    context, tab = _open(browser, site_url, page, PHONE)
    try:
        tab.evaluate(
            "() => document.querySelectorAll('details.numbers-table').forEach(d => d.open = true)"
        )
        assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        heights = tab.evaluate(
            "() => [...document.querySelectorAll('article table tbody tr')]"
            ".map(r => r.getBoundingClientRect().height)"
        )
        assert heights, f"{page}: no table"
        assert max(heights) < PHONE["height"], f"{page}: a row {max(heights):.0f} px tall"
    finally:
        context.close()


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_a_tap_on_a_mark_shows_its_tooltip_inside_the_screen(browser, site_url, dark):
    """Vega shows tooltips on pointer movement, which a tap does not make (issue 25)."""
    context, tab = _open(browser, site_url, CHAPTER, PHONE, dark=dark)
    try:
        squares = tab.locator("#fig-recovery svg.marks g.mark-symbol path")
        shown = []
        for index in (0, 1):
            squares.nth(index).scroll_into_view_if_needed()
            box = squares.nth(index).bounding_box()
            tab.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            tooltip = tab.locator("#vg-tooltip-element.visible")
            tooltip.wait_for(timeout=2_000)
            tip = tooltip.bounding_box()
            assert tip["x"] >= 0 and tip["x"] + tip["width"] <= PHONE["width"]
            shown.append(tooltip.inner_text())
        assert all("Died, drug" in text for text in shown), shown
        assert shown[0] != shown[1], "each tap shows its own mark"
    finally:
        context.close()


def test_a_tooltip_leaves_out_fields_a_row_does_not_have(browser, site_url):
    """A study without a printed interval or counts shows no "NaN" or "null" lines."""
    context, tab = _open(browser, site_url, "chapters/03-anakinra-evidence", LAPTOP)
    try:
        squares = tab.locator("#fig-forest svg.marks g.mark-symbol path")
        texts = []
        for index in range(squares.count()):
            squares.nth(index).scroll_into_view_if_needed()
            squares.nth(index).hover()
            tooltip = tab.locator("#vg-tooltip-element.visible")
            tooltip.wait_for(timeout=2_000)
            tab.wait_for_timeout(100)
            texts.append(tooltip.inner_text())
        assert texts and all("Study" in text for text in texts)
        assert not [t for t in texts if "NaN" in t or "null" in t], texts
        assert any("Lower" not in text for text in texts), "a study without an interval"
    finally:
        context.close()

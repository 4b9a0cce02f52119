"""The data behind every figure: the package helper, and the files the built book links to.

For every chart on every built chapter page there is a download link under it; the linked
file is in the site; its rows are the rows the chart's embedded Vega-Lite spec draws; and
every row names its source and locator. A browser downloads one file and parses it.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from types import SimpleNamespace

import altair as alt
import pandas as pd
import pytest
from conftest import chart_pages

from book_extensions import figure_data as figure_data_extension
from stormbook.figures.charts import title_text
from stormbook.figures.figure_data import FigureDataError, figure_data
from stormbook.formatting import file_size

CHART = alt.Chart(pd.DataFrame({"x": [1]})).mark_point().properties(title="Cases by cause")
ROWS = pd.DataFrame(
    {"cause": ["Infection", "Rheumatic disease"], "n": [3, 3], "source": ["doi:a", "doi:a"]}
).assign(locator=["Table 1", "Table 1"])


# --- the helper -------------------------------------------------------------------------


def test_writes_the_rows_and_links_to_them(tmp_path):
    link = figure_data(CHART, ROWS, "fig-causes", folder=tmp_path)
    written = pd.read_csv(tmp_path / "fig-causes.csv")
    pd.testing.assert_frame_equal(written, ROWS)
    assert link.href == "_figure-data/fig-causes.csv"
    assert link.rows == 2
    html = link._repr_html_()
    assert 'href="_figure-data/fig-causes.csv" download="fig-causes.csv"' in html
    size = (tmp_path / "fig-causes.csv").stat().st_size
    assert link.size_bytes == size
    assert f"Data behind the figure “Cases by cause” (CSV, {size} bytes, 2 rows)" in html


@pytest.mark.parametrize(
    "n_bytes, shown",
    [
        (0, "0 bytes"),
        (999, "999 bytes"),
        (1000, "1 kB"),
        (742_400, "742 kB"),
        (999_499, "999 kB"),
        (999_500, "1.0 MB"),
        (4_180_000, "4.2 MB"),
    ],
)
def test_file_sizes_read_as_a_reader_expects(n_bytes, shown):
    assert file_size(n_bytes) == shown


@pytest.mark.parametrize("bad", [-1, 1.5, "12", None, True])
def test_file_size_refuses_what_is_not_a_byte_count(bad):
    with pytest.raises(ValueError, match="file_size"):
        file_size(bad)


def test_computed_rows_take_the_source_they_are_given_and_parts_are_named(tmp_path):
    model = pd.DataFrame({"day": [0, 1], "level": [0.1, 0.4]})
    link = figure_data(
        CHART,
        {"curves": model, "measured": ROWS},
        "fig-model",
        views="every slider position",
        source="teaching model: stormbook.killing_model",
        locator="default parameters",
        folder=tmp_path,
    )
    written = pd.read_csv(tmp_path / "fig-model.csv")
    assert list(written.columns[:1]) == ["part"]
    assert written["part"].tolist() == ["curves", "curves", "measured", "measured"]
    assert written["source"].tolist()[:2] == ["teaching model: stormbook.killing_model"] * 2
    assert written["source"].tolist()[2:] == ["doi:a", "doi:a"], "a part's own source is kept"
    assert link.rows == 4
    size = (tmp_path / "fig-model.csv").stat().st_size
    assert link.text.endswith(f"(CSV, {size} bytes, 4 rows, every slider position)")


@pytest.mark.parametrize(
    "data, name, message",
    [
        (ROWS.drop(columns="source"), "fig-a", r"data has no 'source' column"),
        (ROWS.drop(columns="locator"), "fig-a", r"data has no 'locator' column"),
        (ROWS.assign(locator=["Table 1", " "]), "fig-a", r"empty 'locator' in row\(s\) \[1\]"),
        (ROWS.assign(source=[None, "doi:a"]), "fig-a", r"empty 'source' in row\(s\) \[0\]"),
        (ROWS.iloc[:0], "fig-a", r"data has no rows"),
        ({"curves": ROWS.drop(columns="source")}, "fig-a", r"part 'curves' has no 'source'"),
        ({"curves": [1, 2]}, "fig-a", r"part 'curves' is a list, not a DataFrame"),
        ({}, "fig-a", r"data is an empty dict"),
        (ROWS, "Fig A", r"name 'Fig A' must be lowercase words"),
        (ROWS, "../fig", r"name '../fig' must be lowercase words"),
    ],
)
def test_bad_input_raises_a_named_error(tmp_path, data, name, message):
    with pytest.raises(FigureDataError, match=message):
        figure_data(CHART, data, name, folder=tmp_path)
    assert not any(tmp_path.iterdir()), "nothing is written for bad input"


def test_a_chart_without_a_title_is_refused(tmp_path):
    with pytest.raises(FigureDataError, match="the chart has no title"):
        figure_data(alt.Chart(ROWS).mark_point(), ROWS, "fig-a", folder=tmp_path)


# --- the extension that ships the files -------------------------------------------------


def _page_written(tmp_path, body):
    app = SimpleNamespace(
        srcdir=tmp_path / "src", outdir=tmp_path / "out", builder=SimpleNamespace(format="html")
    )
    figure_data_extension._copy_linked_files(
        app, "chapters/01-x", "page.html", {"body": body}, None
    )
    return app


def test_extension_ships_each_linked_file_beside_its_page(tmp_path):
    written = tmp_path / "src" / "chapters" / "_figure-data"
    written.mkdir(parents=True)
    (written / "fig-a.csv").write_text("a,source,locator\n1,s,l\n", encoding="utf-8")
    (written / "fig-unlinked.csv").write_text("stale", encoding="utf-8")
    app = _page_written(tmp_path, '<p class="figure-data"><a href="_figure-data/fig-a.csv" d')
    shipped = app.outdir / "chapters" / "_figure-data"
    assert sorted(p.name for p in shipped.iterdir()) == ["fig-a.csv"]
    assert (shipped / "fig-a.csv").read_text(encoding="utf-8").startswith("a,source")


def test_extension_warns_about_a_link_to_a_file_never_written(tmp_path, caplog):
    (tmp_path / "src").mkdir()
    _page_written(tmp_path, '<a href="_figure-data/fig-missing.csv" download="x">')
    assert "links to _figure-data/fig-missing.csv, which its notebook did not write" in caplog.text


# --- the built book ---------------------------------------------------------------------

SPEC_CALL = "})("  # Altair's HTML output calls its embedding function with the spec
LINK = re.compile(
    r'<p class="figure-data"><a href="(?P<href>[^"]+)" download="[^"]+">(?P<text>[^<]+)</a></p>'
)
LINK_TEXT = re.compile(
    r"Data behind the figure “(?P<title>.+)” "
    r"\(CSV, (?P<size>\d+ bytes|\d+ kB|\d+\.\d MB), (?P<rows>[\d,]+) rows?(?P<views>, .+)?\)"
)


def charts_with_links(html: str) -> list[tuple[str, dict, re.Match | None]]:
    """Each chart figure of a page: its id, its Vega-Lite spec, and the first data link
    after it (before the next chart)."""
    figures = [m for m in re.finditer(r'<figure[^>]*id="([^"]+)"', html)]
    found = []
    for index, figure in enumerate(figures):
        end = html.index("</figure>", figure.end())
        call = html.find(SPEC_CALL, figure.end(), end)
        if call < 0:
            continue  # a figure that is not a chart
        spec, _ = json.JSONDecoder().raw_decode(html, call + len(SPEC_CALL))
        stop = figures[index + 1].start() if index + 1 < len(figures) else len(html)
        found.append((figure.group(1), spec, LINK.search(html, end, stop)))
    return found


def canonical(value):
    """A cell as both JSON and CSV can hold it: numbers as floats, missing as None."""
    if isinstance(value, bool):
        return str(value)
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return None if math.isnan(number) else number


def drawn_rows(rows: list[dict]) -> list[dict]:
    """A dataset's rows as the chart draws them: a list-valued field (a curve the chart
    flattens with `transform_flatten`) becomes one row per element."""
    flat = []
    for row in rows:
        lists = {k: v for k, v in row.items() if isinstance(v, list)}
        if not lists:
            flat.append(row)
            continue
        length = len(next(iter(lists.values())))
        flat += [{**row, **{k: v[i] for k, v in lists.items()}} for i in range(length)]
    return flat


def key(row: dict, fields: list[str]) -> tuple:
    return tuple(canonical(row.get(field)) for field in fields)


def check_rows_match(spec: dict, table: list[dict]) -> int:
    """Every row a dataset of the chart draws is in the CSV and every CSV row is drawn,
    compared on the fields the dataset and the CSV share. A dataset sharing no field must
    be a single row (a reference line or a text anchor). Returns how many datasets were
    compared."""
    header = set(table[0]) - {"part"}
    drawn_by_chart = [False] * len(table)
    compared = 0
    for name, values in spec.get("datasets", {}).items():
        rows = drawn_rows(values)
        shared = sorted({field for row in rows for field in row} & header)
        if not shared:
            assert len(rows) == 1, f"dataset {name} draws {len(rows)} rows absent from the CSV"
            continue
        drawn = {key(row, shared) for row in rows}
        missing = drawn - {key(row, shared) for row in table}
        assert not missing, (
            f"dataset {name}: rows drawn but not in the CSV: {sorted(missing, key=str)[:3]}"
        )
        for index, row in enumerate(table):
            drawn_by_chart[index] |= key(row, shared) in drawn
        compared += 1
    if compared:
        not_drawn = [row for row, drawn in zip(table, drawn_by_chart, strict=True) if not drawn]
        assert not not_drawn, f"CSV rows the chart does not draw: {not_drawn[:2]}"
    return compared


def has_controls(spec) -> bool:
    """Whether any parameter of the spec is bound to an input (slider, menu, buttons)."""
    if isinstance(spec, dict):
        if "bind" in spec and "name" in spec:
            return True
        return any(has_controls(value) for value in spec.values())
    if isinstance(spec, list):
        return any(has_controls(value) for value in spec)
    return False


def _spec_and_table():
    rows = [{"cause": "Infection", "n": 3}, {"cause": "Rheumatic", "n": 3}]
    chart = alt.layer(
        alt.Chart(pd.DataFrame(rows)).mark_bar().encode(x="n:Q", y="cause:N"),
        alt.Chart(pd.DataFrame({"x": [1]})).mark_rule().encode(x="x:Q"),  # a reference line
    )
    table = [{**row, "n": str(row["n"]), "source": "doi:a", "locator": "Table 1"} for row in rows]
    return chart.to_dict(), table


def test_row_check_passes_when_the_csv_holds_exactly_the_drawn_rows():
    spec, table = _spec_and_table()
    assert check_rows_match(spec, table) == 1  # the one-row reference line is not data


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda t: t[:1], "rows drawn but not in the CSV"),
        (lambda t: [*t, {**t[0], "cause": "Other"}], "CSV rows the chart does not draw"),
        (lambda t: [{**t[0], "n": "4"}, t[1]], "rows drawn but not in the CSV"),
    ],
)
def test_row_check_fails_when_the_csv_and_the_chart_differ(change, message):
    spec, table = _spec_and_table()
    with pytest.raises(AssertionError, match=message):
        check_rows_match(spec, change(table))


def test_row_check_fails_for_drawn_rows_that_share_no_field_with_the_csv():
    spec, _ = _spec_and_table()
    with pytest.raises(AssertionError, match="draws 2 rows absent from the CSV"):
        check_rows_match(spec, [{"other": "1", "source": "s", "locator": "l"}])


def test_a_flattened_curve_is_compared_point_by_point():
    spec = {"datasets": {"d": [{"route": "sc", "u": [0.0, 0.5]}]}}
    table = [{"route": "sc", "u": u, "source": "s", "locator": "l"} for u in ("0.0", "0.5")]
    assert check_rows_match(spec, table) == 1
    with pytest.raises(AssertionError, match="rows drawn but not in the CSV"):
        check_rows_match(spec, table[:1])


EDITIONS = ["built_site", "student_site"]


@pytest.mark.build
@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("page", chart_pages())
def test_every_chart_links_to_the_rows_it_draws(request, edition, page):
    site = request.getfixturevalue(edition)
    html = (site / f"{page}.html").read_text(encoding="utf-8")
    charts = charts_with_links(html)
    assert charts, f"{page} has no chart"
    compared = 0
    for figure_id, spec, link in charts:
        assert link, f"{page}: chart {figure_id} has no data link under it"
        text = LINK_TEXT.fullmatch(link["text"])
        assert text, link["text"]
        assert text["title"] == title_text(spec["title"]), "the link names its figure"
        assert bool(text["views"]) == has_controls(spec), (
            "an interactive chart's file says it holds every view"
        )
        path = site / page.rpartition("/")[0] / link["href"]
        assert path.is_file(), f"{figure_id}: {link['href']} is not in the site"
        assert text["size"] == file_size(path.stat().st_size), "the link gives the file's size"
        table = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        assert f"{len(table):,}" == text["rows"]
        for column in ("source", "locator"):
            assert column in table[0], f"{figure_id}: no {column} column"
            empty = [i for i, row in enumerate(table) if not row[column].strip()]
            assert not empty, f"{figure_id}: empty {column} in rows {empty[:5]}"
        compared += check_rows_match(spec, table)
    assert compared >= len(charts) - 1, (
        "at most one chart (a calculator of pure rules) embeds no rows"
    )


@pytest.mark.build
@pytest.mark.browser
def test_a_reader_downloads_the_data_with_the_keyboard(browser, site_url):
    """The link takes keyboard focus and Enter downloads the file, offline; it parses."""
    context = browser.new_context(accept_downloads=True)
    try:
        page = context.new_page()
        page.goto(f"{site_url}/chapters/00-introduction.html")
        link = page.locator(".figure-data a").first
        text = LINK_TEXT.fullmatch(link.inner_text())
        link.focus()
        assert page.evaluate("document.activeElement.closest('.figure-data') !== null")
        with page.expect_download() as download:
            page.keyboard.press("Enter")
        rows = list(csv.DictReader(io.StringIO(download.value.path().read_text("utf-8"))))
        assert download.value.suggested_filename == "fig-causes.csv"
        assert f"{len(rows):,}" == text["rows"]
        assert all(row["source"] and row["locator"] for row in rows)
    finally:
        context.close()

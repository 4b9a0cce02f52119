"""One step per figure: `publish_figure` glues a chart and the link to its data, and the
`{chart}` directive places both with the caption and the text description.

The built pages themselves are checked by tests/test_figure_data.py and
tests/test_browser.py (every chart drawn, described, and linked to its data file).
"""

from __future__ import annotations

import json
import re

import altair as alt
import pandas as pd
import pytest
from conftest import ROOT, chart_pages

from book_extensions.chart_figures import ChartError, chart_markup
from stormbook import formatting
from stormbook.figures import publish
from stormbook.figures.charts import describe
from stormbook.figures.figure_data import FigureDataError, FigureDataLink

ROWS = pd.DataFrame({"cause": ["Infection"], "n": [3], "source": ["doi:a"], "locator": ["T1"]})
CHART = describe(
    alt.Chart(ROWS).mark_bar().encode(x="n:Q", y="cause:N"),
    "Cases by cause",
    "One bar: infection, 3 cases.",
)


@pytest.fixture
def glued(monkeypatch, tmp_path):
    """What the helpers glue, in order, with the notebook's folder at tmp_path."""
    calls = []
    monkeypatch.chdir(tmp_path)
    for module in (publish, formatting):
        monkeypatch.setattr(
            module, "glue", lambda name, value, display=True: calls.append((name, value, display))
        )
    return calls


def test_publish_figure_glues_the_chart_and_its_data_link(glued, tmp_path):
    assert publish.publish_figure("fig-causes", CHART, ROWS, views="both views") is CHART
    (chart_name, chart, chart_shown), (link_name, link, link_shown) = glued
    assert (chart_name, chart, chart_shown) == ("fig-causes", CHART, False)
    assert (link_name, link_shown) == ("fig-causes-data", True)  # the link shows in JupyterLab
    assert isinstance(link, FigureDataLink)
    assert link.text == "Data behind the figure “Cases by cause” (CSV, 44 bytes, 1 row, both views)"
    written = pd.read_csv(tmp_path / "_figure-data" / "fig-causes.csv")
    pd.testing.assert_frame_equal(written, ROWS)


def test_publish_figure_refuses_a_chart_without_a_description(glued):
    bare = alt.Chart(ROWS).mark_bar().properties(title="Cases")
    with pytest.raises(FigureDataError, match=r"'fig-a'.*no description.*describe\(\)"):
        publish.publish_figure("fig-a", bare, ROWS)
    with pytest.raises(FigureDataError, match=r"'fig-a'.*DataFrame, not an Altair chart"):
        publish.publish_figure("fig-a", ROWS, ROWS)
    assert glued == []  # nothing half-published


def test_publish_figure_refuses_a_bad_name(glued):
    with pytest.raises(FigureDataError, match="'Fig A' must be lowercase words"):
        publish.publish_figure("Fig A", CHART, ROWS)


def test_glue_values_glues_each_value_unshown(glued):
    formatting.glue_values({"n_total": "52", "share": "42%"})
    assert glued == [("n_total", "52", False), ("share", "42%", False)]
    for bad in ({}, ["n_total"], {"": 1}, {3: 1}):
        with pytest.raises(ValueError, match="glue_values"):
            formatting.glue_values(bad)


# --- the directive ------------------------------------------------------------------------


def test_chart_markup_is_the_figure_its_data_link_and_its_description():
    content = ["Cases by cause {cite:p}`key`.", "", "+++", "One bar per cause."]
    assert chart_markup("fig-causes", content) == [
        "````{glue:figure} fig-causes",
        ":name: fig-causes",
        "",
        "Cases by cause {cite:p}`key`.",
        "",
        "````",
        "",
        "````{glue} fig-causes-data",
        "````",
        "",
        "::::{dropdown} Text description of the figure",
        "One bar per cause.",
        "::::",
    ]


def test_chart_markup_fences_outlast_any_fence_inside():
    content = ["A caption.", "```{note}", "Inside.", "```", "+++", ":::::{tip}", "x", ":::::"]
    markup = chart_markup("fig-a", content)
    assert markup[0] == "````{glue:figure} fig-a"
    assert markup[-1] == "::::::" and markup[-5].startswith("::::::{dropdown}")


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("fig-a", ["A caption.", "One bar."], r"then a line '\+\+\+'.*\(0 '\+\+\+' lines found\)"),
        ("fig-a", ["A.", "+++", "B.", "+++", "C."], r"\(2 '\+\+\+' lines found\)"),
        ("fig-a", ["", "+++", "One bar."], "the caption is empty"),
        ("fig-a", ["A caption.", "+++", " "], "the text description is empty"),
        ("Fig_A", ["A caption.", "+++", "One bar."], "lowercase words joined by hyphens"),
    ],
)
def test_chart_markup_names_what_is_missing(name, content, problem):
    with pytest.raises(ChartError, match=rf"\{{chart\}} {name}: .*{problem}"):
        chart_markup(name, content)


@pytest.mark.parametrize("page", chart_pages())
def test_every_chart_is_published_in_one_step_and_placed_by_the_directive(page):
    """The chapters follow the recipe CONTRIBUTING gives: no figure glued by hand."""
    notebook = json.loads((ROOT / f"{page}.ipynb").read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    text = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] != "code")
    published = set(re.findall(r'publish_figure\(\s*"([a-z0-9-]+)"', code))
    placed = set(re.findall(r"^:::\{chart\} ([a-z0-9-]+)$", text, flags=re.M))
    assert published and published == placed
    assert "figure_data(" not in code and "{glue:figure}" not in text

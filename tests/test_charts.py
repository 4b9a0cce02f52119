"""The chart theme and the rules every chart follows."""

from __future__ import annotations

import re

import altair as alt
import pandas as pd
import pytest

from stormbook import charts

FRAME = pd.DataFrame({"cause": ["a", "b"], "n": [3, 1]})


def test_theme_is_registered_and_enabled():
    assert alt.theme.active == "stormbook"
    config = alt.Chart(FRAME).mark_bar().encode(x="n:Q", y="cause:N").to_dict()["config"]
    assert config["range"]["category"] == charts.PALETTE
    assert config["background"] == "white"
    assert config["axis"]["labelFontSize"] >= 12


def test_palette_is_okabe_ito():
    assert set(charts.PALETTE) == {
        "#E69F00",
        "#56B4E9",
        "#009E73",
        "#F0E442",
        "#0072B2",
        "#D55E00",
        "#CC79A7",
        "#000000",
    }
    assert charts.PALETTE[-1] == "#F0E442", "yellow, the lowest-contrast colour, comes last"


def test_describe_sets_title_and_description():
    chart = charts.describe(alt.Chart(FRAME).mark_bar(), "Cases", "Two bars: a 3, b 1.")
    spec = chart.to_dict()
    assert spec["title"] == "Cases"
    assert spec["description"] == "Two bars: a 3, b 1."


@pytest.mark.parametrize("title, description", [("", "d"), ("t", ""), ("t", "   "), (None, "d")])
def test_describe_refuses_a_chart_without_title_or_description(title, description):
    with pytest.raises(ValueError, match=r"title|description"):
        charts.describe(alt.Chart(FRAME).mark_bar(), title, description)


def test_numbers_table_has_caption_and_no_index_column():
    html = charts.numbers_table(FRAME, "Numbers behind the chart").to_html()
    assert "<caption>Numbers behind the chart</caption>" in html
    assert "row_heading" not in html and "blank" not in html
    assert len(re.findall(r"<th[ >]", html)) == 2  # one header cell per column, none for the index


def test_numbers_table_needs_a_caption():
    with pytest.raises(ValueError, match="caption"):
        charts.numbers_table(FRAME, "  ")


def test_wrapped_breaks_long_labels_and_keeps_short_ones():
    labels = pd.Series(["Infection", "Infection and rheumatic disease"])
    assert charts.wrapped(labels, width=18).tolist() == [
        "Infection",
        "Infection and\nrheumatic disease",
    ]
    assert charts.WRAPPED_LABELS == "split(datum.label, '\\n')"


def test_wrapped_never_splits_a_word():
    labels = pd.Series(["hepatosplenomegaly", "ARDS/early lung involvement", "rash/mucocutaneous"])
    assert charts.wrapped(labels, width=14).tolist() == [
        "hepatosplenomegaly",
        "ARDS/early\nlung\ninvolvement",
        "rash/\nmucocutaneous",
    ]


def test_wrapped_axis_draws_the_lines_centred_and_keeps_other_settings():
    axis = charts.wrapped_axis(labelLimit=130).to_dict()
    assert axis["labelExpr"] == charts.WRAPPED_LABELS
    assert axis["labelOffset"] == {
        "condition": {"test": "indexof(datum.label, '\\n') >= 0", "value": -6},
        "value": 0,
    }
    assert axis["labelLimit"] == 130


def test_wrapped_refuses_a_zero_width():
    with pytest.raises(ValueError, match="width"):
        charts.wrapped(pd.Series(["a"]), width=0)


def test_numbers_table_escapes_text_and_blanks_missing_values():
    frame = pd.DataFrame({"population": ["CrCl <30 mL/min"], "n": pd.array([pd.NA], dtype="Int64")})
    html = charts.numbers_table(frame, "Escaping").to_html()
    assert "CrCl &lt;30 mL/min" in html
    assert "<NA>" not in html and "&lt;NA&gt;" not in html


def test_chart_data_turns_every_missing_value_into_null():
    from stormbook.charts import chart_data

    frame = pd.DataFrame(
        {"x": [1.5, float("nan")], "n": pd.array([3, pd.NA], dtype="Int64"), "s": ["a", None]}
    )
    out = chart_data(frame)
    assert out.to_dict("records") == [
        {"x": 1.5, "n": 3, "s": "a"},
        {"x": None, "n": None, "s": None},
    ]

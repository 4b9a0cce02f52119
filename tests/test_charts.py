"""The chart theme and the rules every chart follows."""

from __future__ import annotations

import re

import altair as alt
import pandas as pd
import pytest

from stormbook.figures import charts

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
    # The accessible name: the drawing is hidden from screen readers, so the title leads.
    assert spec["description"] == "Cases. Two bars: a 3, b 1."
    assert spec["config"]["aria"] is False


def test_describe_wraps_a_long_title_into_lines_that_fit_a_phone():
    title = "Teaching model against measured levels after an intravenous dose"
    spec = charts.describe(alt.Chart(FRAME).mark_bar(), title, "d").to_dict()
    assert spec["title"] == [
        "Teaching model against",
        "measured levels after an",
        "intravenous dose",
    ]
    assert all(len(line) <= charts.TITLE_WIDTH for line in spec["title"])
    assert spec["description"].startswith(title + ". ")


@pytest.mark.parametrize("title, description", [("", "d"), ("t", ""), ("t", "   "), (None, "d")])
def test_describe_refuses_a_chart_without_title_or_description(title, description):
    with pytest.raises(ValueError, match=r"title|description"):
        charts.describe(alt.Chart(FRAME).mark_bar(), title, description)


def test_numbers_table_has_caption_and_no_index_column():
    html = charts.numbers_table(FRAME, "Numbers behind the chart").to_html()
    assert "<caption>Numbers behind the chart</caption>" in html
    assert "row_heading" not in html and "blank" not in html
    assert len(re.findall(r"<th[ >]", html)) == 2  # one header cell per column, none for the index


def test_numbers_table_shows_the_citation_not_the_provenance_columns():
    frame = FRAME.assign(
        source="10.1000/x", locator="as reproduced in a copy, Table 2", source_kind="primary"
    )
    html = charts.numbers_table(frame, "Cited").to_html()
    assert "source" in html and "as reproduced" not in html and "primary" not in html
    assert len(re.findall(r"<th[ >]", html)) == 3  # FRAME's two columns and the source


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


def test_wrapped_legend_draws_the_lines_and_keeps_other_settings():
    legend = charts.wrapped_legend(orient="bottom").to_dict()
    assert legend == {"labelExpr": charts.WRAPPED_LABELS, "orient": "bottom"}


def test_wrapped_refuses_a_zero_width():
    with pytest.raises(ValueError, match="width"):
        charts.wrapped(pd.Series(["a"]), width=0)


def test_numbers_table_escapes_text_and_blanks_missing_values():
    frame = pd.DataFrame({"population": ["CrCl <30 mL/min"], "n": pd.array([pd.NA], dtype="Int64")})
    html = charts.numbers_table(frame, "Escaping").to_html()
    assert "CrCl &lt;30 mL/min" in html
    assert "<NA>" not in html and "&lt;NA&gt;" not in html


def test_chart_data_turns_every_missing_value_into_null():
    from stormbook.figures.charts import chart_data

    frame = pd.DataFrame(
        {"x": [1.5, float("nan")], "n": pd.array([3, pd.NA], dtype="Int64"), "s": ["a", None]}
    )
    out = chart_data(frame)
    assert out.to_dict("records") == [
        {"x": 1.5, "n": 3, "s": "a"},
        {"x": None, "n": None, "s": None},
    ]


def _contrast_on_white(hex_colour: str) -> float:
    """WCAG 2 contrast ratio of a colour against white."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def test_contrast_formula_matches_published_values():
    assert _contrast_on_white("#000000") == pytest.approx(21.0)
    assert _contrast_on_white("#767676") == pytest.approx(4.54, abs=0.01)  # the AA limit grey


@pytest.mark.parametrize("role", ["ink", "text", "line", "muted"])
def test_greys_for_text_and_lines_meet_aa_contrast(role):
    assert _contrast_on_white(charts.GREY[role]) >= 4.5


def test_alert_colour_meets_aa_contrast():
    assert _contrast_on_white(charts.ALERT) >= 4.5


def test_wrap_text_breaks_one_text_as_wrapped_breaks_labels():
    text = "Degranulation/fusion of lytic granules with the membrane"
    assert charts.wrap_text(text, 18) == charts.wrapped(pd.Series([text]), 18).iloc[0]
    assert charts.wrap_text(text, 18).split("\n")[0] == "Degranulation/"
    assert charts.wrap_text("short", 18) == "short"
    with pytest.raises(ValueError, match="width must be at least 1, not 0"):
        charts.wrap_text(text, 0)


def test_numbers_table_is_the_same_html_on_every_run():
    """pandas would name the table's ids from a random value: a rebuilt page would differ."""
    frame = pd.DataFrame({"trial": ["A", "B"], "n": [10, 20]})
    first = charts.numbers_table(frame, "Trials").to_html()
    assert first == charts.numbers_table(frame.copy(), "Trials").to_html()
    assert first != charts.numbers_table(frame, "Other trials").to_html()
    changed = frame.assign(n=[10, 21])
    assert _table_id(first) != _table_id(charts.numbers_table(changed, "Trials").to_html())


def _table_id(table_html: str) -> str:
    return re.search(r'<table id="([^"]+)"', table_html).group(1)

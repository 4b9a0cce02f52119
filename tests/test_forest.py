"""The forest plot shows, for every view, the studies and Python's pooled result or reason;
for every combination of its menus without studies, a message saying so and where they are."""

from __future__ import annotations

import copy
import functools
import itertools
import math
import re

import pandas as pd
import pytest
import vl_convert
from vega_render import svg_of_spec, text_of_svg, with_control_values

from stormbook import load_dataset
from stormbook.evidence import forest
from stormbook.evidence.effect_sizes import EffectSizeError
from stormbook.evidence.forest import DEFAULT_VIEW, LABEL_WIDTH, forest_chart
from stormbook.evidence.pooling import pool_log_ratios
from stormbook.evidence.views import forest_rows, pooled_views
from stormbook.figures.charts import wrapped

STUDIES = load_dataset("anakinra-studies")
OUTCOMES = load_dataset("anakinra-outcomes")
ROWS = forest_rows(STUDIES, OUTCOMES)
VIEWS = pooled_views(ROWS)


def _texts(rows: pd.DataFrame, views: pd.DataFrame, view: tuple[str, str, str]) -> list[str]:
    spec = copy.deepcopy(forest_chart(rows, views).to_dict())
    spec["width"] = 560
    for param in spec["params"]:
        param["value"] = dict(zip(("condition", "design", "outcome"), view, strict=True))[
            param["name"]
        ]
    svg = vl_convert.vegalite_to_svg(spec)
    # Single-line labels are <text> elements; wrapped ones are <tspan> lines inside one.
    found = re.findall(r"<text[^>]*>([^<]*)</text>", svg) + re.findall(
        r"<tspan[^>]*>([^<]*)</tspan>", svg
    )
    return [t.replace("&amp;", "&") for t in found]


@pytest.mark.parametrize(
    "view",
    [
        tuple(v)
        for v in VIEWS[["condition", "design_group", "outcome_choice"]].itertuples(index=False)
    ],
)
def test_every_view_shows_pythons_result_and_its_studies(view):
    texts = _texts(ROWS, VIEWS, view)
    expected = VIEWS.set_index(["condition", "design_group", "outcome_choice"]).loc[view]
    assert expected["line1"] in texts and expected["line2"] in texts
    shown = _studies_in(view)
    for label, measure, ok in zip(
        shown["label"], shown["measure"], shown["has_interval"], strict=True
    ):
        text = f"{label}, {measure}" + ("" if ok else ", no interval printed")
        first_line = wrapped(pd.Series([text]), LABEL_WIDTH).iloc[0].split("\n")[0]
        assert first_line in texts, f"{label} not drawn in {view}"


def test_default_view_is_randomised_covid_mortality_with_the_meta_analyses_beside_it():
    assert DEFAULT_VIEW == ("COVID-19", "randomised", "all-cause mortality, day 28-30")
    texts = _texts(ROWS, VIEWS, DEFAULT_VIEW)
    assert {"SAVE-MORE, HR, no", "interval printed"} <= set(texts)
    assert {"Shang 2022", "Eur J Med Res 2023", "(meta-analysis), RR"} <= set(texts)
    assert "No pooled estimate:" in texts and "Published meta-analyses:" not in texts


def _studies_in(view: tuple[str, str, str]) -> pd.DataFrame:
    """The study rows a view shows, read from the data here: its condition, outcome and
    design, and beside the randomised trials the meta-analyses of randomised trials."""
    condition, design, outcome = view
    designs = {design} | (
        {"meta-analysis, randomised trials only"} if design == "randomised" else set()
    )
    return ROWS[
        ROWS["condition"].eq(condition)
        & ROWS["outcome_choice"].eq(outcome)
        & ROWS["design_group"].isin(designs)
    ]


# --- every combination the three menus offer ----------------------------------------------

SPEC = {**forest_chart(ROWS, VIEWS).to_dict(), "width": 560}
MENUS = {param["name"]: param["bind"]["options"] for param in SPEC["params"]}
COMBINATIONS = list(itertools.product(MENUS["condition"], MENUS["design"], MENUS["outcome"]))
EMPTY_VIEW_MESSAGE = re.compile(
    r"No .+ in this dataset reports “(?P<outcome>[^”]+)” in (?P<condition>.+?)\."
)


@functools.cache
def _drawn(view: tuple[str, str, str]) -> tuple[int, list[str], list[str]]:
    """What the chart draws in `view`: its study squares, its empty-view messages (each
    text's lines joined by a space) and all its text."""
    svg = svg_of_spec(
        with_control_values(SPEC, dict(zip(("condition", "design", "outcome"), view, strict=True)))
    )
    texts = text_of_svg(svg)
    # The squares' group; an empty one is written as `<g .../>`.
    group = re.search(
        r'<g class="mark-symbol role-mark study_points_marks"[^>]*?(/>|>(.*?)</g>)', svg, re.S
    )
    squares = (
        (group[2] or "").count("<path") if group else 0
    )  # the pooled diamond is a mark of its own
    return squares, [t for t in texts if EMPTY_VIEW_MESSAGE.match(t)], texts


def _pointed_to(view: tuple[str, str, str], message: str) -> list[tuple[str, str, str]]:
    """The views a message sends the reader to: "choose Design “a” or “b”" keeps the
    outcome; "choose Outcome “o” with Design “a”" changes both."""
    condition, _, outcome = view
    pointer = message[EMPTY_VIEW_MESSAGE.match(message).end() :]
    other = re.search(r"choose Outcome “([^”]+)” with", pointer)
    if other:
        outcome = other[1]
    designs = re.findall(r"“([^”]+)”", pointer.partition("Design ")[2])
    return [(condition, design, outcome) for design in designs]


@pytest.mark.parametrize("view", COMBINATIONS, ids=" | ".join)
def test_every_combination_draws_its_studies_or_says_in_the_plot_why_there_are_none(view):
    squares, messages, texts = _drawn(view)
    assert squares == len(_studies_in(view)), "the chart's filter and the data disagree"
    if squares:
        assert messages == [], "a view with studies draws no empty-view message"
        return
    assert len(messages) == 1, f"{view} draws nothing and says nothing"
    said = EMPTY_VIEW_MESSAGE.match(messages[0])
    assert (said["condition"], said["outcome"]) == (view[0], view[2])
    pointed = _pointed_to(view, messages[0])
    assert pointed or "see the table of every row" in messages[0]
    for other in pointed:
        assert len(_studies_in(other)) > 0, f"the message of {view} points to empty {other}"
    assert not any("\u2063" in text for text in texts), "the message's rows have no label"


def test_the_combinations_with_studies_are_those_the_data_have():
    """Counted from the rows directly: each row's own view, and the randomised view of its
    condition and outcome for a meta-analysis of randomised trials."""
    with_studies = {(r.condition, r.design_group, r.outcome_choice) for r in ROWS.itertuples()} | {
        (r.condition, "randomised", r.outcome_choice)
        for r in ROWS.itertuples()
        if r.design_group == "meta-analysis, randomised trials only"
    }
    drawn = [view for view in COMBINATIONS if _drawn(view)[0] > 0]
    said = [view for view in COMBINATIONS if _drawn(view)[1]]
    assert len(drawn) == len(with_studies) and set(drawn) == with_studies
    assert len(said) == len(COMBINATIONS) - len(with_studies)


def test_menu_views_holds_every_combination_its_count_and_the_message_drawn():
    table = forest.menu_views(ROWS)
    assert list(table.columns) == forest.MENU_COLUMNS
    listed = zip(table["condition"], table["design_group"], table["outcome_choice"], strict=True)
    assert list(listed) == COMBINATIONS, "every combination once, in the menus' order"
    for row in table.itertuples():
        view = (row.condition, row.design_group, row.outcome_choice)
        assert row.n_studies == len(_studies_in(view)) == forest.in_view(ROWS, view).sum()
        assert (row.message == "") == (row.n_studies > 0)
        assert _drawn(view)[1] == ([row.message.replace("\n", " ")] if row.message else [])
        assert all(len(line) <= forest.MESSAGE_WIDTH for line in row.message.split("\n"))


def test_every_design_group_has_a_name_for_the_empty_view_message():
    assert set(forest.DESIGN_NOUNS) == set(forest.DESIGN_GROUPS)
    assert set(forest.ALSO_SHOWN) <= set(forest.DESIGN_GROUPS)


def _synthetic(ratios, lows, highs):
    """Three made-up trials in one view (labelled so; never written to data/)."""
    rows = pd.DataFrame(
        {
            "study_id": [f"synthetic-{i}" for i in range(len(ratios))],
            "label": [f"Synthetic {i}" for i in range(len(ratios))],
            "condition": "sepsis",
            "design_group": "randomised",
            "outcome_family": "all-cause mortality",
            "time_window": "day 28-30",
            "outcome_choice": "all-cause mortality, day 28-30",
            "measure": "HR",
            "ratio": ratios,
            "low": lows,
            "high": highs,
            "has_interval": True,
            "outcome": "synthetic",
            "timepoint_days": 28,
            "basis": "synthetic",
            "events_treated": pd.NA,
            "n_treated": pd.NA,
            "events_control": pd.NA,
            "n_control": pd.NA,
        }
    )
    return rows, pooled_views(rows)


def test_a_view_that_meets_the_rules_draws_pythons_diamond():
    rows, views = _synthetic([0.6, 0.8, 0.9], [0.4, 0.6, 0.7], [0.9, 1.07, 1.16])
    y = [math.log(r) for r in rows["ratio"]]
    se = [
        (math.log(h) - math.log(lo)) / (2 * 1.959963984540054)
        for lo, h in zip(rows["low"], rows["high"], strict=True)
    ]
    pooled = pool_log_ratios(y, se)
    view = views.iloc[0]
    assert view["reason"] == ""
    assert view["estimate"] == pytest.approx(pooled.estimate)
    assert (
        view["line1"]
        == f"Pooled HR {pooled.estimate:.2f} ({pooled.ci_low:.2f} to {pooled.ci_high:.2f})"
    )
    assert (
        view["line2"]
        == f"3 studies; I² {100 * pooled.i2:.0f}%; PI {pooled.pi_low:.2f} to {pooled.pi_high:.2f}"
    )
    texts = _texts(rows, views, ("sepsis", "randomised", "all-cause mortality, day 28-30"))
    assert view["line1"] in texts and view["line2"] in texts


def test_considerable_heterogeneity_draws_no_diamond_and_says_so():
    rows, views = _synthetic([0.3, 1.5, 0.35], [0.25, 1.25, 0.29], [0.36, 1.8, 0.42])
    view = views.iloc[0]
    assert view["reason"].startswith("No pooled estimate: I²") and view["reason"].endswith(
        "is 75% or more."
    )
    texts = _texts(rows, views, ("sepsis", "randomised", "all-cause mortality, day 28-30"))
    assert not any(t.startswith("Pooled") for t in texts)


def test_ratios_are_turned_so_that_below_one_favours_anakinra():
    rc = ROWS.set_index("comparison_id").loc["remapcap-anakinra-osfd"]
    assert rc["ratio"] == pytest.approx(1 / 0.99) and rc["low"] == pytest.approx(1 / 1.35)
    ana = ROWS.set_index("comparison_id").loc["anaconda-success-d14"]
    # success 26/37 vs 31/34: turned over, the ratio is above 1 (fewer successes with anakinra)
    assert ana["ratio"] == pytest.approx((31 / 34) / (26 / 37))
    opal = ROWS.set_index("comparison_id").loc["opal1997-death-d28"]
    assert opal["measure"] == "RR" and opal["ratio"] == pytest.approx((116 / 350) / (126 / 346))


def test_only_anakinra_is_plotted_and_meta_analyses_are_never_pooled():
    assert set(ROWS["intervention"]) == {"anakinra"}
    meta = VIEWS[VIEWS["design_group"].str.startswith("meta-analysis")]
    assert (meta["reason"] == "Published meta-analyses: shown, never pooled again.").all()


def test_outcome_rows_naming_an_unknown_study_are_refused():
    bad = OUTCOMES.copy()
    bad.loc[0, "study_id"] = "no-such-study"
    with pytest.raises(EffectSizeError, match=r"unknown study_id.*no-such-study"):
        forest_rows(STUDIES, bad)

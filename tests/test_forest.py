"""The forest plot shows, for every view, the studies and Python's pooled result or reason."""

from __future__ import annotations

import copy
import itertools
import math
import re

import pandas as pd
import pytest
import vl_convert
from vega_render import svg_of_spec, with_control_values

from stormbook import forest, load_dataset
from stormbook.charts import wrapped
from stormbook.effect_sizes import EffectSizeError
from stormbook.evidence import forest_rows, pooled_views
from stormbook.forest import DEFAULT_VIEW, LABEL_WIDTH, forest_chart
from stormbook.pooling import pool_log_ratios

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


@pytest.mark.parametrize("view", COMBINATIONS, ids=" | ".join)
def test_every_combination_draws_the_rows_in_view_selects(view):
    svg = svg_of_spec(
        with_control_values(SPEC, dict(zip(("condition", "design", "outcome"), view, strict=True)))
    )
    squares = svg.count('aria-roledescription="point"')  # the pooled diamond has no ARIA role
    assert squares == len(_studies_in(view)) == forest.in_view(ROWS, view).sum()


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

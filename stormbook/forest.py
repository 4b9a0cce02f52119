"""The forest plot of the anakinra evidence, with a pooled row only where pooling is honest.

The reader picks a condition, a design and an outcome (family and time window); the chart
shows every study row of that view and, from `stormbook.evidence.pooled_views`, either the
pooled estimate with its HKSJ interval and prediction interval or the reason no pooled
estimate is drawn. The pooling (Paule-Mandel, an iterative estimate) is done once, in
Python; the page only selects the view's result, so the two cannot disagree. A test renders
every view and checks the page shows Python's numbers and reasons.
"""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

from stormbook.charts import GREY, PALETTE, chart_data, wrapped, wrapped_axis

DESIGN_GROUPS = [
    "randomised",
    "randomised, post hoc subgroup",
    "non-randomised",
    "meta-analysis, randomised trials only",
    "meta-analysis, mixed designs",
]
# Beside the randomised trials, the published meta-analyses of randomised trials are shown
# (never pooled again), so the reader sees the trials and their published summaries together.
SHOWN_WITH_RANDOMISED = "meta-analysis, randomised trials only"
# The design groups a Design choice shows besides its own. The chart's study filter
# (`in_view_expression`) and the count of each view's studies (`in_view`) are both
# written from this one table.
ALSO_SHOWN = {"randomised": (SHOWN_WITH_RANDOMISED,)}
DEFAULT_VIEW = ("COVID-19", "randomised", "all-cause mortality, day 28-30")
X_DOMAIN = [0.05, 8]
LABEL_WIDTH = 22  # characters per line of a study label: two lines fit beside the plot on a phone


def _data(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return chart_data(frame[columns])


STUDY_COLUMNS = [
    "row",
    "order",
    "condition",
    "design_group",
    "outcome_choice",
    "measure",
    "ratio",
    "low",
    "high",
    "outcome",
    "timepoint_days",
    "basis",
    "n_treated",
    "events_treated",
    "n_control",
    "events_control",
]
POOLED_COLUMNS = [
    "row",
    "order",
    "condition",
    "design_group",
    "outcome_choice",
    "estimate",
    "ci_low",
    "ci_high",
    "pi_low",
    "pi_high",
    "line1",
    "line2",
    "reason",
    "k",
]


def forest_chart(rows: pd.DataFrame, views: pd.DataFrame) -> alt.LayerChart:
    """Three bound controls; study rows, a pooled row or the reason there is none."""
    condition, design, outcome = _controls(rows)
    in_pool_view = (
        "datum.condition == condition && datum.design_group == design"
        " && datum.outcome_choice == outcome"
    )
    x_scale = alt.Scale(type="log", domain=X_DOMAIN, clamp=True)
    y = alt.Y(
        "row:N",
        title=None,
        sort=alt.EncodingSortField("order"),
        axis=wrapped_axis(labelFontSize=11, labelLimit=0),
    )
    null_line = (
        alt.Chart(pd.DataFrame({"x": [1.0]}))
        .mark_rule(strokeDash=[4, 4], color=GREY["muted"])
        .encode(x=alt.X("x:Q", scale=x_scale))
    )
    return (
        alt.layer(
            null_line,
            *_study_marks(rows, in_view_expression(), x_scale, y),
            *_pooled_marks(views, in_pool_view, x_scale, y),
        )
        .add_params(condition, design, outcome)
        .properties(width="container", height=alt.Step(34))
    )


def menu_options(rows: pd.DataFrame) -> dict[str, list[str]]:
    """The choices of the condition, design and outcome menus, in the order they are offered."""
    return {
        "condition": sorted(rows["condition"].unique()),
        "design": [d for d in DESIGN_GROUPS if d in set(rows["design_group"])],
        "outcome": sorted(rows["outcome_choice"].unique()),
    }


def _controls(rows: pd.DataFrame) -> tuple[alt.Parameter, alt.Parameter, alt.Parameter]:
    """The condition, design and outcome menus, starting at `DEFAULT_VIEW`."""
    return tuple(
        alt.param(name=name, value=value, bind=alt.binding_select(options=choices, name=label))
        for (name, choices), value, label in zip(
            menu_options(rows).items(),
            DEFAULT_VIEW,
            ("Condition: ", "Design: ", "Outcome: "),
            strict=True,
        )
    )


def shown_designs(design: str) -> tuple[str, ...]:
    """The design groups whose rows the Design choice `design` shows."""
    return (design, *ALSO_SHOWN.get(design, ()))


def in_view(rows: pd.DataFrame, view: tuple[str, str, str]) -> pd.Series:
    """Which of `rows` the chart draws as studies in `view` (condition, design, outcome)."""
    condition, design, outcome = view
    return (
        rows["condition"].eq(condition)
        & rows["outcome_choice"].eq(outcome)
        & rows["design_group"].isin(shown_designs(design))
    )


def in_view_expression() -> str:
    """`in_view` as the Vega expression the chart filters its study rows with."""
    also = "".join(
        f" || (design == {json.dumps(design)}"
        f" && indexof({json.dumps(list(groups))}, datum.design_group) >= 0)"
        for design, groups in ALSO_SHOWN.items()
    )
    return (
        "datum.condition == condition && datum.outcome_choice == outcome"
        f" && (datum.design_group == design{also})"
    )


def _study_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Each study's row label (wrapped for a phone) and its order, meta-analyses last."""
    return rows.assign(
        row=wrapped(
            pd.Series(
                [
                    f"{lab}, {m}{'' if ok else ', no interval printed'}"
                    for lab, m, ok in zip(
                        rows["label"], rows["measure"], rows["has_interval"], strict=True
                    )
                ]
            ),
            LABEL_WIDTH,
        ).to_list(),
        order=[
            i + (5_000 if d.startswith("meta-analysis") else 0)
            for i, d in enumerate(rows["design_group"])
        ],
    )


def _study_marks(rows: pd.DataFrame, in_view: str, x_scale: alt.Scale, y: alt.Y) -> list:
    """A square and its interval for each study of the chosen view."""
    x = alt.X(
        "ratio:Q",
        scale=x_scale,
        title=["Ratio (log scale)", "below 1 favours the treatment"],
        axis=alt.Axis(titleAnchor="end", values=[0.1, 0.25, 0.5, 1, 2, 4]),
    )
    base = alt.Chart(_data(_study_rows(rows), STUDY_COLUMNS)).transform_filter(in_view)
    bars = base.mark_rule(strokeWidth=2).encode(y=y, x=alt.X("low:Q", scale=x_scale), x2="high:Q")
    points = base.mark_point(filled=True, size=70, shape="square", color=PALETTE[0]).encode(
        y=y,
        x=x,
        tooltip=[
            alt.Tooltip("row:N", title="Study"),
            alt.Tooltip("outcome:N", title="Outcome as printed"),
            alt.Tooltip("ratio:Q", format=".2f", title="Ratio"),
            alt.Tooltip("low:Q", format=".2f", title="Lower"),
            alt.Tooltip("high:Q", format=".2f", title="Upper"),
            alt.Tooltip("basis:N", title="From"),
            alt.Tooltip("events_treated:Q", title="Events, treated"),
            alt.Tooltip("n_treated:Q", title="n, treated"),
            alt.Tooltip("events_control:Q", title="Events, control"),
            alt.Tooltip("n_control:Q", title="n, control"),
        ],
    )
    return [bars, points]


def _pooled_marks(views: pd.DataFrame, in_pool_view: str, x_scale: alt.Scale, y: alt.Y) -> list:
    """The pooled row (prediction interval, confidence interval, diamond) and two lines of
    text above the plot: the pooled numbers, or why there is no pooled row."""
    pooled = views.assign(row=["Pooled (random effects)" for _ in range(len(views))], order=10_000)
    pooled_base = alt.Chart(_data(pooled, POOLED_COLUMNS)).transform_filter(in_pool_view)
    drawn = pooled_base.transform_filter("datum.reason == '' && isValid(datum.estimate)")
    # The pooled marks are described by the two text lines (and the table); an empty mark
    # group would otherwise be an unlabelled image to a screen reader.
    pi = drawn.mark_rule(strokeWidth=1.5, strokeDash=[3, 3], color=PALETTE[6], aria=False).encode(
        y=y, x=alt.X("pi_low:Q", scale=x_scale), x2="pi_high:Q"
    )
    ci = drawn.mark_rule(strokeWidth=4, color=PALETTE[6], aria=False).encode(
        y=y, x=alt.X("ci_low:Q", scale=x_scale), x2="ci_high:Q"
    )
    diamond = drawn.mark_point(
        shape="diamond", size=170, filled=True, color=PALETTE[6], aria=False
    ).encode(
        y=y,
        x=alt.X("estimate:Q", scale=x_scale),
        tooltip=[
            alt.Tooltip("line1:N", title="Pooled"),
            alt.Tooltip("line2:N", title="Spread"),
            alt.Tooltip("k:Q", title="Studies"),
        ],
    )
    notes = [
        pooled_base.mark_text(align="left", baseline="bottom", fontSize=12).encode(
            x=alt.value(0), y=alt.value(offset), text=f"{line}:N"
        )
        for line, offset in (("line1", -22), ("line2", -6))
    ]
    return [pi, ci, diamond, *notes]

"""The forest plot of the anakinra evidence, with a pooled row only where pooling is honest.

The reader picks a condition, a design and an outcome (family and time window); the chart
shows every study row of that view and, from `stormbook.evidence.views.pooled_views`, either the
pooled estimate with its HKSJ interval and prediction interval or the reason no pooled
estimate is drawn. The pooling (Paule-Mandel, an iterative estimate) is done once, in
Python; the page only selects the view's result, so the two cannot disagree. A test renders
every view and checks the page shows Python's numbers and reasons.

The three menus cannot depend on each other, so most combinations they offer hold no study.
`menu_views` lists every combination once, with its count of study rows (by `in_view`, the
rule the chart's filter is written from) and, for an empty one, the message the chart draws
in the plot: which view is empty and which choices have studies.
"""

from __future__ import annotations

import itertools
import json

import altair as alt
import pandas as pd

from stormbook.figures.charts import (
    GREY,
    PALETTE,
    WRAPPED_LABEL_OFFSET,
    chart_data,
    wrap_text,
    wrapped,
)

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
# What one study of a design group is called in the message of an empty view.
DESIGN_NOUNS = {
    "randomised": "randomised trial",
    "randomised, post hoc subgroup": "post hoc subgroup of a randomised trial",
    "non-randomised": "non-randomised study",
    "meta-analysis, randomised trials only": "meta-analysis of randomised trials",
    "meta-analysis, mixed designs": "meta-analysis of mixed designs",
}
DEFAULT_VIEW = ("COVID-19", "randomised", "all-cause mortality, day 28-30")
X_DOMAIN = [0.05, 8]
LABEL_WIDTH = 22  # characters per line of a study label: two lines fit beside the plot on a phone
MESSAGE_WIDTH = 38  # characters per line of an empty view's message: it fits a 360 px phone
ROW_STEP = 34  # pixels per row of the plot
MESSAGE_LINE_HEIGHT = 16  # pixels per line of the message (13 px text)
# Pixels the study labels take beside the plot (two lines of `LABEL_WIDTH` characters fit), in
# every view: the chart is laid out once, for the view it opens with, so this keeps the
# plot in place when the view changes, and an empty view's message starts in this column
# and has the width of the chart, not only of the plot.
LABEL_EXTENT = 120
MESSAGE_INDENT = 8  # pixels between the chart's left edge and the message
# The rows an empty view's message takes are named with this invisible character first, so
# the axis can leave them without a label or a tick.
HIDDEN_ROW = "\u2063"
CHOSEN = (
    "datum.condition == condition && datum.design_group == design"
    " && datum.outcome_choice == outcome"
)


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
    """Three bound controls; study rows, a pooled row or the reason there is none, or, for
    a combination without studies, a message saying so."""
    condition, design, outcome = _controls(rows)
    x_scale = alt.Scale(type="log", domain=X_DOMAIN, clamp=True)
    y = alt.Y(
        "row:N",
        title=None,
        sort=alt.EncodingSortField("order"),
        axis=_row_axis(),
    )
    choice = alt.Chart(_data(menu_views(rows), MENU_COLUMNS)).transform_filter(CHOSEN)
    null_line = (
        choice.transform_filter("datum.n_studies > 0")
        .transform_calculate(x="1")
        .mark_rule(strokeDash=[4, 4], color=GREY["muted"])
        .encode(x=alt.X("x:Q", scale=x_scale))
    )
    return (
        alt.layer(
            null_line,
            *_study_marks(rows, in_view_expression(), x_scale, y),
            *_pooled_marks(views, CHOSEN, x_scale, y),
            *_empty_view_marks(choice, y),
        )
        .add_params(condition, design, outcome)
        .properties(width="container", height=alt.Step(ROW_STEP))
    )


def _row_axis() -> alt.Axis:
    """The study labels, wrapped into lines; the rows of an empty view's message unlabelled."""
    hidden = f"indexof(datum.value, '{HIDDEN_ROW}') == 0"
    return alt.Axis(
        labelExpr=f"{hidden} ? '' : split(datum.label, '\\n')",
        labelOffset=WRAPPED_LABEL_OFFSET,
        tickOpacity={"condition": {"test": hidden, "value": 0}, "value": 1},
        labelFontSize=11,
        labelLimit=0,
        minExtent=LABEL_EXTENT,
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


MENU_COLUMNS = ["condition", "design_group", "outcome_choice", "n_studies", "message"]


def menu_views(rows: pd.DataFrame) -> pd.DataFrame:
    """Every combination the three menus offer, with its number of study rows and, when it
    has none, the message the chart draws instead (lines of at most `MESSAGE_WIDTH`)."""
    options = menu_options(rows)
    combinations = list(itertools.product(*options.values()))
    counts = {view: int(in_view(rows, view).sum()) for view in combinations}
    return pd.DataFrame(
        [
            {
                "condition": view[0],
                "design_group": view[1],
                "outcome_choice": view[2],
                "n_studies": n,
                "message": "" if n else _empty_message(view, counts, options),
            }
            for view, n in counts.items()
        ],
        columns=MENU_COLUMNS,
    )


def _quoted_list(names: list[str]) -> str:
    """Menu choices as the message names them: “a”, “b” or “c”."""
    quoted = [f"“{name}”" for name in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def _empty_message(view: tuple[str, str, str], counts: dict, options: dict) -> str:
    """Why the view is empty, and where the studies of its condition are."""
    condition, design, outcome = view
    said = f"No {DESIGN_NOUNS[design]} in this dataset reports “{outcome}” in {condition}."
    designs = [d for d in options["design"] if counts[(condition, d, outcome)]]
    if designs:
        pointer = f"For this outcome, choose Design {_quoted_list(designs)}."
    else:
        shown = {
            o: [d for d in options["design"] if counts[(condition, d, o)]]
            for o in options["outcome"]
        }
        shown = {o: ds for o, ds in shown.items() if ds}
        if len(shown) == 1:
            ((only, ds),) = shown.items()
            pointer = f"For {condition}, choose Outcome “{only}” with Design {_quoted_list(ds)}."
        else:
            pointer = f"Other outcomes have {condition} studies: see the table of every row."
    return "\n".join(wrap_text(sentence, MESSAGE_WIDTH) for sentence in (said, pointer))


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
        axis=alt.Axis(
            titleAnchor="end",
            values=[0.1, 0.25, 0.5, 1, 2, 4],
            labelOverlap="greedy",  # a phone-width axis drops a label rather than print 0.10.25
            labelSeparation=4,
        ),
    )
    base = alt.Chart(_data(_study_rows(rows), STUDY_COLUMNS)).transform_filter(in_view)
    bars = base.mark_rule(strokeWidth=2).encode(y=y, x=alt.X("low:Q", scale=x_scale), x2="high:Q")
    points = (
        base.mark_point(filled=True, size=70, shape="square", color=PALETTE[0])
        .encode(
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
        .properties(name="study_points")
    )  # named, so a test can count the squares drawn
    return [bars, points]


def _empty_view_marks(choice: alt.Chart, y: alt.Y) -> list:
    """The message of a combination without studies, drawn in the plot. Unlabelled rows
    enough for its lines (an invisible mark) give the plot room for it on any screen."""
    # One line more than the message has, for the space above and below it.
    rows_needed = (
        f"ceil((length(split(datum.message, '\\n')) + 1) * {MESSAGE_LINE_HEIGHT} / {ROW_STEP})"
    )
    rows = (
        choice.transform_filter("datum.n_studies == 0")
        .transform_calculate(band=f"sequence(0, {rows_needed})")
        .transform_flatten(["band"])
        .transform_calculate(row=f"pad('', datum.band + 1, '{HIDDEN_ROW}')", order="datum.band")
    )
    room = rows.mark_point(opacity=0, aria=False).encode(y=y)
    # A white ground over the grid lines, so nothing crosses the message.
    ground = (
        rows.transform_filter("datum.band == 0")
        .mark_rect(color="white", aria=False)
        .encode(
            x=alt.value(-LABEL_EXTENT),
            x2=alt.value("width"),
            y=alt.value(0),
            y2=alt.value("height"),
        )
    )
    message = (
        rows.transform_filter("datum.band == 0")
        .mark_text(
            align="left",
            baseline="top",
            lineBreak="\n",
            lineHeight=MESSAGE_LINE_HEIGHT,
            fontSize=13,
            dy=8 - ROW_STEP / 2,
            color=GREY["ink"],
        )
        .encode(
            x=alt.value(MESSAGE_INDENT - LABEL_EXTENT),
            y=y,
            text="message:N",
            description="message:N",
        )
    )
    return [room, ground, message]


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
        # From the labels' left edge, as the message is: a phone leaves the plot ~170 px.
        pooled_base.mark_text(align="left", baseline="bottom", fontSize=12).encode(
            x=alt.value(MESSAGE_INDENT - LABEL_EXTENT), y=alt.value(offset), text=f"{line}:N"
        )
        for line, offset in (("line1", -22), ("line2", -6))
    ]
    return [pi, ci, diamond, *notes]

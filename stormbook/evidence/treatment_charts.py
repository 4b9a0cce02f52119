"""The treatment chapter's three charts, built from the tables of `stormbook.evidence.treatment`.

Interactivity lives in the spec (menus bound to parameters), so the charts work on the
static site without a kernel; each menu is a native form control, reached and changed with
the keyboard. A chart's readout below the plot prints the numbers the tooltips show, so
nothing depends on hovering.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from stormbook.evidence.treatment import (
    COVID_VIEWS,
    HLH_VIEWS,
    SYNDROMES,
    TARGETS,
    TreatmentDataError,
)
from stormbook.figures.charts import GREY, PALETTE, chart_data

DIRECTION_COLOURS = {
    "benefit": PALETTE[2],
    "benefit, no interval": "#7FCDB4",
    "no clear effect": GREY["light"],
    "harm": PALETTE[1],
    "no control": PALETTE[5],
    "strategy": PALETTE[3],
}
ALL = "All syndromes"
LINE_PX = 16
# The readout and the legend start under the drug names (the y-axis labels), so that on a
# phone they use the chart's whole width rather than only the plot's.
READOUT_X = -120
LEGEND = {
    "benefit": "Favours the drug",
    "benefit, no interval": "Favours the drug, no interval printed",
    "no clear effect": "Interval includes no effect",
    "harm": "Favours the comparator",
    "no control": "No control: outcome under treatment",
    "strategy": "Two-drug strategy, surrogate outcome",
}


def _check(frame: pd.DataFrame, columns: list[str], name: str) -> None:
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        raise TreatmentDataError(f"{name}(): needs a table with rows")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise TreatmentDataError(f"{name}(): the table has no column(s) {missing}")


def map_rows(cells: pd.DataFrame) -> pd.DataFrame:
    """The map's cells as the chart embeds them: with the order of their row and column and
    the two lines the readout prints."""
    _check(
        cells, ["drug", "syndrome", "design_short", "direction", "result", "outcome"], "map_rows"
    )
    drug_order = {d: i for i, d in enumerate(TARGETS.values())}
    syndrome_order = {s: i for i, s in enumerate(SYNDROMES.values())}
    out = cells.assign(
        drug_order=cells["drug"].map(drug_order),
        syndrome_order=cells["syndrome"].map(syndrome_order),
        line1=cells["syndrome"] + " · " + cells["drug"] + " (" + cells["design_short"] + ")",
        line2=cells["outcome"] + ": " + cells["result"],
        line3=cells["figure_by"],
    )
    return out


def evidence_map_chart(cells: pd.DataFrame) -> alt.LayerChart:
    """Drug x syndrome: each cell coloured by the direction of the strongest design's result
    and labelled with that design; a menu filters the syndromes, another picks a drug whose
    results the readout prints (with one syndrome chosen, it prints every drug's)."""
    rows = map_rows(cells)
    drugs = list(TARGETS.values())
    syndromes = list(SYNDROMES.values())
    syndrome_pick = alt.param(
        name="syndrome_pick",
        value=ALL,
        bind=alt.binding_select(options=[ALL, *syndromes], name="Syndrome: "),
    )
    present = [d for d in drugs if d in set(rows["drug"])]
    drug_pick = alt.param(
        name="drug_pick",
        value=present[0],
        bind=alt.binding_select(options=present, name="Readout for drug: "),
    )
    in_view = f"syndrome_pick == '{ALL}' || datum.syndrome == syndrome_pick"
    base = alt.Chart(chart_data(rows)).transform_filter(in_view)
    x = alt.X(
        "syndrome:N",
        sort=syndromes,
        title=None,
        axis=alt.Axis(
            orient="top",
            # Upright names overhang the plot to the right; on a phone that narrows every column.
            labelAngle=-90,
            labelAlign="left",
            labelBaseline="middle",
            grid=True,
            tickBand="extent",
            labelLimit=110,
        ),
    )
    y = alt.Y(
        "drug:N",
        sort=drugs,
        title=None,
        axis=alt.Axis(grid=True, tickBand="extent", labelLimit=115),
    )
    tooltip = [
        alt.Tooltip("drug:N", title="Drug"),
        alt.Tooltip("syndrome_name:N", title="Syndrome"),
        alt.Tooltip("design:N", title="Strongest design"),
        alt.Tooltip("study:N", title="Study"),
        alt.Tooltip("outcome:N", title="Outcome"),
        alt.Tooltip("result:N", title="Result"),
        alt.Tooltip("direction_text:N", title="Direction"),
        alt.Tooltip("figure_by:N", title="Whose figure"),
    ]
    domain = list(DIRECTION_COLOURS)
    cells_layer = base.mark_rect(stroke="white", strokeWidth=2).encode(
        x=x,
        y=y,
        color=alt.Color(
            "direction:N",
            title="Result",
            scale=alt.Scale(domain=domain, range=[DIRECTION_COLOURS[d] for d in domain]),
            legend=alt.Legend(
                orient="none",
                legendX=READOUT_X,
                legendY=alt.expr("height + 12"),
                direction="vertical",
                labelExpr=" : ".join(f"datum.label == '{k}' ? '{v}'" for k, v in LEGEND.items())
                + " : datum.label",
                labelLimit=290,
            ),
        ),
        tooltip=tooltip,
    )
    picked = base.transform_filter(f"syndrome_pick != '{ALL}' || datum.drug == drug_pick")
    outline = picked.mark_rect(fill=None, stroke=GREY["ink"], strokeWidth=2.5).encode(x=x, y=y)
    labels = base.mark_text(fontSize=11, fontWeight="bold", color=GREY["ink"]).encode(
        x=x, y=y, text="design_short:N", tooltip=tooltip
    )
    readout = picked.transform_calculate(
        order=f"syndrome_pick == '{ALL}' ? datum.syndrome_order : datum.drug_order"
    ).transform_window(rank="row_number()", sort=[alt.SortField("order")])
    readout_layers = [
        readout.mark_text(
            align="left",
            baseline="top",
            fontSize=12,
            fontWeight=weight,
            color=GREY["ink"],
            x=READOUT_X,
            y=alt.expr(f"height + 140 + {3 * LINE_PX} * (datum.rank - 1) + {dy}"),
            limit=alt.expr(f"width - ({READOUT_X})"),
        ).encode(text=f"{field}:N")
        for field, weight, dy in (
            ("line1", "bold", 0),
            ("line2", "normal", LINE_PX),
            ("line3", "normal", 2 * LINE_PX),
        )
    ]
    return (
        alt.layer(cells_layer, outline, labels, *readout_layers)
        .add_params(syndrome_pick, drug_pick)
        .properties(
            width="container",
            height=alt.Step(34),
            padding={"left": 5, "top": 30, "right": 5, "bottom": 10},
        )
    )


def _row_texts(base: alt.Chart, y: alt.Y, x: alt.X, label: str, value: str) -> list:
    """Two lines written above each row from the left of the plot: its name (bold) and its
    numbers. The rows need no axis labels, so on a phone the plot keeps the chart's width."""
    return [
        base.mark_text(
            align="left",
            baseline="bottom",
            dy=dy,
            fontSize=12,
            fontWeight=weight,
            color=GREY["ink"],
        ).encode(x=x, y=y, text=f"{field}:N")
        for field, weight, dy in ((label, "bold", -21), (value, "normal", -8))
    ]


def _row_axis(rows: pd.DataFrame) -> alt.Y:
    """One band per row, in the table's order; the rows are named above their bars."""
    return alt.Y(
        "label:N",
        sort=list(rows["label"]),
        title=None,
        axis=None,
        scale=alt.Scale(paddingOuter=0.1),
    )


def covid_chart(rows: pd.DataFrame) -> alt.LayerChart:
    """28-day mortality ratios, one row per trial (or meta-analysis) and drug, on one log
    scale where below 1 favours the drug; a switch shows the subgroups. No pooling."""
    _check(rows, ["label", "view", "ratio", "low", "high", "numbers", "drug_class"], "covid_chart")
    view = alt.param(
        name="covid_view",
        value=COVID_VIEWS["trials"],
        bind=alt.binding_select(options=list(COVID_VIEWS.values()), name="Show: "),
    )
    data = chart_data(
        rows.assign(
            view_name=rows["view"].map(COVID_VIEWS),
            row_name=rows["label"].str.replace(": ", " · ", n=1),
        )
    )
    base = alt.Chart(data).transform_filter("datum.view_name == covid_view")
    scale = alt.Scale(type="log", domain=[0.1, 2.5])
    axis = alt.Axis(values=[0.1, 0.2, 0.5, 1, 2], format="~g")
    y = _row_axis(rows)
    classes = list(dict.fromkeys(rows["drug_class"]))
    colour = alt.Color(
        "drug_class:N",
        scale=alt.Scale(domain=classes, range=PALETTE[: len(classes)]),
        legend=None,  # the drug is named above each row
    )
    tooltip = [
        alt.Tooltip("label:N", title="Trial and drug"),
        alt.Tooltip("design:N", title="Design"),
        alt.Tooltip("shown:N", title="Death by day 28"),
        alt.Tooltip("figure_by:N", title="Whose figure"),
    ]
    null = (
        alt.Chart(pd.DataFrame({"one": [1.0]}))
        .mark_rule(color=GREY["muted"], strokeDash=[4, 3])
        .encode(x=alt.X("one:Q", scale=scale))
    )
    bars = base.mark_rule(strokeWidth=2.5).encode(
        x=alt.X(
            "low:Q",
            scale=scale,
            axis=axis,
            title=["Ratio, death by day 28 (log scale)", "below 1 favours the drug"],
        ),
        x2="high:Q",
        y=y,
        color=colour,
        tooltip=tooltip,
    )
    points = base.mark_point(filled=True, size=80, shape="square").encode(
        x=alt.X("ratio:Q", scale=scale), y=y, color=colour, tooltip=tooltip
    )
    texts = _row_texts(base, y, alt.X("x_text:Q", scale=scale), "row_name", "numbers")
    texts = [t.transform_calculate(x_text="0.1") for t in texts]
    return (
        alt.layer(null, bars, points, *texts)
        .add_params(view)
        .properties(width="container", height=alt.Step(62))
    )


def hlh_chart(rows: pd.DataFrame) -> alt.LayerChart:
    """HLH outcomes in children by era, a point with its interval where printed and the
    denominator in every row's name; a switch chooses survival, death before
    transplant or familial HLH alive without a transplant."""
    _check(rows, ["label", "view", "percent", "low", "high", "shown", "era"], "hlh_chart")
    view = alt.param(
        name="hlh_view",
        value=HLH_VIEWS["survival"],
        bind=alt.binding_select(options=list(HLH_VIEWS.values()), name="Show: "),
    )
    data = chart_data(
        rows.assign(
            view_name=rows["view"].map(HLH_VIEWS),
            row_name=rows["era"].str.split(" ").str[0] + " · " + rows["group"],
            row_value="n = " + rows["n"].astype(str) + ": " + rows["shown"],
        )
    )
    base = alt.Chart(data).transform_filter("datum.view_name == hlh_view")
    scale = alt.Scale(domain=[0, 100])
    y = _row_axis(rows)
    eras = list(dict.fromkeys(rows["era"]))
    colour = alt.Color(
        "era:N",
        scale=alt.Scale(domain=eras, range=[PALETTE[0], PALETTE[1]]),
        legend=None,  # the protocol is named above each row
    )
    tooltip = [
        alt.Tooltip("era:N", title="Protocol"),
        alt.Tooltip("group:N", title="Group"),
        alt.Tooltip("n:Q", title="Patients"),
        alt.Tooltip("shown:N", title="Result"),
    ]
    bars = base.mark_bar(size=12, opacity=0.35).encode(
        x=alt.X(
            "percent:Q",
            scale=scale,
            title="Percent of the group",
            axis=alt.Axis(values=[0, 25, 50, 75, 100]),
        ),
        y=y,
        color=colour,
        tooltip=tooltip,
    )
    whiskers = (
        base.transform_filter("isValid(datum.low)")
        .mark_rule(strokeWidth=2)
        .encode(x=alt.X("low:Q", scale=scale), x2="high:Q", y=y, color=colour)
    )
    points = base.mark_point(filled=True, size=60).encode(
        x=alt.X("percent:Q", scale=scale), y=y, color=colour, tooltip=tooltip
    )
    texts = _row_texts(base, y, alt.X("x_text:Q", scale=scale), "row_name", "row_value")
    texts = [t.transform_calculate(x_text="0") for t in texts]
    return (
        alt.layer(bars, whiskers, points, *texts)
        .add_params(view)
        .properties(width="container", height=alt.Step(62))
    )

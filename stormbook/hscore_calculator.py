"""An HScore calculator that runs in the reader's browser, built from the points table.

The static site has no Python kernel, so the calculator is a Vega-Lite spec: each HScore
variable is a parameter bound to a control, and the points are Vega expressions. Those
expressions are generated here from the same `hscore-points` rows that `stormbook.scores.hscore`
reads, so the browser and the Python function cannot drift apart unnoticed (a test renders
the spec with real Vega and compares the two on a grid of inputs).
"""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

from stormbook.charts import PALETTE, describe
from stormbook.scores import (
    HSCORE_VARIABLES,
    hscore_categories,
    hscore_cutoff,
    hscore_maximum,
    hscore_points_table,
    hscore_probability_rules,
    hscore_probability_table,
)

# Parameter (Vega signal) name, control label and control for each variable.
ITEM_LABELS = {
    "known_underlying_immunosuppression": "Immunosuppression",
    "temperature": "Temperature",
    "organomegaly": "Organomegaly",
    "number_of_cytopenias": "Cytopenias",
    "ferritin": "Ferritin",
    "triglycerides": "Triglycerides",
    "fibrinogen": "Fibrinogen",
    "aspartate_aminotransferase": "AST",
    "haemophagocytosis_on_bone_marrow_aspirate": "Marrow HPC",
}
CONTROL_LABELS = {
    "known_underlying_immunosuppression": "Known immunosuppression",
    "haemophagocytosis_on_bone_marrow_aspirate": "Haemophagocytosis on marrow aspirate",
}
SIGNALS = {variable: f"hs_{parameter}" for variable, (parameter, _) in HSCORE_VARIABLES.items()}
# Slider ranges and steps: wide enough to cross every band limit, steps that land on each limit.
SLIDERS = {
    "temperature": (35.0, 42.0, 0.1, "Temperature (°C): "),
    "ferritin": (0, 15000, 50, "Ferritin (ng/mL): "),
    "triglycerides": (0.0, 10.0, 0.1, "Triglycerides (mmol/L): "),
    "fibrinogen": (0.0, 8.0, 0.1, "Fibrinogen (g/L): "),
    "aspartate_aminotransferase": (0, 300, 1, "AST (IU/L): "),
}
DEFAULTS = {
    "known_immunosuppression": False,
    "temperature_c": 37.0,
    "organomegaly": "none",
    "cytopenia_lineages": 1,
    "ferritin_ng_per_ml": 500.0,
    "triglycerides_mmol_per_l": 1.0,
    "fibrinogen_g_per_l": 3.0,
    "ast_iu_per_l": 20.0,
    "marrow_haemophagocytosis": False,
}


def _js(value) -> str:
    return json.dumps(value)


def _band_condition(signal: str, row: pd.Series) -> str:
    parts = []
    if not pd.isna(row["lower"]):
        parts.append(f"{signal} {'>=' if row['lower_inclusive'] else '>'} {float(row['lower'])!r}")
    if not pd.isna(row["upper"]):
        parts.append(f"{signal} {'<=' if row['upper_inclusive'] else '<'} {float(row['upper'])!r}")
    return " && ".join(parts) if parts else "true"


def points_expression(variable: str) -> str:
    """The Vega expression giving the points of one variable, from its rows in the data."""
    rows = hscore_points_table()
    rows = rows[rows["variable"] == variable]
    signal = SIGNALS[variable]
    branches = []
    if variable == "number_of_cytopenias":
        branches.append(f"({signal} == 0) ? 0")  # no published row: scored 0 (see scores.py)
    for _, row in rows.iterrows():
        if HSCORE_VARIABLES[variable][1] is None:
            condition = f"{signal} == {_js(row['band_label'])}"
        else:
            condition = _band_condition(signal, row)
        branches.append(f"({condition}) ? {int(row['points'])}")
    return " : ".join(branches) + " : NaN"


def _two_lines(label: str) -> str:
    """Break a probability label before its 'HScore ...' part, so it fits a phone screen."""
    if " (HScore" in label:
        return label.replace(" (HScore", "\n(HScore", 1)
    return label.replace(" HScore", "\nHScore", 1)


def _probability_expression(total: str = "datum.total") -> str:
    """Vega expression for `scores.hscore_published_probability`: the same rules and the same
    words (`scores.hscore_probability_rules`), broken over two lines."""
    conditions = {
        "at_or_below": lambda low, high: f"{total} <= {high}",
        "at_or_above": lambda low, high: f"{total} >= {low}",
        "point": lambda low, high: f"{total} == {low}",
        "between": lambda low, high: f"{total} > {low} && {total} < {high}",
    }
    branches = [f"({conditions[kind](low, high)}) ? {_js(_two_lines(text))}"
                for kind, low, high, text in hscore_probability_rules()]
    return " : ".join(branches) + " : ''"


def _param(variable: str, value):
    signal = SIGNALS[variable]
    if variable in SLIDERS:
        low, high, step, name = SLIDERS[variable]
        return alt.param(name=signal, value=value,
                         bind=alt.binding_range(min=low, max=high, step=step, name=name))
    if variable == "number_of_cytopenias":
        return alt.param(name=signal, value=value, bind=alt.binding_select(
            options=[0, 1, 2, 3], labels=["0", "1", "2", "3"], name="Cytopenic lineages: "))
    if variable == "organomegaly":
        options = hscore_categories("organomegaly")
        return alt.param(name=signal, value=value,
                         bind=alt.binding_select(options=options, name="Organomegaly: "))
    options = hscore_categories(variable)  # 'no' / 'yes'
    return alt.param(name=signal, value="yes" if value else "no",
                     bind=alt.binding_select(options=options, name=CONTROL_LABELS[variable] + ": "))


LABEL_WIDTH = 142  # room for the variable names left of the bars; the text starts there too


def hscore_calculator_chart(initial: dict | None = None, width: int = 190) -> alt.VConcatChart:
    """The calculator: controls for the nine variables, the total against the cut-off and the
    published probability points, and the points of each variable. `initial` sets the
    controls' starting values (keys as in `scores.hscore`)."""
    values = {**DEFAULTS, **(initial or {})}
    unknown = set(values) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"initial: unknown inputs {sorted(unknown)}")
    params = [_param(variable, values[parameter])
              for variable, (parameter, _) in HSCORE_VARIABLES.items()]
    cutoff, maximum = hscore_cutoff(), hscore_maximum()
    items = pd.DataFrame({
        "variable": list(HSCORE_VARIABLES),
        "item": [ITEM_LABELS[v] for v in HSCORE_VARIABLES],
        "order": range(len(HSCORE_VARIABLES)),
    })
    points = " : ".join(f"(datum.variable == {_js(v)}) ? ({points_expression(v)})"
                        for v in HSCORE_VARIABLES) + " : NaN"
    base = alt.Chart(items).transform_calculate(points=points)

    totals = base.transform_aggregate(total="sum(points)").transform_calculate(
        line1=f"'HScore total: ' + datum.total + ' of {maximum}'",
        line2=(f"datum.total >= {cutoff} ? 'At or above the cut-off ({cutoff})' "
               f": 'Below the cut-off ({cutoff})'"),
        line3=_probability_expression(),
    )
    summary = alt.layer(
        *[totals.mark_text(align="left", baseline="top", fontSize=size, fontWeight=weight, lineBreak="\n")
          .encode(text=f"{field}:N", x=alt.value(-LABEL_WIDTH), y=alt.value(offset))
          for field, offset, size, weight in (("line1", 0, 16, "bold"), ("line2", 24, 13, "normal"),
                                               ("line3", 44, 13, "normal"))]
    ).properties(width=width, height=76)

    probability = hscore_probability_table().assign(
        hscore=lambda t: t["hscore"].astype(int),
        printed=lambda t: t["probability_percent"] + "%",
        percent=lambda t: t["probability_percent"].str.strip("<>").astype(float),
    )
    x = alt.X("hscore:Q", title="HScore", scale=alt.Scale(domain=[0, maximum]))
    published = alt.Chart(probability).mark_point(shape="circle", filled=True, color=PALETTE[0]).encode(
        x=x, y=alt.Y("percent:Q", title="Published probability (%)", scale=alt.Scale(domain=[0, 100])),
        tooltip=[alt.Tooltip("hscore:Q", title="HScore"), alt.Tooltip("printed:N", title="Probability")],
    )
    cut = alt.Chart(pd.DataFrame({"hscore": [cutoff], "label": [f"cut-off {cutoff}"]}))
    cut_rule = cut.mark_rule(strokeDash=[6, 4], color="#555555").encode(x=x)
    cut_text = cut.mark_text(align="right", dx=-4, y=8, color="#333333").encode(x=x, text="label:N")
    patient = totals.transform_calculate(hscore="datum.total", label="'this patient'")
    patient_rule = patient.mark_rule(color=PALETTE[1], strokeWidth=3).encode(x=x)
    # The label sits on whichever side of the line has room.
    patient_text_right = patient.transform_filter(f"datum.hscore <= {maximum / 2}").mark_text(
        align="left", dx=4, y=100, color=PALETTE[1], fontWeight="bold").encode(x=x, text="label:N")
    patient_text_left = patient.transform_filter(f"datum.hscore > {maximum / 2}").mark_text(
        align="right", dx=-4, y=100, color=PALETTE[1], fontWeight="bold").encode(x=x, text="label:N")
    gauge = alt.layer(published, cut_rule, cut_text, patient_rule, patient_text_right,
                      patient_text_left).properties(
        width=width, height=150)

    bars = base.mark_bar(color=PALETTE[0]).encode(
        y=alt.Y("item:N", sort=alt.SortField("order"), title=None, axis=alt.Axis(labelLimit=LABEL_WIDTH - 8)),
        x=alt.X("points:Q", title="Points", scale=alt.Scale(
            domain=[0, int(hscore_points_table()["points"].max()) + 10], nice=False)),
        tooltip=[alt.Tooltip("item:N", title="Variable"), alt.Tooltip("points:Q", title="Points")],
    )
    labels = base.mark_text(align="left", dx=3).encode(
        y=alt.Y("item:N", sort=alt.SortField("order")), x="points:Q", text="points:Q")
    parts = alt.layer(bars, labels).properties(width=width, height=220)

    chart = alt.vconcat(summary, gauge, parts, spacing=14).add_params(*params)
    return describe(
        chart,
        "HScore calculator",
        (f"Interactive HScore calculator. Nine controls set the variables; the chart shows the "
         f"total (0 to {maximum}), whether it is at or above the published cut-off of {cutoff}, "
         f"the total as a vertical line among the {len(probability)} published score-to-probability "
         "points, and a bar for the points of each variable."),
    )

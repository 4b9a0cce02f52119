"""The HScore (Fardet et al. 2014) as an in-page calculator and its Python twin."""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd

from stormbook import instruments
from stormbook.calculators.vega_helpers import (
    _checked_initial,
    _js,
    _lab_label,
    _missing,
    _num,
    _number_param,
    _range_test,
    _select_param,
    _template_expression,
    _unit_range_test,
    _units_param,
    _wrapped,
    check_text,
)
from stormbook.figures.charts import GREY, PALETTE, describe
from stormbook.instruments import (
    HSCORE_VARIABLES,
    PLAUSIBLE_RANGES,
    hscore_categories,
    hscore_cutoff,
    hscore_maximum,
    hscore_points_table,
    hscore_probability_rules,
    hscore_probability_table,
)
from stormbook.instruments import units as _units

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
    "known_underlying_immunosuppression": "Known immunosuppression: ",
    "temperature": "Temperature (°C): ",
    "organomegaly": "Organomegaly: ",
    "number_of_cytopenias": "Cytopenic lineages: ",
    "ferritin": "Ferritin: ",
    "triglycerides": "Triglycerides: ",
    "fibrinogen": "Fibrinogen: ",
    "aspartate_aminotransferase": "AST (IU/L): ",
    "haemophagocytosis_on_bone_marrow_aspirate": "Haemophagocytosis on marrow aspirate: ",
}
SIGNALS = {variable: f"hs_{parameter}" for variable, (parameter, _) in HSCORE_VARIABLES.items()}
# Variables whose value the unit system changes (analyte in `unit-conversions`).
HSCORE_ANALYTES = {
    "ferritin": "ferritin",
    "triglycerides": "triglycerides",
    "fibrinogen": "fibrinogen",
}
NOT_KNOWN = "not known"
HSCORE_DEFAULTS = {
    "units": "SI",
    "known_immunosuppression": False,
    "temperature_c": 37.0,
    "organomegaly": "none",
    "cytopenia_lineages": 1,
    "ferritin": 500.0,
    "triglycerides": 1.0,
    "fibrinogen": 3.0,
    "ast_iu_per_l": 20.0,
    "marrow_haemophagocytosis": False,
}
# The words of the HScore summary (Python twin and page).
HSCORE_TEXT = {
    "total": "HScore total: {total} of {maximum}",
    "range": "HScore between {low} and {high} of {maximum}",
    "missing": "{n} of 9 not measured: the score needs all nine",
    "above": "At or above the cut-off ({cutoff})",
    "below": "Below the cut-off ({cutoff})",
    "either": "Could fall on either side of the cut-off ({cutoff})",
}


@dataclass(frozen=True)
class HScorePage:
    """What the HScore calculator states: three lines, and the total or the range behind them."""

    lines: tuple[str, str, str]
    total: int | None
    low: int
    high: int


def hscore_entries(
    *,
    units: str,
    known_immunosuppression,
    temperature_c,
    organomegaly,
    cytopenia_lineages,
    ferritin,
    triglycerides,
    fibrinogen,
    ast_iu_per_l,
    marrow_haemophagocytosis,
) -> HScorePage:
    """The Python twin of the HScore calculator: ferritin, triglycerides and fibrinogen in
    `units`; any input may be None (not measured / not known), giving a range."""
    u = _units
    system = u.system(units)

    def si(name, analyte, value):
        return u.convert(analyte, u.entry(name, analyte, value, system), system, "SI")

    inputs = dict(
        known_immunosuppression=known_immunosuppression,
        temperature_c=temperature_c,
        organomegaly=organomegaly,
        cytopenia_lineages=cytopenia_lineages,
        ferritin_ng_per_ml=si("ferritin", "ferritin", ferritin),
        triglycerides_mmol_per_l=si("triglycerides", "triglycerides", triglycerides),
        fibrinogen_g_per_l=si("fibrinogen", "fibrinogen", fibrinogen),
        ast_iu_per_l=ast_iu_per_l,
        marrow_haemophagocytosis=marrow_haemophagocytosis,
    )
    cutoff, maximum = hscore_cutoff(), hscore_maximum()
    spread = instruments.hscore_range(**inputs)
    if not spread.not_measured:
        result = instruments.hscore(**inputs)
        side = "above" if result.at_or_above_cutoff else "below"
        lines = (
            HSCORE_TEXT["total"].format(total=result.total, maximum=maximum),
            HSCORE_TEXT[side].format(cutoff=cutoff),
            result.probability,
        )
        return HScorePage(lines, result.total, result.total, result.total)
    side = "above" if spread.low >= cutoff else "below" if spread.high < cutoff else "either"
    lines = (
        HSCORE_TEXT["range"].format(low=spread.low, high=spread.high, maximum=maximum),
        HSCORE_TEXT["missing"].format(n=len(spread.not_measured)),
        HSCORE_TEXT[side].format(cutoff=cutoff),
    )
    return HScorePage(lines, None, spread.low, spread.high)


def _hscore_value(variable: str) -> str:
    """Vega expression of a numeric HScore variable in the unit of the points table."""
    signal = SIGNALS[variable]
    if variable in HSCORE_ANALYTES:
        return _units.convert_expression(HSCORE_ANALYTES[variable], _num(signal), "hs_units", "SI")
    return _num(signal)


def _band_condition(value: str, row: pd.Series) -> str:
    parts = []
    if not pd.isna(row["lower"]):
        parts.append(f"{value} {'>=' if row['lower_inclusive'] else '>'} {float(row['lower'])!r}")
    if not pd.isna(row["upper"]):
        parts.append(f"{value} {'<=' if row['upper_inclusive'] else '<'} {float(row['upper'])!r}")
    return " && ".join(parts) if parts else "true"


def points_expression(variable: str) -> str:
    """The Vega expression giving the points of one variable, from its rows in the data (NaN when
    the variable is not measured)."""
    rows = hscore_points_table()
    rows = rows[rows["variable"] == variable]
    signal = SIGNALS[variable]
    categorical = HSCORE_VARIABLES[variable][1] is None
    value = signal if categorical else _hscore_value(variable)
    branches = [
        f"({signal} == {_js(NOT_KNOWN)}) ? NaN" if categorical else f"({_missing(signal)}) ? NaN"
    ]
    if variable == "number_of_cytopenias":
        branches.append(
            f"({value} == 0) ? 0"
        )  # no published row: scored 0 (see stormbook/instruments/hscore.py)
    for _, row in rows.iterrows():
        condition = (
            f"{value} == {_js(row['band_label'])}" if categorical else _band_condition(value, row)
        )
        branches.append(f"({condition}) ? {int(row['points'])}")
    return " : ".join(branches) + " : NaN"


def _hscore_out_of_range() -> dict[str, str]:
    """Each numeric HScore entry's label -> Vega test that its value is out of range."""
    tests = {}
    for variable, (parameter, _) in HSCORE_VARIABLES.items():
        if HSCORE_VARIABLES[variable][1] is None or variable == "number_of_cytopenias":
            continue
        signal = SIGNALS[variable]
        if variable in HSCORE_ANALYTES:
            ok = _unit_range_test(signal, HSCORE_ANALYTES[variable], "hs_units")
        else:
            low, high = PLAUSIBLE_RANGES[parameter]
            ok = _range_test(_num(signal), low, high)
        label = CONTROL_LABELS[variable].rstrip(": ")
        if not label[:2].isupper():  # "Ferritin" -> "ferritin"; "AST (IU/L)" stays
            label = label[0].lower() + label[1:]
        tests[label] = f"(!{_missing(signal)} && !{ok})"
    return tests


def _hscore_invalid_expression() -> str:
    return " || ".join(_hscore_out_of_range().values())


def _hscore_check_expression() -> str:
    """The check text naming the first entry out of range (none: an empty string)."""
    branches = [
        f"{test} ? {_js(_wrapped(check_text(label), 40))}"
        for label, test in _hscore_out_of_range().items()
    ]
    return " : ".join(branches) + " : ''"


def _two_lines(label: str) -> str:
    """Break a probability label before its 'HScore ...' part, so it fits a phone screen."""
    if " (HScore" in label:
        return label.replace(" (HScore", "\n(HScore", 1)
    return label.replace(" HScore", "\nHScore", 1)


def _probability_expression(total: str = "datum.total") -> str:
    """Vega expression for `instruments.hscore_published_probability`: the same rules and the same
    words (`instruments.hscore_probability_rules`), broken over two lines."""
    conditions = {
        "at_or_below": lambda low, high: f"{total} <= {high}",
        "at_or_above": lambda low, high: f"{total} >= {low}",
        "point": lambda low, high: f"{total} == {low}",
        "between": lambda low, high: f"{total} > {low} && {total} < {high}",
    }
    branches = [
        f"({conditions[kind](low, high)}) ? {_js(_two_lines(text))}"
        for kind, low, high, text in hscore_probability_rules()
    ]
    return " : ".join(branches) + " : ''"


def _hscore_param(variable: str, value):
    signal = SIGNALS[variable]
    label = CONTROL_LABELS[variable]
    if variable in HSCORE_ANALYTES:
        label = _lab_label(label.rstrip(": "), HSCORE_ANALYTES[variable])
    if variable == "number_of_cytopenias":
        options = [0, 1, 2, 3, NOT_KNOWN]
        return _select_param(
            signal,
            label,
            options,
            NOT_KNOWN if value is None else value,
            labels=["0", "1", "2", "3", NOT_KNOWN],
        )
    if HSCORE_VARIABLES[variable][1] is not None:  # numeric
        return _number_param(signal, label, value)
    if variable == "organomegaly":
        options = [*hscore_categories("organomegaly"), NOT_KNOWN]
        return _select_param(signal, label, options, NOT_KNOWN if value is None else value)
    options = [*hscore_categories(variable), NOT_KNOWN]  # 'no' / 'yes'
    choice = NOT_KNOWN if value is None else ("yes" if value else "no")
    return _select_param(signal, label, options, choice)


LABEL_WIDTH = 142  # room for the variable names left of the bars; the text starts there too


def hscore_controls(initial: dict | None = None) -> list[alt.Parameter]:
    """The HScore calculator's controls set to `initial` (keys as in `hscore_entries`)."""
    values = _checked_initial(initial, HSCORE_DEFAULTS)
    names = {
        "ferritin_ng_per_ml": "ferritin",
        "triglycerides_mmol_per_l": "triglycerides",
        "fibrinogen_g_per_l": "fibrinogen",
    }
    return [_units_param("hs_units", values["units"])] + [
        _hscore_param(variable, values[names.get(parameter, parameter)])
        for variable, (parameter, _) in HSCORE_VARIABLES.items()
    ]


def hscore_calculator_chart(initial: dict | None = None, width: int = 190) -> alt.VConcatChart:
    """The calculator: controls for the unit system and the nine variables, the total (or its
    range when something is not measured) against the cut-off and the published probability
    table, and the points of each variable. `initial` sets the controls (keys as in
    `hscore_entries`)."""
    cutoff, maximum = hscore_cutoff(), hscore_maximum()
    base = _hscore_points_base()
    totals = _hscore_totals(base, cutoff, maximum)
    probability = _hscore_probability_points()
    chart = alt.vconcat(
        _hscore_summary(totals, width),
        _hscore_gauge(totals, probability, cutoff, maximum, width),
        _hscore_bars(base, width),
        spacing=14,
    ).add_params(*hscore_controls(initial))
    return describe(
        chart,
        "HScore calculator",
        (
            f"Interactive HScore calculator. Controls set the unit system and the nine variables (empty "
            f"or 'not known' means not measured). The chart shows the total (0 to {maximum}) or, when "
            f"something is not measured, the range it could take; whether it is at or above the published "
            f"cut-off of {cutoff}; the total as a vertical line (or the range as a band) among the "
            f"{len(probability)} published score-to-probability points; and a bar for the points of "
            "each variable."
        ),
    )


def _hscore_points_base() -> alt.Chart:
    """One row per variable with its points at the current controls, or, when it is not
    measured, the fewest and most points it could add (`low`, `high`, `missing`)."""
    table = hscore_points_table()
    items = pd.DataFrame(
        {
            "variable": list(HSCORE_VARIABLES),
            "item": [ITEM_LABELS[v] for v in HSCORE_VARIABLES],
            "order": range(len(HSCORE_VARIABLES)),
            "fewest": [
                0
                if v == "number_of_cytopenias"
                else int(table.loc[table["variable"] == v, "points"].min())
                for v in HSCORE_VARIABLES
            ],
            "most": [
                int(table.loc[table["variable"] == v, "points"].max()) for v in HSCORE_VARIABLES
            ],
        }
    )
    points = (
        " : ".join(
            f"(datum.variable == {_js(v)}) ? ({points_expression(v)})" for v in HSCORE_VARIABLES
        )
        + " : NaN"
    )
    return (
        alt.Chart(items)
        .transform_calculate(points=points)
        .transform_calculate(
            low="isValid(datum.points) ? datum.points : datum.fewest",
            high="isValid(datum.points) ? datum.points : datum.most",
            missing="isValid(datum.points) ? 0 : 1",
        )
    )


def _hscore_totals(base: alt.Chart, cutoff: int, maximum: int) -> alt.Chart:
    """The total (or its range) and the three lines of the verdict, in the words of
    `HSCORE_TEXT`, which Python's `hscore` also prints."""
    fields = {
        "total": "datum.total",
        "maximum": str(maximum),
        "low": "datum.low",
        "high": "datum.high",
        "n": "datum.missing",
        "cutoff": str(cutoff),
    }

    def text(key: str) -> str:
        return _template_expression(HSCORE_TEXT[key], fields)

    complete = "datum.missing == 0"
    return (
        base.transform_aggregate(low="sum(low)", high="sum(high)", missing="sum(missing)")
        .transform_calculate(
            total=f"{complete} ? datum.low : NaN",
            invalid=_hscore_invalid_expression(),
            check=_hscore_check_expression(),
        )
        .transform_calculate(
            line1=(f"datum.invalid ? datum.check : {complete} ? {text('total')} : {text('range')}"),
            line2=(
                f"datum.invalid ? '' : {complete} ? (datum.total >= {cutoff} ? "
                f"{text('above')} : {text('below')}) : {text('missing')}"
            ),
            line3=(
                f"datum.invalid ? '' : {complete} ? ({_probability_expression()}) "
                f": datum.low >= {cutoff} ? {text('above')} "
                f": datum.high < {cutoff} ? {text('below')} "
                f": {text('either')}"
            ),
        )
    )


def _hscore_summary(totals: alt.Chart, width: int) -> alt.LayerChart:
    """The verdict as three lines of text above the gauge."""
    return alt.layer(
        *[
            totals.mark_text(
                align="left", baseline="top", fontSize=size, fontWeight=weight, lineBreak="\n"
            )
            .encode(text=f"{field}:N", x=alt.value(-LABEL_WIDTH), y=alt.value(offset))
            .properties(name=name)
            for field, offset, size, weight, name in (
                ("line1", 0, 16, "bold", "heading"),
                ("line2", 40, 13, "normal", "verdict"),
                ("line3", 60, 13, "normal", "verdict_detail"),
            )
        ]
    ).properties(width=width, height=92)


def _hscore_probability_points() -> pd.DataFrame:
    """The published score-to-probability points, with their printed form for tooltips."""
    return hscore_probability_table().assign(
        hscore=lambda t: t["hscore"].astype(int),
        printed=lambda t: (
            t["comparator"].map({"<=": "≤", ">=": "≥", "==": ""}) + t["hscore"].astype(str)
        ),
        probability=lambda t: t["probability_percent"] + "%",
        percent=lambda t: t["probability_percent"].str.strip("<>").astype(float),
    )


def _hscore_gauge(
    totals: alt.Chart, probability: pd.DataFrame, cutoff: int, maximum: int, width: int
) -> alt.LayerChart:
    """The patient's total (a line) or range (a band) among the published probability points,
    with the cut-off."""
    x = alt.X("hscore:Q", title="HScore", scale=alt.Scale(domain=[0, maximum]))
    published = (
        alt.Chart(probability)
        .mark_point(shape="circle", filled=True, color=PALETTE[0])
        .encode(
            x=x,
            y=alt.Y(
                "percent:Q", title="Published probability (%)", scale=alt.Scale(domain=[0, 100])
            ),
            tooltip=[
                alt.Tooltip("printed:N", title="HScore"),
                alt.Tooltip("probability:N", title="Probability"),
            ],
        )
    )
    cut = alt.Chart(pd.DataFrame({"hscore": [cutoff], "label": [f"cut-off {cutoff}"]}))
    cut_rule = cut.mark_rule(strokeDash=[6, 4], color=GREY["line"]).encode(x=x)
    cut_text = cut.mark_text(align="right", dx=-4, y=8, color=GREY["text"]).encode(
        x=x, text="label:N"
    )
    patient = totals.transform_filter("isValid(datum.total) && !datum.invalid").transform_calculate(
        hscore="datum.total", label="'this patient'"
    )
    span = totals.transform_filter("!isValid(datum.total) && !datum.invalid").transform_calculate(
        hscore="datum.low", hscore2="datum.high"
    )
    span_band = span.mark_rect(color=PALETTE[1], opacity=0.25, aria=False).encode(
        x=x, x2="hscore2:Q"
    )
    patient_rule = patient.mark_rule(color=PALETTE[1], strokeWidth=3).encode(x=x)
    # The label sits on whichever side of the line has room.
    patient_labels = [
        patient.transform_filter(f"datum.hscore {test} {maximum / 2}")
        .mark_text(align=align, dx=dx, y=100, color=PALETTE[1], fontWeight="bold")
        .encode(x=x, text="label:N")
        for test, align, dx in (("<=", "left", 4), (">", "right", -4))
    ]
    return alt.layer(
        span_band, published, cut_rule, cut_text, patient_rule, *patient_labels
    ).properties(width=width, height=150)


def _hscore_bars(base: alt.Chart, width: int) -> alt.LayerChart:
    """A bar for the points of each variable, or 'not measured'."""
    most = int(hscore_points_table()["points"].max())
    y = alt.Y("item:N", sort=alt.EncodingSortField("order", op="min"), title=None)
    bars = base.mark_bar(color=PALETTE[0]).encode(
        y=y.axis(labelLimit=LABEL_WIDTH - 8),
        x=alt.X("points:Q", title="Points", scale=alt.Scale(domain=[0, most + 10], nice=False)),
        tooltip=[alt.Tooltip("item:N", title="Variable"), alt.Tooltip("points:Q", title="Points")],
    )
    labels = (
        base.transform_calculate(
            shown="isValid(datum.points) ? '' + datum.points : 'not measured'",
            at="isValid(datum.points) ? datum.points : 0",
        )
        .mark_text(align="left", dx=3)
        .encode(
            y=alt.Y("item:N", sort=alt.EncodingSortField("order", op="min")),
            x="at:Q",
            text="shown:N",
        )
    )
    return alt.layer(bars, labels).properties(width=width, height=220)

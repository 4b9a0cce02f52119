"""The four instruments as calculators that run in the reader's browser, and their Python twins.

The static site has no Python kernel, so each calculator is a Vega-Lite spec: every input is
a parameter bound to a control, and the result is a Vega expression. The expressions are
generated here from the same rows of `data/` that `stormbook.scores` reads (thresholds,
points, grades), with the same words (`scores.HLH2004_TEXT`, `MAS2016_TEXT`, `ASTCT_TEXT`,
`hscore_probability_rules`, and `HSCORE_TEXT` below), so the page and Python cannot drift
apart unnoticed: tests render each spec with real Vega (vl-convert) on grids that cross every
threshold and compare what is drawn with the Python twin.

Each twin (`hlh2004_entries`, `mas2016_entries`, `hscore_entries`, `astct_entries`) takes
the inputs as the page does: laboratory values in the unit system chosen ('SI' or
'conventional'), None for "not measured" (never the same as normal), and raises
`ScoreInputError` naming the input and its unit for a bad value. The page shows "check the
value" where the twin raises.

Laboratory values in the other unit system are converted with the sourced factors of
`data/unit-conversions.csv` (`stormbook.units`), except where an instrument prints the
threshold in both units (HLH-2004 triglycerides and fibrinogen): then the value is compared
with the threshold printed in its own unit.

Teaching code, not a clinical tool: no calculator gives treatment advice.
"""

from __future__ import annotations

import json
import string
import textwrap
from dataclasses import dataclass

import altair as alt
import pandas as pd

from stormbook import scores
from stormbook import units as _units
from stormbook.charts import ALERT, GREY, PALETTE, describe
from stormbook.datasets import load_dataset
from stormbook.scores import (
    ASTCT_TEXT,
    HLH2004_TEXT,
    HSCORE_VARIABLES,
    MAS2016_TEXT,
    PLAUSIBLE_RANGES,
    ScoreInputError,
    hscore_categories,
    hscore_cutoff,
    hscore_maximum,
    hscore_points_table,
    hscore_probability_rules,
    hscore_probability_table,
)

WIDTH = 320  # every calculator fits a 390 px phone
WRAP = 46  # characters per line of a verdict
# Criteria calculators mark the entry beside its criterion; single-verdict ones name it.
CHECK_TEXT = (
    "check the entries marked 'check the value': a value is outside the plausible range "
    "for the unit chosen"
)
MISSING_TEMPERATURE_TEXT = (
    "enter the temperature: the grade needs it unless antipyretic or anticytokine therapy "
    "followed established CRS"
)


def check_text(field: str) -> str:
    """What a calculator says when the entry `field` is outside its plausible range."""
    return f"check the {field}: the value is outside the plausible range for the unit chosen"


STATUS_TEXT = {1: "met", 0: "not met", -1: "not assessed", -2: "check the value"}
TRI = ["not assessed", "no", "yes"]  # a finding: unknown, absent, present
YES_NO = ["no", "yes"]


# ------------------------------------------------------------------------- shared helpers


def _js(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _wrapped(template: str, width: int = WRAP) -> str:
    """A verdict template broken into lines (never inside a word or a {field})."""
    return "\n".join(textwrap.wrap(template, width, break_long_words=False, break_on_hyphens=False))


def _template_expression(template: str, fields: dict[str, str]) -> str:
    """Vega expression for `template.format(...)`, each {field} replaced by an expression."""
    parts = []
    for literal, field, _, _ in string.Formatter().parse(template):
        if literal:
            parts.append(_js(literal))
        if field is not None:
            parts.append(f"({fields[field]})")
    return " + ".join(parts) if parts else "''"


def _verdict_expression(parts: list[str]) -> str:
    """Join expressions of verdict parts as the Python verdicts join them ('; '), one part
    per line block."""
    return " + ';\\n' + ".join(parts)


def _tri(value) -> str:
    """A finding as the page's menu shows it."""
    return {None: "not assessed", False: "no", True: "yes"}[value]


def _from_tri(name: str, value: str):
    try:
        return {"not assessed": None, "no": False, "yes": True}[value]
    except (KeyError, TypeError):
        raise ScoreInputError(f"{name}: expected one of {TRI}, got {value!r}") from None


def _num(signal: str) -> str:
    return f"toNumber({signal})"


def _missing(signal: str) -> str:
    return f"!isValid(toNumber({signal}))"


def _range_test(value: str, low: float, high: float) -> str:
    return f"({value} >= {low!r} && {value} <= {high!r})"


def _unit_range_test(signal: str, analyte: str, units_signal: str) -> str:
    si_low, si_high = _units.plausible_range(analyte, "SI")
    conv_low, conv_high = _units.plausible_range(analyte, "conventional")
    value = _num(signal)
    return (
        f"({units_signal} == 'SI' ? {_range_test(value, si_low, si_high)} "
        f": {_range_test(value, conv_low, conv_high)})"
    )


def _compare(value: str, comparator: str, threshold: float) -> str:
    if comparator not in ("<", "<=", ">", ">="):
        raise scores.ScoreDataError(f"unknown comparator {comparator!r}")
    return f"({value} {comparator} {threshold!r})"


def _status(signal: str, in_range: str, test: str) -> str:
    """-1 not measured, -2 out of range, 1 met, 0 not met."""
    return f"({_missing(signal)} ? -1 : !{in_range} ? -2 : {test} ? 1 : 0)"


def _number_param(name: str, label: str, value) -> alt.Parameter:
    return alt.param(
        name=name,
        value=value,
        bind=alt.BindInput(input="number", name=label, placeholder="not measured"),
    )


def _lab_label(name: str, analyte: str) -> str:
    """A laboratory field's label with its unit in each system, in the order of the units
    control: 'Ferritin (µg/L or ng/mL): '."""
    si, conventional = (_units.display_unit(analyte, system) for system in _units.SYSTEMS)
    return f"{name} ({si} or {conventional}): "


def _select_param(
    name: str, label: str, options: list, value, labels: list | None = None
) -> alt.Parameter:
    if value not in options:
        raise ScoreInputError(f"{name}: expected one of {options}, got {value!r}")
    bind = (
        alt.binding_select(options=options, labels=labels, name=label)
        if labels
        else alt.binding_select(options=options, name=label)
    )
    return alt.param(name=name, value=value, bind=bind)


def _units_param(name: str, value: str) -> alt.Parameter:
    return alt.param(
        name=name,
        value=_units.system(value),
        bind=alt.binding_radio(options=list(_units.SYSTEMS), name="Units: "),
    )


def _checked_initial(initial: dict | None, defaults: dict) -> dict:
    values = {**defaults, **(initial or {})}
    unknown = set(values) - set(defaults)
    if unknown:
        raise ValueError(f"initial: unknown inputs {sorted(unknown)}")
    return values


def _text_block(
    frame: pd.DataFrame, field: str, *, size=13, weight="normal", height=40, color=GREY["ink"]
) -> alt.Chart:
    return (
        alt.Chart(frame)
        .mark_text(
            align="left",
            baseline="top",
            fontSize=size,
            fontWeight=weight,
            lineBreak="\n",
            color=color,
        )
        .encode(text=f"{field}:N", x=alt.value(0), y=alt.value(0))
        .properties(width=WIDTH, height=height)
    )


LINE = 17  # pixels per line of text in the criteria rows


def _criteria_items(keys, labels) -> pd.DataFrame:
    """One row per criterion, with its wrapped label and its vertical position (labels of
    several lines push the next row down)."""
    wrapped = [_wrapped(labels[k], 40) for k in keys]
    lines = [w.count("\n") + 1 for w in wrapped]
    tops, top = [], 0
    for n in lines:
        tops.append(top)
        top += LINE * (n + 1) + 10
    return pd.DataFrame(
        {
            "key": keys,
            "label": wrapped,
            "order": range(len(keys)),
            "top": tops,
            "status_top": [t + LINE * n for t, n in zip(tops, lines, strict=True)],
        }
    ).assign(height=top)


def _criteria_rows(base: alt.Chart, items: pd.DataFrame) -> alt.LayerChart:
    """One row per criterion: its label (wrapped) and, under it, its status and the value."""
    height = int(items["height"].iloc[0])
    scale = alt.Scale(domain=[0, height], range=[0, height], nice=False, zero=False)
    color = alt.Color(
        "status_label:N",
        legend=None,
        scale=alt.Scale(
            domain=[STATUS_TEXT[k] for k in (1, 0, -1, -2)],
            range=[PALETTE[1], GREY["line"], PALETTE[0], ALERT],
        ),
    )
    label = (
        base.mark_text(align="left", baseline="top", fontSize=13, fontWeight="bold", lineBreak="\n")
        .encode(y=alt.Y("top:Q", axis=None, scale=scale), x=alt.value(0), text="label:N")
        .properties(name="criterion")
    )
    status = (
        base.mark_text(align="left", baseline="top", fontSize=13, lineBreak="\n")
        .encode(
            y=alt.Y("status_top:Q", axis=None, scale=scale),
            x=alt.value(0),
            text="status_text:N",
            color=color,
        )
        .properties(name="status")
    )
    return alt.layer(label, status).properties(width=WIDTH, height=height)


def _status_text_expression(value_text: str = "datum.shown") -> str:
    names = " : ".join(f"datum.status == {k} ? {_js(v)}" for k, v in STATUS_TEXT.items()) + " : ''"
    return f"({names}) + ({value_text} ? ' · ' + {value_text} : '')"


def _shown(signal: str, unit_text: str) -> str:
    """What the row echoes of an entry: the number and its unit, or nothing if not measured."""
    return f"({_missing(signal)} ? '' : {_num(signal)} + ' ' + {unit_text})"


def _unit_text(analyte: str, units_signal: str) -> str:
    return (
        f"({units_signal} == 'SI' ? {_js(_units.display_unit(analyte, 'SI'))} "
        f": {_js(_units.display_unit(analyte, 'conventional'))})"
    )


# ------------------------------------------------------------------------------ HLH-2004

HLH_DEFAULTS = {
    "units": "SI",
    "molecular_diagnosis": None,
    "fever": False,
    "splenomegaly": False,
    "age_under_4_weeks": False,
    "haemoglobin": None,
    "platelets": None,
    "neutrophils": None,
    "triglycerides": None,
    "fibrinogen": None,
    "haemophagocytosis": None,
    "evidence_of_malignancy": None,
    "nk_activity_low_or_absent": None,
    "ferritin": None,
    "scd25": None,
}


def hlh2004_entries(
    *,
    units: str,
    molecular_diagnosis,
    fever,
    splenomegaly,
    age_under_4_weeks,
    haemoglobin,
    platelets,
    neutrophils,
    triglycerides,
    fibrinogen,
    haemophagocytosis,
    evidence_of_malignancy,
    nk_activity_low_or_absent,
    ferritin,
    scd25,
) -> scores.CriteriaResult:
    """The Python twin of the HLH-2004 calculator: values in `units` ('SI' or 'conventional')."""
    system = _units.system(units)
    u = _units

    def si(name, analyte, value):
        return u.convert(analyte, u.entry(name, analyte, value, system), system, "SI")

    tg = u.entry("triglycerides", "triglycerides", triglycerides, system)
    fib = u.entry("fibrinogen", "fibrinogen", fibrinogen, system)
    conventional = system == "conventional"
    return scores.hlh2004(
        molecular_diagnosis=molecular_diagnosis,
        fever=fever,
        splenomegaly=splenomegaly,
        age_under_4_weeks=age_under_4_weeks,
        haemoglobin_g_per_l=si("haemoglobin", "haemoglobin", haemoglobin),
        platelets_10e9_per_l=si("platelets", "platelets", platelets),
        neutrophils_10e9_per_l=si("neutrophils", "neutrophils", neutrophils),
        triglycerides_mmol_per_l=None if conventional else tg,
        triglycerides_mg_per_dl=tg if conventional else None,
        fibrinogen_g_per_l=None if conventional else fib,
        fibrinogen_mg_per_dl=fib if conventional else None,
        haemophagocytosis=haemophagocytosis,
        evidence_of_malignancy=evidence_of_malignancy,
        nk_activity_low_or_absent=nk_activity_low_or_absent,
        ferritin_ug_per_l=si("ferritin", "ferritin", ferritin),
        scd25_u_per_ml=scd25,
    )


def _hlh_rows() -> dict:
    return scores._hlh2004_rows()


def hlh2004_labels() -> dict[str, str]:
    """Row labels with the thresholds from the data, in both printed units where printed."""
    rows = _hlh_rows()

    def t(row_id):
        row = rows[row_id]
        return (
            f"{row['comparator'].replace('<=', '≤').replace('>=', '≥')}{float(row['threshold']):g}"
        )

    return {
        "B1": "Fever",
        "B2": "Splenomegaly",
        "B3": (
            f"Cytopenias, {t('B3')} of 3 lineages: Hb {t('B3a')} g/L ({t('B3b')} under 4 weeks), "
            f"platelets {t('B3c')} ×10⁹/L, neutrophils {t('B3d')} ×10⁹/L"
        ),
        "B4": (
            f"Fasting triglycerides {t('B4a')} mmol/L ({t('B4b')} mg/dL) and/or fibrinogen "
            f"{t('B4c')} g/L ({t('B4d')} mg/dL)"
        ),
        "B5": "Haemophagocytosis (marrow, spleen or lymph nodes), no evidence of malignancy",
        "B6": "Low or absent NK-cell activity",
        "B7": f"Ferritin {t('B7')} µg/L",
        "B8": f"Soluble CD25 {t('B8')} U/mL",
    }


def _hlh_lab_status(rows, signal, analyte, row_id, u, threshold_expr=None) -> str:
    """Status of one laboratory criterion, its value converted to SI for the comparison."""
    comparator, threshold = rows[row_id]["comparator"], float(rows[row_id]["threshold"])
    value = _units.convert_expression(analyte, _num(signal), u, "SI")
    test = (
        f"({value} {comparator} {threshold_expr})"
        if threshold_expr
        else _compare(value, comparator, threshold)
    )
    return _status(signal, _unit_range_test(signal, analyte, u), test)


def _hlh_cytopenias_status(rows, u) -> str:
    """B3: met when enough lineages are low; open while unknown lineages could still tip it."""
    hb_threshold = (
        f"(hlh_age_under_4_weeks == 'yes' ? {float(rows['B3b']['threshold'])!r} "
        f": {float(rows['B3a']['threshold'])!r})"
    )
    if rows["B3a"]["comparator"] != rows["B3b"]["comparator"]:
        raise scores.ScoreDataError("HLH-2004 haemoglobin rows differ in comparator")
    lineages = [
        _hlh_lab_status(rows, "hlh_haemoglobin", "haemoglobin", "B3a", u, hb_threshold),
        _hlh_lab_status(rows, "hlh_platelets", "platelets", "B3c", u),
        _hlh_lab_status(rows, "hlh_neutrophils", "neutrophils", "B3d", u),
    ]
    rule, needed = rows["B3"]["comparator"], float(rows["B3"]["threshold"])
    n_low = " + ".join(f"({s} == 1 ? 1 : 0)" for s in lineages)
    n_unknown = " + ".join(f"({s} == -1 ? 1 : 0)" for s in lineages)
    any_invalid = " || ".join(f"{s} == -2" for s in lineages)
    return (
        f"(({any_invalid}) ? -2 : ({n_low}) {rule} {needed!r} ? 1 "
        f": ({n_low}) + ({n_unknown}) {rule} {needed!r} ? -1 : 0)"
    )


def _hlh_own_unit_status(rows, signal, analyte, si_row, conventional_row, u) -> str:
    """Status of a criterion printed with its own threshold in each unit system."""

    def in_units(row_id):
        return _status(
            signal,
            _unit_range_test(signal, analyte, u),
            _compare(_num(signal), rows[row_id]["comparator"], float(rows[row_id]["threshold"])),
        )

    return f"({u} == 'SI' ? {in_units(si_row)} : {in_units(conventional_row)})"


def _hlh_lipids_status(rows, u) -> str:
    """B4: triglycerides or fibrinogen; met if either is, not met only if both are not."""
    tg = _hlh_own_unit_status(rows, "hlh_triglycerides", "triglycerides", "B4a", "B4b", u)
    fib = _hlh_own_unit_status(rows, "hlh_fibrinogen", "fibrinogen", "B4c", "B4d", u)
    return (
        f"(({tg}) == -2 || ({fib}) == -2 ? -2 : ({tg}) == 1 || ({fib}) == 1 ? 1 "
        f": ({tg}) == 0 && ({fib}) == 0 ? 0 : -1)"
    )


def _hlh_shown(u) -> dict[str, str]:
    """The values shown beside criteria B3, B4, B7 and B8, with their units."""
    return {
        "B3": " + ' / ' + ".join(
            f"({_missing(s)} ? '–' : '' + {_num(s)})"
            for s in ("hlh_haemoglobin", "hlh_platelets", "hlh_neutrophils")
        )
        + f" + ' (' + {_unit_text('haemoglobin', u)} + ', ' + {_unit_text('platelets', u)} + ')'",
        "B4": (
            f"{_shown('hlh_triglycerides', _unit_text('triglycerides', u))} + "
            f"({_missing('hlh_triglycerides')} || {_missing('hlh_fibrinogen')} ? '' : ', ') + "
            f"{_shown('hlh_fibrinogen', _unit_text('fibrinogen', u))}"
        ),
        "B7": _shown("hlh_ferritin", _unit_text("ferritin", u)),
        "B8": _shown("hlh_scd25", "'U/mL'"),
    }


def _hlh_status_expressions(u: str = "hlh_units") -> tuple[dict[str, str], dict[str, str]]:
    rows = _hlh_rows()
    tri = "({s} == 'yes' ? 1 : {s} == 'no' ? 0 : -1)"
    b5 = (
        "(hlh_evidence_of_malignancy == 'yes' || hlh_haemophagocytosis == 'no' ? 0 "
        ": hlh_haemophagocytosis == 'yes' && hlh_evidence_of_malignancy == 'no' ? 1 : -1)"
    )
    scd25_low, scd25_high = PLAUSIBLE_RANGES["scd25_u_per_ml"]
    b8_row = rows["B8"]
    status = {
        "B1": "(hlh_fever == 'yes' ? 1 : 0)",
        "B2": "(hlh_splenomegaly == 'yes' ? 1 : 0)",
        "B3": _hlh_cytopenias_status(rows, u),
        "B4": _hlh_lipids_status(rows, u),
        "B5": b5,
        "B6": tri.format(s="hlh_nk_activity_low_or_absent"),
        "B7": _hlh_lab_status(rows, "hlh_ferritin", "ferritin", "B7", u),
        "B8": _status(
            "hlh_scd25",
            _range_test(_num("hlh_scd25"), scd25_low, scd25_high),
            _compare(_num("hlh_scd25"), b8_row["comparator"], float(b8_row["threshold"])),
        ),
    }
    return status, _hlh_shown(u)


def _hlh_verdict_expression() -> str:
    fields = {
        "met": "datum.met",
        "unknown": "datum.unknown",
        "needed": str(int(float(_hlh_rows()["B"]["threshold"]))),
    }
    rule = _hlh_rows()["B"]["comparator"]
    needed = fields["needed"]
    route_b = (
        f"(datum.met {rule} {needed} ? {_template_expression(_wrapped(HLH2004_TEXT['B_met']), fields)} "
        f": datum.met + datum.unknown {rule} {needed} ? "
        f"{_template_expression(_wrapped(HLH2004_TEXT['B_open']), fields)} "
        f": {_template_expression(_wrapped(HLH2004_TEXT['B_not']), fields)})"
    )
    route_a = (
        f"(hlh_molecular_diagnosis == 'yes' ? {_js(_wrapped(HLH2004_TEXT['A_yes']))} "
        f": hlh_molecular_diagnosis == 'no' ? {_js(_wrapped(HLH2004_TEXT['A_no']))} "
        f": {_js(_wrapped(HLH2004_TEXT['A_unknown']))})"
    )
    note = (
        f"(hlh_evidence_of_malignancy == 'yes' ? ';\\n' + {_js(_wrapped(HLH2004_TEXT['malignancy']))} "
        f": hlh_evidence_of_malignancy == 'not assessed' && hlh_haemophagocytosis == 'yes' ? "
        f"';\\n' + {_js(_wrapped(HLH2004_TEXT['malignancy_unknown']))} : '')"
    )
    return (
        f"datum.invalid > 0 ? {_js(_wrapped(CHECK_TEXT))} : "
        f"{_verdict_expression([route_b, route_a])} + {note}"
    )


def _criteria_base(keys, labels, status: dict, shown: dict) -> alt.Chart:
    """One row per criterion with its status (met, not met, not measured, check the entry)
    and the value shown beside it, as Vega expressions of the controls."""
    status_expr = " : ".join(f"datum.key == {_js(k)} ? {status[k]}" for k in keys) + " : NaN"
    shown_expr = (
        " : ".join(f"datum.key == {_js(k)} ? ({shown[k]})" for k in keys if k in shown) + " : ''"
    )
    return (
        alt.Chart(_criteria_items(keys, labels))
        .transform_calculate(status=status_expr)
        .transform_calculate(shown=shown_expr)
        .transform_calculate(
            status_label=" : ".join(
                f"datum.status == {k} ? {_js(v)}" for k, v in STATUS_TEXT.items()
            )
            + " : ''",
            status_text=_status_text_expression(),
        )
    )


def _criteria_chart(keys, labels, status, shown, verdict_expression, params, title_line, n_lines=6):
    base = _criteria_base(keys, labels, status, shown)
    summary = (
        base.transform_calculate(
            is_met="datum.status == 1 ? 1 : 0",
            is_unknown="datum.status == -1 ? 1 : 0",
            is_invalid="datum.status == -2 ? 1 : 0",
        )
        .transform_aggregate(
            met="sum(is_met)", unknown="sum(is_unknown)", invalid="sum(is_invalid)"
        )
        .transform_calculate(verdict=verdict_expression, heading=_js(title_line))
    )
    return _heading_verdict_and_rows(base, summary, params, n_lines)


# The page script (`_ext/altair_offline_page.js`) finds marks by these names: it repeats
# "heading" and "verdict" in a live region beside the controls, and reads each "criterion"
# with its "status" as one list, for a screen reader and for a phone reader entering values.
def _heading_and_verdict(
    data: alt.Chart, verdict_field: str, heading_size: int, verdict_top: int
) -> alt.LayerChart:
    """A calculator's heading and, under it, its verdict (fields of `data`)."""
    return alt.layer(
        data.mark_text(align="left", baseline="top", fontSize=heading_size, fontWeight="bold")
        .encode(text="heading:N", x=alt.value(0), y=alt.value(0))
        .properties(name="heading"),
        data.mark_text(align="left", baseline="top", fontSize=13, lineBreak="\n")
        .encode(text=f"{verdict_field}:N", x=alt.value(0), y=alt.value(verdict_top))
        .properties(name="verdict"),
    )


def _heading_verdict_and_rows(base, summary, params, n_lines: int) -> alt.VConcatChart:
    """The calculator's heading and verdict (from `summary`) above its criteria rows."""
    head = _heading_and_verdict(summary, "verdict", 15, 24).properties(
        width=WIDTH, height=24 + 17 * n_lines
    )
    return alt.vconcat(head, _criteria_rows(base, base.data), spacing=10).add_params(*params)


HLH_DESCRIPTION = (
    "Interactive HLH-2004 calculator. Controls set the unit system, the findings (yes, no or not "
    "assessed) and the laboratory values (empty means not measured). The text states route B "
    "(how many of the 8 criteria are met, not met or not assessed, 5 needed) and route A (a "
    "molecular diagnosis, reported as a predisposition), then lists each criterion with its "
    "status and the value entered."
)


def hlh2004_controls(initial: dict | None = None) -> list[alt.Parameter]:
    """The HLH-2004 calculator's controls set to `initial` (keys as in `hlh2004_entries`)."""
    v = _checked_initial(initial, HLH_DEFAULTS)
    return [
        _units_param("hlh_units", v["units"]),
        _select_param(
            "hlh_molecular_diagnosis",
            "Molecular diagnosis consistent with HLH: ",
            TRI,
            _tri(v["molecular_diagnosis"]),
        ),
        _select_param("hlh_fever", "Fever: ", YES_NO, _tri(v["fever"])),
        _select_param("hlh_splenomegaly", "Splenomegaly: ", YES_NO, _tri(v["splenomegaly"])),
        _select_param(
            "hlh_age_under_4_weeks", "Infant under 4 weeks: ", YES_NO, _tri(v["age_under_4_weeks"])
        ),
        _number_param(
            "hlh_haemoglobin", _lab_label("Haemoglobin", "haemoglobin"), v["haemoglobin"]
        ),
        _number_param("hlh_platelets", _lab_label("Platelets", "platelets"), v["platelets"]),
        _number_param(
            "hlh_neutrophils", _lab_label("Neutrophils", "neutrophils"), v["neutrophils"]
        ),
        _number_param(
            "hlh_triglycerides",
            _lab_label("Fasting triglycerides", "triglycerides"),
            v["triglycerides"],
        ),
        _number_param("hlh_fibrinogen", _lab_label("Fibrinogen", "fibrinogen"), v["fibrinogen"]),
        _select_param(
            "hlh_haemophagocytosis", "Haemophagocytosis: ", TRI, _tri(v["haemophagocytosis"])
        ),
        _select_param(
            "hlh_evidence_of_malignancy",
            "Evidence of malignancy: ",
            TRI,
            _tri(v["evidence_of_malignancy"]),
        ),
        _select_param(
            "hlh_nk_activity_low_or_absent",
            "Low or absent NK-cell activity: ",
            TRI,
            _tri(v["nk_activity_low_or_absent"]),
        ),
        _number_param("hlh_ferritin", _lab_label("Ferritin", "ferritin"), v["ferritin"]),
        _number_param("hlh_scd25", "Soluble CD25 (U/mL): ", v["scd25"]),
    ]


def hlh2004_calculator_chart(initial: dict | None = None) -> alt.VConcatChart:
    """The HLH-2004 calculator. `initial` sets the controls (keys as in `hlh2004_entries`)."""
    status, shown = _hlh_status_expressions()
    keys = [f"B{i}" for i in range(1, 9)]
    chart = _criteria_chart(
        keys,
        hlh2004_labels(),
        status,
        shown,
        _hlh_verdict_expression(),
        hlh2004_controls(initial),
        "HLH-2004 (study entry criteria)",
        n_lines=9,
    )
    return describe(chart, "HLH-2004 calculator", HLH_DESCRIPTION)


# ------------------------------------------------------------------------------ MAS 2016

MAS_DEFAULTS = {
    "units": "conventional",
    "febrile": True,
    "known_or_suspected_sjia": True,
    "ferritin": None,
    "platelets": None,
    "ast": None,
    "triglycerides": None,
    "fibrinogen": None,
}


def mas2016_entries(
    *,
    units: str,
    febrile,
    known_or_suspected_sjia,
    ferritin,
    platelets,
    ast,
    triglycerides,
    fibrinogen,
) -> scores.CriteriaResult:
    """The Python twin of the MAS calculator. The criteria print triglycerides and fibrinogen in
    mg/dL; SI entries are converted with the sourced factors."""
    u = _units
    system = u.system(units)

    def conv(name, analyte, value):
        return u.convert(analyte, u.entry(name, analyte, value, system), system, "conventional")

    def si(name, analyte, value):
        return u.convert(analyte, u.entry(name, analyte, value, system), system, "SI")

    return scores.mas2016(
        febrile=febrile,
        known_or_suspected_sjia=known_or_suspected_sjia,
        ferritin_ng_per_ml=si("ferritin", "ferritin", ferritin),
        platelets_10e9_per_l=si("platelets", "platelets", platelets),
        ast_u_per_l=ast,
        triglycerides_mg_per_dl=conv("triglycerides", "triglycerides", triglycerides),
        fibrinogen_mg_per_dl=conv("fibrinogen", "fibrinogen", fibrinogen),
    )


def mas2016_labels() -> dict[str, str]:
    rows = scores._mas2016_rows()

    def t(row_id):
        row = rows[row_id]
        return (
            f"{row['comparator'].replace('<=', '≤').replace('>=', '≥')}{float(row['threshold']):g}"
        )

    return {
        "required_ferritin": f"Ferritin {t('required_ferritin')} ng/mL (= µg/L), required",
        "platelets": f"Platelets {t('platelets')} ×10⁹/L",
        "ast": f"AST {t('ast')} U/L",
        "triglycerides": f"Triglycerides {t('triglycerides')} mg/dL",
        "fibrinogen": f"Fibrinogen {t('fibrinogen')} mg/dL",
    }


def _mas_expressions(u: str = "mas_units"):
    rows = scores._mas2016_rows()

    def lab(signal, analyte, row_id, to_units):
        comparator, threshold = rows[row_id]["comparator"], float(rows[row_id]["threshold"])
        value = _units.convert_expression(analyte, _num(signal), u, to_units)
        return _status(
            signal, _unit_range_test(signal, analyte, u), _compare(value, comparator, threshold)
        )

    ast_low, ast_high = PLAUSIBLE_RANGES["ast_u_per_l"]
    status = {
        "required_ferritin": lab("mas_ferritin", "ferritin", "required_ferritin", "SI"),
        "platelets": lab("mas_platelets", "platelets", "platelets", "SI"),
        "ast": _status(
            "mas_ast",
            _range_test(_num("mas_ast"), ast_low, ast_high),
            _compare(_num("mas_ast"), rows["ast"]["comparator"], float(rows["ast"]["threshold"])),
        ),
        "triglycerides": lab("mas_triglycerides", "triglycerides", "triglycerides", "conventional"),
        "fibrinogen": lab("mas_fibrinogen", "fibrinogen", "fibrinogen", "conventional"),
    }

    def converted(signal, analyte):
        value = _units.convert_expression(analyte, _num(signal), u, "conventional")
        unit = _js(_units.display_unit(analyte, "conventional"))
        return f"({u} == 'SI' && !{_missing(signal)} ? ' = ' + format({value}, '.4~g') + ' ' + {unit} : '')"

    shown = {
        "required_ferritin": _shown("mas_ferritin", _unit_text("ferritin", u)),
        "platelets": _shown("mas_platelets", _unit_text("platelets", u)),
        "ast": _shown("mas_ast", "'U/L'"),
        "triglycerides": _shown("mas_triglycerides", _unit_text("triglycerides", u))
        + " + "
        + converted("mas_triglycerides", "triglycerides"),
        "fibrinogen": _shown("mas_fibrinogen", _unit_text("fibrinogen", u))
        + " + "
        + converted("mas_fibrinogen", "fibrinogen"),
    }
    return status, shown


def _mas_verdict_expression() -> str:
    rows = scores._mas2016_rows()
    rule, needed = rows["rule"]["comparator"], str(int(float(rows["rule"]["threshold"])))
    fields = {"met": "datum.items_met", "needed": needed, "unknown": "datum.items_unknown"}

    def text(key):
        return _template_expression(_wrapped(MAS2016_TEXT[key]), fields)

    return (
        f"datum.invalid > 0 ? {_js(_wrapped(CHECK_TEXT))} "
        f": !(mas_febrile == 'yes' && mas_known_or_suspected_sjia == 'yes') ? {text('not_applicable')} "
        f": datum.ferritin == 0 ? {text('low_ferritin')} "
        f": datum.ferritin == 1 && datum.items_met {rule} {needed} ? {text('classified')} "
        f": !(datum.items_met + datum.items_unknown {rule} {needed}) ? {text('not_classified')} "
        f": {text('open')}"
    )


MAS_DESCRIPTION = (
    "Interactive calculator of the 2016 classification criteria for MAS in systemic JIA. Controls "
    "set the unit system, whether the patient is febrile with known or suspected systemic JIA, "
    "and five laboratory values (empty means not measured). The text gives the classification; "
    "the rows show ferritin (required) and the four items, each met, not met or not assessed."
)


def mas2016_controls(initial: dict | None = None) -> list[alt.Parameter]:
    """The MAS calculator's controls set to `initial` (keys as in `mas2016_entries`)."""
    v = _checked_initial(initial, MAS_DEFAULTS)
    return [
        _units_param("mas_units", v["units"]),
        _select_param("mas_febrile", "Febrile: ", YES_NO, _tri(v["febrile"])),
        _select_param(
            "mas_known_or_suspected_sjia",
            "Known or suspected systemic JIA: ",
            YES_NO,
            _tri(v["known_or_suspected_sjia"]),
        ),
        _number_param("mas_ferritin", _lab_label("Ferritin", "ferritin"), v["ferritin"]),
        _number_param("mas_platelets", _lab_label("Platelets", "platelets"), v["platelets"]),
        _number_param("mas_ast", "AST (U/L): ", v["ast"]),
        _number_param(
            "mas_triglycerides", _lab_label("Triglycerides", "triglycerides"), v["triglycerides"]
        ),
        _number_param("mas_fibrinogen", _lab_label("Fibrinogen", "fibrinogen"), v["fibrinogen"]),
    ]


def mas2016_calculator_chart(initial: dict | None = None) -> alt.VConcatChart:
    """The 2016 MAS classification calculator (keys of `initial` as in `mas2016_entries`)."""
    status, shown = _mas_expressions()
    keys = list(mas2016_labels())
    base = _criteria_base(keys, mas2016_labels(), status, shown)
    summary = (
        base.transform_calculate(
            is_item="datum.key != 'required_ferritin' ? 1 : 0",
            item_met="datum.key != 'required_ferritin' && datum.status == 1 ? 1 : 0",
            item_unknown="datum.key != 'required_ferritin' && datum.status == -1 ? 1 : 0",
            ferritin_status="datum.key == 'required_ferritin' ? datum.status : 0",
            is_ferritin="datum.key == 'required_ferritin' ? 1 : 0",
            is_invalid="datum.status == -2 ? 1 : 0",
        )
        .transform_aggregate(
            items_met="sum(item_met)",
            items_unknown="sum(item_unknown)",
            ferritin="sum(ferritin_status)",
            invalid="sum(is_invalid)",
        )
        .transform_calculate(
            ferritin="datum.ferritin == -1 ? null : datum.ferritin",
            verdict=_mas_verdict_expression(),
            heading=_js("2016 MAS classification"),
        )
    )
    chart = _heading_verdict_and_rows(base, summary, mas2016_controls(initial), n_lines=3)
    return describe(chart, "2016 MAS classification calculator", MAS_DESCRIPTION)


# ------------------------------------------------------------------------------ ASTCT

ASTCT_DEFAULTS = {
    "temperature_c": None,
    "fever_explained_by_other_cause": False,
    "antipyretic_or_anticytokine_given": False,
    "crs_established_with_fever": False,
    "hypotension": "none",
    "hypotension_explained_by_other_cause": False,
    "hypoxia": "none",
    "hypoxia_explained_by_other_cause": False,
    "death_due_to_crs": False,
}
ASTCT_GRADE_LINE = {"graded": "CRS grade {grade}", "none": "No CRS grade"}


def astct_entries(**entries) -> scores.CRSGrade:
    """The Python twin of the ASTCT calculator (no unit choice: temperature in °C)."""
    return scores.astct_crs_grade(**entries)


def _astct_option_labels(kind: str) -> list[str]:
    """Menu labels short enough for a phone: the book's category names and their grade (the
    printed wording is in the table under the calculator)."""
    grades = scores._astct_grades().sort_values("grade")
    special = {"none": f"no {kind}", "no_vasopressor": "hypotension not requiring vasopressors"}

    def label(grade, code):
        text = special.get(code, code.replace("_", " "))
        return text if code == "none" else f"{text} (grade {grade})"

    return [label(g, code) for g, code in zip(grades["grade"], grades[f"{kind}_code"], strict=True)]


def _astct_expressions() -> tuple[str, str]:
    grades = scores._astct_grades().sort_values("grade")
    lowest = int(grades["grade"].min())

    def by(kind):
        mapping = " : ".join(
            f"ct_{kind} == {_js(code)} ? {int(g)}"
            for g, code in zip(grades["grade"], grades[f"{kind}_code"], strict=True)
        )
        return f"(ct_{kind}_explained_by_other_cause == 'yes' ? {lowest} : {mapping} : NaN)"

    hyp, oxy = by("hypotension"), by("hypoxia")
    worst = f"max({hyp}, {oxy})"
    low, high = PLAUSIBLE_RANGES["temperature_c"]
    temp = _num("ct_temperature_c")
    fever = (
        f"(!{_missing('ct_temperature_c')} && {temp} >= {scores.astct_fever_threshold_c()!r} "
        f"&& ct_fever_explained_by_other_cause == 'no')"
    )
    given = "ct_antipyretic_or_anticytokine_given == 'yes'"
    established = "ct_crs_established_with_fever == 'yes'"
    treated = f"({given} && {established})"
    died = "ct_death_due_to_crs == 'yes'"
    out_of_range = f"(!{_missing('ct_temperature_c')} && !{_range_test(temp, low, high)})"
    not_entered = f"({_missing('ct_temperature_c')} && !({treated}) && !({died}))"
    invalid = f"{out_of_range} || {not_entered}"
    values = {"grade": "", "by_hypotension": hyp, "by_hypoxia": oxy}
    discounted = (
        "(ct_hypotension_explained_by_other_cause == 'yes' && ct_hypotension != 'none') || "
        "(ct_hypoxia_explained_by_other_cause == 'yes' && ct_hypoxia != 'none')"
    )
    suffix = f"({discounted} ? ';\\n' + {_js(_wrapped(ASTCT_TEXT['other_cause']))} : '')"

    def text(key, grade_expr):
        return _template_expression(_wrapped(ASTCT_TEXT[key]), {**values, "grade": grade_expr})

    death = scores.astct_death_grade()
    grade = (
        f"({invalid}) ? null : {died} ? {death} : {fever} ? {worst} : !({treated}) ? null "
        f": {worst} == {lowest} ? null : {worst}"
    )
    explanation = (
        f"{out_of_range} ? {_js(_wrapped(check_text('temperature (°C)')))} "
        f": {not_entered} ? {_js(_wrapped(MISSING_TEMPERATURE_TEXT))} "
        f": {died} ? {text('death', str(death))} "
        f": ({fever} ? {text('fever', worst)} "
        f": ({given} && !({established})) ? {text('not_established', '')} "
        f": !({treated}) ? {text('no_fever', '')} "
        f": {worst} == {lowest} ? {text('treated_none', '')} : {text('treated', worst)}) + {suffix}"
    )
    return grade, explanation


ASTCT_DESCRIPTION = (
    "Interactive ASTCT grading of cytokine release syndrome. Controls set the temperature "
    "(empty means not measured), whether fever, hypotension or hypoxia has another cause, whether "
    "antipyretic or anticytokine therapy was given, whether CRS was already established (it began "
    "with fever) before that therapy, the hypotension and hypoxia categories, and death due to CRS. The text gives the grade and how it was reached."
)


def astct_controls(initial: dict | None = None) -> list[alt.Parameter]:
    """The ASTCT calculator's controls set to `initial` (keys as in `scores.astct_crs_grade`)."""
    v = _checked_initial(initial, ASTCT_DEFAULTS)
    hyp_codes, oxy_codes = (
        scores.astct_categories("hypotension"),
        scores.astct_categories("hypoxia"),
    )
    return [
        _number_param("ct_temperature_c", "Temperature (°C): ", v["temperature_c"]),
        _select_param(
            "ct_fever_explained_by_other_cause",
            "Fever from another cause: ",
            YES_NO,
            _tri(v["fever_explained_by_other_cause"]),
        ),
        _select_param(
            "ct_antipyretic_or_anticytokine_given",
            "Antipyretic or anticytokine therapy given: ",
            YES_NO,
            _tri(v["antipyretic_or_anticytokine_given"]),
        ),
        _select_param(
            "ct_crs_established_with_fever",
            "CRS already established (began with fever): ",
            YES_NO,
            _tri(v["crs_established_with_fever"]),
        ),
        _select_param(
            "ct_hypotension",
            "Hypotension: ",
            hyp_codes,
            v["hypotension"],
            labels=_astct_option_labels("hypotension"),
        ),
        _select_param(
            "ct_hypotension_explained_by_other_cause",
            "Hypotension from another cause: ",
            YES_NO,
            _tri(v["hypotension_explained_by_other_cause"]),
        ),
        _select_param(
            "ct_hypoxia",
            "Hypoxia: ",
            oxy_codes,
            v["hypoxia"],
            labels=_astct_option_labels("hypoxia"),
        ),
        _select_param(
            "ct_hypoxia_explained_by_other_cause",
            "Hypoxia from another cause: ",
            YES_NO,
            _tri(v["hypoxia_explained_by_other_cause"]),
        ),
        _select_param(
            "ct_death_due_to_crs", "Death due to CRS: ", YES_NO, _tri(v["death_due_to_crs"])
        ),
    ]


def astct_calculator_chart(initial: dict | None = None) -> alt.LayerChart:
    """The ASTCT CRS grade calculator (keys of `initial` as in `scores.astct_crs_grade`)."""
    grade, explanation = _astct_expressions()
    line = _template_expression(ASTCT_GRADE_LINE["graded"], {"grade": "datum.grade"})
    data = (
        alt.Chart(pd.DataFrame({"row": [0]}))
        .transform_calculate(grade=grade)
        .transform_calculate(
            heading=f"isValid(datum.grade) ? {line} : {_js(ASTCT_GRADE_LINE['none'])}",
            explanation=explanation,
        )
    )
    chart = (
        _heading_and_verdict(data, "explanation", 18, 30)
        .properties(width=WIDTH, height=30 + 17 * 6)
        .add_params(*astct_controls(initial))
    )
    return describe(chart, "ASTCT CRS grade calculator", ASTCT_DESCRIPTION)


# ------------------------------------------------------------------------------ HScore

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
    spread = scores.hscore_range(**inputs)
    if not spread.not_measured:
        result = scores.hscore(**inputs)
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
        branches.append(f"({value} == 0) ? 0")  # no published row: scored 0 (see scores.py)
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
    """Vega expression for `scores.hscore_published_probability`: the same rules and the same
    words (`scores.hscore_probability_rules`), broken over two lines."""
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


# ------------------------------------------------------------------------------ side by side


def _symbol(comparator: str) -> str:
    return {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}[comparator]


def _hscore_bands(variable: str, unit: str) -> str:
    rows = hscore_points_table()
    rows = rows[rows["variable"] == variable]
    return "; ".join(
        f"{row['band_label'].replace('<=', '≤').replace('>=', '≥')} {unit}: {int(row['points'])} points"
        for _, row in rows.iterrows()
    )


def threshold_comparison() -> pd.DataFrame:
    """The thresholds the four instruments use for fever, ferritin, triglycerides, fibrinogen and
    platelets, side by side, each in the unit its source prints (with the other unit system in
    brackets where the book converts). Built from the data; nothing typed here."""
    hlh = scores._hlh2004_rows()
    mas = scores._mas2016_rows()
    cyto = load_dataset("hscore-cytopenia").set_index("lineage")
    needed = int(float(hlh["B3"]["threshold"]))

    def rule(row):
        return f"{_symbol(row['comparator'])}{float(row['threshold']):g} {_units.DISPLAY.get(row['unit'], row['unit'])}"

    def converted(analyte, row):
        si = _units.convert(analyte, float(row["threshold"]), "conventional", "SI")
        return f" (= {si:.3g} {_units.display_unit(analyte, 'SI')})"

    fever_c = scores.astct_fever_threshold_c()
    all_hlh = load_dataset("hlh2004-criteria").set_index("criterion_id")
    jordan_fever = float(all_hlh.loc["B1_jordan", "threshold"])
    not_used = "not used"
    table = [
        (
            "Fever",
            f"{hlh['B1']['criterion']} (printed without a number; ≥{jordan_fever:g} °C in the Jordan 2011 adaptation)",
            _hscore_bands("temperature", "°C"),
            f"{mas['entry']['measure']} (entry condition)",
            f"≥{fever_c:g} °C, not attributable to another cause",
        ),
        (
            "Ferritin",
            rule(hlh["B7"]),
            _hscore_bands("ferritin", "ng/mL"),
            rule(mas["required_ferritin"]) + " (required)",
            not_used,
        ),
        (
            "Triglycerides",
            f"{rule(hlh['B4a'])} ({rule(hlh['B4b'])}), fasting",
            _hscore_bands("triglycerides", "mmol/L"),
            rule(mas["triglycerides"]) + converted("triglycerides", mas["triglycerides"]),
            not_used,
        ),
        (
            "Fibrinogen",
            f"{rule(hlh['B4c'])} ({rule(hlh['B4d'])})",
            _hscore_bands("fibrinogen", "g/L"),
            rule(mas["fibrinogen"]) + converted("fibrinogen", mas["fibrinogen"]),
            not_used,
        ),
        (
            "Platelets",
            f"{rule(hlh['B3c'])} (a low lineage; {needed} of 3 needed)",
            f"{rule(cyto.loc['platelets'])} (one cytopenic lineage)",
            rule(mas["platelets"]),
            not_used,
        ),
    ]
    return pd.DataFrame(table, columns=["finding", "HLH-2004", "HScore", "2016 MAS", "ASTCT"])

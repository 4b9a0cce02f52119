"""What every calculator shares: sizes, the words for a status, and the helpers that
write Vega expressions and controls (parameters bound to inputs)."""

from __future__ import annotations

import json
import string
import textwrap

import altair as alt
import pandas as pd

from stormbook import instruments
from stormbook.figures.charts import ALERT, GREY, PALETTE
from stormbook.instruments import (
    ScoreInputError,
)
from stormbook.instruments import units as _units

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
        raise instruments.ScoreDataError(f"unknown comparator {comparator!r}")
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

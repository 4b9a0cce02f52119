"""ASTCT consensus grading of cytokine release syndrome (Lee et al. 2019) as an in-page
calculator and its Python twin."""

from __future__ import annotations

import altair as alt
import pandas as pd

from stormbook import instruments
from stormbook.calculators.layout import _heading_and_verdict
from stormbook.calculators.vega_helpers import (
    MISSING_TEMPERATURE_TEXT,
    WIDTH,
    YES_NO,
    _checked_initial,
    _js,
    _missing,
    _num,
    _number_param,
    _range_test,
    _select_param,
    _template_expression,
    _tri,
    _wrapped,
    check_text,
)
from stormbook.figures.charts import describe
from stormbook.instruments import (
    ASTCT_TEXT,
    PLAUSIBLE_RANGES,
)

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


def astct_entries(**entries) -> instruments.CRSGrade:
    """The Python twin of the ASTCT calculator (no unit choice: temperature in °C)."""
    return instruments.astct_crs_grade(**entries)


def _astct_option_labels(kind: str) -> list[str]:
    """Menu labels short enough for a phone: the book's category names and their grade (the
    printed wording is in the table under the calculator)."""
    grades = instruments.astct_grades().sort_values("grade")
    special = {"none": f"no {kind}", "no_vasopressor": "hypotension not requiring vasopressors"}

    def label(grade, code):
        text = special.get(code, code.replace("_", " "))
        return text if code == "none" else f"{text} (grade {grade})"

    return [label(g, code) for g, code in zip(grades["grade"], grades[f"{kind}_code"], strict=True)]


def _astct_expressions() -> tuple[str, str]:
    grades = instruments.astct_grades().sort_values("grade")
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
        f"(!{_missing('ct_temperature_c')} && {temp} >= {instruments.astct_fever_threshold_c()!r} "
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

    death = instruments.astct_death_grade()
    grade = (
        f"({invalid}) ? null : {died} ? {death} : {fever} ? {worst} : !({treated}) ? null "
        f": {worst} == {lowest} ? null : {worst}"
    )
    explanation = (
        f"{out_of_range} ? {_js(_wrapped(check_text('temperature (°C)')))} "
        f": {not_entered} ? {_js(_wrapped(MISSING_TEMPERATURE_TEXT))} "
        f": {died} ? {text('death', str(death))} "
        f": ({fever} ? ({worst} == {lowest} ? {text('fever_only', worst)} : {text('fever', worst)}) "
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
    """The ASTCT calculator's controls set to `initial` (keys as in `instruments.astct_crs_grade`)."""
    v = _checked_initial(initial, ASTCT_DEFAULTS)
    hyp_codes, oxy_codes = (
        instruments.astct_categories("hypotension"),
        instruments.astct_categories("hypoxia"),
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
    """The ASTCT CRS grade calculator (keys of `initial` as in `instruments.astct_crs_grade`)."""
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

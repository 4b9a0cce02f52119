"""The ASTCT consensus *grading* of cytokine release syndrome, read from the book's data.
Teaching code, not a clinical tool.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pandas as pd

from stormbook.datasets import load_dataset
from stormbook.instruments.inputs import (
    ScoreDataError,
    ScoreInputError,
    checked_choice,
    checked_flag,
    checked_number,
)

# ---------------------------------------------------------------------------- ASTCT CRS grade


@cache
def _astct_table() -> pd.DataFrame:
    frame = load_dataset("astct-crs-grades")
    grades = frame[frame["grade"].str.fullmatch(r"\d")].copy()
    grades["grade"] = grades["grade"].astype(int)
    return grades


def astct_grades() -> pd.DataFrame:
    """Grades set by hypotension and hypoxia (the rows with category codes)."""
    table = _astct_table()
    return table[table["hypotension_code"].notna()]


def astct_death_grade() -> int:
    """The grade for death due to CRS (the grade row without categories)."""
    table = _astct_table()
    rows = table[table["hypotension_code"].isna()]
    if len(rows) != 1:
        raise ScoreDataError(
            f"astct-crs-grades: expected one grade for death due to CRS, got {len(rows)}"
        )
    return int(rows["grade"].iloc[0])


def astct_categories(kind: str) -> list[str]:
    """The category codes of 'hypotension' or 'hypoxia', from the least to the most severe."""
    if kind not in ("hypotension", "hypoxia"):
        raise ScoreInputError(f"kind: expected 'hypotension' or 'hypoxia', got {kind!r}")
    return list(astct_grades().sort_values("grade")[f"{kind}_code"])


def astct_fever_threshold_c() -> float:
    """The fever threshold printed in the grading table (degrees Celsius)."""
    texts = set(astct_grades()["fever"])
    found = {re.fullmatch(r"temperature >=(\d+(?:\.\d+)?) degC", t) for t in texts}
    if len(texts) != 1 or None in found:
        raise ScoreDataError(f"unexpected fever definitions in astct-crs-grades: {sorted(texts)}")
    return float(found.pop().group(1))


# The words of every ASTCT verdict (shared with the in-page calculator).
ASTCT_TEXT = {
    # The grade itself is the result's heading ("CRS grade 2"), so the texts do not repeat it.
    "death": "death due to CRS, no other cause the principal factor",
    "fever": (
        "fever, and the more severe of hypotension (grade {by_hypotension}) "
        "and hypoxia (grade {by_hypoxia})"
    ),
    "fever_only": "fever, with no hypotension or hypoxia that counts towards the grade",
    "treated": (
        "fever no longer required after antipyretic or anticytokine "
        "therapy; the more severe of hypotension (grade {by_hypotension}) and hypoxia "
        "(grade {by_hypoxia})"
    ),
    "no_fever": (
        "not graded as CRS: fever not attributable to another cause is required "
        "(after antipyretic or anticytokine therapy, only in established CRS)"
    ),
    "not_established": (
        "not graded as CRS: CRS begins with fever; the waiver after antipyretic or "
        "anticytokine therapy applies only to a patient whose CRS is already established"
    ),
    "treated_none": (
        "not graded: after antipyretic or anticytokine therapy the grade rests on "
        "hypotension and hypoxia, and neither is present"
    ),
    "other_cause": (
        "hypotension or hypoxia attributable to another cause does not count towards the grade"
    ),
}


@dataclass(frozen=True)
class CRSGrade:
    grade: int | None
    grade_by_hypotension: int
    grade_by_hypoxia: int
    explanation: str


def astct_crs_grade(
    *,
    temperature_c: float | None,
    fever_explained_by_other_cause: bool,
    antipyretic_or_anticytokine_given: bool,
    crs_established_with_fever: bool,
    hypotension: str,
    hypotension_explained_by_other_cause: bool,
    hypoxia: str,
    hypoxia_explained_by_other_cause: bool,
    death_due_to_crs: bool,
) -> CRSGrade:
    """The ASTCT consensus grade (1-5) of cytokine release syndrome.

    Fever (temperature at or above the table's threshold) not explained by another cause is
    required. The one exception is a patient who already has CRS (which began with fever:
    `crs_established_with_fever`) and then receives antipyretic or anticytokine therapy: fever
    is then no longer required and hypotension and hypoxia alone drive the grade. A patient
    never febrile is not graded as CRS, whatever drugs were given. Hypotension and hypoxia count only when not attributable to any
    other cause. The grade is the more severe of the hypotension grade and the hypoxia grade;
    death due to CRS (no other cause the principal factor) is grade 5. `hypotension` and
    `hypoxia` take the codes of `astct_categories`.
    """
    grades = astct_grades()
    hypotension = checked_choice("hypotension", hypotension, astct_categories("hypotension"))
    hypoxia = checked_choice("hypoxia", hypoxia, astct_categories("hypoxia"))
    given = checked_flag("antipyretic_or_anticytokine_given", antipyretic_or_anticytokine_given)
    established = checked_flag("crs_established_with_fever", crs_established_with_fever)
    treated = given and established  # the waiver: established CRS, then treated
    other_cause = checked_flag("fever_explained_by_other_cause", fever_explained_by_other_cause)
    hypotension_other = checked_flag(
        "hypotension_explained_by_other_cause", hypotension_explained_by_other_cause
    )
    hypoxia_other = checked_flag(
        "hypoxia_explained_by_other_cause", hypoxia_explained_by_other_cause
    )
    died = checked_flag("death_due_to_crs", death_due_to_crs)
    temperature = checked_number("temperature_c", temperature_c, allow_none=treated or died)
    lowest = int(grades["grade"].min())
    by_hypotension = (
        lowest
        if hypotension_other
        else int(grades.loc[grades["hypotension_code"] == hypotension, "grade"].iloc[0])
    )
    by_hypoxia = (
        lowest
        if hypoxia_other
        else int(grades.loc[grades["hypoxia_code"] == hypoxia, "grade"].iloc[0])
    )
    worst = max(by_hypotension, by_hypoxia)
    fever = temperature is not None and temperature >= astct_fever_threshold_c() and not other_cause
    discounted = (hypotension_other and hypotension != "none") or (
        hypoxia_other and hypoxia != "none"
    )
    suffix = f"; {ASTCT_TEXT['other_cause']}" if discounted else ""
    values = dict(by_hypotension=by_hypotension, by_hypoxia=by_hypoxia)
    if died:
        grade = astct_death_grade()
        return CRSGrade(grade, by_hypotension, by_hypoxia, ASTCT_TEXT["death"].format(grade=grade))
    if fever:
        key, grade = ("fever_only" if worst == lowest else "fever"), worst
    elif given and not established:
        key, grade = "not_established", None
    elif not treated:
        key, grade = "no_fever", None
    elif worst == lowest:
        key, grade = "treated_none", None
    else:
        key, grade = "treated", worst
    return CRSGrade(
        grade, by_hypotension, by_hypoxia, ASTCT_TEXT[key].format(grade=grade, **values) + suffix
    )

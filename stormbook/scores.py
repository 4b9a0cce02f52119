"""Criteria, scores and grades for cytokine storm syndromes, read from the book's data.

Four instruments, each for a different job:

- `hlh2004`: the HLH-2004 diagnostic guidelines of a treatment study in children (route B,
  5 of 8 criteria; route A, a molecular diagnosis, reported as a predisposition);
- `hscore` and `hscore_published_probability`: the HScore, a weighted score whose total is
  read against a published cut-off and a published score-to-probability table;
- `mas2016`: the 2016 EULAR/ACR/PRINTO *classification* criteria for MAS in systemic JIA;
- `astct_crs_grade`: the ASTCT consensus *grading* of cytokine release syndrome.

No threshold, point or category is typed in this module: each function reads them from the
sourced CSVs in `data/` (one source of truth, each row with its source). What *is* typed
here are the units the parameters are named in (checked against the units in the data, so
a changed CSV cannot silently change a unit) and plausible physical ranges. Those ranges are
not clinical limits: they exist to catch unit mistakes (102 as a temperature in degrees
Celsius, 265 mg/dL of triglycerides given as mmol/L) before they turn into a wrong answer.

Teaching code, not a clinical tool.
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from numbers import Real

import numpy as np
import pandas as pd

from stormbook.datasets import load_dataset


class ScoreInputError(ValueError):
    """An input is of the wrong kind, outside a plausible range, or an unknown category."""


class ScoreDataError(ValueError):
    """The data a score reads do not have the shape or units the code relies on."""


# Parameter name -> (lowest, highest) plausible value, in the unit the name carries.
PLAUSIBLE_RANGES: dict[str, tuple[float, float]] = {
    "temperature_c": (25.0, 45.0),
    "haemoglobin_g_per_l": (20.0, 250.0),
    "platelets_10e9_per_l": (1.0, 2000.0),
    "neutrophils_10e9_per_l": (0.0, 200.0),
    # Lower bounds above zero for the analytes entered in two unit systems, so that a value
    # typed in the other unit (fibrinogen 3.6 in mg/dL, triglycerides 3.0 in mg/dL) is refused
    # instead of being read as extreme hypofibrinogenaemia or normal triglycerides.
    "triglycerides_mmol_per_l": (0.1, 60.0),
    "triglycerides_mg_per_dl": (10.0, 5300.0),
    "fibrinogen_g_per_l": (0.1, 15.0),
    "fibrinogen_mg_per_dl": (10.0, 1500.0),
    "ferritin_ug_per_l": (1.0, 1_000_000.0),
    "ferritin_ng_per_ml": (1.0, 1_000_000.0),
    "scd25_u_per_ml": (0.0, 1_000_000.0),
    "ast_iu_per_l": (0.0, 50_000.0),
    "ast_u_per_l": (0.0, 50_000.0),
    "cytopenia_lineages": (0, 3),
}

_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


# ---------------------------------------------------------------------------- input checks


def _number(name: str, value, *, allow_none: bool = False, integer: bool = False):
    """A real number inside the plausible range of `name`; None only where allowed."""
    if value is None:
        if allow_none:
            return None
        raise ScoreInputError(f"{name}: a value is required (got None)")
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ScoreInputError(f"{name}: expected a number, got {value!r} ({type(value).__name__})")
    if math.isnan(value) or math.isinf(value):
        raise ScoreInputError(f"{name}: expected a finite number, got {value!r}")
    if integer and value != int(value):
        raise ScoreInputError(f"{name}: expected a whole number, got {value!r}")
    low, high = PLAUSIBLE_RANGES[name]
    if not low <= value <= high:
        raise ScoreInputError(
            f"{name}: {value!r} is outside the plausible range {low:g} to {high:g}; "
            "check the unit the parameter name gives"
        )
    return int(value) if integer else float(value)


def _flag(name: str, value, *, allow_none: bool = False):
    """True or False (None, 'not assessed', only where allowed); 0/1 and strings are refused.
    A numpy boolean (a row of a pandas table) is a boolean too."""
    if value is None and allow_none:
        return None
    if not isinstance(value, (bool, np.bool_)):
        raise ScoreInputError(f"{name}: expected True or False, got {value!r}")
    return bool(value)


def _choice(name: str, value, options) -> str:
    if value not in options:
        raise ScoreInputError(
            f"{name}: unknown category {value!r}; expected one of {sorted(options)}"
        )
    return value


def _met(value, comparator: str, threshold: float):
    if value is None:
        return None
    try:
        return _COMPARE[comparator](value, threshold)
    except KeyError:
        raise ScoreDataError(f"unknown comparator {comparator!r} in the data") from None


def _any_of(results) -> bool | None:
    """Met if any part is met; not met if every part was assessed and none is; else unknown."""
    results = list(results)
    if any(r is True for r in results):
        return True
    if all(r is False for r in results):
        return False
    return None


def _rows_by_id(frame: pd.DataFrame, key: str) -> dict[str, pd.Series]:
    return {row[key]: row for _, row in frame.iterrows()}


def _threshold(rows: dict, row_id: str, unit: str) -> tuple[str, float]:
    """(comparator, threshold) of a criterion row, after checking its unit."""
    try:
        row = rows[row_id]
    except KeyError:
        raise ScoreDataError(f"criterion {row_id!r} is missing from the data") from None
    if row["unit"] != unit:
        raise ScoreDataError(
            f"criterion {row_id!r} is in {row['unit']!r}; the code expects {unit!r}"
        )
    if pd.isna(row["threshold"]) or row["comparator"] not in _COMPARE:
        raise ScoreDataError(f"criterion {row_id!r} has no numeric threshold and comparator")
    return row["comparator"], float(row["threshold"])


@dataclass(frozen=True)
class CriteriaResult:
    """What a set of criteria says: each item met (True), not met (False) or not assessed (None)."""

    criteria: dict[str, bool | None]
    labels: dict[str, str]
    met: int
    needed: int
    not_assessed: int
    fulfilled: bool | None
    verdict: str
    route_a: bool | None = None
    notes: tuple[str, ...] = ()

    @property
    def diagnostic_by_either_route(self) -> bool | None:
        """HLH-2004's own rule: diagnostic if route A (a molecular diagnosis) or route B is met.
        `fulfilled` answers route B alone, the criteria of active disease."""
        if self.route_a is True or self.fulfilled is True:
            return True
        if self.route_a is False and self.fulfilled is False:
            return False
        return None


# ---------------------------------------------------------------------------- HLH-2004


@cache
def _hlh2004_rows() -> dict:
    frame = load_dataset("hlh2004-criteria")
    return _rows_by_id(frame[frame["preferred"] == "yes"], "criterion_id")


# The words of every HLH-2004 verdict, used by `hlh2004` and by the in-page calculator
# (`stormbook.calculators`), so that the page and Python say the same thing.
HLH2004_TEXT = {
    "B_met": "route B met: {met} of 8 criteria ({needed} needed)",
    "B_open": "route B not decided: {met} of 8 criteria met, {unknown} not assessed ({needed} needed)",
    "B_not": "route B not met: {met} of 8 criteria ({needed} needed)",
    "A_yes": (
        "route A met: HLH-2004 accepts a molecular diagnosis consistent with HLH as "
        "diagnostic; a variant shows a predisposition, active disease is judged on route B"
    ),
    "A_no": "route A: no molecular diagnosis consistent with HLH",
    "A_unknown": "route A: genetics not tested",
    "malignancy": (
        "evidence of malignancy: haemophagocytosis not counted (a strict reading of "
        "'no evidence of malignancy'; adult series count it)"
    ),
    "malignancy_unknown": "malignancy not yet excluded: haemophagocytosis cannot count until it is",
}


def _hlh_b5(haemophagocytosis, malignancy):
    """Haemophagocytosis counts only with no evidence of malignancy (the clause printed with it)."""
    if malignancy is True or haemophagocytosis is False:
        return False
    if haemophagocytosis is True and malignancy is False:
        return True
    return None


def hlh2004(
    *,
    molecular_diagnosis: bool | None,
    fever: bool,
    splenomegaly: bool,
    age_under_4_weeks: bool,
    haemoglobin_g_per_l: float | None,
    platelets_10e9_per_l: float | None,
    neutrophils_10e9_per_l: float | None,
    triglycerides_mmol_per_l: float | None,
    fibrinogen_g_per_l: float | None,
    haemophagocytosis: bool | None,
    evidence_of_malignancy: bool | None,
    nk_activity_low_or_absent: bool | None,
    ferritin_ug_per_l: float | None,
    scd25_u_per_ml: float | None,
    triglycerides_mg_per_dl: float | None = None,
    fibrinogen_mg_per_dl: float | None = None,
) -> CriteriaResult:
    """The HLH-2004 diagnostic guidelines, in the form reproduced verbatim (Henter 2007).

    They were written as the diagnostic guidelines of a treatment study in children
    (HLH-2004). HLH-2004 itself is diagnostic by either route: route A, a molecular diagnosis
    consistent with HLH, or route B, 5 of the 8 criteria (`diagnostic_by_either_route`).
    `fulfilled` answers route B alone, because a variant shows a predisposition to HLH, not
    by itself active disease; the verdict states HLH-2004's rule for route A first.
    Haemophagocytosis (B5) is counted only with no evidence of malignancy, a strict reading
    of the clause printed with it (adult series apply the criteria in malignancy). Fever is a yes/no finding: no numeric threshold
    of the guideline was confirmed. Every argument without a default must be given; None
    means "not measured / not assessed" (a test not done is not a normal result).
    Triglycerides are fasting values, given in mmol/L or (instead) in mg/dL; fibrinogen in
    g/L or (instead) mg/dL: each is compared with the threshold printed in its own unit.
    """
    rows = _hlh2004_rows()
    _one_unit(
        "triglycerides_mmol_per_l",
        triglycerides_mmol_per_l,
        "triglycerides_mg_per_dl",
        triglycerides_mg_per_dl,
    )
    _one_unit(
        "fibrinogen_g_per_l", fibrinogen_g_per_l, "fibrinogen_mg_per_dl", fibrinogen_mg_per_dl
    )
    malignancy = _flag("evidence_of_malignancy", evidence_of_malignancy, allow_none=True)
    criteria = {
        "B1": _flag("fever", fever),
        "B2": _flag("splenomegaly", splenomegaly),
        "B3": _hlh_cytopenias(
            rows,
            _flag("age_under_4_weeks", age_under_4_weeks),
            haemoglobin_g_per_l,
            platelets_10e9_per_l,
            neutrophils_10e9_per_l,
        ),
        "B4": _any_of(
            [
                _met_in_given_unit(
                    rows,
                    ("triglycerides_mmol_per_l", triglycerides_mmol_per_l, "B4a", "mmol/L"),
                    ("triglycerides_mg_per_dl", triglycerides_mg_per_dl, "B4b", "mg/dL"),
                ),
                _met_in_given_unit(
                    rows,
                    ("fibrinogen_g_per_l", fibrinogen_g_per_l, "B4c", "g/L"),
                    ("fibrinogen_mg_per_dl", fibrinogen_mg_per_dl, "B4d", "mg/dL"),
                ),
            ]
        ),
        "B5": _hlh_b5(_flag("haemophagocytosis", haemophagocytosis, allow_none=True), malignancy),
        "B6": _flag("nk_activity_low_or_absent", nk_activity_low_or_absent, allow_none=True),
        "B7": _met(
            _number("ferritin_ug_per_l", ferritin_ug_per_l, allow_none=True),
            *_threshold(rows, "B7", "ug/L"),
        ),
        "B8": _met(
            _number("scd25_u_per_ml", scd25_u_per_ml, allow_none=True),
            *_threshold(rows, "B8", "U/mL"),
        ),
    }
    route_a = _flag("molecular_diagnosis", molecular_diagnosis, allow_none=True)
    return _hlh2004_result(rows, criteria, route_a, malignancy, haemophagocytosis)


def _count_reaches(rule: str, met: int, unknown: int, needed: float) -> bool | None:
    """Whether `met` findings reach the count a rule needs: True, False, or None when the
    findings not measured could still decide it either way."""
    if _COMPARE[rule](met, needed):
        return True
    if _COMPARE[rule](met + unknown, needed):
        return None
    return False


def _hlh_cytopenias(rows, newborn: bool, haemoglobin, platelets, neutrophils) -> bool | None:
    """B3: cytopenias in at least the printed number of lineages (haemoglobin threshold by age)."""
    lineages = [
        _met(
            _number("haemoglobin_g_per_l", haemoglobin, allow_none=True),
            *_threshold(rows, "B3b" if newborn else "B3a", "g/L"),
        ),
        _met(
            _number("platelets_10e9_per_l", platelets, allow_none=True),
            *_threshold(rows, "B3c", "x10^9/L"),
        ),
        _met(
            _number("neutrophils_10e9_per_l", neutrophils, allow_none=True),
            *_threshold(rows, "B3d", "x10^9/L"),
        ),
    ]
    rule, needed = _threshold(rows, "B3", "lineages (of 3)")
    return _count_reaches(
        rule, sum(v is True for v in lineages), sum(v is None for v in lineages), needed
    )


def _one_unit(name: str, value, other_name: str, other_value) -> None:
    """A laboratory value is given in one unit or the other, never both."""
    if value is not None and other_value is not None:
        raise ScoreInputError(f"{name} and {other_name}: give the value in one unit, not both")


def _met_in_given_unit(rows, usual: tuple, alternative: tuple) -> bool | None:
    """Compare a value with the threshold printed in the unit it was given in. Each unit is
    (argument name, value, criteria row, unit); the alternative is used when it is given."""
    name, value, row, unit = alternative if alternative[1] is not None else usual
    allow_none = alternative[1] is None
    return _met(_number(name, value, allow_none=allow_none), *_threshold(rows, row, unit))


def _hlh2004_result(rows, criteria, route_a, malignancy, haemophagocytosis) -> CriteriaResult:
    """Count route B's criteria and write the verdict, with route A and the malignancy clause."""
    labels = {key: rows[key]["criterion"] for key in criteria}
    rule, needed = _threshold(rows, "B", "criteria (of 8)")
    needed = int(needed)
    met = sum(v is True for v in criteria.values())
    unknown = sum(v is None for v in criteria.values())
    fulfilled = _count_reaches(rule, met, unknown, needed)
    key = {True: "B_met", None: "B_open", False: "B_not"}[fulfilled]
    parts = [
        HLH2004_TEXT[key].format(met=met, unknown=unknown, needed=needed),
        HLH2004_TEXT[{True: "A_yes", False: "A_no", None: "A_unknown"}[route_a]],
    ]
    notes = []
    if malignancy is True:
        notes.append(HLH2004_TEXT["malignancy"])
    elif malignancy is None and haemophagocytosis is True:
        notes.append(HLH2004_TEXT["malignancy_unknown"])
    verdict = "; ".join(parts + notes)
    return CriteriaResult(
        criteria, labels, met, needed, unknown, fulfilled, verdict, route_a, tuple(notes)
    )


# ---------------------------------------------------------------------------- HScore

# HScore variable in the data -> (parameter name, unit of the data rows or None if categorical)
HSCORE_VARIABLES: dict[str, tuple[str, str | None]] = {
    "known_underlying_immunosuppression": ("known_immunosuppression", None),
    "temperature": ("temperature_c", "degC"),
    "organomegaly": ("organomegaly", None),
    "number_of_cytopenias": ("cytopenia_lineages", "lineages"),
    "ferritin": ("ferritin_ng_per_ml", "ng/mL"),
    "triglycerides": ("triglycerides_mmol_per_l", "mmol/L"),
    "fibrinogen": ("fibrinogen_g_per_l", "g/L"),
    "aspartate_aminotransferase": ("ast_iu_per_l", "IU/L"),
    "haemophagocytosis_on_bone_marrow_aspirate": ("marrow_haemophagocytosis", None),
}
# The published table has no row for 0 cytopenic lineages; the book scores it 0 points (the
# points of the lowest band) and says so wherever it matters. This is an interpretation.
NO_CYTOPENIA_NOTE = (
    "0 cytopenic lineages is not a row of the published table; "
    "it is scored 0 points here (an interpretation)"
)


@cache
def hscore_points_table() -> pd.DataFrame:
    """The HScore point bands, checked: every variable present and in the unit the code expects."""
    table = load_dataset("hscore-points")
    for variable, (_, unit) in HSCORE_VARIABLES.items():
        rows = table[table["variable"] == variable]
        if rows.empty:
            raise ScoreDataError(f"HScore variable {variable!r} is missing from hscore-points")
        units = set(rows["unit"].dropna())
        if unit is not None and units != {unit}:
            raise ScoreDataError(
                f"HScore variable {variable!r} is in {units}; the code expects {unit!r}"
            )
    unknown = set(table["variable"]) - set(HSCORE_VARIABLES)
    if unknown:
        raise ScoreDataError(
            f"hscore-points has variables the code does not know: {sorted(unknown)}"
        )
    return table


def _in_band(value: float, row: pd.Series) -> bool:
    below = not pd.isna(row["lower"]) and (
        value < row["lower"] or (value == row["lower"] and not row["lower_inclusive"])
    )
    above = not pd.isna(row["upper"]) and (
        value > row["upper"] or (value == row["upper"] and not row["upper_inclusive"])
    )
    return not (below or above)


def hscore_categories(variable: str) -> list[str]:
    """The band labels of a categorical HScore variable, as the data print them."""
    rows = hscore_points_table()
    return list(rows.loc[rows["variable"] == variable, "band_label"])


@dataclass(frozen=True)
class HScoreResult:
    points: dict[str, int]
    bands: dict[str, str]
    total: int
    cutoff: int
    at_or_above_cutoff: bool
    probability: str
    notes: tuple[str, ...]


def hscore(
    *,
    known_immunosuppression: bool,
    temperature_c: float,
    organomegaly: str,
    cytopenia_lineages: int,
    ferritin_ng_per_ml: float,
    triglycerides_mmol_per_l: float,
    fibrinogen_g_per_l: float,
    ast_iu_per_l: float,
    marrow_haemophagocytosis: bool,
) -> HScoreResult:
    """The HScore (Fardet 2014): points for each of nine variables, their total, and where the
    total falls against the published best cut-off and the published probability table.

    `organomegaly` is one of the data's labels: 'none', 'hepatomegaly or splenomegaly',
    'hepatomegaly and splenomegaly'. `cytopenia_lineages` counts lineages with haemoglobin
    <=9.2 g/dL, leukocytes <=5000/uL or platelets <=110 000/uL (the published footnote).
    Every input is required: the HScore was published for complete data.
    """
    table = hscore_points_table()
    inputs = {
        "known_underlying_immunosuppression": "yes"
        if _flag("known_immunosuppression", known_immunosuppression)
        else "no",
        "temperature": _number("temperature_c", temperature_c),
        "organomegaly": _choice("organomegaly", organomegaly, hscore_categories("organomegaly")),
        "number_of_cytopenias": _number("cytopenia_lineages", cytopenia_lineages, integer=True),
        "ferritin": _number("ferritin_ng_per_ml", ferritin_ng_per_ml),
        "triglycerides": _number("triglycerides_mmol_per_l", triglycerides_mmol_per_l),
        "fibrinogen": _number("fibrinogen_g_per_l", fibrinogen_g_per_l),
        "aspartate_aminotransferase": _number("ast_iu_per_l", ast_iu_per_l),
        "haemophagocytosis_on_bone_marrow_aspirate": "yes"
        if _flag("marrow_haemophagocytosis", marrow_haemophagocytosis)
        else "no",
    }
    points, bands, notes = {}, {}, []
    for variable, value in inputs.items():
        rows = table[table["variable"] == variable]
        if variable == "number_of_cytopenias" and value == 0:
            points[variable], bands[variable] = 0, "0 lineages"
            notes.append(NO_CYTOPENIA_NOTE)
            continue
        if isinstance(value, str):
            match = rows[rows["band_label"] == value]
        else:
            match = rows[[_in_band(value, row) for _, row in rows.iterrows()]]
        if len(match) != 1:
            raise ScoreDataError(f"HScore {variable}: {len(match)} bands hold the value {value!r}")
        points[variable] = int(match["points"].iloc[0])
        bands[variable] = match["band_label"].iloc[0]
    total = sum(points.values())
    cutoff = hscore_cutoff()
    return HScoreResult(
        points,
        bands,
        total,
        cutoff,
        total >= cutoff,
        hscore_published_probability(total),
        tuple(notes),
    )


@cache
def _performance() -> pd.DataFrame:
    return load_dataset("hscore-performance")


def hscore_cutoff() -> int:
    """The published best cut-off of the HScore (read from the data)."""
    perf = _performance()
    return int(perf.loc[perf["quantity"] == "best cut-off", "value"].iloc[0])


def hscore_maximum() -> int:
    """Largest possible total: the sum of each variable's largest points (derived arithmetic)."""
    return int(hscore_points_table().groupby("variable")["points"].max().sum())


def hscore_probability_table() -> pd.DataFrame:
    """The published score -> probability table, as printed ('<1', '54', '>99'), by score.

    `comparator` says how a printed score applies: '==' that score only; '<=' and '>=' the
    open bands at the ends (HScore 90 or lower: '<1'; 250 or higher: '>99').
    """
    perf = _performance()
    table = perf.loc[
        perf["hscore"].notna(), ["hscore", "hscore_comparator", "value_comparator", "value"]
    ]
    bound = table["value_comparator"].fillna("")
    # As printed: the bound's sign ('<', '>') before the number for the open bands.
    table = (
        pd.DataFrame(
            {
                "hscore": table["hscore"],
                "comparator": table["hscore_comparator"],
                "probability_percent": [
                    f"{b}{float(v):g}" for b, v in zip(bound, table["value"], strict=True)
                ],
            }
        )
        .sort_values("hscore")
        .reset_index(drop=True)
    )
    expected = ["<="] + ["=="] * (len(table) - 2) + [">="]
    if list(table["comparator"]) != expected:
        raise ScoreDataError(
            "hscore-performance: expected an open band at each end of the "
            f"probability table and exact points between, got {list(table['comparator'])}"
        )
    return table


def hscore_probability_rules() -> list[tuple[str, float | None, float | None, str]]:
    """Where a total falls in the published probability table, as (kind, low, high, text) rules.

    Kinds: 'at_or_below' (total <= high), 'at_or_above' (total >= low), 'point' (total ==
    low), 'between' (low < total < high). The first rule a total meets is its answer. The
    texts exist only here: `hscore_published_probability` and the in-page calculator
    (`stormbook.calculators`) both read them.
    """
    table = hscore_probability_table()
    scores = [int(s) for s in table["hscore"]]
    labels = [f"{p}%" for p in table["probability_percent"]]
    rules = [
        ("at_or_below", None, scores[0], f"published band: HScore \u2264{scores[0]} = {labels[0]}"),
        (
            "at_or_above",
            scores[-1],
            None,
            f"published band: HScore \u2265{scores[-1]} = {labels[-1]}",
        ),
    ]
    rules += [
        ("point", s, s, f"published point: HScore {s} = {label}")
        for s, label in zip(scores[1:-1], labels[1:-1], strict=True)
    ]
    rules += [
        ("between", s0, s1, f"between published points HScore {s0} ({l0}) and {s1} ({l1})")
        for (s0, l0), (s1, l1) in pairwise(zip(scores, labels, strict=True))
    ]
    return rules


def _rule_holds(kind: str, low, high, total) -> bool:
    return {
        "at_or_below": lambda: total <= high,
        "at_or_above": lambda: total >= low,
        "point": lambda: total == low,
        "between": lambda: low < total < high,
    }[kind]()


def hscore_published_probability(total) -> str:
    """Where a total falls in the published probability table: no formula, no interpolation.

    The ends of the table are open bands (HScore 90 or lower: '<1%'; 250 or higher:
    '>99%'); a printed score between them gives its printed probability; any other score is
    reported as lying between the two printed scores around it.
    """
    if isinstance(total, bool) or not isinstance(total, Real) or math.isnan(total):
        raise ScoreInputError(f"total: expected a number, got {total!r}")
    for kind, low, high, text in hscore_probability_rules():
        if _rule_holds(kind, low, high, total):
            return text
    raise AssertionError("unreachable: the rules cover every number")


@dataclass(frozen=True)
class LogisticFit:
    """A straight line fitted to the logit of the printed probabilities: logit p = a + b x."""

    intercept: float
    slope: float

    def probability(self, total: float) -> float:
        return 1.0 / (1.0 + math.exp(-(self.intercept + self.slope * total)))

    @property
    def midpoint(self) -> float:
        """The HScore at which the fitted probability is one half."""
        return -self.intercept / self.slope


def hscore_logistic_fit() -> LogisticFit:
    """A logistic curve through the printed score-to-probability points (the open bands at
    the two ends left out): least squares on the logit scale. The published points are this
    curve, read off at set scores; the fit is a reading of the table, not a published
    formula, and the calculator never reports it as a probability."""
    table = hscore_probability_table()
    points = table[table["comparator"] == "=="]
    x = points["hscore"].astype(float).to_numpy()
    p = points["probability_percent"].astype(float).to_numpy() / 100
    logit = [math.log(q / (1 - q)) for q in p]
    n = len(x)
    mean_x, mean_y = sum(x) / n, sum(logit) / n
    slope = sum((xi - mean_x) * (yi - mean_y) for xi, yi in zip(x, logit, strict=True)) / sum(
        (xi - mean_x) ** 2 for xi in x
    )
    return LogisticFit(mean_y - slope * mean_x, slope)


@dataclass(frozen=True)
class HScoreRange:
    """The HScore when some inputs were not measured: the lowest and highest possible totals."""

    low: int
    high: int
    measured_points: dict[str, int]
    not_measured: tuple[str, ...]


def hscore_range(**inputs) -> HScoreRange:
    """Like `hscore`, but any input may be None ("not measured"): the total then lies between
    the points of the measured variables (every missing one scoring its fewest points) and
    that plus the most points each missing variable can add. The HScore itself was published
    for complete data; this range only says how far a missing result could move it."""
    expected = {parameter for parameter, _ in HSCORE_VARIABLES.values()}
    if set(inputs) != expected:
        missing, extra = sorted(expected - set(inputs)), sorted(set(inputs) - expected)
        raise ScoreInputError(f"hscore_range: missing inputs {missing}, unknown inputs {extra}")
    table = hscore_points_table()
    measured, missing, low, high = {}, [], 0, 0
    placeholders = {
        "known_immunosuppression": False,
        "temperature_c": 37.0,
        "organomegaly": "none",
        "cytopenia_lineages": 1,
        "ferritin_ng_per_ml": PLAUSIBLE_RANGES["ferritin_ng_per_ml"][0],
        "triglycerides_mmol_per_l": PLAUSIBLE_RANGES["triglycerides_mmol_per_l"][0],
        "fibrinogen_g_per_l": 5.0,
        "ast_iu_per_l": 0.0,
        "marrow_haemophagocytosis": False,
    }
    complete = {
        name: (placeholders[name] if value is None else value) for name, value in inputs.items()
    }
    points = hscore(**complete).points
    for variable, (parameter, _) in HSCORE_VARIABLES.items():
        rows = table[table["variable"] == variable]
        if inputs[parameter] is None:
            missing.append(parameter)
            low += int(rows["points"].min()) if variable != "number_of_cytopenias" else 0
            high += int(rows["points"].max())
        else:
            measured[variable] = points[variable]
            low += points[variable]
            high += points[variable]
    return HScoreRange(low, high, measured, tuple(missing))


# ---------------------------------------------------------------------------- MAS 2016

# The words of every MAS verdict (shared with the in-page calculator).
MAS2016_TEXT = {
    "not_applicable": (
        "not applicable: the criteria classify MAS only in a febrile patient "
        "with known or suspected systemic JIA"
    ),
    "low_ferritin": "not classified as MAS: ferritin is not above the threshold",
    "classified": "classified as MAS (ferritin plus {met} of 4 items; {needed} needed)",
    "not_classified": "not classified as MAS ({met} of 4 items; {needed} needed)",
    "open": "not decided: {met} of 4 items met; ferritin or {unknown} items not measured",
}


@cache
def _mas2016_rows() -> dict:
    return _rows_by_id(load_dataset("mas2016-criteria"), "criterion_id")


def mas2016(
    *,
    febrile: bool,
    known_or_suspected_sjia: bool,
    ferritin_ng_per_ml: float | None,
    platelets_10e9_per_l: float | None,
    ast_u_per_l: float | None,
    triglycerides_mg_per_dl: float | None,
    fibrinogen_mg_per_dl: float | None,
) -> CriteriaResult:
    """The 2016 EULAR/ACR/PRINTO classification criteria for MAS complicating systemic JIA.

    They apply only to a febrile patient with known or suspected sJIA; then ferritin above the
    threshold is required, plus any 2 of platelets, AST, triglycerides and fibrinogen. They
    are classification criteria (for studies and a shared definition), in the units the
    criteria were published in (mg/dL). None means "not measured".
    """
    rows = _mas2016_rows()
    applies = _flag("febrile", febrile) and _flag(
        "known_or_suspected_sjia", known_or_suspected_sjia
    )
    ferritin = _met(
        _number("ferritin_ng_per_ml", ferritin_ng_per_ml, allow_none=True),
        *_threshold(rows, "required_ferritin", "ng/mL"),
    )
    items = {
        "platelets": _met(
            _number("platelets_10e9_per_l", platelets_10e9_per_l, allow_none=True),
            *_threshold(rows, "platelets", "x10^9/L"),
        ),
        "ast": _met(
            _number("ast_u_per_l", ast_u_per_l, allow_none=True), *_threshold(rows, "ast", "U/L")
        ),
        "triglycerides": _met(
            _number("triglycerides_mg_per_dl", triglycerides_mg_per_dl, allow_none=True),
            *_threshold(rows, "triglycerides", "mg/dL"),
        ),
        "fibrinogen": _met(
            _number("fibrinogen_mg_per_dl", fibrinogen_mg_per_dl, allow_none=True),
            *_threshold(rows, "fibrinogen", "mg/dL"),
        ),
    }
    rule, needed = _threshold(rows, "rule", "items (of 4)")
    needed = int(needed)
    criteria = {"required_ferritin": ferritin, **items}
    labels = {key: rows[key]["criterion"] for key in criteria}
    met = sum(v is True for v in items.values())
    unknown = sum(v is None for v in items.values())
    if not applies:
        fulfilled, key = False, "not_applicable"
    elif ferritin is False:
        fulfilled, key = False, "low_ferritin"
    elif ferritin and _COMPARE[rule](met, needed):
        fulfilled, key = True, "classified"
    elif not _COMPARE[rule](met + unknown, needed):
        fulfilled, key = False, "not_classified"
    else:
        fulfilled, key = None, "open"
    verdict = MAS2016_TEXT[key].format(met=met, needed=needed, unknown=unknown)
    return CriteriaResult(
        criteria, labels, met, needed, unknown + (ferritin is None), fulfilled, verdict
    )


# ---------------------------------------------------------------------------- ASTCT CRS grade


@cache
def _astct_table() -> pd.DataFrame:
    frame = load_dataset("astct-crs-grades")
    grades = frame[frame["grade"].str.fullmatch(r"\d")].copy()
    grades["grade"] = grades["grade"].astype(int)
    return grades


def _astct_grades() -> pd.DataFrame:
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
    return list(_astct_grades().sort_values("grade")[f"{kind}_code"])


def astct_fever_threshold_c() -> float:
    """The fever threshold printed in the grading table (degrees Celsius)."""
    texts = set(_astct_grades()["fever"])
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
    grades = _astct_grades()
    hypotension = _choice("hypotension", hypotension, astct_categories("hypotension"))
    hypoxia = _choice("hypoxia", hypoxia, astct_categories("hypoxia"))
    given = _flag("antipyretic_or_anticytokine_given", antipyretic_or_anticytokine_given)
    established = _flag("crs_established_with_fever", crs_established_with_fever)
    treated = given and established  # the waiver: established CRS, then treated
    other_cause = _flag("fever_explained_by_other_cause", fever_explained_by_other_cause)
    hypotension_other = _flag(
        "hypotension_explained_by_other_cause", hypotension_explained_by_other_cause
    )
    hypoxia_other = _flag("hypoxia_explained_by_other_cause", hypoxia_explained_by_other_cause)
    died = _flag("death_due_to_crs", death_due_to_crs)
    temperature = _number("temperature_c", temperature_c, allow_none=treated or died)
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


# ---------------------------------------------------------------------------- predictive values


@dataclass(frozen=True)
class PredictiveValues:
    """Expected counts in `n` patients and the predictive values (as fractions)."""

    n: int
    with_disease: float
    true_positive: float
    false_positive: float
    false_negative: float
    true_negative: float
    positive_predictive_value: float
    negative_predictive_value: float


def predictive_values(
    *, sensitivity: float, specificity: float, prevalence: float, n: int = 1000
) -> PredictiveValues:
    """Bayes' rule in counts: of `n` patients, how many test positive with and without the
    disease, and what a positive or negative result means at this prevalence."""
    for name, value in (
        ("sensitivity", sensitivity),
        ("specificity", specificity),
        ("prevalence", prevalence),
    ):
        if isinstance(value, bool) or not isinstance(value, Real) or not 0 <= value <= 1:
            raise ScoreInputError(f"{name}: expected a fraction between 0 and 1, got {value!r}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ScoreInputError(f"n: expected a positive whole number, got {n!r}")
    sick = n * prevalence
    well = n - sick
    tp, fn = sick * sensitivity, sick * (1 - sensitivity)
    tn, fp = well * specificity, well * (1 - specificity)
    ppv = tp / (tp + fp) if tp + fp else float("nan")
    npv = tn / (tn + fn) if tn + fn else float("nan")
    return PredictiveValues(n, sick, tp, fp, fn, tn, ppv, npv)

"""What every instrument shares: the input checks, the plausible ranges that catch a value
given in the wrong unit, and the result of a set of criteria.

The ranges are not clinical limits: they exist to catch unit mistakes (102 as a temperature in
degrees Celsius, 265 mg/dL of triglycerides given as mmol/L) before they turn into a wrong
answer. Teaching code, not a clinical tool.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from numbers import Real

import numpy as np
import pandas as pd


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

COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


# ---------------------------------------------------------------------------- input checks


def checked_number(name: str, value, *, allow_none: bool = False, integer: bool = False):
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


def checked_flag(name: str, value, *, allow_none: bool = False):
    """True or False (None, 'not assessed', only where allowed); 0/1 and strings are refused.
    A numpy boolean (a row of a pandas table) is a boolean too."""
    if value is None and allow_none:
        return None
    if not isinstance(value, (bool, np.bool_)):
        raise ScoreInputError(f"{name}: expected True or False, got {value!r}")
    return bool(value)


def checked_choice(name: str, value, options) -> str:
    if value not in options:
        raise ScoreInputError(
            f"{name}: unknown category {value!r}; expected one of {sorted(options)}"
        )
    return value


def meets(value, comparator: str, threshold: float):
    if value is None:
        return None
    try:
        return COMPARE[comparator](value, threshold)
    except KeyError:
        raise ScoreDataError(f"unknown comparator {comparator!r} in the data") from None


def any_of(results) -> bool | None:
    """Met if any part is met; not met if every part was assessed and none is; else unknown."""
    results = list(results)
    if any(r is True for r in results):
        return True
    if all(r is False for r in results):
        return False
    return None


def rows_by_id(frame: pd.DataFrame, key: str) -> dict[str, pd.Series]:
    return {row[key]: row for _, row in frame.iterrows()}


def threshold_of(rows: dict, row_id: str, unit: str) -> tuple[str, float]:
    """(comparator, threshold) of a criterion row, after checking its unit."""
    try:
        row = rows[row_id]
    except KeyError:
        raise ScoreDataError(f"criterion {row_id!r} is missing from the data") from None
    if row["unit"] != unit:
        raise ScoreDataError(
            f"criterion {row_id!r} is in {row['unit']!r}; the code expects {unit!r}"
        )
    if pd.isna(row["threshold"]) or row["comparator"] not in COMPARE:
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

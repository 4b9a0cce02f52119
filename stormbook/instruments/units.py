"""Conventional and SI units for the instruments' laboratory values, from `unit-conversions`.

Each factor is a row of `data/unit-conversions.csv` with its source: SI = conventional x
factor. Python and the in-page calculators convert the same way: multiply or divide by the
factor, then round to 6 decimal places (half up), so that 3.6 g/L and 360 mg/dL of
fibrinogen are the same number on both sides of a threshold. The rounding is written once
here for Python (`round6`) and once as a Vega expression (`round6_expression`); a test
checks that the two agree.
"""

from __future__ import annotations

import math
from functools import cache
from numbers import Real

from stormbook.datasets import load_dataset
from stormbook.instruments import PLAUSIBLE_RANGES, ScoreDataError, ScoreInputError

SYSTEMS = ("SI", "conventional")
# How units are printed on the page (the data use ASCII).
DISPLAY = {
    "ug/L": "µg/L",
    "ng/mL": "ng/mL",
    "x10^9/L": "×10⁹/L",
    "x10^3/uL": "×10³/µL",
    "g/L": "g/L",
    "g/dL": "g/dL",
    "mg/dL": "mg/dL",
    "mmol/L": "mmol/L",
}
# Plausible range of each analyte (in its SI unit), shared with `stormbook.instruments`.
SI_RANGE_KEY = {
    "ferritin": "ferritin_ug_per_l",
    "fibrinogen": "fibrinogen_g_per_l",
    "haemoglobin": "haemoglobin_g_per_l",
    "platelets": "platelets_10e9_per_l",
    "neutrophils": "neutrophils_10e9_per_l",
    "triglycerides": "triglycerides_mmol_per_l",
}
# Analytes whose conventional-unit range is set on its own (not converted from SI).
CONVENTIONAL_RANGE_KEY = {
    "ferritin": "ferritin_ng_per_ml",
    "fibrinogen": "fibrinogen_mg_per_dl",
    "triglycerides": "triglycerides_mg_per_dl",
}


@cache
def conversions() -> dict[str, dict]:
    """analyte -> {conventional_unit, si_unit, factor}, read from the data."""
    table = load_dataset("unit-conversions")
    rows = {
        row["analyte"]: {
            "conventional": row["conventional_unit"],
            "SI": row["si_unit"],
            "factor": float(row["factor"]),
        }
        for _, row in table.iterrows()
    }
    if set(rows) != set(SI_RANGE_KEY):
        raise ScoreDataError(
            f"unit-conversions has {sorted(rows)}; the code expects {sorted(SI_RANGE_KEY)}"
        )
    return rows


def system(value) -> str:
    if value not in SYSTEMS:
        raise ScoreInputError(f"units: expected one of {list(SYSTEMS)}, got {value!r}")
    return value


def unit(analyte: str, units: str) -> str:
    """The unit (as the data spell it) of `analyte` in the unit system `units`."""
    return conversions()[analyte][system(units)]


def display_unit(analyte: str, units: str) -> str:
    return DISPLAY[unit(analyte, units)]


def round6(value: float) -> float:
    """Half-up rounding to 6 decimals, as `round6_expression` does in the browser."""
    return math.floor(value * 1e6 + 0.5) / 1e6


def round6_expression(expression: str) -> str:
    return f"(floor(({expression}) * 1000000 + 0.5) / 1000000)"


def plausible_range(analyte: str, units: str) -> tuple[float, float]:
    """Physiological bounds of `analyte` in the unit system `units`: its own row of
    `scores.PLAUSIBLE_RANGES` where one exists (fibrinogen and triglycerides in mg/dL, ferritin
    in ng/mL), otherwise the SI bounds converted. The lower bounds are above zero where a value
    typed in the other unit would otherwise pass (fibrinogen 3.6 in mg/dL)."""
    if system(units) == "SI":
        return PLAUSIBLE_RANGES[SI_RANGE_KEY[analyte]]
    if analyte in CONVENTIONAL_RANGE_KEY:
        return PLAUSIBLE_RANGES[CONVENTIONAL_RANGE_KEY[analyte]]
    low, high = PLAUSIBLE_RANGES[SI_RANGE_KEY[analyte]]
    factor = conversions()[analyte]["factor"]
    return round6(low / factor), round6(high / factor)


def entry(name: str, analyte: str, value, units: str) -> float | None:
    """A laboratory value as entered: None (not measured) or a number within the plausible range
    of its unit; the error names the input and the unit."""
    label = f"{name} ({display_unit(analyte, units)})"
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ScoreInputError(f"{label}: expected a number or None (not measured), got {value!r}")
    if math.isnan(value) or math.isinf(value):
        raise ScoreInputError(f"{label}: expected a finite number, got {value!r}")
    low, high = plausible_range(analyte, units)
    if not low <= value <= high:
        raise ScoreInputError(
            f"{label}: {value!r} is outside the plausible range {low:g} to {high:g}; "
            "check the value and the unit system"
        )
    return float(value)


def convert(analyte: str, value: float | None, from_units: str, to_units: str) -> float | None:
    """`value` of `analyte` from one unit system to the other (rounded by `round6`)."""
    if value is None or system(from_units) == system(to_units):
        return value
    factor = conversions()[analyte]["factor"]
    return round6(value * factor if from_units == "conventional" else value / factor)


def convert_expression(analyte: str, value: str, units_signal: str, to_units: str) -> str:
    """Vega expression for `convert` from the unit system held in `units_signal`."""
    factor = repr(conversions()[analyte]["factor"])
    other = "conventional" if system(to_units) == "SI" else "SI"
    scaled = f"{value} * {factor}" if to_units == "SI" else f"{value} / {factor}"
    return f"({units_signal} == '{other}' ? {round6_expression(scaled)} : {value})"

"""The HScore: a weighted score whose total is read against a published cut-off and a
published score-to-probability table, every point and band read from the book's data.
Teaching code, not a clinical tool.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from numbers import Real

import pandas as pd

from stormbook.datasets import load_dataset
from stormbook.instruments.inputs import (
    PLAUSIBLE_RANGES,
    ScoreDataError,
    ScoreInputError,
    checked_choice,
    checked_flag,
    checked_number,
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
        if checked_flag("known_immunosuppression", known_immunosuppression)
        else "no",
        "temperature": checked_number("temperature_c", temperature_c),
        "organomegaly": checked_choice(
            "organomegaly", organomegaly, hscore_categories("organomegaly")
        ),
        "number_of_cytopenias": checked_number(
            "cytopenia_lineages", cytopenia_lineages, integer=True
        ),
        "ferritin": checked_number("ferritin_ng_per_ml", ferritin_ng_per_ml),
        "triglycerides": checked_number("triglycerides_mmol_per_l", triglycerides_mmol_per_l),
        "fibrinogen": checked_number("fibrinogen_g_per_l", fibrinogen_g_per_l),
        "aspartate_aminotransferase": checked_number("ast_iu_per_l", ast_iu_per_l),
        "haemophagocytosis_on_bone_marrow_aspirate": "yes"
        if checked_flag("marrow_haemophagocytosis", marrow_haemophagocytosis)
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

"""What a test result means at a given prevalence: Bayes' rule in counts."""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real

from stormbook.instruments.inputs import (
    ScoreInputError,
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

"""Effect sizes from 2x2 counts, and the standard error behind a reported ratio's interval.

A reader of a clinical paper meets two questions here: how much more (or less) often did
the event happen with the treatment (risk ratio, odds ratio), and how many patients does
that amount to (risk difference). This module answers them with the standard large-sample
(Wald) formulas; what several studies say together is `stormbook.evidence.pooling`.

Zero-cell rule (Haldane-Anscombe): if any of the four cells of a 2x2 table is zero, 0.5 is
added to every cell before a ratio (RR or OR) and its standard error are computed;
otherwise the log of zero is undefined. The risk difference needs no correction and is
always computed from the counts as given. Each result says whether the correction was used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral

from scipy.stats import norm

HALDANE_ANSCOMBE_ADD = 0.5


class EffectSizeError(ValueError):
    """Counts or estimates that cannot describe a study."""


@dataclass(frozen=True)
class Estimate:
    """An effect estimate with its confidence interval.

    `measure` is "RR", "OR" or "RD"; ratios are on their natural scale (not logged).
    `se_log` is the standard error on the log scale for ratios, on the natural scale for RD.
    """

    measure: str
    estimate: float
    ci_low: float
    ci_high: float
    se: float
    corrected: bool
    level: float = 0.95


def _z(level: float) -> float:
    if not 0 < level < 1:
        raise EffectSizeError(f"level must be between 0 and 1 (exclusive), got {level!r}")
    return float(norm.ppf(0.5 + level / 2))


def _check_arm(events, total, arm: str) -> None:
    for name, value in ((f"events_{arm}", events), (f"n_{arm}", total)):
        if isinstance(value, bool) or not isinstance(value, Integral):
            raise EffectSizeError(f"{name} must be a whole number of patients, got {value!r}")
        if value < 0:
            raise EffectSizeError(f"{name} must not be negative, got {value}")
    if total == 0:
        raise EffectSizeError(f"n_{arm} is zero: an arm without patients has no risk")
    if events > total:
        raise EffectSizeError(f"events_{arm} ({events}) is larger than n_{arm} ({total})")


def _cells(events_treated, n_treated, events_control, n_control):
    """The 2x2 cells (a, b, c, d) and whether the zero-cell correction was applied."""
    _check_arm(events_treated, n_treated, "treated")
    _check_arm(events_control, n_control, "control")
    cells = [events_treated, n_treated - events_treated, events_control, n_control - events_control]
    if 0 in cells:
        return [c + HALDANE_ANSCOMBE_ADD for c in cells], True
    return [float(c) for c in cells], False


def risk_ratio(
    events_treated: int, n_treated: int, events_control: int, n_control: int, level: float = 0.95
) -> Estimate:
    """Risk in the treated arm divided by risk in the control arm, with a Wald CI on log RR."""
    z = _z(level)
    (a, b, c, d), corrected = _cells(events_treated, n_treated, events_control, n_control)
    rr = (a / (a + b)) / (c / (c + d))
    se = math.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))
    return Estimate("RR", rr, rr * math.exp(-z * se), rr * math.exp(z * se), se, corrected, level)


def odds_ratio(
    events_treated: int, n_treated: int, events_control: int, n_control: int, level: float = 0.95
) -> Estimate:
    """Odds of the event with treatment over odds without, with a Woolf (log) CI."""
    z = _z(level)
    (a, b, c, d), corrected = _cells(events_treated, n_treated, events_control, n_control)
    odds = (a * d) / (b * c)
    se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return Estimate(
        "OR", odds, odds * math.exp(-z * se), odds * math.exp(z * se), se, corrected, level
    )


def risk_difference(
    events_treated: int, n_treated: int, events_control: int, n_control: int, level: float = 0.95
) -> Estimate:
    """Risk with treatment minus risk without (a proportion), with a Wald CI; no correction."""
    z = _z(level)
    _check_arm(events_treated, n_treated, "treated")
    _check_arm(events_control, n_control, "control")
    p1, p0 = events_treated / n_treated, events_control / n_control
    se = math.sqrt(p1 * (1 - p1) / n_treated + p0 * (1 - p0) / n_control)
    rd = p1 - p0
    return Estimate("RD", rd, rd - z * se, rd + z * se, se, False, level)


def se_from_ratio_ci(ci_low: float, ci_high: float, level: float = 0.95) -> float:
    """Standard error of a log ratio recovered from its reported confidence interval.

    A reported 95% CI of a ratio is exp(log(est) +/- 1.96 SE), so SE is the CI's width on
    the log scale divided by 2 x 1.96. This is how published ratios enter a pooled estimate.
    """
    for name, value in (("ci_low", ci_low), ("ci_high", ci_high)):
        if (
            not isinstance(value, (int, float))
            or isinstance(value, bool)
            or not math.isfinite(value)
        ):
            raise EffectSizeError(f"{name} must be a finite number, got {value!r}")
        if value <= 0:
            raise EffectSizeError(f"{name} of a ratio must be positive, got {value}")
    if ci_high <= ci_low:
        raise EffectSizeError(f"ci_high ({ci_high}) must be larger than ci_low ({ci_low})")
    return (math.log(ci_high) - math.log(ci_low)) / (2 * _z(level))

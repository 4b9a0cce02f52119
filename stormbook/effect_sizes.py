"""Effect sizes from 2x2 counts, and pooling of ratio estimates across studies.

A reader of a clinical paper meets three questions: how much more (or less) often did the
event happen with the treatment (risk ratio, odds ratio), how many patients does that
amount to (risk difference), and what do several studies say together (pooling). This
module answers them with the standard large-sample (Wald) formulas and leaves the
pooling arithmetic to statsmodels (`combine_effects`), so the book teaches the method
without hand-rolled maths to trust.

Zero-cell rule (Haldane-Anscombe): if any of the four cells of a 2x2 table is zero, 0.5 is
added to every cell before a ratio (RR or OR) and its standard error are computed;
otherwise the log of zero is undefined. The risk difference needs no correction and is
always computed from the counts as given. Each result says whether the correction was used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral

import numpy as np
from scipy.stats import norm
from statsmodels.stats.meta_analysis import combine_effects

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


def risk_ratio(events_treated: int, n_treated: int, events_control: int, n_control: int,
               level: float = 0.95) -> Estimate:
    """Risk in the treated arm divided by risk in the control arm, with a Wald CI on log RR."""
    z = _z(level)
    (a, b, c, d), corrected = _cells(events_treated, n_treated, events_control, n_control)
    rr = (a / (a + b)) / (c / (c + d))
    se = math.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))
    return Estimate("RR", rr, rr * math.exp(-z * se), rr * math.exp(z * se), se, corrected, level)


def odds_ratio(events_treated: int, n_treated: int, events_control: int, n_control: int,
               level: float = 0.95) -> Estimate:
    """Odds of the event with treatment over odds without, with a Woolf (log) CI."""
    z = _z(level)
    (a, b, c, d), corrected = _cells(events_treated, n_treated, events_control, n_control)
    odds = (a * d) / (b * c)
    se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return Estimate("OR", odds, odds * math.exp(-z * se), odds * math.exp(z * se), se, corrected, level)


def risk_difference(events_treated: int, n_treated: int, events_control: int, n_control: int,
                    level: float = 0.95) -> Estimate:
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
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            raise EffectSizeError(f"{name} must be a finite number, got {value!r}")
        if value <= 0:
            raise EffectSizeError(f"{name} of a ratio must be positive, got {value}")
    if ci_high <= ci_low:
        raise EffectSizeError(f"ci_high ({ci_high}) must be larger than ci_low ({ci_low})")
    return (math.log(ci_high) - math.log(ci_low)) / (2 * _z(level))


@dataclass(frozen=True)
class Pooled:
    """Fixed- and random-effects pooled ratios (natural scale) and heterogeneity."""

    k: int
    fixed: float
    fixed_low: float
    fixed_high: float
    random: float
    random_low: float
    random_high: float
    tau2: float
    q: float
    i2: float


def pool_ratios(estimates, ci_lows, ci_highs, level: float = 0.95) -> Pooled:
    """Pool ratio estimates (HR, OR or RR, one kind at a time) reported with CIs.

    Works on the log scale with inverse-variance weights; the random-effects model uses the
    DerSimonian-Laird estimate of between-study variance. All by statsmodels. The caller is
    responsible for pooling only like with like: the same measure, the same outcome and the
    same direction (below 1 favours the same arm).
    """
    est = np.asarray(estimates, dtype=float)
    lo = np.asarray(ci_lows, dtype=float)
    hi = np.asarray(ci_highs, dtype=float)
    if not (est.shape == lo.shape == hi.shape) or est.ndim != 1:
        raise EffectSizeError("estimates, ci_lows and ci_highs must be 1-D and of equal length")
    if est.size == 0:
        raise EffectSizeError("estimates is empty: there is nothing to pool")
    if np.any(~np.isfinite(est)) or np.any(est <= 0):
        raise EffectSizeError(f"estimates must be positive finite ratios, got {est.tolist()}")
    se = np.array([se_from_ratio_ci(float(a), float(b), level) for a, b in zip(lo, hi)])
    y = np.log(est)
    if est.size == 1:
        low, high = y[0] - _z(level) * se[0], y[0] + _z(level) * se[0]
        return Pooled(1, est[0], math.exp(low), math.exp(high), est[0], math.exp(low),
                      math.exp(high), 0.0, 0.0, 0.0)
    with np.errstate(invalid="ignore"):  # statsmodels' optional HKSJ columns; unused here
        result = combine_effects(y, se ** 2, method_re="dl", alpha=1 - level)
        intervals = result.conf_int(use_t=False)  # row order: fixed effect, random effects, ...
    fe_low, fe_high = intervals[0]
    fixed = (result.mean_effect_fe, fe_low, fe_high)
    tau2 = float(result.tau2)
    if tau2 < 0:
        # statsmodels 0.15 does not truncate the DerSimonian-Laird tau2 at zero when
        # Q < k - 1; the estimator is max(0, .), and with tau2 = 0 the random-effects
        # model is the fixed-effect model.
        tau2, random = 0.0, fixed
    else:
        re_low, re_high = intervals[1]
        random = (result.mean_effect_re, re_low, re_high)
    q = float(result.q)
    i2 = max(0.0, (q - (est.size - 1)) / q) if q > 0 else 0.0
    return Pooled(
        k=int(est.size),
        fixed=math.exp(fixed[0]), fixed_low=math.exp(fixed[1]), fixed_high=math.exp(fixed[2]),
        random=math.exp(random[0]), random_low=math.exp(random[1]), random_high=math.exp(random[2]),
        tau2=tau2, q=q, i2=i2,
    )

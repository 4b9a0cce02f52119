"""The arithmetic the treatment chapter's exercises use on printed trial results: the number
needed to treat with its interval (split through infinity when the risk difference's interval
includes 0), a ratio of two ratios with its test of interaction, an exact binomial interval,
and a risk ratio from a row's printed counts."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from scipy.stats import beta, norm

from stormbook.evidence.effect_sizes import EffectSizeError, Estimate, risk_ratio, se_from_ratio_ci
from stormbook.evidence.treatment import TreatmentDataError


@dataclass(frozen=True)
class NumberNeeded:
    """Patients treated for one more to benefit (or, negative risk difference read as harm,
    to be harmed). When the risk difference's interval excludes 0, `low` and `high` bound the
    number needed; when it includes 0, the interval passes through infinity (Altman 1998) and
    `benefit_limit` and `harm_limit` are its two finite ends, NNTB and NNTH."""

    estimate: float
    low: float | None
    high: float | None
    kind: str  # "to benefit" or "to harm"
    benefit_limit: float | None = None
    harm_limit: float | None = None

    def interval_text(self, digits: int = 0) -> str:
        """The interval as a reader sees it: "13 to 20", or, through infinity, the estimate's
        side first: "NNTH 13 to ∞ to NNTB 457"."""
        if self.low is not None:
            return f"{self.low:.{digits}f} to {self.high:.{digits}f}"
        ends = [("NNTB", self.benefit_limit), ("NNTH", self.harm_limit)]
        if self.kind == "to harm":
            ends.reverse()
        (first, a), (second, b) = ends
        return f"{first} {a:.{digits}f} to ∞ to {second} {b:.{digits}f}"


def number_needed_to_treat(difference: Estimate, good: str = "below 0") -> NumberNeeded:
    """Number needed to treat from a risk difference (treated minus control, a proportion).

    `good` says which side of 0 favours the treatment: 'below 0' for deaths. The interval is
    the inverted interval of the difference. When that interval includes 0 the number needed
    runs through infinity: low and high are None, and the inverted ends are given as the
    number needed to benefit and to harm (Altman's split interval)."""
    if not isinstance(difference, Estimate) or difference.measure != "RD":
        raise TreatmentDataError("number_needed_to_treat(): give a risk difference (measure 'RD')")
    if good not in ("below 0", "above 0"):
        raise TreatmentDataError(
            f"number_needed_to_treat(): good must be 'below 0' or 'above 0', not {good!r}"
        )
    if difference.estimate == 0:
        raise TreatmentDataError(
            "number_needed_to_treat(): a risk difference of 0 has no number needed to treat"
        )
    sign = -1 if good == "below 0" else 1
    kind = "to benefit" if sign * difference.estimate > 0 else "to harm"
    nnt = 1 / abs(difference.estimate)
    if not difference.ci_low <= 0 <= difference.ci_high:
        low, high = sorted(1 / abs(x) for x in (difference.ci_low, difference.ci_high))
        return NumberNeeded(nnt, low, high, kind)
    benefit_end, harm_end = sorted((difference.ci_low, difference.ci_high), key=lambda x: -sign * x)
    return NumberNeeded(nnt, None, None, kind, 1 / abs(benefit_end), 1 / abs(harm_end))


@dataclass(frozen=True)
class RatioOfRatios:
    """One subgroup's ratio divided by another's, with its 95% interval and a two-sided P
    value for the difference (a test of interaction from the printed intervals)."""

    estimate: float
    ci_low: float
    ci_high: float
    z: float
    p_value: float


def ratio_of_ratios(
    first: tuple[float, float, float], second: tuple[float, float, float]
) -> RatioOfRatios:
    """(ratio, low, high) of one subgroup over those of another, each with a 95% interval.

    The standard errors come from the printed intervals (`se_from_ratio_ci`); the two
    subgroups must be independent (different patients)."""
    for name, triple in (("first", first), ("second", second)):
        if len(triple) != 3:
            raise TreatmentDataError(f"ratio_of_ratios(): {name} must be (ratio, low, high)")
        ratio, low, high = triple
        if not (isinstance(ratio, (int, float)) and ratio > 0):
            raise TreatmentDataError(
                f"ratio_of_ratios(): {name} ratio must be positive, got {ratio!r}"
            )
        if not low <= ratio <= high:
            raise TreatmentDataError(
                f"ratio_of_ratios(): {name} ratio {ratio} is outside its interval"
            )
    try:
        se1 = se_from_ratio_ci(first[1], first[2])
        se2 = se_from_ratio_ci(second[1], second[2])
    except EffectSizeError as err:
        raise TreatmentDataError(f"ratio_of_ratios(): {err}") from None
    log_ratio = math.log(first[0]) - math.log(second[0])
    se = math.sqrt(se1**2 + se2**2)
    z = log_ratio / se
    return RatioOfRatios(
        math.exp(log_ratio),
        math.exp(log_ratio - 1.959964 * se),
        math.exp(log_ratio + 1.959964 * se),
        z,
        float(2 * norm.sf(abs(z))),
    )


def exact_interval(events: int, total: int, level: float = 0.95) -> tuple[float, float]:
    """Clopper-Pearson (exact binomial) interval of a proportion, as proportions."""
    for name, value in (("events", events), ("total", total)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise TreatmentDataError(
                f"exact_interval(): {name} must be a whole number, got {value!r}"
            )
    if total == 0 or events > total:
        raise TreatmentDataError(f"exact_interval(): {events} of {total} is not a proportion")
    if not 0 < level < 1:
        raise TreatmentDataError(f"exact_interval(): level must be between 0 and 1, got {level!r}")
    alpha = 1 - level
    low = 0.0 if events == 0 else float(beta.ppf(alpha / 2, events, total - events + 1))
    high = 1.0 if events == total else float(beta.ppf(1 - alpha / 2, events + 1, total - events))
    return low, high


def counts_risk_ratio(row: pd.Series) -> Estimate:
    """A risk ratio computed from a row's printed counts (both arms)."""
    cells = [row.get(c) for c in ("events_treated", "n_treated", "events_control", "n_control")]
    if any(c is None or pd.isna(c) for c in cells):
        raise TreatmentDataError(f"row {row.name!r}: counts for both arms are not printed")
    return risk_ratio(*(int(c) for c in cells))

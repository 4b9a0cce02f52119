"""Random-effects pooling of like-with-like study results, and when not to pool at all.

A pooled estimate (the diamond of a forest plot) is only a summary of the studies behind
it if they measured the same thing in the same kind of patient. The rules, enforced here
rather than left to the caller:

1. one condition (COVID-19 trials never pool with sepsis trials), one design group
   (randomised with randomised), one outcome family, one time window and one measure;
2. primary studies only: a meta-analysis already contains its trials;
3. from arm counts (risk ratio) wherever the counts are printed, otherwise from the
   reported ratio and its confidence interval;
4. random effects: Paule-Mandel between-study variance (tau^2) with the
   Hartung-Knapp-Sidik-Jonkman (HKSJ) interval and a prediction interval, by statsmodels;
5. no diamond with fewer than three studies, or with considerable heterogeneity
   (I^2 >= 75%, the Cochrane Handbook's "considerable" band, section 10.10.2): then the
   studies are shown and the reason is said instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import t as t_dist
from statsmodels.stats.meta_analysis import combine_effects

from stormbook.evidence.effect_sizes import EffectSizeError, risk_ratio, se_from_ratio_ci

MIN_STUDIES = 3
MAX_I2 = 0.75
# The keys that must be equal across the rows of one pool (rule 1).
POOL_KEYS = ("condition", "design_group", "outcome_family", "time_window", "measure")


@dataclass(frozen=True)
class RandomEffectsPool:
    """A pooled ratio (natural scale) with its HKSJ interval and prediction interval."""

    k: int
    estimate: float
    ci_low: float
    ci_high: float
    pi_low: float
    pi_high: float
    tau2: float
    i2: float
    q: float


def pool_log_ratios(log_ratios, standard_errors, level: float = 0.95) -> RandomEffectsPool:
    """Paule-Mandel random-effects pool with an HKSJ interval and a prediction interval.

    The prediction interval (Higgins, Thompson and Spiegelhalter 2009; Cochrane Handbook
    10.10.4.3) is where the effect in a new, similar study is expected to lie:
    mean +/- t(k-2) * sqrt(tau^2 + SE^2). It needs at least three studies.
    """
    y = np.asarray(log_ratios, dtype=float)
    se = np.asarray(standard_errors, dtype=float)
    if y.ndim != 1 or y.shape != se.shape:
        raise EffectSizeError("log_ratios and standard_errors must be 1-D and of equal length")
    if y.size < 2:
        raise EffectSizeError(f"pooling needs at least two studies, got {y.size}")
    if np.any(~np.isfinite(y)) or np.any(~np.isfinite(se)) or np.any(se <= 0):
        raise EffectSizeError("log_ratios must be finite and standard_errors finite and positive")
    alpha = 1 - level
    result = combine_effects(y, se**2, method_re="pm", use_t=True, alpha=alpha)
    _fe, _re, _fe_hksj, (low, high) = result.conf_int(alpha=alpha, use_t=True)
    mean, tau2, k = float(result.mean_effect_re), max(0.0, float(result.tau2)), int(y.size)
    if k >= 3:
        half = t_dist.ppf(1 - alpha / 2, k - 2) * math.sqrt(tau2 + float(result.sd_eff_w_re) ** 2)
        pi_low, pi_high = math.exp(mean - half), math.exp(mean + half)
    else:
        pi_low = pi_high = math.nan
    q = float(result.q)
    i2 = max(0.0, (q - (k - 1)) / q) if q > 0 else 0.0
    return RandomEffectsPool(
        k, math.exp(mean), math.exp(low), math.exp(high), pi_low, pi_high, tau2, i2, q
    )


def study_log_ratio(row) -> tuple[float, float, str]:
    """(log ratio, its SE, where it came from) for one study row, counts first (rule 3).

    `row` has the arm counts (n_treated, events_treated, n_control, events_control; missing
    when not printed) and the reported ratio with its interval (ratio, low, high), already
    turned so that below 1 favours the treatment.
    """
    counts = [row["events_treated"], row["n_treated"], row["events_control"], row["n_control"]]
    if all(pd.notna(c) for c in counts):
        rr = risk_ratio(*(int(c) for c in counts))
        return math.log(rr.estimate), rr.se, "risk ratio from arm counts"
    label = row.get("label", "a study")
    if pd.isna(row["ratio"]):
        raise EffectSizeError(f"{label}: neither arm counts nor a reported ratio to pool")
    if pd.isna(row["low"]) or pd.isna(row["high"]):
        raise EffectSizeError(
            f"{label}: the reported ratio {row['ratio']} has no confidence interval"
        )
    se = se_from_ratio_ci(float(row["low"]), float(row["high"]))
    return math.log(float(row["ratio"])), se, "reported ratio and 95% CI"


def check_poolable(rows: pd.DataFrame) -> None:
    """Refuse rows that rules 1 and 2 say must not be pooled together, naming the mismatch."""
    if rows.empty:
        raise EffectSizeError("no rows to pool")
    meta = rows["design_group"].str.startswith("meta-analysis")
    if meta.any():
        names = ", ".join(rows.loc[meta, "label"])
        raise EffectSizeError(f"a meta-analysis is never pooled with its own trials: {names}")
    for key in POOL_KEYS:
        values = sorted(rows[key].astype(str).unique())
        if len(values) > 1:
            raise EffectSizeError(
                f"rows differ in {key} ({', '.join(values)}): pool like with like"
            )
    if rows["study_id"].duplicated().any():
        raise EffectSizeError("a study appears twice in one pool")


def pool_rows(rows: pd.DataFrame) -> RandomEffectsPool:
    """Pool rows of one condition, design, outcome, window and measure (rules 1-4)."""
    check_poolable(rows)
    parts = [study_log_ratio(r) for _, r in rows.iterrows()]
    return pool_log_ratios([p[0] for p in parts], [p[1] for p in parts])


def no_diamond_reason(k: int, pooled: RandomEffectsPool | None) -> str:
    """Why no pooled estimate is drawn (rule 5), or "" when one is. Short: a chart prints it."""
    if k == 0:
        return "No pooled estimate: no study here prints an interval."
    if k < MIN_STUDIES:
        return f"No pooled estimate: {k} {'study' if k == 1 else 'studies'}; pooling needs {MIN_STUDIES} or more."
    if pooled is not None and pooled.i2 >= MAX_I2:
        return f"No pooled estimate: I² {100 * pooled.i2:.0f}% is {100 * MAX_I2:.0f}% or more."
    return ""

"""Random-effects pooling (Paule-Mandel, HKSJ, prediction interval) and the rules for pooling."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq
from scipy.stats import t as t_dist

from stormbook.evidence.effect_sizes import EffectSizeError
from stormbook.evidence.pooling import (
    MAX_I2,
    MIN_STUDIES,
    no_diamond_reason,
    pool_log_ratios,
    pool_rows,
    study_log_ratio,
)

Y = np.log([0.55, 0.80, 1.10, 0.70])
SE = np.array([0.20, 0.30, 0.25, 0.15])


def _by_hand(y, se):
    """Paule-Mandel tau^2, HKSJ interval and prediction interval, written out."""
    k = len(y)

    def generalised_q(tau2):
        w = 1 / (se**2 + tau2)
        mu = (w * y).sum() / w.sum()
        return (w * (y - mu) ** 2).sum() - (k - 1)

    tau2 = 0.0 if generalised_q(0.0) <= 0 else brentq(generalised_q, 0.0, 10.0, xtol=1e-14)
    w = 1 / (se**2 + tau2)
    mu = (w * y).sum() / w.sum()
    var_hksj = (w * (y - mu) ** 2).sum() / ((k - 1) * w.sum())
    t1 = t_dist.ppf(0.975, k - 1)
    half_pi = t_dist.ppf(0.975, k - 2) * math.sqrt(tau2 + 1 / w.sum())
    return (
        tau2,
        mu,
        (mu - t1 * math.sqrt(var_hksj), mu + t1 * math.sqrt(var_hksj)),
        (mu - half_pi, mu + half_pi),
    )


def test_paule_mandel_hksj_and_prediction_interval_match_the_formulas():
    tau2, mu, (lo, hi), (plo, phi) = _by_hand(Y, SE)
    pooled = pool_log_ratios(Y, SE)
    assert tau2 > 0
    assert pooled.tau2 == pytest.approx(tau2, rel=1e-5)
    assert pooled.estimate == pytest.approx(math.exp(mu), rel=1e-6)
    assert (pooled.ci_low, pooled.ci_high) == pytest.approx((math.exp(lo), math.exp(hi)), rel=1e-5)
    assert (pooled.pi_low, pooled.pi_high) == pytest.approx(
        (math.exp(plo), math.exp(phi)), rel=1e-5
    )


def test_studies_that_agree_better_than_chance_have_tau2_zero():
    y, se = np.log([0.80, 0.81, 0.79]), np.array([0.3, 0.3, 0.3])
    pooled = pool_log_ratios(y, se)
    assert pooled.tau2 == 0.0
    assert pooled.i2 == 0.0
    assert pooled.estimate == pytest.approx(math.exp(y.mean()))


def test_two_studies_have_no_prediction_interval():
    pooled = pool_log_ratios(Y[:2], SE[:2])
    assert math.isnan(pooled.pi_low) and math.isnan(pooled.pi_high)


def test_hksj_interval_uses_t_with_k_minus_1_degrees_of_freedom_and_is_wider_than_normal():
    pooled = pool_log_ratios(Y, SE)
    tau2 = pooled.tau2
    w = 1 / (SE**2 + tau2)
    normal_half = 1.959963984540054 / math.sqrt(w.sum())
    assert math.log(pooled.ci_high / pooled.ci_low) / 2 > normal_half


def _row(study, label, events_t, n_t, events_c, n_c, **extra):
    base = dict(
        study_id=study,
        label=label,
        condition="COVID-19",
        design_group="randomised",
        outcome_family="all-cause mortality",
        time_window="day 28-30",
        measure="RR",
        events_treated=events_t,
        n_treated=n_t,
        events_control=events_c,
        n_control=n_c,
        ratio=np.nan,
        low=np.nan,
        high=np.nan,
    )
    base.update(extra)
    return base


def test_pool_rows_uses_risk_ratios_from_arm_counts():
    rows = pd.DataFrame(
        [
            _row("a", "A", 10, 100, 20, 100),
            _row("b", "B", 5, 50, 6, 50),
            _row("c", "C", 30, 200, 28, 190),
        ]
    )
    y = [
        math.log((10 / 100) / (20 / 100)),
        math.log((5 / 50) / (6 / 50)),
        math.log((30 / 200) / (28 / 190)),
    ]
    se = [
        math.sqrt(1 / 10 - 1 / 100 + 1 / 20 - 1 / 100),
        math.sqrt(1 / 5 - 1 / 50 + 1 / 6 - 1 / 50),
        math.sqrt(1 / 30 - 1 / 200 + 1 / 28 - 1 / 190),
    ]
    assert pool_rows(rows) == pool_log_ratios(y, se)


def test_a_row_without_counts_uses_its_reported_interval():
    row = _row("a", "A", pd.NA, pd.NA, pd.NA, pd.NA, measure="HR", ratio=0.5, low=0.25, high=1.0)
    log_ratio, se, how = study_log_ratio(pd.Series(row))
    assert log_ratio == pytest.approx(math.log(0.5))
    assert se == pytest.approx(math.log(4) / (2 * 1.959963984540054))
    assert how == "reported ratio and 95% CI"


@pytest.mark.parametrize(
    "change, words",
    [
        ({"measure": "HR"}, "measure"),
        ({"time_window": "day 60-90"}, "time_window"),
        ({"condition": "sepsis"}, "condition"),
        ({"outcome_family": "death or mechanical ventilation"}, "outcome_family"),
        ({"design_group": "non-randomised"}, "design_group"),
        (
            {"design_group": "meta-analysis, randomised trials only"},
            "meta-analysis is never pooled",
        ),
    ],
)
def test_rows_that_are_not_like_with_like_are_refused_by_name(change, words):
    rows = pd.DataFrame(
        [
            _row("a", "A", 10, 100, 20, 100),
            _row("b", "B", 5, 50, 6, 50),
            _row("c", "C", 30, 200, 28, 190, **change),
        ]
    )
    with pytest.raises(EffectSizeError, match=words):
        pool_rows(rows)


def test_bad_inputs_are_refused_by_name():
    with pytest.raises(EffectSizeError, match=r"events_treated .* larger than n_treated"):
        pool_rows(pd.DataFrame([_row("a", "A", 110, 100, 20, 100), _row("b", "B", 5, 50, 6, 50)]))
    with pytest.raises(EffectSizeError, match="n_control must not be negative"):
        pool_rows(pd.DataFrame([_row("a", "A", 10, 100, 20, -100), _row("b", "B", 5, 50, 6, 50)]))
    no_ci = _row("b", "B", pd.NA, pd.NA, pd.NA, pd.NA, measure="HR", ratio=0.7)
    with pytest.raises(
        EffectSizeError, match=r"B: the reported ratio 0\.7 has no confidence interval"
    ):
        pool_rows(
            pd.DataFrame(
                [
                    _row(
                        "a",
                        "A",
                        pd.NA,
                        pd.NA,
                        pd.NA,
                        pd.NA,
                        measure="HR",
                        ratio=0.5,
                        low=0.3,
                        high=0.9,
                    ),
                    no_ci,
                ]
            )
        )
    with pytest.raises(EffectSizeError, match="a study appears twice"):
        pool_rows(pd.DataFrame([_row("a", "A", 10, 100, 20, 100), _row("a", "A", 5, 50, 6, 50)]))
    with pytest.raises(EffectSizeError, match="at least two studies"):
        pool_log_ratios([0.1], [0.2])
    with pytest.raises(EffectSizeError, match="standard_errors finite and positive"):
        pool_log_ratios([0.1, 0.2], [0.2, 0.0])


def test_no_diamond_below_three_studies_or_with_considerable_heterogeneity():
    assert MIN_STUDIES == 3 and MAX_I2 == 0.75
    assert no_diamond_reason(2, pool_log_ratios(Y[:2], SE[:2])).startswith(
        "No pooled estimate: 2 studies"
    )
    assert no_diamond_reason(1, None) == "No pooled estimate: 1 study; pooling needs 3 or more."
    assert no_diamond_reason(0, None) == "No pooled estimate: no study here prints an interval."
    discordant = pool_log_ratios(np.log([0.3, 1.5, 0.35]), np.array([0.1, 0.1, 0.1]))
    assert discordant.i2 >= MAX_I2
    assert (
        no_diamond_reason(3, discordant)
        == f"No pooled estimate: I² {100 * discordant.i2:.0f}% is 75% or more."
    )
    assert no_diamond_reason(4, pool_log_ratios(Y, SE)) == ""

"""Effect sizes from 2x2 counts and pooling, checked against calculations written out here."""

from __future__ import annotations

import math

import pytest

from stormbook.effect_sizes import (
    EffectSizeError, odds_ratio, pool_ratios, risk_difference, risk_ratio, se_from_ratio_ci,
)

Z = 1.959963984540054  # the 97.5th centile of the standard normal


def test_risk_ratio_of_huet_counts_written_out():
    # 13 of 52 treated vs 32 of 44 historical controls (Huet 2020, abstract).
    rr = (13 / 52) / (32 / 44)
    se = math.sqrt(1 / 13 - 1 / 52 + 1 / 32 - 1 / 44)
    result = risk_ratio(13, 52, 32, 44)
    assert result.estimate == pytest.approx(rr)
    assert result.ci_low == pytest.approx(rr * math.exp(-Z * se))
    assert result.ci_high == pytest.approx(rr * math.exp(Z * se))
    assert result.estimate == pytest.approx(0.34375)
    assert not result.corrected


def test_odds_ratio_and_risk_difference_written_out():
    a, b, c, d = 13, 39, 32, 12
    odds = odds_ratio(13, 52, 32, 44)
    assert odds.estimate == pytest.approx(a * d / (b * c))
    se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    assert odds.ci_high == pytest.approx(a * d / (b * c) * math.exp(Z * se))
    rd = risk_difference(13, 52, 32, 44)
    assert rd.estimate == pytest.approx(13 / 52 - 32 / 44)
    se_rd = math.sqrt(0.25 * 0.75 / 52 + (32 / 44) * (12 / 44) / 44)
    assert rd.ci_low == pytest.approx(13 / 52 - 32 / 44 - Z * se_rd)


def test_zero_cell_adds_one_half_to_every_cell():
    # 0 of 10 vs 5 of 10: the table has a zero, so every cell gets 0.5 (Haldane-Anscombe).
    result = risk_ratio(0, 10, 5, 10)
    assert result.corrected
    assert result.estimate == pytest.approx((0.5 / 11) / (5.5 / 11))
    odds = odds_ratio(0, 10, 5, 10)
    assert odds.estimate == pytest.approx((0.5 * 5.5) / (10.5 * 5.5))
    # All events in one arm is also a zero cell (no non-events).
    assert odds_ratio(10, 10, 5, 10).corrected
    # Beside the threshold: one event, no correction.
    one = risk_ratio(1, 10, 5, 10)
    assert not one.corrected and one.estimate == pytest.approx(0.2)


def test_risk_difference_is_never_corrected():
    result = risk_difference(0, 10, 5, 10)
    assert result.estimate == pytest.approx(-0.5) and not result.corrected


@pytest.mark.parametrize("args, words", [
    ((-1, 10, 5, 10), "events_treated must not be negative"),
    ((11, 10, 5, 10), "events_treated (11) is larger than n_treated (10)"),
    ((1, 10, 5, 0), "n_control is zero"),
    ((1, 10, 5.5, 10), "events_control must be a whole number"),
    ((1, 10, 12, 10), "events_control (12) is larger than n_control (10)"),
])
def test_bad_counts_are_refused_by_name(args, words):
    for function in (risk_ratio, odds_ratio, risk_difference):
        with pytest.raises(EffectSizeError, match=words.replace("(", r"\(").replace(")", r"\)")):
            function(*args)


def test_se_from_reported_ci_written_out():
    assert se_from_ratio_ci(0.11, 0.41) == pytest.approx((math.log(0.41) - math.log(0.11)) / (2 * Z))
    with pytest.raises(EffectSizeError, match="ci_low of a ratio must be positive"):
        se_from_ratio_ci(0, 0.41)
    with pytest.raises(EffectSizeError, match="ci_high .* must be larger"):
        se_from_ratio_ci(0.5, 0.4)


def _by_hand(estimates, lows, highs):
    """Inverse-variance fixed effect and DerSimonian-Laird random effects, written out."""
    y = [math.log(e) for e in estimates]
    v = [((math.log(h) - math.log(lo)) / (2 * Z)) ** 2 for lo, h in zip(lows, highs)]
    w = [1 / vi for vi in v]
    fixed = sum(wi * yi for wi, yi in zip(w, y)) / sum(w)
    q = sum(wi * (yi - fixed) ** 2 for wi, yi in zip(w, y))
    c = sum(w) - sum(wi ** 2 for wi in w) / sum(w)
    tau2 = max(0.0, (q - (len(y) - 1)) / c)
    w_star = [1 / (vi + tau2) for vi in v]
    random = sum(wi * yi for wi, yi in zip(w_star, y)) / sum(w_star)
    se_fixed, se_random = math.sqrt(1 / sum(w)), math.sqrt(1 / sum(w_star))
    i2 = max(0.0, (q - (len(y) - 1)) / q)
    return fixed, se_fixed, random, se_random, tau2, q, i2


@pytest.mark.parametrize("estimates, lows, highs", [
    ([0.22, 0.30], [0.10, 0.20], [0.49, 0.46]),           # two similar HRs: tau2 = 0
    ([0.36, 1 / 0.99], [0.26, 1 / 1.35], [0.50, 1 / 0.74]),  # two discordant ORs: tau2 > 0
    ([0.5, 0.8, 1.2], [0.3, 0.6, 0.9], [0.9, 1.1, 1.6]),
])
def test_pooling_matches_inverse_variance_and_dersimonian_laird_by_hand(estimates, lows, highs):
    fixed, se_f, random, se_r, tau2, q, i2 = _by_hand(estimates, lows, highs)
    pooled = pool_ratios(estimates, lows, highs)
    assert pooled.k == len(estimates)
    assert pooled.fixed == pytest.approx(math.exp(fixed))
    assert pooled.fixed_low == pytest.approx(math.exp(fixed - Z * se_f))
    assert pooled.fixed_high == pytest.approx(math.exp(fixed + Z * se_f))
    assert pooled.random == pytest.approx(math.exp(random))
    assert pooled.random_low == pytest.approx(math.exp(random - Z * se_r))
    assert pooled.tau2 == pytest.approx(tau2, abs=1e-12)
    assert pooled.q == pytest.approx(q)
    assert pooled.i2 == pytest.approx(i2)


def test_tau2_is_truncated_at_zero_when_studies_agree_more_than_chance():
    # Q < k - 1 here: the DerSimonian-Laird estimate (Q - df)/C is negative and truncated to 0.
    *_, tau2, q, _ = _by_hand([0.22, 0.30], [0.10, 0.20], [0.49, 0.46])
    assert q < 1 and tau2 == 0
    pooled = pool_ratios([0.22, 0.30], [0.10, 0.20], [0.49, 0.46])
    assert pooled.tau2 == 0 and pooled.random == pytest.approx(pooled.fixed)
    assert pooled.random_high == pytest.approx(pooled.fixed_high)


def test_discordant_trials_have_heterogeneity_and_a_wider_random_interval():
    pooled = pool_ratios([0.36, 1 / 0.99], [0.26, 1 / 1.35], [0.50, 1 / 0.74])
    assert pooled.tau2 > 0 and pooled.i2 > 0.9
    assert pooled.random_high - pooled.random_low > pooled.fixed_high - pooled.fixed_low


def test_one_study_pools_to_itself():
    pooled = pool_ratios([0.49], [0.25], [0.97])
    assert pooled.fixed == pytest.approx(0.49) and pooled.random == pytest.approx(0.49)
    # The interval is rebuilt from the SE, symmetric on the log scale, so it differs in the
    # last digit from the rounded interval the paper printed.
    se = (math.log(0.97) - math.log(0.25)) / (2 * Z)
    assert pooled.fixed_low == pytest.approx(0.49 * math.exp(-Z * se))
    assert pooled.fixed_high == pytest.approx(0.49 * math.exp(Z * se))


def test_pooling_refuses_bad_input():
    with pytest.raises(EffectSizeError, match="estimates is empty"):
        pool_ratios([], [], [])
    with pytest.raises(EffectSizeError, match="equal length"):
        pool_ratios([0.5, 0.6], [0.3], [0.9])
    with pytest.raises(EffectSizeError, match="positive finite ratios"):
        pool_ratios([-0.5], [0.3], [0.9])

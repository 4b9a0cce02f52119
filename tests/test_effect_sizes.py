"""Effect sizes from 2x2 counts, checked against calculations written out here."""

from __future__ import annotations

import math

import pytest

from stormbook.evidence.effect_sizes import (
    EffectSizeError,
    odds_ratio,
    risk_difference,
    risk_ratio,
    se_from_ratio_ci,
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


@pytest.mark.parametrize(
    "args, words",
    [
        ((-1, 10, 5, 10), "events_treated must not be negative"),
        ((11, 10, 5, 10), "events_treated (11) is larger than n_treated (10)"),
        ((1, 10, 5, 0), "n_control is zero"),
        ((1, 10, 5.5, 10), "events_control must be a whole number"),
        ((1, 10, 12, 10), "events_control (12) is larger than n_control (10)"),
    ],
)
def test_bad_counts_are_refused_by_name(args, words):
    for function in (risk_ratio, odds_ratio, risk_difference):
        with pytest.raises(EffectSizeError, match=words.replace("(", r"\(").replace(")", r"\)")):
            function(*args)


def test_se_from_reported_ci_written_out():
    assert se_from_ratio_ci(0.11, 0.41) == pytest.approx(
        (math.log(0.41) - math.log(0.11)) / (2 * Z)
    )
    with pytest.raises(EffectSizeError, match="ci_low of a ratio must be positive"):
        se_from_ratio_ci(0, 0.41)
    with pytest.raises(EffectSizeError, match=r"ci_high .* must be larger"):
        se_from_ratio_ci(0.5, 0.4)

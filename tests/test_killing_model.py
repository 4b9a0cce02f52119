"""The killing teaching model: positive states, monotone in killing, clear errors, and a
threshold that agrees with a hand calculation."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from stormbook import killing_model as km
from stormbook.killing_model import (
    ANTIGEN_CLEARED,
    CYTOKINE_RESOLVED_FOLD,
    STIMULUS_GROWTH_RATES,
    SYNAPSE_LEVELS,
    KillingModelParameters,
    ModelParameterError,
    clearance_threshold,
    cytokine_fold_crossing,
    efficiency_grid,
    resolution_summary,
    resolution_threshold,
    resolves,
    scenario_summary,
    scenario_table,
    simulate,
    time_to_resolution,
    with_growth,
    with_synapse,
)

FINE_GRID = np.linspace(0.0, 1.0, 101)


@pytest.fixture(scope="module")
def fine_summary():
    return resolution_summary(FINE_GRID)


def test_states_stay_positive_and_finite_for_every_efficiency():
    for efficiency in FINE_GRID:
        states = simulate(efficiency)[["antigen", "lymphocytes", "cytokine"]].to_numpy()
        assert np.all(np.isfinite(states)) and (states > 0).all(), efficiency


def test_starting_values_are_the_documented_resting_levels():
    params = KillingModelParameters()
    start = simulate(0.5).iloc[0]
    assert start["antigen"] == pytest.approx(1.0)
    # sigma / delta_T = 0.5 / 0.5 and gamma_0 / delta_C = 0.1 / 1.0, written out by hand.
    assert start["lymphocytes"] == pytest.approx(1.0)
    assert start["cytokine"] == pytest.approx(0.1)
    assert params.resting_lymphocytes == pytest.approx(1.0)


def test_without_killing_the_stimulus_fills_the_body_and_cytokine_stays_high():
    run = simulate(0.0)
    # With e = 0, A follows the logistic curve A(t) = K / (1 + (K - 1) e^{-rt}) exactly.
    k, r = 100.0, 1.0
    expected = k / (1 + (k - 1) * np.exp(-r * run["day"].to_numpy()))
    np.testing.assert_allclose(run["antigen"], expected, rtol=1e-5)
    # Steady state by hand: T = (sigma + beta K/(h+K)) / delta_T, C = (gamma_0 + gamma T K/(h+K)) / delta_C.
    engaged = 100.0 / 101.0
    t_star = (0.5 + 2.0 * engaged) / 0.5
    c_star = 0.1 + 1.0 * t_star * engaged
    assert run["lymphocytes"].iloc[-1] == pytest.approx(t_star, rel=1e-4)
    assert run["cytokine"].iloc[-1] == pytest.approx(c_star, rel=1e-4)
    assert not resolves(run, 0.0)


def test_full_killing_resolves():
    run = simulate(1.0)
    assert resolves(run, 1.0)
    days = time_to_resolution(run, 1.0)
    assert math.isfinite(days) and days < 10
    assert run["antigen"].iloc[-1] < ANTIGEN_CLEARED


def test_less_killing_never_resolves_faster(fine_summary):
    days = fine_summary["days_to_resolution"].to_numpy()
    for lower, higher in itertools.pairwise(days):
        assert higher <= lower  # inf <= inf holds; a finite time after inf would fail


def test_less_killing_never_ends_with_less_cytokine(fine_summary):
    final = fine_summary["final_cytokine"].to_numpy()
    assert np.all(np.diff(final) <= 1e-8 * final[:-1])
    assert final[0] > 10 * final[-1]


def test_resolution_is_a_single_switch_along_the_grid(fine_summary):
    flags = fine_summary["resolves"].to_list()
    first = flags.index(True)
    assert not any(flags[:first]) and all(flags[first:])


def test_threshold_agrees_with_the_hand_calculation():
    # r delta_T / (k sigma) = 1.0 * 0.5 / (2.5 * 0.5) = 0.4
    assert clearance_threshold() == pytest.approx(0.4)
    # In 60 days, efficiencies just above 0.4 clear too slowly, so the simulated threshold
    # sits a little above it; over 400 days it converges on it.
    short = resolution_threshold()
    assert 0.4 < short < 0.45
    long = resolution_threshold(days=np.arange(0.0, 401.0))
    assert long == pytest.approx(0.4, abs=0.005)
    assert resolves(simulate(short + 0.002), short + 0.002)
    assert not resolves(simulate(short - 0.002), short - 0.002)


def test_time_to_resolution_follows_its_definition_on_a_hand_made_trajectory():
    params = KillingModelParameters()
    high_c = CYTOKINE_RESOLVED_FOLD * params.resting_cytokine
    trajectory = pd.DataFrame(
        {
            "day": [0.0, 1.0, 2.0, 3.0, 4.0],
            "antigen": [1.0, 0.5, 0.0005, 0.0004, 0.0003],
            "lymphocytes": [1.0] * 5,
            "cytokine": [0.1, 0.5, high_c, 0.11, 0.10],
        }
    )
    # Day 2: antigen is cleared but cytokine equals (is not below) the limit; day 3 is first.
    assert time_to_resolution(trajectory, 0.9) == 3.0
    dips_back = trajectory.assign(antigen=[1.0, 0.0002, 0.5, 0.0004, 0.0003])
    assert time_to_resolution(dips_back, 0.9) == 3.0
    # The same numbers at a lower efficiency: with killers at rest (T = 1) the stimulus's net
    # rate r(1 - A/K) - e k T is about 1 - 2.5 e per day, which is 0 at e = 0.4 and positive at
    # 0.3, so the stimulus is not still falling: never resolved.
    assert time_to_resolution(trajectory, 0.4) == math.inf
    assert time_to_resolution(trajectory, 0.3) == math.inf
    # At e = 0.404 the rate is -0.01 per day, exactly the "still falling" limit: resolved.
    assert time_to_resolution(trajectory, 0.404) == 3.0


def test_resolves_does_not_use_the_hand_threshold(monkeypatch):
    """The definition is read off the simulation; the hand formula only checks it."""

    def forbidden(*_args, **_kwargs):
        raise AssertionError("time_to_resolution must not call clearance_threshold")

    monkeypatch.setattr(km, "clearance_threshold", forbidden)
    assert resolves(simulate(1.0), 1.0)
    assert not resolves(simulate(0.39), 0.39)
    assert time_to_resolution(simulate(0.6), 0.6) == 7.0


def test_a_low_persistent_stimulus_is_not_counted_as_resolved():
    # Just below the threshold the stimulus settles at a small non-zero level. Over 400 days
    # it sits under the 0.1 % line with cytokine within 1.5-fold of rest, and it is not
    # still shrinking towards zero: the definition must not call that resolved.
    params = KillingModelParameters()
    run = simulate(0.399, days=np.arange(0.0, 401.0))
    assert run["antigen"].iloc[-1] < ANTIGEN_CLEARED
    assert run["cytokine"].iloc[-1] < CYTOKINE_RESOLVED_FOLD * params.resting_cytokine
    late = run[run["day"] >= 300]["antigen"].to_numpy()
    assert late.min() > 0.5 * late.max()  # flat, not falling away
    assert not resolves(run, 0.399)


def test_efficiency_grid_is_the_slider_grid():
    grid = efficiency_grid()
    assert len(grid) == 21 and grid[0] == 0.0 and grid[-1] == 1.0
    assert grid[1] == pytest.approx(0.05)


@pytest.mark.parametrize("bad", [-0.01, 1.01, math.nan, math.inf, "0.5", None, True])
def test_bad_efficiency_is_refused_by_name(bad):
    with pytest.raises(ModelParameterError, match="killing_efficiency"):
        simulate(bad)


@pytest.mark.parametrize("bad", [-1.0, 0.0, math.nan, math.inf, "1"])
def test_bad_rate_is_refused_by_name(bad):
    with pytest.raises(ModelParameterError, match="kill_rate_per_day"):
        KillingModelParameters(kill_rate_per_day=bad)


def test_bad_times_are_refused():
    with pytest.raises(ModelParameterError, match="days"):
        simulate(0.5, days=np.array([0.0, 2.0, 1.0]))
    with pytest.raises(ModelParameterError, match="days"):
        simulate(0.5, days=np.array([1.0, 2.0]))
    with pytest.raises(ModelParameterError, match="steps"):
        efficiency_grid(1)


def test_threshold_search_refuses_a_model_that_cannot_resolve():
    weak = KillingModelParameters(kill_rate_per_day=0.5)  # threshold 1*0.5/(0.5*0.5) = 2 > 1
    assert clearance_threshold(weak) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="full killing"):
        resolution_threshold(params=weak)


def test_bad_efficiency_for_resolution_is_refused_by_name():
    with pytest.raises(ModelParameterError, match="killing_efficiency"):
        time_to_resolution(simulate(0.5), 1.5)


# --- Claims the chapter makes about the model, one test each -----------------------------

GRID_21 = efficiency_grid(21)


@pytest.fixture(scope="module")
def usual_summary():
    return resolution_summary(GRID_21)


def test_claim_cytokine_is_graded_not_a_switch(usual_summary):
    """Text: just below the threshold, cytokine ends barely above rest; it stays within
    twofold of rest down to e = 0.35 and is highest without killing."""
    fold = usual_summary.set_index(usual_summary["efficiency"].round(2))["final_cytokine_fold"]
    assert not usual_summary.set_index(usual_summary["efficiency"].round(2)).loc[0.35, "resolves"]
    assert 1.0 < fold[0.35] < 1.5
    assert fold[0.30] < 2.5
    assert fold.idxmax() == 0.0
    assert fold[0.0] == pytest.approx(50.1, abs=0.1)


FINE_001 = np.round(np.arange(0.0, 1.001, 0.01), 2)


@pytest.fixture(scope="module")
def summary_001():
    return resolution_summary(FINE_001).set_index(np.round(FINE_001, 2))


def test_claim_cytokine_passes_tenfold_only_below_the_computed_crossing(summary_001):
    """Text: cytokine passes ten times rest only when killing is below the glued crossing
    (about 0.16): on a 0.01 grid, tenfold or more at e <= 0.16 and below it from e = 0.17."""
    crossing = cytokine_fold_crossing(10.0)
    assert 0.16 < crossing < 0.17
    fold = summary_001["final_cytokine_fold"]
    assert (fold[fold.index <= 0.16] >= 10).all()
    assert (fold[fold.index >= 0.17] < 10).all()
    assert fold[0.16] == pytest.approx(10.23, abs=0.01)
    # The crossing itself sits on the tenfold line.
    at = simulate(crossing)
    assert at["cytokine"].iloc[-1] / KillingModelParameters().resting_cytokine == pytest.approx(
        10.0, abs=0.05
    )


def test_claim_just_below_the_threshold_killers_and_cytokine_sit_barely_above_rest(summary_001):
    """Text: just below the clearance threshold (e = 0.39, 0.40) the stimulus is not cleared,
    yet killers and cytokine end within 10% of rest; both rise steeply only as killing nears
    the tenfold crossing (killers more than twofold at e = 0.16)."""
    for e in (0.39, 0.40):
        row = summary_001.loc[e]
        assert not row["resolves"]
        assert 1.0 < row["final_lymphocyte_fold"] < 1.1
        assert 1.0 < row["final_cytokine_fold"] < 1.1
    assert summary_001.loc[0.16, "final_lymphocyte_fold"] > 2.0
    killers = summary_001["final_lymphocyte_fold"].to_numpy()
    assert np.all(np.diff(killers) <= 1e-9), "killers never end higher with more killing"


@pytest.mark.parametrize("bad", [1.0, 0.5, float("nan"), "10", True])
def test_bad_fold_is_refused_by_name(bad):
    with pytest.raises(ModelParameterError, match="fold"):
        cytokine_fold_crossing(bad)


def test_crossing_refuses_a_fold_no_efficiency_reaches():
    with pytest.raises(ValueError, match="without killing"):
        cytokine_fold_crossing(1000.0)


def test_claim_a_partial_defect_with_a_faster_stimulus_surges_then_smoulders():
    """Text: e = 0.6 clears a stimulus growing at r = 1 in 7 days but not one growing at
    r = 2; there cytokine peaks early at about 6.9 times rest (16.3 with s = 4, against 3.9
    for normal killing) and ends about 2.1 times rest (3.9 with s = 4); on day 60 it stays
    above ten times rest below e of about 0.32 (0.47 with s = 4: losing about half of killing)."""
    assert resolves(simulate(0.6), 0.6)
    assert time_to_resolution(simulate(0.6), 0.6) == 7.0
    strong = with_growth(2.0)
    assert not resolves(simulate(0.6, params=strong), 0.6, strong)
    assert resolves(simulate(1.0, params=strong), 1.0, strong)
    rest = strong.resting_cytokine
    strong_long = with_synapse(4.0, strong)
    partial, partial_long = simulate(0.6, params=strong), simulate(0.6, params=strong_long)
    normal_long = simulate(1.0, params=strong_long)
    # The early surge, on day 2, far above the normal response's peak.
    assert partial["cytokine"].max() / rest == pytest.approx(6.89, abs=0.01)
    assert partial_long["cytokine"].max() / rest == pytest.approx(16.32, abs=0.01)
    assert partial_long.loc[partial_long["cytokine"].idxmax(), "day"] == 2.0
    assert normal_long["cytokine"].max() / rest == pytest.approx(3.90, abs=0.01)
    # ... then the smoulder on day 60.
    assert partial["cytokine"].iloc[-1] / rest == pytest.approx(2.11, abs=0.01)
    assert partial_long["cytokine"].iloc[-1] / rest == pytest.approx(3.88, abs=0.01)
    assert cytokine_fold_crossing(10.0, params=strong) == pytest.approx(0.323, abs=0.002)
    assert cytokine_fold_crossing(10.0, params=strong_long) == pytest.approx(0.473, abs=0.002)
    # At e = 0.6 no setting the chart offers keeps cytokine above ten times rest on day 60.
    for growth in STIMULUS_GROWTH_RATES:
        for s in SYNAPSE_LEVELS:
            p = with_synapse(s, with_growth(growth))
            assert simulate(0.6, params=p)["cytokine"].iloc[-1] / rest < 10, (growth, s)


@pytest.mark.parametrize("growth", STIMULUS_GROWTH_RATES)
def test_claim_threshold_rises_in_proportion_to_stimulus_growth(growth):
    """Text: the hand threshold is r delta_T / (k sigma) = 0.4 r; the 60-day threshold sits just above it."""
    params = with_growth(growth)
    assert clearance_threshold(params) == pytest.approx(0.4 * growth)
    simulated = resolution_threshold(params=params)
    assert 0.4 * growth < simulated < 0.4 * growth + 0.03


def test_scenario_table_covers_every_control_position():
    table = scenario_table(GRID_21, days=np.arange(0.0, 61.0))
    assert list(table.columns) == [
        "growth",
        "efficiency",
        "day",
        "antigen",
        "lymphocytes",
        "cytokine",
    ]
    assert len(table) == len(STIMULUS_GROWTH_RATES) * 21 * 61
    summary = scenario_summary(GRID_21)
    assert len(summary) == len(STIMULUS_GROWTH_RATES) * 21
    # Resolution is a single switch along efficiency at every growth rate.
    for _, group in summary.groupby("growth"):
        flags = group.sort_values("efficiency")["resolves"].to_list()
        first = flags.index(True)
        assert not any(flags[:first]) and all(flags[first:])


def test_bad_growth_rate_is_refused_by_name():
    with pytest.raises(ModelParameterError, match="growth_per_day"):
        with_growth(0.0)


# --- The prolonged-synapse extension (s) ----------------------------------------------------


def test_synapse_zero_is_the_original_model():
    assert KillingModelParameters().synapse_prolongation == 0.0
    base = simulate(0.3)
    same = simulate(0.3, params=with_synapse(0.0))
    pd.testing.assert_frame_equal(base, same)


def test_synapse_has_no_effect_when_killing_is_normal():
    # 1 + s (1 - e) = 1 at e = 1, whatever s.
    pd.testing.assert_frame_equal(simulate(1.0), simulate(1.0, params=with_synapse(4.0)))


def test_synapse_multiplies_cytokine_per_engaged_killer_by_the_documented_factor():
    # Without killing, A, T do not depend on s; at steady state C = gamma_0 + gamma (1 + s) T E.
    params = with_synapse(4.0)
    run, plain = simulate(0.0, params=params), simulate(0.0)
    np.testing.assert_allclose(run["antigen"], plain["antigen"], rtol=1e-7)
    np.testing.assert_allclose(run["lymphocytes"], plain["lymphocytes"], rtol=1e-7)
    engaged = 100.0 / 101.0
    t_star = (0.5 + 2.0 * engaged) / 0.5
    assert run["cytokine"].iloc[-1] == pytest.approx(0.1 + 5.0 * t_star * engaged, rel=1e-4)


def test_claim_synapse_prolongation_raises_cytokine_but_not_clearance():
    """Text: with s = 4, cytokine with no killing ends about 247 times rest (50 with s = 0);
    the clearance threshold does not move (s changes cytokine, not killing); the tenfold
    crossing at r = 1 rises from about 0.16 to about 0.25."""
    long = with_synapse(4.0)
    rest = long.resting_cytokine
    assert simulate(0.0, params=long)["cytokine"].iloc[-1] / rest == pytest.approx(246.6, abs=0.1)
    assert resolution_threshold(params=long) == pytest.approx(resolution_threshold(), abs=1e-9)
    assert cytokine_fold_crossing(10.0, params=long) == pytest.approx(0.253, abs=0.002)
    # Cytokine never falls as s rises, at any efficiency on the slider grid.
    for e in GRID_21:
        folds = [simulate(e, params=with_synapse(s))["cytokine"].iloc[-1] for s in SYNAPSE_LEVELS]
        assert all(b >= a - 1e-9 for a, b in itertools.pairwise(folds)), e


@pytest.mark.parametrize("bad", [-0.5, math.nan, math.inf, "1", True])
def test_bad_synapse_prolongation_is_refused_by_name(bad):
    with pytest.raises(ModelParameterError, match="synapse_prolongation"):
        KillingModelParameters(synapse_prolongation=bad)


def test_synapse_levels_are_the_slider_values():
    assert SYNAPSE_LEVELS == (0.0, 1.0, 2.0, 3.0, 4.0)

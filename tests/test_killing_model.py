"""The killing teaching model: positive states, monotone in killing, clear errors, and a
threshold that agrees with a hand calculation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from stormbook.killing_model import (
    ANTIGEN_CLEARED,
    CYTOKINE_RESOLVED_FOLD,
    KillingModelParameters,
    ModelParameterError,
    clearance_threshold,
    efficiency_grid,
    resolution_summary,
    resolution_threshold,
    resolves,
    simulate,
    time_to_resolution,
    trajectories,
)

FINE_GRID = np.linspace(0.0, 1.0, 101)


@pytest.fixture(scope="module")
def fine_summary():
    return resolution_summary(FINE_GRID)


def test_states_stay_positive_and_finite_for_every_efficiency():
    table = trajectories(FINE_GRID)
    assert np.all(np.isfinite(table["value"]))
    assert (table["value"] > 0).all()


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
    assert not resolves(run)


def test_full_killing_resolves():
    run = simulate(1.0)
    assert resolves(run)
    days = time_to_resolution(run)
    assert math.isfinite(days) and days < 10
    assert run["antigen"].iloc[-1] < ANTIGEN_CLEARED


def test_less_killing_never_resolves_faster(fine_summary):
    days = fine_summary["days_to_resolution"].to_numpy()
    for lower, higher in zip(days[:-1], days[1:]):
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
    assert resolves(simulate(short + 0.002))
    assert not resolves(simulate(short - 0.002))


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
    assert time_to_resolution(trajectory) == 3.0
    regrowing = trajectory.assign(antigen=[1.0, 0.5, 0.0003, 0.0004, 0.0005])
    assert time_to_resolution(regrowing) == math.inf
    dips_back = trajectory.assign(antigen=[1.0, 0.0002, 0.5, 0.0004, 0.0003])
    assert time_to_resolution(dips_back) == 3.0


def test_efficiency_grid_is_the_slider_grid():
    grid = efficiency_grid()
    assert len(grid) == 21 and grid[0] == 0.0 and grid[-1] == 1.0
    assert grid[1] == pytest.approx(0.05)


def test_trajectory_table_has_the_documented_shape():
    table = trajectories(efficiency_grid())
    assert list(table.columns) == ["efficiency", "day", "variable", "value"]
    assert len(table) == 21 * 61 * 3


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

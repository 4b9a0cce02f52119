"""The one-compartment teaching model with first-order absorption, against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from stormbook.pharmacokinetics.model import (
    Dose,
    Parameters,
    PharmacokineticsError,
    concentration_mg_l,
    continuous_infusion,
    repeated,
)

# Any plausible values: these tests check the physics, not anakinra's numbers.
P = Parameters(clearance_l_h=8.0, volume_l=12.0, ka_per_h=0.15, bioavailability=0.9)
T = np.arange(0.0, 72.5, 0.5)  # 0 to 72 h


def test_iv_bolus_decays_with_the_elimination_rate_cl_over_v():
    c = concentration_mg_l(T, [Dose(0.0, 100.0, "iv_bolus")], P)
    assert c == pytest.approx(100 / 12 * np.exp(-(8 / 12) * T), rel=1e-6, abs=1e-12)


def test_sc_dose_follows_the_bateman_function():
    ka, ke = 0.15, 8 / 12
    c = concentration_mg_l(T, [Dose(0.0, 100.0, "sc")], P)
    bateman = 0.9 * 100 * ka / (12 * (ka - ke)) * (np.exp(-ke * T) - np.exp(-ka * T))
    assert c == pytest.approx(bateman, rel=1e-6, abs=1e-10)


def test_continuous_infusion_rises_to_rate_over_clearance():
    rate = 50.0
    c = concentration_mg_l(T, continuous_infusion(rate, 72.0), P)
    assert c == pytest.approx(rate / 8 * (1 - np.exp(-(8 / 12) * T)), rel=1e-6, abs=1e-10)
    # The plateau is rate / clearance: 50 / 8 = 6.25 mg/L, reached within 1% by 72 h.
    plateau = concentration_mg_l(np.array([72.0]), continuous_infusion(rate, 72.0), P)
    assert plateau == pytest.approx([6.25], rel=0.01)


def test_infusion_stops_and_then_decays():
    doses = [Dose(0.0, 100.0, "iv_infusion", 2.0)]
    c = concentration_mg_l(np.array([2.0, 5.0]), doses, P)
    ke = 8 / 12
    at_end = 50 / 8 * (1 - math.exp(-ke * 2))
    assert c == pytest.approx([at_end, at_end * math.exp(-ke * 3)], rel=1e-6)


def test_flip_flop_sc_terminal_half_life_is_the_absorption_half_life():
    # ka (0.15/h) is slower than ke (0.67/h): late after an injection the curve falls with ka.
    c = concentration_mg_l(np.array([40.0, 50.0]), [Dose(0.0, 100.0, "sc")], P)
    terminal_half_life = 10 * math.log(2) / math.log(c[0] / c[1])
    assert terminal_half_life == pytest.approx(P.absorption_half_life_h, rel=1e-3)
    assert P.elimination_half_life_h < terminal_half_life / 4


def test_repeated_doses_add_up_by_superposition():
    doses = repeated("sc", 100.0, 12.0, 6)
    together = concentration_mg_l(T, doses, P)
    apart = sum(concentration_mg_l(T, [d], P) for d in doses)
    assert together == pytest.approx(apart, rel=1e-6, abs=1e-9)


def test_halving_clearance_doubles_exposure():
    fine = np.arange(0.0, 400.0, 0.05)
    auc_normal = np.trapezoid(concentration_mg_l(fine, [Dose(0.0, 100.0, "sc")], P), fine)
    auc_half = np.trapezoid(
        concentration_mg_l(fine, [Dose(0.0, 100.0, "sc")], P.with_clearance_ratio(0.5)), fine
    )
    assert auc_normal == pytest.approx(0.9 * 100 / 8, rel=1e-3)
    assert auc_half == pytest.approx(2 * auc_normal, rel=1e-3)


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: Parameters(0.0, 12.0, 0.15, 0.9), "clearance_l_h must be positive"),
        (lambda: Parameters(8.0, -1.0, 0.15, 0.9), "volume_l must be positive"),
        (lambda: Parameters(8.0, 12.0, 0.15, 1.2), r"bioavailability must be in \(0, 1\]"),
        (lambda: Parameters(8.0, 12.0, float("nan"), 0.9), "ka_per_h must be a finite number"),
        (lambda: Dose(0.0, 100.0, "oral"), "route must be one of"),
        (lambda: Dose(-1.0, 100.0, "sc"), "time_h must be a number of hours >= 0"),
        (lambda: Dose(0.0, 0.0, "sc"), "amount_mg must be positive"),
        (
            lambda: Dose(0.0, 100.0, "iv_infusion"),
            r"duration_h \(of an infusion\) must be positive",
        ),
        (lambda: Dose(0.0, 100.0, "sc", 1.0), "duration_h applies to 'iv_infusion' only"),
        (lambda: repeated("sc", 100.0, 0.0, 3), "interval_h must be positive"),
        (lambda: repeated("sc", 100.0, 12.0, 0), "n_doses must be a whole number of at least 1"),
        (
            lambda: repeated("iv_infusion", 100.0, 4.0, 2, infusion_h=6.0),
            "must not exceed interval_h",
        ),
        (lambda: concentration_mg_l([-1.0], [Dose(0.0, 1.0, "sc")], P), "times_h must be"),
        (lambda: concentration_mg_l([1.0], [], P), "doses is empty"),
        (lambda: P.with_clearance_ratio(0), "clearance ratio must be positive"),
    ],
)
def test_bad_inputs_are_refused_by_name(make, words):
    with pytest.raises(PharmacokineticsError, match=words):
        make()

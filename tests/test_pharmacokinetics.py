"""The one-compartment teaching model: closed forms, an independent ODE solution, bad inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from stormbook.pharmacokinetics import (
    PharmacokineticsError, absorption_rate_for_tmax, concentration_mg_l, elimination_rate_per_h,
    scaled_half_life_h, sc_tmax_h, trough_mg_l, volume_from_clearance_l,
)

BASE = dict(dose_mg=100.0, interval_h=12.0, n_doses=6, half_life_h=4.0, volume_l=20.0)


def test_single_iv_bolus_halves_every_half_life():
    c = concentration_mg_l([0, 4, 8], route="iv_bolus", **dict(BASE, n_doses=1))
    assert c.tolist() == pytest.approx([5.0, 2.5, 1.25])


def test_repeated_bolus_accumulates_as_a_geometric_series():
    # Just before the 6th dose: sum of 5 doses' remainders, r = exp(-ke * 12) = 1/8.
    r = 0.5 ** 3
    expected = 5.0 * sum(r ** k for k in range(1, 6))
    assert trough_mg_l(route="iv_bolus", **BASE) == pytest.approx(expected)


def _ode(route, ka=None, f=1.0, infusion_h=None, t_end=72.0):
    """Amounts in depot and body, dosed by restarting the solver at each dose (independent)."""
    ke = math.log(2) / BASE["half_life_h"]
    depot, body = 0.0, 0.0
    times, conc = [], []
    for k in range(BASE["n_doses"]):
        start = k * BASE["interval_h"]
        stop = start + BASE["interval_h"] if k < BASE["n_doses"] - 1 else t_end
        if route == "iv_bolus":
            body += BASE["dose_mg"]
        elif route == "sc":
            depot += f * BASE["dose_mg"]
        rate = BASE["dose_mg"] / infusion_h if route == "iv_infusion" else 0.0

        def rhs(t, y):
            infusing = rate if (route == "iv_infusion" and t - start < infusion_h) else 0.0
            absorbed = ka * y[0] if route == "sc" else 0.0
            return [-absorbed, absorbed + infusing - ke * y[1]]

        grid = np.linspace(start, stop, 49)
        sol = solve_ivp(rhs, (start, stop), [depot, body], t_eval=grid, rtol=1e-10, atol=1e-12,
                        max_step=0.05)
        depot, body = sol.y[0, -1], sol.y[1, -1]
        times.extend(grid[:-1]); conc.extend(sol.y[1, :-1] / BASE["volume_l"])
    return np.array(times), np.array(conc)


@pytest.mark.parametrize("route, extra", [
    ("iv_bolus", {}),
    ("iv_infusion", {"infusion_h": 1.0}),
    ("sc", {"ka_per_h": 0.4, "bioavailability": 0.95}),
])
def test_superposition_matches_an_ode_solved_by_scipy(route, extra):
    times, expected = _ode(route, ka=extra.get("ka_per_h"), f=extra.get("bioavailability", 1.0),
                           infusion_h=extra.get("infusion_h"))
    # Skip the instants at which a bolus is given (the ODE grid starts just after it).
    got = concentration_mg_l(times, route=route, **BASE, **extra)
    assert got == pytest.approx(expected, rel=1e-6, abs=1e-9)


def test_sc_peak_time_formula_and_its_inverse():
    ke = elimination_rate_per_h(5.0)
    ka = absorption_rate_for_tmax(5.0, 5.0)
    assert ka > ke
    assert math.log(ka / ke) / (ka - ke) == pytest.approx(5.0)
    assert sc_tmax_h(ka, 5.0) == pytest.approx(5.0)
    # The model peak is where the curve is highest.
    t = np.linspace(0, 24, 24001)
    c = concentration_mg_l(t, route="sc", dose_mg=100, interval_h=24, n_doses=1, half_life_h=5.0,
                           volume_l=20, bioavailability=0.95, ka_per_h=ka)
    assert t[np.argmax(c)] == pytest.approx(5.0, abs=1e-3)


def test_volume_and_scaled_half_life_written_out():
    # 137 mL/min = 8.22 L/h; ke for 4 h = ln2/4.
    assert volume_from_clearance_l(137, 4.0) == pytest.approx(8.22 * 4 / math.log(2))
    assert scaled_half_life_h(4.0, 51.5 / 170) == pytest.approx(4.0 * 170 / 51.5)
    assert scaled_half_life_h(4.0, 1.0) == 4.0


def test_longer_interval_gives_lower_trough():
    daily = trough_mg_l(route="iv_bolus", **dict(BASE, interval_h=24.0))
    twice = trough_mg_l(route="iv_bolus", **dict(BASE, dose_mg=50.0, interval_h=12.0))
    assert daily < twice


@pytest.mark.parametrize("change, words", [
    ({"half_life_h": 0}, "half_life_h must be positive"),
    ({"half_life_h": -4}, "half_life_h must be positive"),
    ({"dose_mg": -100}, "dose_mg must be positive"),
    ({"volume_l": 0}, "volume_l must be positive"),
    ({"interval_h": float("nan")}, "interval_h must be a finite number"),
    ({"n_doses": 0}, "n_doses must be a whole number of at least 1"),
    ({"route": "oral"}, "route must be one of"),
    ({"route": "sc", "ka_per_h": 0.4, "bioavailability": 1.2}, r"bioavailability must be in \(0, 1\]"),
    ({"route": "sc", "ka_per_h": 0.4, "bioavailability": 0}, "bioavailability must be positive"),
    ({"route": "sc"}, "ka_per_h .* is needed"),
    ({"route": "iv_bolus", "bioavailability": 0.9}, "bioavailability applies to 'sc' only"),
    ({"route": "iv_infusion"}, "infusion_h .* is needed"),
    ({"route": "iv_infusion", "infusion_h": 13.0}, "must not exceed interval_h"),
])
def test_bad_inputs_are_refused_by_name(change, words):
    args = dict(BASE, route="iv_bolus")
    args.update(change)
    with pytest.raises(PharmacokineticsError, match=words):
        concentration_mg_l([0.0, 1.0], **args)


def test_tmax_too_long_for_the_half_life_is_refused():
    with pytest.raises(PharmacokineticsError, match="tmax_h"):
        absorption_rate_for_tmax(10.0, 4.0)

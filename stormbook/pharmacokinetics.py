"""A one-compartment TEACHING model of repeated anakinra doses.

Why a model at all: anakinra's short half-life (4-6 h after subcutaneous injection, per the
US label) means the concentration falls a long way between doses, and more so the longer
the interval; renal impairment slows clearance and flattens that fall. A one-compartment
model with first-order elimination shows both with a handful of parameters.

What it is not: a validated model of anakinra in cytokine storm syndromes. The chapter says
which parameter comes from which source and which are illustrative (the volume of
distribution, hence the concentration scale).

Doses are added by superposition: each dose contributes its own single-dose curve from the
moment it is given, and the curves are summed. Routes:

- "iv_bolus": C(t) = D/V * exp(-ke t)
- "iv_infusion": zero-order input at D/T over T hours, then decay
- "sc": first-order absorption (rate ka) with bioavailability F (the Bateman function)
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
from scipy.optimize import brentq

ROUTES = ("iv_bolus", "iv_infusion", "sc")


class PharmacokineticsError(ValueError):
    """A model input that cannot describe a dose or a patient."""


def _positive(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise PharmacokineticsError(f"{name} must be a finite number, got {value!r}")
    if value <= 0:
        raise PharmacokineticsError(f"{name} must be positive, got {value}")
    return float(value)


def elimination_rate_per_h(half_life_h: float) -> float:
    """First-order elimination rate constant ke = ln 2 / half-life."""
    return math.log(2) / _positive("half_life_h", half_life_h)


def volume_from_clearance_l(clearance_ml_min: float, half_life_h: float) -> float:
    """Volume (L) implied by a clearance and a half-life in one compartment: V = CL / ke."""
    cl_l_per_h = _positive("clearance_ml_min", clearance_ml_min) * 60 / 1000
    return cl_l_per_h / elimination_rate_per_h(half_life_h)


def scaled_half_life_h(half_life_h: float, clearance_ratio: float) -> float:
    """Half-life when clearance is multiplied by `clearance_ratio` and volume is unchanged.

    ke = CL / V, so a clearance 70% lower (ratio 0.3) makes the half-life 1/0.3 times longer.
    """
    ratio = _positive("clearance_ratio", clearance_ratio)
    return _positive("half_life_h", half_life_h) / ratio


def sc_tmax_h(ka_per_h: float, half_life_h: float) -> float:
    """Time of the peak after one subcutaneous dose: ln(ka/ke) / (ka - ke)."""
    ka, ke = _positive("ka_per_h", ka_per_h), elimination_rate_per_h(half_life_h)
    if math.isclose(ka, ke):
        return 1 / ke
    return math.log(ka / ke) / (ka - ke)


def absorption_rate_for_tmax(tmax_h: float, half_life_h: float) -> float:
    """The absorption rate ka (> ke) whose single-dose peak falls at `tmax_h`."""
    tmax = _positive("tmax_h", tmax_h)
    ke = elimination_rate_per_h(half_life_h)
    if tmax >= 1 / ke:
        raise PharmacokineticsError(
            f"tmax_h ({tmax}) must be shorter than 1/ke ({1 / ke:.2f} h) for an absorption "
            "faster than elimination"
        )
    return brentq(lambda ka: sc_tmax_h(ka, half_life_h) - tmax, ke * (1 + 1e-9), 1e3)


def _single_dose(t: np.ndarray, dose_mg: float, route: str, ke: float, volume_l: float,
                 bioavailability: float, ka: float | None, infusion_h: float | None) -> np.ndarray:
    """Concentration (mg/L) of one dose given at t = 0; zero before it is given."""
    out = np.zeros_like(t)
    after = t >= 0
    ta = t[after]
    if route == "iv_bolus":
        out[after] = dose_mg / volume_l * np.exp(-ke * ta)
    elif route == "iv_infusion":
        rate = dose_mg / infusion_h
        during = np.minimum(ta, infusion_h)
        level_end = rate / (ke * volume_l) * (1 - np.exp(-ke * during))
        out[after] = level_end * np.exp(-ke * (ta - during))
    else:
        if math.isclose(ka, ke):
            out[after] = bioavailability * dose_mg / volume_l * ke * ta * np.exp(-ke * ta)
        else:
            out[after] = (bioavailability * dose_mg * ka / (volume_l * (ka - ke))
                          * (np.exp(-ke * ta) - np.exp(-ka * ta)))
    return out


def concentration_mg_l(times_h, *, route: str, dose_mg: float, interval_h: float, n_doses: int,
                       half_life_h: float, volume_l: float, bioavailability: float = 1.0,
                       ka_per_h: float | None = None, infusion_h: float | None = None) -> np.ndarray:
    """Plasma concentration (mg/L) at `times_h` after `n_doses` equal doses every `interval_h`.

    The first dose is at t = 0. `bioavailability` (0, 1] and `ka_per_h` apply to "sc";
    `infusion_h` (the duration of each infusion) to "iv_infusion".
    """
    if route not in ROUTES:
        raise PharmacokineticsError(f"route must be one of {ROUTES}, got {route!r}")
    dose = _positive("dose_mg", dose_mg)
    interval = _positive("interval_h", interval_h)
    if isinstance(n_doses, bool) or not isinstance(n_doses, int) or n_doses < 1:
        raise PharmacokineticsError(f"n_doses must be a whole number of at least 1, got {n_doses!r}")
    ke = elimination_rate_per_h(half_life_h)
    volume = _positive("volume_l", volume_l)
    f = _positive("bioavailability", bioavailability)
    if f > 1:
        raise PharmacokineticsError(f"bioavailability must be in (0, 1], got {bioavailability}")
    ka = None
    if route == "sc":
        if ka_per_h is None:
            raise PharmacokineticsError("ka_per_h (absorption rate) is needed for route 'sc'")
        ka = _positive("ka_per_h", ka_per_h)
    elif f != 1.0:
        raise PharmacokineticsError(f"bioavailability applies to 'sc' only; got {f} for {route!r}")
    if route == "iv_infusion":
        if infusion_h is None:
            raise PharmacokineticsError("infusion_h (infusion duration) is needed for 'iv_infusion'")
        _positive("infusion_h", infusion_h)
        if infusion_h > interval:
            raise PharmacokineticsError(
                f"infusion_h ({infusion_h}) must not exceed interval_h ({interval})"
            )
    t = np.asarray(times_h, dtype=float)
    if t.ndim != 1 or np.any(~np.isfinite(t)):
        raise PharmacokineticsError("times_h must be a 1-D sequence of finite hours")
    total = np.zeros_like(t)
    for k in range(n_doses):
        total += _single_dose(t - k * interval, dose, route, ke, volume, f, ka, infusion_h)
    return total


def trough_mg_l(**model) -> float:
    """Concentration just before the last dose of the schedule (the trough at steady pace)."""
    n = model["n_doses"]
    if n < 2:
        raise PharmacokineticsError("a trough needs at least 2 doses (n_doses >= 2)")
    t_last = (n - 1) * model["interval_h"]
    before = dict(model, n_doses=n - 1)
    return float(concentration_mg_l([t_last], **before)[0])

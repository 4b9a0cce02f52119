"""A one-compartment TEACHING model of anakinra with first-order absorption.

Two compartments of drug amount: a subcutaneous depot and the body (plasma volume V).

    d(depot)/dt = -ka * depot
    d(body)/dt  =  ka * depot + infusion_rate(t) - (CL / V) * body
    concentration = body / V

A subcutaneous dose puts F x dose into the depot; an intravenous bolus puts the dose in the
body; an intravenous infusion adds a constant rate for its duration. SciPy's `solve_ivp`
integrates the system between dosing events.

Why this shape: after a subcutaneous injection anakinra is absorbed more slowly than it is
eliminated, so the terminal slope of the curve is set by absorption ("flip-flop"
kinetics). The label's 4-6 h terminal half-life after injection is therefore an absorption
half-life, not the elimination half-life that governs an intravenous dose. With absorption
and elimination as separate parameters, both routes come out of one model.

What it is not: a validated model of anakinra in cytokine storm syndromes. It has one
compartment, fixed parameters for a typical adult and no inflammation, obesity or
critical-illness effects; the chapter states where each parameter comes from and checks
the model against measured concentrations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

import numpy as np
from scipy.integrate import solve_ivp

ROUTES = ("sc", "iv_bolus", "iv_infusion")


class PharmacokineticsError(ValueError):
    """A model input that cannot describe a dose or a patient."""


def _positive(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise PharmacokineticsError(f"{name} must be a finite number, got {value!r}")
    if value <= 0:
        raise PharmacokineticsError(f"{name} must be positive, got {value}")
    return float(value)


@dataclass(frozen=True)
class Parameters:
    """Clearance (L/h) and volume (L) of the body compartment; absorption rate and fraction."""

    clearance_l_h: float
    volume_l: float
    ka_per_h: float
    bioavailability: float

    def __post_init__(self):
        for name in ("clearance_l_h", "volume_l", "ka_per_h", "bioavailability"):
            _positive(name, getattr(self, name))
        if self.bioavailability > 1:
            raise PharmacokineticsError(
                f"bioavailability must be in (0, 1], got {self.bioavailability}"
            )

    @property
    def ke_per_h(self) -> float:
        """Elimination rate constant CL / V."""
        return self.clearance_l_h / self.volume_l

    @property
    def elimination_half_life_h(self) -> float:
        return math.log(2) / self.ke_per_h

    @property
    def absorption_half_life_h(self) -> float:
        return math.log(2) / self.ka_per_h

    def with_clearance_ratio(self, ratio: float) -> Parameters:
        """The same patient with clearance multiplied by `ratio` (e.g. renal impairment)."""
        return Parameters(
            self.clearance_l_h * _positive("clearance ratio", ratio),
            self.volume_l,
            self.ka_per_h,
            self.bioavailability,
        )


@dataclass(frozen=True)
class Dose:
    """One administration: when (h), how much (mg), by which route, over how long (h)."""

    time_h: float
    amount_mg: float
    route: str
    duration_h: float = 0.0

    def __post_init__(self):
        if self.route not in ROUTES:
            raise PharmacokineticsError(f"route must be one of {ROUTES}, got {self.route!r}")
        if isinstance(self.time_h, bool) or not isinstance(self.time_h, Real) or self.time_h < 0:
            raise PharmacokineticsError(
                f"time_h must be a number of hours >= 0, got {self.time_h!r}"
            )
        _positive("amount_mg", self.amount_mg)
        if self.route == "iv_infusion":
            _positive("duration_h (of an infusion)", self.duration_h)
        elif self.duration_h != 0:
            raise PharmacokineticsError(
                f"duration_h applies to 'iv_infusion' only, got {self.duration_h} "
                f"for {self.route!r}"
            )


def repeated(
    route: str, dose_mg: float, interval_h: float, n_doses: int, infusion_h: float = 0.0
) -> list[Dose]:
    """`n_doses` equal doses every `interval_h` hours from t = 0."""
    interval = _positive("interval_h", interval_h)
    if isinstance(n_doses, bool) or not isinstance(n_doses, int) or n_doses < 1:
        raise PharmacokineticsError(
            f"n_doses must be a whole number of at least 1, got {n_doses!r}"
        )
    if route == "iv_infusion" and infusion_h > interval:
        raise PharmacokineticsError(
            f"infusion_h ({infusion_h}) must not exceed interval_h ({interval})"
        )
    return [Dose(k * interval, dose_mg, route, infusion_h) for k in range(n_doses)]


def continuous_infusion(rate_mg_h: float, duration_h: float, loading_mg: float = 0.0) -> list[Dose]:
    """A constant intravenous infusion from t = 0, after an optional intravenous bolus."""
    doses = [
        Dose(
            0.0,
            _positive("rate_mg_h", rate_mg_h) * _positive("duration_h", duration_h),
            "iv_infusion",
            duration_h,
        )
    ]
    if loading_mg:
        doses.insert(0, Dose(0.0, loading_mg, "iv_bolus"))
    return doses


def concentration_mg_l(times_h, doses: list[Dose], params: Parameters) -> np.ndarray:
    """Plasma concentration (mg/L) at `times_h` for a schedule of doses."""
    t = np.asarray(times_h, dtype=float)
    if t.ndim != 1 or t.size == 0 or np.any(~np.isfinite(t)) or np.any(t < 0):
        raise PharmacokineticsError("times_h must be a non-empty 1-D sequence of hours >= 0")
    if not doses:
        raise PharmacokineticsError("doses is empty: there is nothing to model")
    infusions = [
        (d.time_h, d.time_h + d.duration_h, d.amount_mg / d.duration_h)
        for d in doses
        if d.route == "iv_infusion"
    ]
    horizon = float(t.max())
    edges = sorted({0.0, horizon} | {d.time_h for d in doses} | {e for _, e, _ in infusions})
    edges = [e for e in edges if e <= horizon]
    state = np.zeros(2)  # drug amount (mg) in the depot and in the body
    out = np.zeros_like(t)
    for i, start in enumerate(edges):
        state += _given_at(start, doses, params.bioavailability)
        if i + 1 == len(edges):
            out[t == start] = state[1] / params.volume_l
            break
        stop = edges[i + 1]
        # The infusion rate is constant inside a segment, so the system is smooth there.
        rate = sum(r for s, e, r in infusions if s <= start < e)
        sol = solve_ivp(
            lambda _now, x, rate=rate: [
                -params.ka_per_h * x[0],
                params.ka_per_h * x[0] + rate - params.ke_per_h * x[1],
            ],
            (start, stop),
            state,
            method="LSODA",
            dense_output=True,
            rtol=1e-9,
            atol=1e-12,
        )
        inside = (t >= start) & (t < stop)
        if inside.any():
            out[inside] = sol.sol(t[inside])[1] / params.volume_l
        state = sol.y[:, -1].copy()
    return out


def _given_at(time_h: float, doses: list[Dose], bioavailability: float) -> np.ndarray:
    """Amounts added at `time_h` by injections: F x dose to the depot, boluses to the body."""
    depot = sum(
        bioavailability * d.amount_mg for d in doses if d.time_h == time_h and d.route == "sc"
    )
    body = sum(d.amount_mg for d in doses if d.time_h == time_h and d.route == "iv_bolus")
    return np.array([depot, body], dtype=float)

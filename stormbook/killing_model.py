"""A teaching model of why killing matters: antigen, killer cells and cytokine over time.

This is a QUALITATIVE TEACHING MODEL, not a model of any patient. It is not fitted to
data and its parameter values are illustrative choices, not measurements. It exists to
show one idea from the perforin chapter: cytotoxic lymphocytes both clear infected or
antigen-presenting cells and, by doing so, remove the stimulus that keeps them
activated, so the response can switch itself off. Lower the killing efficiency and the
stimulus persists, the lymphocytes stay activated and cytokine stays high.

State (all in arbitrary units, time in days):

- ``A``: infected / antigen-presenting cells (the stimulus); starts at 1.
- ``T``: activated cytotoxic lymphocytes; starts at the resting level sigma / delta_T.
- ``C``: inflammatory cytokine; starts at the resting level gamma_0 / delta_C.

Equations::

    dA/dt = r A (1 - A / K) - e k T A
    dT/dt = sigma + beta A / (h + A) - delta_T T
    dC/dt = gamma_0 + gamma (1 + s (1 - e)) T A / (h + A) - delta_C C

``e`` is the killing efficiency, a fraction from 0 (no killing, as with a complete block
of the granule pathway) to 1 (normal killing). ``s`` (``synapse_prolongation``, default 0)
lets cytokine made per engaged killer rise when killing fails: a killer that cannot kill
stays attached to its target longer and secretes more cytokine while attached. With s = 0
cytokine per engaged killer does not depend on e; with s > 0 a killer at efficiency e makes
1 + s (1 - e) times as much, so a killer that cannot kill at all makes 1 + s times as much.
That cytokine output scales with the time spent attached is an assumption of the model. Assumptions, each a simplification:
stimulus cells grow logistically and are removed only by killing; lymphocytes are
recruited at a constant resting rate, expand while stimulus is present and otherwise
decay; cytokine is made at a basal rate plus in proportion to lymphocytes engaged with
stimulus, and cleared at a constant rate. There is no macrophage compartment, no
cytokine feedback on the cells, no treatment and no randomness.

The model is solved in logarithmic variables (ln A, ln T, ln C), which keeps every state
strictly positive by construction instead of clipping small negative numbers.

"Resolves" has one definition, used in code and text, and it is read off the simulation
alone: the response has resolved at the first simulated time from which, until the end of
the simulation, the stimulus stays below ``ANTIGEN_CLEARED`` (0.1 % of its starting value),
cytokine stays below ``CYTOKINE_RESOLVED_FOLD`` (1.5) times its resting level, AND the
stimulus is still shrinking by at least ``STILL_FALLING_PER_DAY`` (1 % a day; its net
per-capita rate, evaluated on the simulated state). The last condition separates a stimulus
that is being eliminated from one held at a low but persistent level: just below the
clearance threshold the model settles at a small non-zero stimulus, which can sit under the
0.1 % line with cytokine near rest but no longer falls, and that is not resolution. A
response that does not meet all three by the end of the simulated window has not resolved
(time to resolution = infinity).

An independent check: lymphocytes never fall below their resting level sigma / delta_T
(they start there and dT/dt >= sigma - delta_T T), and the stimulus's per-capita growth
never exceeds r, so above ``clearance_threshold(params)`` = r delta_T / (k sigma) the
stimulus falls at every moment; below it, once the stimulus is small and the killers are
back near rest, it grows again, so it can never be eliminated. With the default values
the threshold is 0.4. This condition is NOT used by the definition of "resolves"; the tests
compare the simulated threshold with it, so their agreement is a check, not a construction.

The threshold exists because of two assumptions: the stimulus replicates (growth rate
r > 0), and the killers never fall below a resting pool sigma / delta_T. A stimulus that
did not replicate would be eliminated eventually at any e > 0.

"Stimulus strength" in this model is the stimulus's growth rate r (how fast infected or
antigen-presenting cells multiply); ``STIMULUS_GROWTH_RATES`` are the values the chapter
offers. A faster-growing stimulus raises the threshold in proportion.

What the model leaves out, on purpose: clonal expansion and memory of specific T cells
(T is one pool recruited at a fixed rate), macrophages and the cells they consume,
feedback of cytokine on any cell, treatment, and randomness. It can show the logic of
"killing also ends the response"; it cannot say how large a defect or a trigger must be
in a patient.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd
from scipy.integrate import solve_ivp

ANTIGEN_START = 1.0
ANTIGEN_CLEARED = 0.001 * ANTIGEN_START
CYTOKINE_RESOLVED_FOLD = 1.5
# "Still being eliminated": the stimulus's net per-capita rate must be at or below -1 % a day.
STILL_FALLING_PER_DAY = 0.01
# Stimulus growth rates r (per day) offered by the chapter's second control.
STIMULUS_GROWTH_RATES = (0.5, 1.0, 1.5, 2.0)
# Synapse prolongation values s offered by the chapter's third control (0 = the basic model).
SYNAPSE_LEVELS = (0.0, 1.0, 2.0, 3.0, 4.0)


class ModelParameterError(ValueError):
    """A parameter of the teaching model is missing its meaning: negative, non-finite, out of range."""


@dataclass(frozen=True)
class KillingModelParameters:
    """Illustrative rates (per day) and scales (arbitrary units); NOT measured values."""

    growth_per_day: float = 1.0  # r: growth rate of stimulus cells
    capacity: float = 100.0  # K: most stimulus cells the body can hold (units of A0)
    kill_rate_per_day: float = 2.5  # k: killing per unit T at full efficiency
    recruitment_per_day: float = 0.5  # sigma: resting supply of activated killer cells
    activation_per_day: float = 2.0  # beta: top extra activation while stimulus present
    half_saturation: float = 1.0  # h: stimulus level giving half-maximal activation
    lymphocyte_decay_per_day: float = 0.5  # delta_T: contraction of activated killer cells
    basal_cytokine_per_day: float = 0.1  # gamma_0: resting cytokine production
    cytokine_per_cell_per_day: float = 1.0  # gamma: cytokine made per engaged killer cell
    cytokine_decay_per_day: float = 1.0  # delta_C: cytokine clearance
    # s: extra cytokine per engaged killer when killing fails (a longer synapse); 0 = none.
    synapse_prolongation: float = 0.0

    # Parameters that may be zero (the others must be positive).
    _MAY_BE_ZERO = ("synapse_prolongation",)

    def __post_init__(self):
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ModelParameterError(f"{field.name} must be a number, got {value!r}")
            if not math.isfinite(value):
                raise ModelParameterError(f"{field.name} must be finite, got {value!r}")
            if field.name in self._MAY_BE_ZERO:
                if value < 0:
                    raise ModelParameterError(
                        f"{field.name} must be zero or positive, got {value!r}"
                    )
            elif value <= 0:
                raise ModelParameterError(f"{field.name} must be positive, got {value!r}")

    @property
    def resting_lymphocytes(self) -> float:
        return self.recruitment_per_day / self.lymphocyte_decay_per_day

    @property
    def resting_cytokine(self) -> float:
        return self.basal_cytokine_per_day / self.cytokine_decay_per_day


def _check_efficiency(killing_efficiency: float) -> float:
    if isinstance(killing_efficiency, bool) or not isinstance(
        killing_efficiency, (int, float, np.floating, np.integer)
    ):
        raise ModelParameterError(
            f"killing_efficiency must be a number between 0 and 1, got {killing_efficiency!r}"
        )
    value = float(killing_efficiency)
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise ModelParameterError(
            f"killing_efficiency must be between 0 and 1 (a fraction of normal killing), "
            f"got {killing_efficiency!r}"
        )
    return value


def _check_times(days: np.ndarray) -> np.ndarray:
    days = np.asarray(days, dtype=float)
    if days.ndim != 1 or days.size < 2:
        raise ModelParameterError("days must be a 1-D sequence of at least two times")
    if not np.all(np.isfinite(days)):
        raise ModelParameterError("days must all be finite")
    if days[0] != 0.0 or np.any(np.diff(days) <= 0):
        raise ModelParameterError("days must start at 0 and increase strictly")
    return days


def _log_rates(params: KillingModelParameters, efficiency: float):
    """Right-hand side in ln-variables: d(ln X)/dt = (dX/dt) / X."""
    p = params
    per_cell = p.cytokine_per_cell_per_day * (1 + p.synapse_prolongation * (1 - efficiency))

    def rhs(_t, y):
        a, t, c = np.exp(y)
        engaged = a / (p.half_saturation + a)
        d_ln_a = p.growth_per_day * (1 - a / p.capacity) - efficiency * p.kill_rate_per_day * t
        d_ln_t = (
            p.recruitment_per_day + p.activation_per_day * engaged
        ) / t - p.lymphocyte_decay_per_day
        d_ln_c = (p.basal_cytokine_per_day + per_cell * t * engaged) / c - p.cytokine_decay_per_day
        return [d_ln_a, d_ln_t, d_ln_c]

    return rhs


def simulate(
    killing_efficiency: float,
    days: np.ndarray | None = None,
    params: KillingModelParameters | None = None,
) -> pd.DataFrame:
    """Trajectories of A, T and C at `days` (default 0..60, daily) for one killing efficiency.

    Returns columns day, antigen, lymphocytes, cytokine. Raises ModelParameterError for an
    efficiency outside [0, 1], a non-finite value, or bad times; RuntimeError if the
    solver fails (it should not for valid parameters).
    """
    efficiency = _check_efficiency(killing_efficiency)
    params = params or KillingModelParameters()
    days = _check_times(np.arange(0.0, 61.0) if days is None else days)
    start = np.log([ANTIGEN_START, params.resting_lymphocytes, params.resting_cytokine])
    solution = solve_ivp(
        _log_rates(params, efficiency),
        (days[0], days[-1]),
        start,
        t_eval=days,
        method="LSODA",
        rtol=1e-8,
        atol=1e-10,
    )
    if not solution.success:
        raise RuntimeError(f"the ODE solver failed: {solution.message}")
    antigen, lymphocytes, cytokine = np.exp(solution.y)
    return pd.DataFrame(
        {"day": days, "antigen": antigen, "lymphocytes": lymphocytes, "cytokine": cytokine}
    )


def antigen_net_rate(
    trajectory: pd.DataFrame,
    killing_efficiency: float,
    params: KillingModelParameters | None = None,
) -> np.ndarray:
    """Per-capita rate of change of the stimulus, r (1 - A/K) - e k T, at each row (per day).

    Evaluated from the simulated A and T with the model's own equation; negative means the
    stimulus is shrinking."""
    efficiency = _check_efficiency(killing_efficiency)
    p = params or KillingModelParameters()
    antigen = trajectory["antigen"].to_numpy()
    killers = trajectory["lymphocytes"].to_numpy()
    return (
        p.growth_per_day * (1 - antigen / p.capacity) - efficiency * p.kill_rate_per_day * killers
    )


def time_to_resolution(
    trajectory: pd.DataFrame,
    killing_efficiency: float,
    params: KillingModelParameters | None = None,
) -> float:
    """First day from which, to the end, antigen < 0.1 % of start AND cytokine < 1.5 x resting
    AND the stimulus is still shrinking by at least 1 % a day (module docstring).

    `killing_efficiency` is the efficiency the trajectory was simulated with (it enters the
    stimulus's net rate). Returns math.inf when the response has not resolved within the
    simulated window. The hand-derived ``clearance_threshold`` is not used here.
    """
    efficiency = _check_efficiency(killing_efficiency)
    params = params or KillingModelParameters()
    antigen = trajectory["antigen"].to_numpy()
    below = (
        (antigen < ANTIGEN_CLEARED)
        & (trajectory["cytokine"].to_numpy() < CYTOKINE_RESOLVED_FOLD * params.resting_cytokine)
        & (antigen_net_rate(trajectory, efficiency, params) <= -STILL_FALLING_PER_DAY)
    )
    if not below[-1]:
        return math.inf
    # The last index at which the condition did not hold; resolution is the next sample.
    failing = np.flatnonzero(~below)
    first = 0 if failing.size == 0 else failing[-1] + 1
    return float(trajectory["day"].iloc[first])


def clearance_threshold(params: KillingModelParameters | None = None) -> float:
    """Killing efficiency above which the stimulus is eliminated: r delta_T / (k sigma).

    Derived by hand (module docstring), not from the simulation, and not used by the
    definition of "resolves", so it can check the simulation. May exceed 1, meaning that even
    full killing cannot eliminate the stimulus.
    """
    p = params or KillingModelParameters()
    return (
        p.growth_per_day
        * p.lymphocyte_decay_per_day
        / (p.kill_rate_per_day * p.recruitment_per_day)
    )


def resolves(
    trajectory: pd.DataFrame,
    killing_efficiency: float,
    params: KillingModelParameters | None = None,
) -> bool:
    """True when the response meets the module's definition of resolved within the window."""
    return math.isfinite(time_to_resolution(trajectory, killing_efficiency, params))


def efficiency_grid(steps: int = 21) -> np.ndarray:
    """Evenly spaced killing efficiencies from 0 to 1 inclusive (the chart slider's values)."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 2:
        raise ModelParameterError(f"steps must be an integer of at least 2, got {steps!r}")
    return np.round(np.linspace(0.0, 1.0, steps), 10)


def resolution_summary(
    efficiencies: np.ndarray | None = None,
    days: np.ndarray | None = None,
    params: KillingModelParameters | None = None,
) -> pd.DataFrame:
    """Per efficiency: whether the response resolves, when, and the final cytokine level."""
    params = params or KillingModelParameters()
    efficiencies = efficiency_grid() if efficiencies is None else efficiencies
    rows = []
    for efficiency in efficiencies:
        run = simulate(efficiency, days, params)
        days_to = time_to_resolution(run, efficiency, params)
        rows.append(
            {
                "efficiency": float(efficiency),
                "resolves": math.isfinite(days_to),
                "days_to_resolution": days_to,
                "final_antigen": float(run["antigen"].iloc[-1]),
                "final_cytokine": float(run["cytokine"].iloc[-1]),
                "final_cytokine_fold": float(run["cytokine"].iloc[-1] / params.resting_cytokine),
                "final_lymphocyte_fold": float(
                    run["lymphocytes"].iloc[-1] / params.resting_lymphocytes
                ),
                "peak_cytokine": float(run["cytokine"].max()),
            }
        )
    return pd.DataFrame(rows)


def resolution_threshold(
    days: np.ndarray | None = None,
    params: KillingModelParameters | None = None,
    tolerance: float = 1e-3,
) -> float:
    """Smallest killing efficiency (to within `tolerance`) at which the response resolves.

    Found by bisection, which is valid because resolution is monotone in efficiency (a
    property the tests check on a grid). Raises ValueError if full killing does not
    resolve or zero killing does.
    """
    if not (isinstance(tolerance, float) and math.isfinite(tolerance) and 0 < tolerance < 0.5):
        raise ModelParameterError(f"tolerance must be a float in (0, 0.5), got {tolerance!r}")
    low, high = 0.0, 1.0
    if resolves(simulate(low, days, params), low, params):
        raise ValueError("the response resolves even without killing; no threshold exists")
    if not resolves(simulate(high, days, params), high, params):
        raise ValueError("the response does not resolve even at full killing")
    while high - low > tolerance:
        middle = (low + high) / 2
        if resolves(simulate(middle, days, params), middle, params):
            high = middle
        else:
            low = middle
    return high


def cytokine_fold_crossing(
    fold: float = 10.0,
    days: np.ndarray | None = None,
    params: KillingModelParameters | None = None,
    tolerance: float = 1e-3,
) -> float:
    """Killing efficiency (to within `tolerance`) below which cytokine at the last day
    simulated is at least `fold` times its resting level.

    Found by bisection, which is valid because the final cytokine level falls as killing
    rises (a property the tests check on a grid). Raises ValueError if even no killing
    stays below `fold`, or if full killing reaches it.
    """
    if (
        isinstance(fold, bool)
        or not isinstance(fold, (int, float))
        or not math.isfinite(fold)
        or fold <= 1
    ):
        raise ModelParameterError(f"fold must be a finite number above 1, got {fold!r}")
    if not (isinstance(tolerance, float) and math.isfinite(tolerance) and 0 < tolerance < 0.5):
        raise ModelParameterError(f"tolerance must be a float in (0, 0.5), got {tolerance!r}")
    params = params or KillingModelParameters()

    def final_fold(efficiency: float) -> float:
        return float(
            simulate(efficiency, days, params)["cytokine"].iloc[-1] / params.resting_cytokine
        )

    low, high = 0.0, 1.0
    if final_fold(low) < fold:
        raise ValueError(f"cytokine stays below {fold:g} times rest even without killing")
    if final_fold(high) >= fold:
        raise ValueError(f"cytokine reaches {fold:g} times rest even at full killing")
    while high - low > tolerance:
        middle = (low + high) / 2
        if final_fold(middle) >= fold:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def with_synapse(
    synapse_prolongation: float, params: KillingModelParameters | None = None
) -> KillingModelParameters:
    """The same parameters with another synapse prolongation s (extra cytokine per engaged
    killer when killing fails)."""
    params = params or KillingModelParameters()
    return replace(params, synapse_prolongation=synapse_prolongation)


def with_growth(
    growth_per_day: float, params: KillingModelParameters | None = None
) -> KillingModelParameters:
    """The same parameters with another stimulus growth rate r (the "stimulus strength")."""
    params = params or KillingModelParameters()
    return replace(params, growth_per_day=growth_per_day)


def scenario_table(
    efficiencies: np.ndarray | None = None,
    growth_rates: tuple[float, ...] = STIMULUS_GROWTH_RATES,
    days: np.ndarray | None = None,
    params: KillingModelParameters | None = None,
) -> pd.DataFrame:
    """Wide table (growth, efficiency, day, antigen, lymphocytes, cytokine): what the chart draws
    for every pair of slider positions."""
    efficiencies = efficiency_grid() if efficiencies is None else efficiencies
    frames = []
    for growth in growth_rates:
        grown = with_growth(growth, params)
        for efficiency in efficiencies:
            run = simulate(efficiency, days, grown)
            frames.append(run.assign(growth=float(growth), efficiency=float(efficiency)))
    table = pd.concat(frames, ignore_index=True)
    return table[["growth", "efficiency", "day", "antigen", "lymphocytes", "cytokine"]]


def scenario_summary(
    efficiencies: np.ndarray | None = None,
    growth_rates: tuple[float, ...] = STIMULUS_GROWTH_RATES,
    days: np.ndarray | None = None,
    params: KillingModelParameters | None = None,
) -> pd.DataFrame:
    """`resolution_summary` for every stimulus growth rate, with a growth column first."""
    frames = [
        resolution_summary(efficiencies, days, with_growth(growth, params)).assign(
            growth=float(growth)
        )
        for growth in growth_rates
    ]
    table = pd.concat(frames, ignore_index=True)
    return table[["growth"] + [c for c in table.columns if c != "growth"]]

"""The concentration-time chart of the anakinra teaching model, computed in the browser.

The reader picks the route, dose, interval, half-life and kidney function; the page has no
Python kernel, so the chart repeats `stormbook.pharmacokinetics` in Vega expressions: for
each time point it lists the doses already given (`sequence`), adds each dose's curve
(superposition, as in the Python model) and sums. `window_summary` computes the chart's
printed peak and lowest level with the Python model; a test checks they agree.
"""

from __future__ import annotations

import math

import altair as alt
import numpy as np

from stormbook.charts import PALETTE
from stormbook.pharmacokinetics import concentration_mg_l

HORIZON_H = 72.0
STEP_H = 0.25
WINDOW_START_H = 48.0
INFUSION_H = 1.0
ROUTES = {"Subcutaneous": "sc", "IV bolus": "iv_bolus", "IV infusion (1 h)": "iv_infusion"}
INTERVALS_H = [6, 8, 12, 24, 48]
KIDNEY = ["normal", "severe impairment"]


def window_summary(*, route: str, dose_mg: float, interval_h: float, half_life_h: float,
                   volume_l: float, bioavailability: float, ka_per_h: float) -> dict:
    """Peak over 0-72 h and the lowest level over 48-72 h on the chart's 15-minute grid."""
    t = np.arange(0, HORIZON_H + STEP_H / 2, STEP_H)
    n_doses = int(math.floor(HORIZON_H / interval_h)) + 1
    extra = {"iv_bolus": {}, "iv_infusion": {"infusion_h": INFUSION_H},
             "sc": {"bioavailability": bioavailability, "ka_per_h": ka_per_h}}[route]
    c = concentration_mg_l(t, route=route, dose_mg=dose_mg, interval_h=interval_h, n_doses=n_doses,
                           half_life_h=half_life_h, volume_l=volume_l, **extra)
    return {"peak": float(c.max()), "lowest": float(c[t >= WINDOW_START_H].min())}


def pk_chart(*, volume_l: float, bioavailability: float, ka_per_h: float,
             severe_clearance_ratio: float, half_life_range_h: tuple[float, float]) -> alt.LayerChart:
    """Layered line chart with bound controls; every model constant comes in as an argument."""
    route = alt.param(name="route", value="Subcutaneous",
                      bind=alt.binding_radio(options=list(ROUTES), name="Route: "))
    dose = alt.param(name="dose", value=100,
                     bind=alt.binding_range(min=50, max=400, step=50, name="Dose (mg): "))
    interval = alt.param(name="interval", value=24,
                         bind=alt.binding_select(options=INTERVALS_H, name="Every (h): "))
    half_life = alt.param(name="halflife", value=half_life_range_h[0],
                          bind=alt.binding_range(min=half_life_range_h[0], max=half_life_range_h[1],
                                                 step=0.5, name="Half-life, normal kidneys (h): "))
    kidney = alt.param(name="kidney", value=KIDNEY[0],
                       bind=alt.binding_select(options=KIDNEY, name="Kidney function: "))
    ke = f"(log(2) / halflife) * (kidney == 'normal' ? 1 : {severe_clearance_ratio!r})"
    single = (
        "route == 'IV bolus' ? dose / {V} * exp(-{ke} * datum.tk)"
        " : route == 'IV infusion (1 h)' ? (dose / {T}) / ({ke} * {V})"
        " * (1 - exp(-{ke} * min(datum.tk, {T}))) * exp(-{ke} * max(datum.tk - {T}, 0))"
        " : {F} * dose * {ka} / ({V} * ({ka} - {ke})) * (exp(-{ke} * datum.tk) - exp(-{ka} * datum.tk))"
    ).format(V=repr(volume_l), ke=ke, T=repr(INFUSION_H), F=repr(bioavailability), ka=repr(ka_per_h))
    curve = (
        alt.Chart(alt.sequence(0, HORIZON_H + STEP_H / 2, STEP_H, as_="t"))
        .transform_calculate(doses="sequence(0, floor(datum.t / interval) + 1)")
        .transform_flatten(["doses"], as_=["k"])
        .transform_calculate(tk="datum.t - datum.k * interval")
        .transform_calculate(c=single)
        .transform_aggregate(conc="sum(c)", groupby=["t"])
    )
    line = curve.mark_line(color=PALETTE[0], strokeWidth=2.5).encode(
        x=alt.X("t:Q", title="Hours after the first dose", scale=alt.Scale(domain=[0, HORIZON_H]),
                axis=alt.Axis(values=list(range(0, 73, 12)))),
        y=alt.Y("conc:Q", title="Concentration (mg/L, illustrative)"),
        tooltip=[alt.Tooltip("t:Q", title="Hour"), alt.Tooltip("conc:Q", format=".2f", title="mg/L")],
    )
    summary = (
        curve.transform_calculate(late=f"datum.t >= {WINDOW_START_H!r} ? datum.conc : null")
        .transform_aggregate(peak="max(conc)", lowest="min(late)")
        .transform_calculate(
            text="'Peak ' + format(datum.peak, '.2f') + ', day-3 low '"
                 " + format(datum.lowest, '.3f') + ' mg/L'"
        )
        .mark_text(align="left", baseline="bottom", x=0, y=-6, fontSize=13)
        .encode(text="text:N")
    )
    return (
        alt.layer(line, summary)
        .add_params(route, dose, interval, half_life, kidney)
        .properties(width="container", height=280)
    )

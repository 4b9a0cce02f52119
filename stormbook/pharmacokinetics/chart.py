"""Charts of the anakinra teaching model: an explorer of schedules, and model versus measured.

The explorer runs on the static site with no kernel. The model is linear (doubling every
dose doubles every concentration), so Python solves it once per route, interval and kidney
function for a daily dose of 1 mg, and the page multiplies that curve by the daily dose the
reader picks. The browser therefore repeats no pharmacokinetics; a test renders the chart
and checks its printed peak and day-3 low against `stormbook.pharmacokinetics.model`.
"""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from stormbook.figures.charts import PALETTE, chart_data
from stormbook.pharmacokinetics.model import (
    Parameters,
    concentration_mg_l,
    continuous_infusion,
    repeated,
)

HORIZON_H = 72.0
STEP_H = 0.5
WINDOW_START_H = 48.0
ROUTES = {"Subcutaneous": "sc", "IV bolus": "iv_bolus", "Continuous IV infusion": "iv_continuous"}
INTERVALS_H = [6, 8, 12, 24, 48]
KIDNEY = ["normal", "severe impairment"]
DAILY_DOSES_MG = (50, 2400, 50)  # slider: min, max, step (50 mg a day = 100 mg every other day)


def schedule(route: str, daily_dose_mg: float, interval_h: float) -> list:
    """The doses over the chart's 72 hours for a route, a daily dose and an interval."""
    if route == "iv_continuous":
        return continuous_infusion(daily_dose_mg / 24, HORIZON_H)
    per_dose = daily_dose_mg * interval_h / 24
    return repeated(route, per_dose, interval_h, int(HORIZON_H // interval_h) + 1)


def times_h() -> np.ndarray:
    return np.arange(0.0, HORIZON_H + STEP_H / 2, STEP_H)


def window_summary(route: str, daily_dose_mg: float, interval_h: float, params: Parameters) -> dict:
    """Peak over 0-72 h and lowest level over 48-72 h, computed by the model itself."""
    t = times_h()
    c = concentration_mg_l(t, schedule(route, daily_dose_mg, interval_h), params)
    return {"peak": float(c.max()), "lowest": float(c[t >= WINDOW_START_H].min())}


def unit_curves(params: Parameters, severe_clearance_ratio: float) -> pd.DataFrame:
    """One row per route x interval x kidney function: the curve for 1 mg a day."""
    rows = []
    for kidney in KIDNEY:
        p = params if kidney == "normal" else params.with_clearance_ratio(severe_clearance_ratio)
        for label, route in ROUTES.items():
            for interval in INTERVALS_H if route != "iv_continuous" else [24]:
                c = concentration_mg_l(times_h(), schedule(route, 1.0, interval), p)
                rows.append(
                    {
                        "route": label,
                        "interval": interval,
                        "kidney": kidney,
                        "u": [float(f"{v:.5g}") for v in c],
                    }
                )
    return pd.DataFrame(rows)


def _explorer_controls() -> list[alt.Parameter]:
    """Route, daily dose, interval and kidney function, bound to page controls."""
    return [
        alt.param(
            name="route",
            value="Subcutaneous",
            bind=alt.binding_radio(options=list(ROUTES), name="Route: "),
        ),
        alt.param(
            name="dose",
            value=100,
            bind=alt.binding_range(
                min=DAILY_DOSES_MG[0],
                max=DAILY_DOSES_MG[1],
                step=DAILY_DOSES_MG[2],
                name="Daily dose (mg): ",
            ),
        ),
        alt.param(
            name="interval",
            value=24,
            bind=alt.binding_select(options=INTERVALS_H, name="Every (h), injections: "),
        ),
        alt.param(
            name="kidney",
            value=KIDNEY[0],
            bind=alt.binding_select(options=KIDNEY, name="Kidney function: "),
        ),
    ]


def _peak_and_low_text(curve: alt.Chart) -> alt.Chart:
    """The printed peak over 0-72 h and lowest level over 48-72 h of the chosen curve."""
    return (
        curve.transform_calculate(late=f"datum.t >= {WINDOW_START_H!r} ? datum.conc : null")
        .transform_aggregate(peak="max(conc)", lowest="min(late)")
        .transform_calculate(
            text="'Peak ' + format(datum.peak, '.3g') + ', day-3 low '"
            " + format(datum.lowest, '.3g') + ' mg/L'"
        )
        .mark_text(align="left", baseline="bottom", x=0, y=-6, fontSize=13)
        .encode(text="text:N")
    )


def pk_explorer_chart(params: Parameters, severe_clearance_ratio: float) -> alt.LayerChart:
    """Route, daily dose, interval and kidney function as bound controls; curve = dose x unit curve."""
    curve = (
        alt.Chart(unit_curves(params, severe_clearance_ratio))
        .transform_filter(
            "datum.route == route && datum.kidney == kidney"
            " && (route == 'Continuous IV infusion' || datum.interval == interval)"
        )
        .transform_flatten(["u"])
        .transform_window(index="row_number()")
        .transform_calculate(t=f"(datum.index - 1) * {STEP_H!r}", conc="datum.u * dose")
    )
    line = curve.mark_line(color=PALETTE[0], strokeWidth=2.5).encode(
        x=alt.X(
            "t:Q",
            title="Hours after the first dose",
            scale=alt.Scale(domain=[0, HORIZON_H]),
            axis=alt.Axis(values=list(range(0, 73, 12))),
        ),
        y=alt.Y("conc:Q", title="Plasma concentration (mg/L)"),
        tooltip=[
            alt.Tooltip("t:Q", title="Hour"),
            alt.Tooltip("conc:Q", format=".2f", title="mg/L"),
        ],
    )
    return (
        alt.layer(line, _peak_and_low_text(curve))
        .add_params(*_explorer_controls())
        .properties(width="container", height=280)
    )


def _model_lines(models: list[str], x: alt.X) -> alt.Chart:
    """One line per model: the first named solid, the others dashed."""
    return (
        alt.Chart()
        .mark_line(strokeWidth=2.5)
        .encode(
            x=x,
            y=alt.Y("conc:Q", title="Plasma concentration (mg/L)"),
            color=alt.Color(
                "model:N",
                title="Model",
                scale=alt.Scale(domain=models, range=[PALETTE[0], PALETTE[2]]),
                legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=320),
            ),
            strokeDash=alt.StrokeDash(
                "model:N", scale=alt.Scale(domain=models, range=[[1, 0], [6, 4]]), legend=None
            ),
            tooltip=[
                alt.Tooltip("model:N", title="Model"),
                alt.Tooltip("t:Q", title="Hour"),
                alt.Tooltip("conc:Q", format=".2f", title="mg/L"),
            ],
        )
    )


def _measured_marks(x: alt.X) -> tuple[alt.Chart, alt.Chart]:
    """The measured mean as a diamond and its mean +/- SD as a bar."""
    bars = (
        alt.Chart().mark_rule(color=PALETTE[1], strokeWidth=2).encode(x=x, y="low:Q", y2="high:Q")
    )
    points = (
        alt.Chart()
        .mark_point(color=PALETTE[1], filled=True, size=80, shape="diamond")
        .encode(
            x=x,
            y="value:Q",
            tooltip=[
                alt.Tooltip("label:N", title="Measured"),
                alt.Tooltip("t:Q", title="Hour"),
                alt.Tooltip("value:Q", format=".3g", title="Mean, mg/L"),
                alt.Tooltip("low:Q", format=".3g", title="Mean - SD"),
                alt.Tooltip("high:Q", format=".3g", title="Mean + SD"),
            ],
        )
    )
    return bars, points


def model_vs_measured_chart(curves: pd.DataFrame, measured: pd.DataFrame) -> alt.FacetChart:
    """Model curves beside the measured mean +/- SD, one panel per measured regimen.

    `curves`: check, model (a name per parameter set), t, conc; `measured`: check, t, value,
    low, high, label. The first model named is drawn solid, the others dashed.
    """
    x = alt.X("t:Q", title="Hours after the dose started")
    line = _model_lines(list(dict.fromkeys(curves["model"])), x)
    bars, points = _measured_marks(x)
    data = chart_data(
        pd.concat(
            [curves.assign(kind="model"), measured.assign(kind="measured")], ignore_index=True
        )
    )
    return (
        alt.layer(
            line.transform_filter("datum.kind == 'model'"),
            bars.transform_filter("datum.kind == 'measured'"),
            points.transform_filter("datum.kind == 'measured'"),
            data=data,
        )
        .properties(width=260, height=220)
        .facet(
            facet=alt.Facet(
                "check:N", title=None, header=alt.Header(labelFontSize=13, labelLimit=300)
            ),
            columns=1,
        )
        .resolve_scale(x="independent", y="independent")
    )

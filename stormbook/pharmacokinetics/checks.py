"""The teaching model's parameters from the sourced data, and the model against measurements.

Parameters (typical 70 kg adult; every number from `anakinra-pharmacokinetics`):
- clearance CL: the plasma clearance measured after an intravenous dose in healthy subjects;
- volume V: a population-PK apparent volume V/F times the label's bioavailability F. Two
  published volumes disagree several-fold, so the volume is a choice: "adult" (0.142 L/kg
  in rheumatoid arthritis) or "paediatric" (65.2 L per 70 kg in children);
- absorption rate ka: with the small adult volume, elimination is fast and the label's
  terminal half-life after injection must be absorption (flip-flop): ka = ln 2 / that
  half-life. With the large paediatric volume, elimination itself takes hours, so ka is the
  faster rate that puts the peak in the middle of the label's time to peak.

The check: for each published measurement in `anakinra-measured-levels`, the model runs the
same regimen and must land inside the measured mean +/- 2 SD, the range that holds most
individual patients. The model is for a typical adult, so it is judged against the spread
between patients, not against the precision of the mean.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from stormbook.pharmacokinetics.model import (
    Dose,
    Parameters,
    concentration_mg_l,
    continuous_infusion,
)

REFERENCE_WEIGHT_KG = 70.0
TOLERANCE_SD = 2.0


VOLUMES = ("adult", "paediatric")


def _midpoint(par: pd.DataFrame, key: str) -> float:
    return (float(par.loc[key, "value_low"]) + float(par.loc[key, "value_high"])) / 2


def absorption_rate_for_tmax(tmax_h: float, ke_per_h: float) -> float:
    """The absorption rate faster than elimination that puts a single dose's peak at tmax_h."""
    if tmax_h * ke_per_h >= 1:
        raise ValueError(
            f"tmax_h {tmax_h} is too long for elimination rate {ke_per_h}: no faster absorption fits"
        )
    return brentq(
        lambda ka: math.log(ka / ke_per_h) / (ka - ke_per_h) - tmax_h, ke_per_h * (1 + 1e-9), 1e3
    )


def teaching_parameters(
    pk: pd.DataFrame, weight_kg: float = REFERENCE_WEIGHT_KG, volume: str = "adult"
) -> Parameters:
    """The model's parameters for one patient, from the sourced pharmacokinetic rows."""
    if volume not in VOLUMES:
        raise ValueError(f"volume must be one of {VOLUMES}, got {volume!r}")
    par = pk.set_index("key")
    f = float(par.loc["label-bioavailability", "value"]) / 100
    cl_l_h = float(par.loc["yang-iv-cl-healthy", "value"]) * 60 / 1000
    if volume == "adult":
        volume_l = float(par.loc["poppk-vf", "value"]) * weight_kg * f
        ka = math.log(2) / _midpoint(par, "label-half-life")
    else:
        volume_l = float(par.loc["urien-vf", "value"]) * weight_kg / 70 * f
        ka = absorption_rate_for_tmax(_midpoint(par, "label-tmax"), cl_l_h / volume_l)
    return Parameters(cl_l_h, volume_l, ka, f)


def _regimen(row, weight_kg: float) -> list[Dose]:
    if row["route"] == "iv_infusion":
        return continuous_infusion(
            float(row["infusion_mg_per_kg_h"]) * weight_kg,
            float(row["infusion_h"]),
            loading_mg=float(row["loading_dose_mg"]) if pd.notna(row["loading_dose_mg"]) else 0.0,
        )
    return [Dose(0.0, float(row["dose_mg_per_kg"]) * weight_kg, row["route"])]


def predicted(row, params: Parameters, weight_kg: float = REFERENCE_WEIGHT_KG) -> float:
    """What the model says for the quantity one measured row reports, in that row's unit."""
    quantity = row["quantity"]
    if quantity == "apparent clearance (CL/F)":
        return params.clearance_l_h / params.bioavailability * 1000 / 60
    doses = _regimen(row, weight_kg)
    if quantity == "peak concentration":
        t = np.arange(0.0, 48.0, 0.05)
        return float(concentration_mg_l(t, doses, params).max())
    if quantity == "terminal half-life after a subcutaneous dose":
        c = concentration_mg_l(np.array([24.0, 36.0]), doses, params)
        return 12 * math.log(2) / math.log(c[0] / c[1])
    if quantity in ("steady-state concentration", "concentration at a stated time"):
        return float(concentration_mg_l(np.array([float(row["time_high_h"])]), doses, params)[0])
    raise ValueError(f"quantity {quantity!r} has no model prediction")


def model_vs_measured(
    levels: pd.DataFrame, params: Parameters, weight_kg: float = REFERENCE_WEIGHT_KG
) -> pd.DataFrame:
    """One row per measurement: measured mean and SD, the model's value, and the verdict."""
    out = levels[["key", "study", "quantity", "unit", "value", "sd"]].copy()
    out["model"] = [predicted(r, params, weight_kg) for _, r in levels.iterrows()]
    out["lowest_accepted"] = (out["value"] - TOLERANCE_SD * out["sd"]).clip(lower=0)
    out["highest_accepted"] = out["value"] + TOLERANCE_SD * out["sd"]
    out["model_over_measured"] = out["model"] / out["value"]
    out["within"] = out["model"].between(out["lowest_accepted"], out["highest_accepted"])
    return out


def regimen_curve(
    row, params: Parameters, weight_kg: float = REFERENCE_WEIGHT_KG, hours: float = 24.0
) -> pd.DataFrame:
    """The model's curve for the regimen of one measured row (for the chart)."""
    t = np.arange(0.0, hours + 0.05, 0.25)
    return pd.DataFrame({"t": t, "conc": concentration_mg_l(t, _regimen(row, weight_kg), params)})

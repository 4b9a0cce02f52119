"""Synthetic patient vignettes for the exercises: made up, reproducible, labelled synthetic.

The exercises ask readers to score patients. Real patients' data cannot be published here,
so this module invents them from a fixed seed: the same call gives the same patients on
every machine. The ranges are chosen to straddle the instruments' thresholds so that the
vignettes are worth scoring; they describe no real population and no real patient.
"""

from __future__ import annotations

import operator

import numpy as np
import pandas as pd

from stormbook.datasets import load_dataset
from stormbook.instruments import units

SEED = 20260101
ORGANOMEGALY = ["none", "hepatomegaly or splenomegaly", "hepatomegaly and splenomegaly"]


_COLUMNS = {
    "haemoglobin": ("haemoglobin_g_per_l", "haemoglobin"),
    "leukocytes": ("leukocytes_10e9_per_l", "neutrophils"),  # a count: same factor
    "platelets": ("platelets_10e9_per_l", "platelets"),
}


# Temperature (degC) at or above which a synthetic patient is flagged as febrile: a choice
# of this module for the made-up patients, not a threshold of any instrument.
FEVER_C = 38.0


def hscore_cytopenic_lineages(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """For each lineage of the HScore footnote, whether each patient's count is cytopenic."""
    out = {}
    for _, row in load_dataset("hscore-cytopenia").iterrows():
        column, analyte = _COLUMNS[row["lineage"]]
        threshold = float(row["threshold"])
        if row["unit"] == units.unit(analyte, "conventional"):
            threshold = units.convert(analyte, threshold, "conventional", "SI")
        elif row["unit"] != units.unit(analyte, "SI"):
            raise ValueError(
                f"hscore-cytopenia: unexpected unit {row['unit']!r} for {row['lineage']}"
            )
        compare = {"<=": operator.le, "<": operator.lt}[row["comparator"]]
        out[row["lineage"]] = compare(frame[column], threshold)
    return out


def synthetic_vignettes(n: int = 6, seed: int = SEED) -> pd.DataFrame:
    """`n` synthetic adult patients with the inputs of both `scores.hscore` and `scores.hlh2004`.

    `organomegaly` (the HScore's categories) is derived from the separate `hepatomegaly` and
    `splenomegaly` findings; HLH-2004 uses `splenomegaly` alone.
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n: expected a positive whole number, got {n!r}")
    rng = np.random.default_rng(seed)
    haemoglobin = rng.uniform(70, 130, n).round(0)
    platelets = rng.uniform(30, 250, n).round(0)
    neutrophils = rng.uniform(0.3, 6.0, n).round(1)
    leukocytes = (neutrophils + rng.uniform(0.5, 3.0, n)).round(1)
    temperature = rng.uniform(37.0, 40.5, n).round(1)
    frame = pd.DataFrame(
        {
            "vignette": [f"Synthetic patient {chr(65 + i)}" for i in range(n)],
            "known_immunosuppression": rng.random(n) < 0.3,
            "temperature_c": temperature,
            "hepatomegaly": rng.random(n) < 0.5,
            "splenomegaly": rng.random(n) < 0.5,
            "haemoglobin_g_per_l": haemoglobin,
            "platelets_10e9_per_l": platelets,
            "neutrophils_10e9_per_l": neutrophils,
            "leukocytes_10e9_per_l": leukocytes,
            "ferritin_ng_per_ml": np.exp(rng.uniform(np.log(300), np.log(20000), n)).round(-1),
            "triglycerides_mmol_per_l": rng.uniform(0.8, 5.5, n).round(1),
            "fibrinogen_g_per_l": rng.uniform(0.8, 4.5, n).round(1),
            "ast_iu_per_l": rng.uniform(15, 250, n).round(0),
            "marrow_haemophagocytosis": rng.random(n) < 0.4,
        }
    )
    # HScore footnote (data/hscore-cytopenia.csv): a lineage is cytopenic at haemoglobin
    # <= 9.2 g/dL, leukocytes <= 5000/uL or platelets <= 110 000/uL.
    frame["cytopenia_lineages"] = sum(
        cytopenic.astype(int) for cytopenic in hscore_cytopenic_lineages(frame).values()
    )
    # The HScore scores liver and spleen together; HLH-2004 counts only the spleen. Each organ
    # is drawn on its own, so hepatomegaly alone never scores HLH-2004 splenomegaly.
    enlarged = frame["hepatomegaly"].astype(int) + frame["splenomegaly"].astype(int)
    frame.insert(
        frame.columns.get_loc("hepatomegaly"),
        "organomegaly",
        enlarged.map(dict(enumerate(ORGANOMEGALY))),
    )
    # Made up for these patients: a malignancy was looked for and not found (HLH-2004 counts
    # haemophagocytosis only with no evidence of malignancy).
    frame["evidence_of_malignancy"] = False
    # HLH-2004 as reproduced prints "fever" without a number. For these made-up patients
    # the teaching code calls FEVER_C or more a fever: a choice of this module, not a
    # threshold of any instrument.
    frame["fever"] = frame["temperature_c"] >= FEVER_C
    return frame

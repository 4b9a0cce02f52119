"""The four instruments' thresholds side by side, each in the unit its source prints."""

from __future__ import annotations

import pandas as pd

from stormbook import instruments
from stormbook.datasets import load_dataset
from stormbook.instruments import (
    hscore_points_table,
)
from stormbook.instruments import units as _units


def _symbol(comparator: str) -> str:
    return {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}[comparator]


def _hscore_bands(variable: str, unit: str) -> str:
    rows = hscore_points_table()
    rows = rows[rows["variable"] == variable]
    return "; ".join(
        f"{row['band_label'].replace('<=', '≤').replace('>=', '≥')} {unit}: {int(row['points'])} points"
        for _, row in rows.iterrows()
    )


def threshold_comparison() -> pd.DataFrame:
    """The thresholds the four instruments use for fever, ferritin, triglycerides, fibrinogen and
    platelets, side by side, each in the unit its source prints (with the other unit system in
    brackets where the book converts). Built from the data; nothing typed here."""
    hlh = instruments.hlh2004_rows()
    mas = instruments.mas2016_rows()
    cyto = load_dataset("hscore-cytopenia").set_index("lineage")
    needed = int(float(hlh["B3"]["threshold"]))

    def rule(row):
        return f"{_symbol(row['comparator'])}{float(row['threshold']):g} {_units.DISPLAY.get(row['unit'], row['unit'])}"

    def converted(analyte, row):
        si = _units.convert(analyte, float(row["threshold"]), "conventional", "SI")
        return f" (= {si:.3g} {_units.display_unit(analyte, 'SI')})"

    fever_c = instruments.astct_fever_threshold_c()
    all_hlh = load_dataset("hlh2004-criteria").set_index("criterion_id")
    jordan_fever = float(all_hlh.loc["B1_jordan", "threshold"])
    not_used = "not used"
    table = [
        (
            "Fever",
            f"{hlh['B1']['criterion']} (printed without a number; ≥{jordan_fever:g} °C in the Jordan 2011 adaptation)",
            _hscore_bands("temperature", "°C"),
            f"{mas['entry']['measure']} (entry condition)",
            f"≥{fever_c:g} °C, not attributable to another cause",
        ),
        (
            "Ferritin",
            rule(hlh["B7"]),
            _hscore_bands("ferritin", "ng/mL"),
            rule(mas["required_ferritin"]) + " (required)",
            not_used,
        ),
        (
            "Triglycerides",
            f"{rule(hlh['B4a'])} ({rule(hlh['B4b'])}), fasting",
            _hscore_bands("triglycerides", "mmol/L"),
            rule(mas["triglycerides"]) + converted("triglycerides", mas["triglycerides"]),
            not_used,
        ),
        (
            "Fibrinogen",
            f"{rule(hlh['B4c'])} ({rule(hlh['B4d'])})",
            _hscore_bands("fibrinogen", "g/L"),
            rule(mas["fibrinogen"]) + converted("fibrinogen", mas["fibrinogen"]),
            not_used,
        ),
        (
            "Platelets",
            f"{rule(hlh['B3c'])} (a low lineage; {needed} of 3 needed)",
            f"{rule(cyto.loc['platelets'])} (one cytopenic lineage)",
            rule(mas["platelets"]),
            not_used,
        ),
    ]
    return pd.DataFrame(table, columns=["finding", "HLH-2004", "HScore", "2016 MAS", "ASTCT"])

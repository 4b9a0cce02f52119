"""The forest plot's in-browser pooling agrees with Python's for every filter, and the rules hold."""

from __future__ import annotations

import copy
import math
import re

import pytest
import vl_convert

from stormbook import load_dataset
from stormbook.forest import DESIGNS, OUTCOMES, forest_chart, forest_rows, pooled_table

ROWS = forest_rows(load_dataset("anakinra-studies"))
POOLED = pooled_table(ROWS)
SPEC = forest_chart(ROWS).to_dict()


def _render(design: str, outcome: str) -> list[str]:
    spec = copy.deepcopy(SPEC)
    spec["width"] = 560
    for param in spec["params"]:
        param["value"] = {"design": design, "outcome": outcome}[param["name"]]
    svg = vl_convert.vegalite_to_svg(spec)
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


@pytest.mark.parametrize("design", DESIGNS)
@pytest.mark.parametrize("outcome", OUTCOMES)
def test_browser_pooling_matches_python(design, outcome):
    texts = _render(design, outcome)
    shown_values = sorted(t for t in texts if re.fullmatch(r"\d+\.\d{3} \(\d+\.\d{3} to \d+\.\d{3}\)", t))
    shown_labels = sorted(t for t in texts if t.startswith("Pooled "))
    expected = POOLED[(POOLED["design"] == design) & (POOLED["outcome"] == outcome)]
    want_values, want_labels = [], []
    for r in expected.itertuples():
        for model in ("fixed", "random"):
            est, lo, hi = (getattr(r, model), getattr(r, f"{model}_low"), getattr(r, f"{model}_high"))
            want_values.append(f"{est:.3f} ({lo:.3f} to {hi:.3f})")
            want_labels.append(f"Pooled {r.measure}, {model} (k={r.k})")
    assert shown_values == sorted(want_values)
    assert shown_labels == sorted(want_labels)


def test_the_default_view_pools_two_observational_hazard_ratios_by_hand():
    # Huet adjusted HR 0.22 (0.10-0.49) and SAVE HR 0.30 (0.20-0.46), inverse variance.
    z = 1.959963984540054
    y = [math.log(0.22), math.log(0.30)]
    w = [1 / ((math.log(0.49) - math.log(0.10)) / (2 * z)) ** 2,
         1 / ((math.log(0.46) - math.log(0.20)) / (2 * z)) ** 2]
    pooled = math.exp(sum(a * b for a, b in zip(w, y)) / sum(w))
    row = POOLED[(POOLED["design"] == "All designs") & (POOLED["outcome"] == "death or ventilation")]
    assert row["k"].tolist() == [2]
    assert row["fixed"].iloc[0] == pytest.approx(pooled)
    assert f"{pooled:.3f}" in " ".join(_render("All designs", "death or ventilation"))


def test_remap_cap_ratios_are_inverted_so_below_one_favours_anakinra():
    remap = ROWS[ROWS["study"].str.startswith("REMAP-CAP")]
    assert remap["inverted"].all()
    osfd = remap[remap["outcome_family"] == "ordinal clinical status"].iloc[0]
    assert osfd["ratio"] == pytest.approx(1 / 0.99)
    assert osfd["low"] == pytest.approx(1 / 1.35) and osfd["high"] == pytest.approx(1 / 0.74)
    savemore = ROWS[ROWS["comparison_id"] == "savemore-whocps-d28"].iloc[0]
    assert not savemore["inverted"] and savemore["ratio"] == pytest.approx(0.36)


def test_pooling_rules():
    meta = ROWS[ROWS["design_group"] == "meta-analysis"]
    assert len(meta) > 0 and not meta["pooled"].any()
    no_ci = ROWS[ROWS["low"].isna()]
    assert len(no_ci) > 0 and not no_ci["pooled"].any()
    huet = ROWS[ROWS["study"] == "Huet 2020 (Ana-COVID)"].set_index("comparison_id")["pooled"]
    assert huet.to_dict() == {"huet-composite-unadjusted": False, "huet-composite-adjusted": True}
    # Never two measures in one pool.
    assert POOLED.groupby(["design", "outcome", "measure"]).size().max() == 1
    # Unconfirmed results never reach the plot.
    assert not ROWS["comparison_id"].isin(["corimuno-d4", "corimuno-d14", "shakoory-death-d28",
                                           "kyriazopoulou-ma-death-d28"]).any()

"""HLH-2004 and the HScore: thresholds exactly at and beside each limit, worked examples, bad input.

Expected values are written out by hand from the published tables (the CSVs in data/ cite
them); none is copied from the functions' output.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from stormbook import instruments
from stormbook.instruments import ScoreInputError, vignettes

# ----------------------------------------------------------------------------- HLH-2004


def hlh_inputs(**changes):
    """A patient meeting no HLH-2004 criterion, every test done; `changes` override."""
    inputs = dict(
        molecular_diagnosis=False,
        fever=False,
        splenomegaly=False,
        age_under_4_weeks=False,
        haemoglobin_g_per_l=130,
        platelets_10e9_per_l=250,
        neutrophils_10e9_per_l=4.0,
        triglycerides_mmol_per_l=1.0,
        fibrinogen_g_per_l=3.0,
        haemophagocytosis=False,
        evidence_of_malignancy=False,
        nk_activity_low_or_absent=False,
        ferritin_ug_per_l=100,
        scd25_u_per_ml=500,
    )
    inputs.update(changes)
    return inputs


@pytest.mark.parametrize(
    "changes, criterion, met",
    [
        ({"ferritin_ug_per_l": 500}, "B7", True),  # >= 500 ug/L
        ({"ferritin_ug_per_l": 499.9}, "B7", False),
        ({"scd25_u_per_ml": 2400}, "B8", True),  # >= 2400 U/mL
        ({"scd25_u_per_ml": 2399}, "B8", False),
        ({"triglycerides_mmol_per_l": 3.0}, "B4", True),  # >= 3.0 mmol/L
        ({"triglycerides_mmol_per_l": 2.99}, "B4", False),
        ({"fibrinogen_g_per_l": 1.5}, "B4", True),  # <= 1.5 g/L
        ({"fibrinogen_g_per_l": 1.51}, "B4", False),
        # cytopenias: >= 2 of 3 lineages; Hb < 90 g/L, platelets < 100, neutrophils < 1.0 x10^9/L
        ({"haemoglobin_g_per_l": 89.9, "platelets_10e9_per_l": 99.9}, "B3", True),
        ({"haemoglobin_g_per_l": 90, "platelets_10e9_per_l": 99.9}, "B3", False),
        ({"platelets_10e9_per_l": 100, "neutrophils_10e9_per_l": 0.99}, "B3", False),
        ({"platelets_10e9_per_l": 99, "neutrophils_10e9_per_l": 0.99}, "B3", True),
        ({"neutrophils_10e9_per_l": 1.0, "haemoglobin_g_per_l": 80}, "B3", False),
        # infants under 4 weeks: Hb < 100 g/L
        (
            {"age_under_4_weeks": True, "haemoglobin_g_per_l": 99, "platelets_10e9_per_l": 50},
            "B3",
            True,
        ),
        (
            {"age_under_4_weeks": True, "haemoglobin_g_per_l": 100, "platelets_10e9_per_l": 50},
            "B3",
            False,
        ),
        (
            {"age_under_4_weeks": False, "haemoglobin_g_per_l": 95, "platelets_10e9_per_l": 50},
            "B3",
            False,
        ),
    ],
)
def test_hlh2004_thresholds_at_and_beside(changes, criterion, met):
    assert instruments.hlh2004(**hlh_inputs(**changes)).criteria[criterion] is met


def test_hlh2004_five_of_eight_is_the_rule():
    four = hlh_inputs(fever=True, splenomegaly=True, ferritin_ug_per_l=600, scd25_u_per_ml=3000)
    result = instruments.hlh2004(**four)
    assert (result.met, result.fulfilled) == (4, False)
    five = instruments.hlh2004(**{**four, "haemophagocytosis": True})
    assert (five.met, five.fulfilled) == (5, True)
    assert "; route B met: 5 of 8 criteria (5 needed)" in five.verdict
    assert five.verdict.startswith("route A: ")


def test_hlh2004_route_a_is_diagnostic_under_hlh2004_and_a_predisposition():
    # HLH-2004 (Henter 2007, abstract): five of eight criteria "unless family history or
    # molecular diagnosis is consistent with HLH". "The finding of a genetic defect does not
    # mean that a patient has acute hyperinflammatory HLH, only that they have a
    # predisposition" (PMC8212354, Table 2 footnote).
    result = instruments.hlh2004(**hlh_inputs(molecular_diagnosis=True))
    assert (result.met, result.route_a, result.fulfilled) == (0, True, False)
    assert result.diagnostic_by_either_route is True
    assert result.verdict == (
        "route A met: HLH-2004 accepts a molecular diagnosis consistent with HLH as diagnostic "
        "in a patient with features of HLH; a genotype found by screening someone without them "
        "shows a risk, not active disease, and fewer than 5 of 8 criteria does not exclude HLH; "
        "route B not met: 0 of 8 criteria (5 needed)"
    )


def test_hlh2004_either_route_needs_both_answers_to_say_no():
    no_genetics = instruments.hlh2004(**hlh_inputs(molecular_diagnosis=None))
    assert no_genetics.fulfilled is False
    assert no_genetics.diagnostic_by_either_route is None
    negative = instruments.hlh2004(**hlh_inputs(molecular_diagnosis=False))
    assert negative.diagnostic_by_either_route is False


@pytest.mark.parametrize(
    "haemophagocytosis, malignancy, b5",
    [
        (True, False, True),
        (True, True, False),  # the clause "No evidence of malignancy" is printed with the item
        (True, None, None),  # malignancy not yet excluded: undecided
        (False, None, False),
        (None, True, False),
        (None, False, None),
    ],
)
def test_hlh2004_haemophagocytosis_counts_only_without_malignancy(
    haemophagocytosis, malignancy, b5
):
    result = instruments.hlh2004(
        **hlh_inputs(haemophagocytosis=haemophagocytosis, evidence_of_malignancy=malignancy)
    )
    assert result.criteria["B5"] is b5


def test_hlh2004_malignancy_can_turn_five_criteria_into_four():
    five = hlh_inputs(
        fever=True,
        splenomegaly=True,
        ferritin_ug_per_l=600,
        scd25_u_per_ml=3000,
        haemophagocytosis=True,
    )
    assert instruments.hlh2004(**five).fulfilled is True
    result = instruments.hlh2004(**{**five, "evidence_of_malignancy": True})
    assert (result.met, result.fulfilled) == (4, False)
    assert result.verdict.endswith(
        "evidence of malignancy: haemophagocytosis not counted (a strict reading of "
        "'no evidence of malignancy'; adult series count it)"
    )


@pytest.mark.parametrize(
    "changes, met",
    [
        # HLH-2004 prints both units: ">=3.0 mmol/L (ie, >=265 mg/dL)"; fibrinogen <=1.5 g/L (150 mg/dL)
        ({"triglycerides_mmol_per_l": None, "triglycerides_mg_per_dl": 265}, True),
        ({"triglycerides_mmol_per_l": None, "triglycerides_mg_per_dl": 264.9}, False),
        ({"fibrinogen_g_per_l": None, "fibrinogen_mg_per_dl": 150}, True),
        ({"fibrinogen_g_per_l": None, "fibrinogen_mg_per_dl": 150.1}, False),
    ],
)
def test_hlh2004_conventional_units_use_the_printed_conventional_thresholds(changes, met):
    assert instruments.hlh2004(**hlh_inputs(**changes)).criteria["B4"] is met


def test_hlh2004_refuses_one_value_in_two_units():
    with pytest.raises(
        ScoreInputError, match="triglycerides_mmol_per_l and triglycerides_mg_per_dl"
    ):
        instruments.hlh2004(**hlh_inputs(triglycerides_mg_per_dl=100))


def test_hlh2004_worked_example_by_hand():
    # Adult: fever, splenomegaly, Hb 85 g/L (<90), platelets 60 (<100), neutrophils 2.0 (not low):
    # 2 lineages -> B3 met; TG 2.0 (<3.0) but fibrinogen 1.2 (<=1.5) -> B4 met; ferritin 8000 -> B7;
    # no marrow done, NK and sCD25 not measured. Met: B1 B2 B3 B4 B7 = 5 -> fulfilled.
    result = instruments.hlh2004(
        **hlh_inputs(
            fever=True,
            splenomegaly=True,
            haemoglobin_g_per_l=85,
            platelets_10e9_per_l=60,
            neutrophils_10e9_per_l=2.0,
            triglycerides_mmol_per_l=2.0,
            fibrinogen_g_per_l=1.2,
            haemophagocytosis=None,
            nk_activity_low_or_absent=None,
            ferritin_ug_per_l=8000,
            scd25_u_per_ml=None,
            molecular_diagnosis=None,
            evidence_of_malignancy=None,
        )
    )
    assert result.criteria == {
        "B1": True,
        "B2": True,
        "B3": True,
        "B4": True,
        "B5": None,
        "B6": None,
        "B7": True,
        "B8": None,
    }
    assert (result.met, result.not_assessed, result.fulfilled) == (5, 3, True)


def test_hlh2004_missing_tests_leave_the_verdict_open():
    result = instruments.hlh2004(
        **hlh_inputs(
            fever=True,
            splenomegaly=True,
            ferritin_ug_per_l=900,
            nk_activity_low_or_absent=None,
            scd25_u_per_ml=None,
        )
    )
    assert (result.met, result.not_assessed, result.fulfilled) == (3, 2, None)
    assert "route B not decided: 3 of 8 criteria met, 2 not assessed" in result.verdict


def test_hlh2004_one_low_lineage_and_one_unmeasured_is_undecided():
    result = instruments.hlh2004(**hlh_inputs(platelets_10e9_per_l=50, neutrophils_10e9_per_l=None))
    assert result.criteria["B3"] is None


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("haemoglobin_g_per_l", 9.0, "haemoglobin_g_per_l.*plausible"),  # g/dL given as g/L
        ("triglycerides_mmol_per_l", 265, "triglycerides_mmol_per_l.*plausible"),  # mg/dL as mmol/L
        ("fibrinogen_g_per_l", 150, "fibrinogen_g_per_l.*plausible"),  # mg/dL as g/L
        ("ferritin_ug_per_l", -5, "ferritin_ug_per_l.*plausible"),
        ("ferritin_ug_per_l", "high", "ferritin_ug_per_l.*number"),
        ("ferritin_ug_per_l", float("nan"), "ferritin_ug_per_l.*finite"),
        ("fever", 1, "fever.*True or False"),
        ("splenomegaly", "yes", "splenomegaly.*True or False"),
        ("fever", None, "fever.*True or False"),
    ],
)
def test_hlh2004_refuses_bad_input_naming_it(name, value, message):
    with pytest.raises(ScoreInputError, match=message):
        instruments.hlh2004(**hlh_inputs(**{name: value}))


def test_hlh2004_requires_every_input():
    inputs = hlh_inputs()
    del inputs["ferritin_ug_per_l"]
    with pytest.raises(TypeError, match="ferritin_ug_per_l"):
        instruments.hlh2004(**inputs)


# ----------------------------------------------------------------------------- HScore


def hs_inputs(**changes):
    """Every HScore variable in its 0-point band; `changes` override."""
    inputs = dict(
        known_immunosuppression=False,
        temperature_c=37.0,
        organomegaly="none",
        cytopenia_lineages=1,
        ferritin_ng_per_ml=500,
        triglycerides_mmol_per_l=1.0,
        fibrinogen_g_per_l=3.0,
        ast_iu_per_l=20,
        marrow_haemophagocytosis=False,
    )
    inputs.update(changes)
    return inputs


@pytest.mark.parametrize(
    "changes, variable, points",
    [
        ({"temperature_c": 38.3}, "temperature", 0),
        ({"temperature_c": 38.4}, "temperature", 33),  # 38.4-39.4 inclusive
        ({"temperature_c": 39.4}, "temperature", 33),
        ({"temperature_c": 39.5}, "temperature", 49),  # > 39.4
        ({"ferritin_ng_per_ml": 1999}, "ferritin", 0),
        ({"ferritin_ng_per_ml": 2000}, "ferritin", 35),
        ({"ferritin_ng_per_ml": 6000}, "ferritin", 35),
        ({"ferritin_ng_per_ml": 6001}, "ferritin", 50),
        ({"triglycerides_mmol_per_l": 1.49}, "triglycerides", 0),
        ({"triglycerides_mmol_per_l": 1.5}, "triglycerides", 44),
        ({"triglycerides_mmol_per_l": 4.0}, "triglycerides", 44),
        ({"triglycerides_mmol_per_l": 4.01}, "triglycerides", 64),
        ({"fibrinogen_g_per_l": 2.51}, "fibrinogen", 0),
        ({"fibrinogen_g_per_l": 2.5}, "fibrinogen", 30),  # <= 2.5
        ({"ast_iu_per_l": 29.9}, "aspartate_aminotransferase", 0),
        ({"ast_iu_per_l": 30}, "aspartate_aminotransferase", 19),  # >= 30
        ({"cytopenia_lineages": 0}, "number_of_cytopenias", 0),
        ({"cytopenia_lineages": 1}, "number_of_cytopenias", 0),
        ({"cytopenia_lineages": 2}, "number_of_cytopenias", 24),
        ({"cytopenia_lineages": 3}, "number_of_cytopenias", 34),
        ({"organomegaly": "hepatomegaly or splenomegaly"}, "organomegaly", 23),
        ({"organomegaly": "hepatomegaly and splenomegaly"}, "organomegaly", 38),
        ({"known_immunosuppression": True}, "known_underlying_immunosuppression", 18),
        ({"marrow_haemophagocytosis": True}, "haemophagocytosis_on_bone_marrow_aspirate", 35),
    ],
)
def test_hscore_band_limits(changes, variable, points):
    result = instruments.hscore(**hs_inputs(**changes))
    assert result.points[variable] == points
    assert result.total == points  # every other variable scores 0 here


def test_hscore_minimum_is_zero_and_maximum_is_derived_337():
    assert instruments.hscore(**hs_inputs()).total == 0
    # Derived (not printed in a source): 18 + 49 + 38 + 34 + 50 + 64 + 30 + 19 + 35 = 337
    top = instruments.hscore(
        **hs_inputs(
            known_immunosuppression=True,
            temperature_c=40,
            organomegaly="hepatomegaly and splenomegaly",
            cytopenia_lineages=3,
            ferritin_ng_per_ml=7000,
            triglycerides_mmol_per_l=5,
            fibrinogen_g_per_l=1,
            ast_iu_per_l=100,
            marrow_haemophagocytosis=True,
        )
    )
    assert top.total == 18 + 49 + 38 + 34 + 50 + 64 + 30 + 19 + 35 == 337
    assert instruments.hscore_maximum() == 337


def test_hscore_worked_example_by_hand():
    # Fever 39.0 (33), splenomegaly only (23), 2 lineages (24), ferritin 3500 (35),
    # TG 2.1 (44), fibrinogen 2.0 (30), AST 45 (19), no immunosuppression (0), no marrow (0).
    # 33 + 23 + 24 + 35 + 44 + 30 + 19 = 208: above the cut-off of 169; between the published
    # points 200 (88%) and 210 (93%).
    result = instruments.hscore(
        **hs_inputs(
            temperature_c=39.0,
            organomegaly="hepatomegaly or splenomegaly",
            cytopenia_lineages=2,
            ferritin_ng_per_ml=3500,
            triglycerides_mmol_per_l=2.1,
            fibrinogen_g_per_l=2.0,
            ast_iu_per_l=45,
        )
    )
    assert result.total == 208
    assert result.at_or_above_cutoff
    assert result.probability == "between published points HScore 200 (88%) and 210 (93%)"


def test_hscore_cutoff_is_the_published_169():
    assert instruments.hscore_cutoff() == 169


@pytest.mark.parametrize(
    "total, expected",
    [
        (170, "published point: HScore 170 = 54%"),
        (200, "published point: HScore 200 = 88%"),
        # the ends of the printed table are open bands, not points
        (250, "published band: HScore \u2265250 = >99%"),
        (251, "published band: HScore \u2265250 = >99%"),
        (337, "published band: HScore \u2265250 = >99%"),
        (90, "published band: HScore \u226490 = <1%"),
        (89, "published band: HScore \u226490 = <1%"),
        (0, "published band: HScore \u226490 = <1%"),
        (91, "between published points HScore 90 (<1%) and 100 (1%)"),
        (249, "between published points HScore 240 (99%) and 250 (>99%)"),
        (169, "between published points HScore 160 (40%) and 170 (54%)"),
        (171, "between published points HScore 170 (54%) and 180 (70%)"),
    ],
)
def test_hscore_probability_uses_only_published_points(total, expected):
    assert instruments.hscore_published_probability(total) == expected


def test_hscore_range_when_inputs_are_not_measured():
    # Measured: 2 lineages (24), ferritin 3000 (35), fibrinogen 2.0 (30), AST 40 (19) = 108.
    # Not measured: temperature (0-49), triglycerides (0-64), marrow (0-35): up to 108 + 148.
    result = instruments.hscore_range(
        **hs_inputs(
            temperature_c=None,
            cytopenia_lineages=2,
            ferritin_ng_per_ml=3000,
            triglycerides_mmol_per_l=None,
            fibrinogen_g_per_l=2.0,
            ast_iu_per_l=40,
            marrow_haemophagocytosis=None,
        )
    )
    assert (result.low, result.high) == (108, 108 + 49 + 64 + 35)
    assert result.not_measured == (
        "temperature_c",
        "triglycerides_mmol_per_l",
        "marrow_haemophagocytosis",
    )
    complete = instruments.hscore_range(**hs_inputs(ferritin_ng_per_ml=2000))
    assert (complete.low, complete.high) == (35, 35)


def test_hscore_probability_table_has_the_17_published_pairs():
    table = instruments.hscore_probability_table()
    assert list(table["comparator"]) == ["<="] + ["=="] * 15 + [">="]
    assert list(table["hscore"]) == list(range(90, 260, 10))
    assert list(table["probability_percent"]) == [
        "<1",
        "1",
        "3",
        "5",
        "9",
        "16",
        "25",
        "40",
        "54",
        "70",
        "80",
        "88",
        "93",
        "96",
        "98",
        "99",
        ">99",
    ]


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("temperature_c", 102.0, "temperature_c.*plausible"),  # Fahrenheit
        ("triglycerides_mmol_per_l", 265, "triglycerides_mmol_per_l.*plausible"),
        ("organomegaly", "liver", "organomegaly.*unknown category"),
        ("cytopenia_lineages", 4, "cytopenia_lineages.*plausible"),
        ("cytopenia_lineages", 1.5, "cytopenia_lineages.*whole number"),
        ("known_immunosuppression", "no", "known_immunosuppression.*True or False"),
        ("known_immunosuppression", np.int64(1), "known_immunosuppression.*True or False"),
        ("ferritin_ng_per_ml", None, "ferritin_ng_per_ml.*required"),
    ],
)
def test_hscore_refuses_bad_input_naming_it(name, value, message):
    with pytest.raises(ScoreInputError, match=message):
        instruments.hscore(**hs_inputs(**{name: value}))


def test_hscore_takes_a_row_of_the_synthetic_vignettes_as_it_is():
    """A pandas row holds numpy booleans; they are booleans, so no `bool(...)` is needed."""
    row = vignettes.synthetic_vignettes().iloc[0]
    assert isinstance(row["known_immunosuppression"], np.bool_)
    names = [n for n in inspect.signature(instruments.hscore).parameters]
    by_row = instruments.hscore(**{name: row[name] for name in names})
    plain = {name: row[name].item() if hasattr(row[name], "item") else row[name] for name in names}
    assert by_row == instruments.hscore(**plain)


# ----------------------------------------------------------------------------- HScore curve


def test_hscore_printed_probabilities_lie_on_a_logistic_curve():
    # The chapter says the printed points lie on a logistic curve (within 2 percentage
    # points) and that the probability is about one half at the cut-off of 169.
    fit = instruments.hscore_logistic_fit()
    table = instruments.hscore_probability_table()
    points = table[table["comparator"] == "=="]
    worst = max(
        abs(fit.probability(float(h)) - float(p) / 100)
        for h, p in zip(points["hscore"], points["probability_percent"], strict=True)
    )
    assert worst < 0.02
    assert 167 < fit.midpoint < 169
    assert 0.45 < fit.probability(instruments.hscore_cutoff()) < 0.55
    assert fit.intercept == pytest.approx(-10.538, abs=0.01)
    assert fit.slope == pytest.approx(0.06283, abs=0.0001)


def test_hscore_cutoff_lies_between_printed_points_either_side_of_one_half():
    table = instruments.hscore_probability_table().set_index("hscore")
    assert table.loc[160, "probability_percent"] == "40"
    assert table.loc[170, "probability_percent"] == "54"
    assert 160 < instruments.hscore_cutoff() < 170

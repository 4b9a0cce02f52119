"""The in-browser HScore calculator computes what its Python twin computes.

Each grid point sets the controls' starting values in the spec, which is rendered by real
Vega (vl-convert, headless); the three summary lines drawn in the SVG (total or range,
cut-off, published probability) are compared with `calculators.hscore_entries`, which
itself rests on `stormbook.instruments.hscore`. The grid crosses every band limit in both unit
systems, and includes inputs not measured.
"""

from __future__ import annotations

import json

import pytest
from vega_render import calculator_text, spec_with_controls

from stormbook import calculators, instruments
from stormbook.calculators import hscore as hscore_module
from stormbook.calculators import (
    hscore_calculator_chart,
    hscore_entries,
    points_expression,
    vega_helpers,
)
from stormbook.instruments import ScoreInputError

# Values at and beside every band limit. Conventional: triglycerides 1.5 and 4 mmol/L are
# 132.86 and 354.3 mg/dL with the sourced factor (132.8 -> 1.4993, 132.9 -> 1.5004,
# 354.2 -> 3.9989, 354.3 -> 4.00005 mmol/L); fibrinogen 2.5 g/L = 250 mg/dL.
TEMPERATURES = [38.3, 38.4, 39.4, 39.5]
FERRITINS = [1950, 2000, 6000, 6050]
TRIGLYCERIDES = {"SI": [1.4, 1.5, 4.0, 4.1], "conventional": [132.8, 132.9, 354.2, 354.3]}
FIBRINOGENS = {"SI": [2.5, 2.6], "conventional": [250, 251]}
ASTS = [29, 30]
CATEGORIES = [
    dict(
        known_immunosuppression=False,
        organomegaly="none",
        cytopenia_lineages=0,
        marrow_haemophagocytosis=False,
    ),
    dict(
        known_immunosuppression=True,
        organomegaly="hepatomegaly or splenomegaly",
        cytopenia_lineages=2,
        marrow_haemophagocytosis=False,
    ),
    dict(
        known_immunosuppression=False,
        organomegaly="hepatomegaly and splenomegaly",
        cytopenia_lineages=3,
        marrow_haemophagocytosis=True,
    ),
    dict(
        known_immunosuppression=True,
        organomegaly="none",
        cytopenia_lineages=1,
        marrow_haemophagocytosis=True,
    ),
]


def grid():
    points = []
    for system in ("SI", "conventional"):
        numeric = zip(TEMPERATURES, FERRITINS, TRIGLYCERIDES[system], strict=True)
        for i, (t, f, tg) in enumerate(numeric):
            for j, cats in enumerate(CATEGORIES):
                points.append(
                    dict(
                        units=system,
                        temperature_c=t,
                        ferritin=f,
                        triglycerides=tg,
                        fibrinogen=FIBRINOGENS[system][(i + j) % 2],
                        ast_iu_per_l=ASTS[(i + j + 1) % 2],
                        **cats,
                    )
                )
    return points


def missing_grid():
    base = dict(
        units="SI",
        known_immunosuppression=False,
        temperature_c=39.0,
        organomegaly="none",
        cytopenia_lineages=2,
        ferritin=3000,
        triglycerides=2.0,
        fibrinogen=2.0,
        ast_iu_per_l=45,
        marrow_haemophagocytosis=False,
    )
    cases = []
    for names in (
        ("temperature_c",),
        ("ferritin", "marrow_haemophagocytosis"),
        ("organomegaly", "cytopenia_lineages"),
        ("triglycerides", "fibrinogen", "known_immunosuppression", "ast_iu_per_l"),
    ):
        cases.append({**base, **{n: None for n in names}})
    cases.append({**base, "units": "conventional", "triglycerides": None, "fibrinogen": 200})
    return cases


def _id(d):
    return "-".join(f"{k[:3]}{v}" for k, v in d.items() if v is not None)[:80]


@pytest.mark.parametrize("inputs", grid() + missing_grid(), ids=_id)
def test_browser_summary_agrees_with_python(inputs):
    expected = hscore_entries(**inputs)
    texts = calculator_text(hscore_calculator_chart, calculators.hscore_controls, inputs)
    assert list(expected.lines) == texts[:3]


def test_grid_crosses_every_band_limit_in_both_unit_systems():
    for system in ("SI", "conventional"):
        totals = {hscore_entries(**inputs).total for inputs in grid() if inputs["units"] == system}
        assert len(totals) > 10
    # the conventional values fall on the same side of each limit as the SI ones
    si = [hscore_entries(**i).total for i in grid() if i["units"] == "SI"]
    conv = [hscore_entries(**i).total for i in grid() if i["units"] == "conventional"]
    assert si == conv


def test_not_measured_gives_a_range_not_a_normal_value():
    page = hscore_entries(
        units="SI",
        known_immunosuppression=False,
        temperature_c=None,
        organomegaly="none",
        cytopenia_lineages=2,
        ferritin=3000,
        triglycerides=None,
        fibrinogen=2.0,
        ast_iu_per_l=40,
        marrow_haemophagocytosis=None,
    )
    # measured 24 + 35 + 30 + 19 = 108; missing temperature (<=49), triglycerides (<=64), marrow (<=35)
    assert page.lines == (
        "HScore between 108 and 256 of 337",
        "3 of 9 not measured: the score needs all nine",
        "Could fall on either side of the cut-off (169)",
    )
    assert page.total is None


@pytest.mark.parametrize(
    "total_inputs, probability",
    [
        (
            dict(
                temperature_c=38.4,
                organomegaly="hepatomegaly or splenomegaly",
                cytopenia_lineages=2,
                marrow_haemophagocytosis=False,
            ),
            "published band: HScore \u226490 = <1%",
        ),  # 33+23+24 = 80
        (
            dict(
                temperature_c=39.5,
                organomegaly="hepatomegaly and splenomegaly",
                cytopenia_lineages=3,
                marrow_haemophagocytosis=True,
                known_immunosuppression=True,
                ast_iu_per_l=30,
                triglycerides=5.0,
            ),
            "published band: HScore \u2265250 = >99%",
        ),  # 49+38+34+35+18+19+50+64 = 307
    ],
)
def test_open_probability_bands_on_the_page(total_inputs, probability):
    inputs = dict(
        units="SI",
        known_immunosuppression=False,
        temperature_c=37.0,
        organomegaly="none",
        cytopenia_lineages=1,
        ferritin=7000 if "ast_iu_per_l" in total_inputs else 500,
        triglycerides=1.0,
        fibrinogen=3.0,
        ast_iu_per_l=20,
        marrow_haemophagocytosis=False,
    )
    inputs.update(total_inputs)
    page = hscore_entries(**inputs)
    assert page.lines[2] == probability
    assert (
        " ".join(calculator_text(hscore_calculator_chart, calculators.hscore_controls, inputs)[2:3])
        == probability
    )


def test_expressions_are_generated_from_the_points_table():
    assert points_expression("temperature") == (
        "(!isValid(toNumber(hs_temperature_c))) ? NaN : (toNumber(hs_temperature_c) < 38.4) ? 0"
        " : (toNumber(hs_temperature_c) >= 38.4 && toNumber(hs_temperature_c) <= 39.4) ? 33"
        " : (toNumber(hs_temperature_c) > 39.4) ? 49 : NaN"
    )
    assert '(hs_organomegaly == "hepatomegaly and splenomegaly") ? 38' in points_expression(
        "organomegaly"
    )
    assert "0.01129" in points_expression("triglycerides")


@pytest.mark.parametrize(
    "changes, message, field",
    [
        (
            {"units": "conventional", "triglycerides": 88, "fibrinogen": 2.5e4},
            r"fibrinogen \(mg/dL\): 25000\.0 is outside",
            "fibrinogen",
        ),
        (
            {"units": "conventional", "triglycerides": 88, "fibrinogen": 3.0},
            r"fibrinogen \(mg/dL\): 3\.0 is outside",
            "fibrinogen",
        ),  # g/L typed as mg/dL
        (
            {"units": "conventional", "triglycerides": 1.5},
            r"triglycerides \(mg/dL\): 1\.5 is outside",
            "triglycerides",
        ),  # mmol/L typed as mg/dL
        (
            {"triglycerides": 265},
            r"triglycerides \(mmol/L\): 265 is outside",
            "triglycerides",
        ),  # mg/dL typed as SI
        (
            {"temperature_c": 102.0},
            r"temperature_c: 102\.0 is outside",
            "temperature (°C)",
        ),  # Fahrenheit
        (
            {"ast_iu_per_l": -5.0},
            r"ast_iu_per_l: -5\.0 is outside",
            "AST (IU/L)",
        ),
    ],
)
def test_bad_input_is_named_with_its_unit_and_the_page_names_the_entry(changes, message, field):
    inputs = {**calculators.HSCORE_DEFAULTS, **changes}
    with pytest.raises(ScoreInputError, match=message):
        hscore_entries(**inputs)
    assert calculator_text(hscore_calculator_chart, calculators.hscore_controls, inputs)[
        0
    ] == calculators.check_text(field)


def test_unknown_initial_input_is_refused():
    with pytest.raises(ValueError, match="ferritin_ng_per_ml"):
        hscore_calculator_chart({"ferritin_ng_per_ml": 100})


def test_probability_words_exist_once():
    # the page's probability texts are the Python ones, broken over two lines
    rules = [text for *_, text in instruments.hscore_probability_rules()]
    expression = hscore_module._probability_expression()
    for text in rules:
        assert vega_helpers._js(hscore_module._two_lines(text)) in expression


@pytest.mark.parametrize("inputs", [grid()[0], missing_grid()[-1]], ids=_id)
def test_the_chart_built_for_inputs_is_the_default_chart_with_its_controls_set(inputs):
    """The page tests set the controls on a spec built once (`spec_with_controls`)."""
    built = json.dumps(hscore_calculator_chart(inputs).to_dict(), sort_keys=True)
    shortcut = spec_with_controls(hscore_calculator_chart, calculators.hscore_controls(inputs))
    assert json.dumps(shortcut, sort_keys=True) == built

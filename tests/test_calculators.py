"""The in-page HLH-2004, MAS and ASTCT calculators compute what their Python twins compute.

Each grid point sets the controls' starting values in the spec, which real Vega renders
(vl-convert); the verdict and the status of every criterion drawn in the SVG are compared
with the Python twin. The grids put values exactly at and beside every threshold, in both
unit systems, with findings not assessed as well as present and absent. Where the twin
refuses an input (naming it and its unit), the page must say "check the entries".
"""

from __future__ import annotations

import itertools
import json

import pytest
from vega_render import calculator_text, spec_with_controls

from stormbook import calculators, instruments
from stormbook.instruments import ScoreInputError, units

STATUS = {True: "met", False: "not met", None: "not assessed"}
CHECK = calculators.CHECK_TEXT


def _statuses(texts, first_label, n):
    start = texts.index(first_label)
    return [t.split(" · ")[0] for t in texts[start + n : start + 2 * n]]


# ----------------------------------------------------------------------------- HLH-2004


def hlh(**changes):
    entries = dict(calculators.HLH_DEFAULTS)
    entries.update(changes)
    return entries


# Values at and beside each threshold, per unit system: (haemoglobin, platelets, neutrophils,
# triglycerides, fibrinogen, ferritin, sCD25). HLH-2004 prints triglycerides and fibrinogen
# in both units: 3.0 mmol/L = 265 mg/dL, 1.5 g/L = 150 mg/dL.
HLH_VALUES = {
    "SI": dict(
        haemoglobin=[89.9, 90, None],
        platelets=[99, 100, None],
        neutrophils=[0.99, 1.0, None],
        triglycerides=[2.99, 3.0, None],
        fibrinogen=[1.5, 1.51, None],
        ferritin=[499, 500, None],
        scd25=[2399, 2400, None],
    ),
    "conventional": dict(
        haemoglobin=[8.99, 9.0, None],
        platelets=[99, 100, None],
        neutrophils=[0.99, 1.0, None],
        triglycerides=[264, 265, None],
        fibrinogen=[150, 150.1, None],
        ferritin=[499, 500, None],
        scd25=[2399, 2400, None],
    ),
}
FLAGS = [
    dict(
        molecular_diagnosis=None,
        fever=True,
        splenomegaly=True,
        haemophagocytosis=True,
        evidence_of_malignancy=False,
        nk_activity_low_or_absent=None,
        age_under_4_weeks=False,
    ),
    dict(
        molecular_diagnosis=True,
        fever=False,
        splenomegaly=True,
        haemophagocytosis=True,
        evidence_of_malignancy=None,
        nk_activity_low_or_absent=True,
        age_under_4_weeks=False,
    ),
    dict(
        molecular_diagnosis=False,
        fever=True,
        splenomegaly=False,
        haemophagocytosis=True,
        evidence_of_malignancy=True,
        nk_activity_low_or_absent=False,
        age_under_4_weeks=True,
    ),
]


def hlh_grid():
    cases = []
    for system, values in HLH_VALUES.items():
        names = list(values)
        for i in range(3):
            for j, flags in enumerate(FLAGS):
                lab = {name: values[name][(i + j + k) % 3] for k, name in enumerate(names)}
                cases.append(hlh(units=system, **flags, **lab))
    # every lineage measured: none low, one low (cytopenias not met)
    cases += [
        hlh(haemoglobin=90, platelets=100, neutrophils=1.0),
        hlh(units="conventional", haemoglobin=9.0, platelets=99, neutrophils=1.0),
    ]
    # infants: haemoglobin < 100 g/L
    cases += [
        hlh(age_under_4_weeks=True, haemoglobin=99.9, platelets=50),
        hlh(age_under_4_weeks=True, haemoglobin=100, platelets=50),
        hlh(units="conventional", age_under_4_weeks=True, haemoglobin=9.99, platelets=50),
    ]
    return cases


def _id(entries):
    return "-".join(f"{k[:4]}{v}" for k, v in entries.items() if v not in (None, False))[:90]


@pytest.mark.parametrize("entries", hlh_grid(), ids=_id)
def test_hlh2004_page_agrees_with_python(entries):
    expected = calculators.hlh2004_entries(**entries)
    texts = calculator_text(
        calculators.hlh2004_calculator_chart, calculators.hlh2004_controls, entries
    )
    assert expected.verdict in texts
    labels = calculators.hlh2004_labels()
    assert _statuses(texts, labels["B1"], 8) == [
        STATUS[expected.criteria[f"B{i}"]] for i in range(1, 9)
    ]


def test_hlh2004_grid_crosses_every_threshold():
    results = [calculators.hlh2004_entries(**e) for e in hlh_grid()]
    for criterion in ("B3", "B4", "B5", "B7", "B8"):
        assert {r.criteria[criterion] for r in results} == {True, False, None}, criterion
    assert {r.fulfilled for r in results} >= {False, None}


@pytest.mark.parametrize(
    "changes, message",
    [
        (
            {"haemoglobin": 9.0},
            r"haemoglobin \(g/L\): 9\.0 is outside the plausible range",
        ),  # g/dL in SI
        ({"units": "conventional", "haemoglobin": 90}, r"haemoglobin \(g/dL\): 90 is outside"),
        ({"fibrinogen": 150}, r"fibrinogen \(g/L\): 150 is outside"),
        ({"units": "conventional", "triglycerides": -1}, r"triglycerides \(mg/dL\): -1 is outside"),
        ({"ferritin": "high"}, r"ferritin \(µg/L\): expected a number"),
        ({"scd25": -3}, r"scd25_u_per_ml: -3"),
    ],
)
def test_hlh2004_bad_input_named_with_its_unit_and_the_page_says_check(changes, message):
    with pytest.raises(ScoreInputError, match=message):
        calculators.hlh2004_entries(**hlh(**changes))
    if not isinstance(changes.get("ferritin"), str):
        texts = calculator_text(
            calculators.hlh2004_calculator_chart, calculators.hlh2004_controls, hlh(**changes)
        )
        assert CHECK in texts


# Physiological lower bounds per unit: a value typed in the other unit system is refused,
# not read as extreme hypofibrinogenaemia or normal triglycerides.
@pytest.mark.parametrize(
    "changes, message",
    [
        (
            {"units": "conventional", "fibrinogen": 3.0},
            r"fibrinogen \(mg/dL\): 3\.0 is outside",
        ),  # g/L in mg/dL
        ({"units": "conventional", "fibrinogen": 9.99}, r"fibrinogen \(mg/dL\): 9\.99 is outside"),
        ({"units": "SI", "fibrinogen": 0.09}, r"fibrinogen \(g/L\): 0\.09 is outside"),
        (
            {"units": "conventional", "triglycerides": 3.0},
            r"triglycerides \(mg/dL\): 3\.0 is outside",
        ),
        (
            {"units": "conventional", "triglycerides": 9.9},
            r"triglycerides \(mg/dL\): 9\.9 is outside",
        ),
        ({"units": "SI", "triglycerides": 0.09}, r"triglycerides \(mmol/L\): 0\.09 is outside"),
        ({"units": "SI", "ferritin": 0.5}, r"ferritin \(µg/L\): 0\.5 is outside"),
        ({"units": "SI", "platelets": 0.5}, r"platelets \(×10⁹/L\): 0\.5 is outside"),
        ({"units": "conventional", "haemoglobin": 1.9}, r"haemoglobin \(g/dL\): 1\.9 is outside"),
    ],
)
def test_hlh2004_wrong_unit_entries_below_the_lower_bound_are_refused(changes, message):
    with pytest.raises(ScoreInputError, match=message):
        calculators.hlh2004_entries(**hlh(**changes))
    texts = calculator_text(
        calculators.hlh2004_calculator_chart, calculators.hlh2004_controls, hlh(**changes)
    )
    assert CHECK in texts


@pytest.mark.parametrize(
    "changes",
    [
        {"units": "conventional", "fibrinogen": 10},
        {"units": "SI", "fibrinogen": 0.1},
        {"units": "conventional", "triglycerides": 10},
        {"units": "SI", "triglycerides": 0.1},
        {"units": "SI", "ferritin": 1},
        {"units": "SI", "platelets": 1},
        {"units": "conventional", "haemoglobin": 2},
    ],
)
def test_hlh2004_values_at_the_lower_bound_are_accepted(changes):
    result = calculators.hlh2004_entries(**hlh(**changes))
    texts = calculator_text(
        calculators.hlh2004_calculator_chart, calculators.hlh2004_controls, hlh(**changes)
    )
    assert CHECK not in texts
    assert result.verdict in texts


def test_hlh2004_conventional_triglycerides_use_the_printed_265():
    # 265 mg/dL x 0.01129 = 2.99 mmol/L would miss 3.0: the printed conventional threshold is used
    met = calculators.hlh2004_entries(**hlh(units="conventional", triglycerides=265))
    assert met.criteria["B4"] is True


# ----------------------------------------------------------------------------- MAS 2016


def mas(**changes):
    entries = dict(calculators.MAS_DEFAULTS)
    entries.update(changes)
    return entries


MAS_VALUES = {
    # ferritin >684; platelets <=181; AST >48; TG >156 mg/dL; fibrinogen <=360 mg/dL (3.6 g/L)
    "conventional": dict(
        ferritin=[684, 684.1, None],
        platelets=[181, 182, None],
        ast=[48, 49, None],
        triglycerides=[156, 157, None],
        fibrinogen=[360, 361, None],
    ),
    # SI: 1.76 mmol/L = 155.9 mg/dL (not above 156), 1.77 = 159.8; 3.6 g/L = 360 mg/dL exactly
    "SI": dict(
        ferritin=[684, 685, None],
        platelets=[181, 182, None],
        ast=[48, 49, None],
        triglycerides=[1.76, 1.77, None],
        fibrinogen=[3.6, 3.61, None],
    ),
}


def mas_grid():
    cases = []
    for system, values in MAS_VALUES.items():
        names = list(values)
        for i, j in itertools.product(range(3), range(3)):
            lab = {name: values[name][(i + (j + 1) * k) % 3] for k, name in enumerate(names)}
            cases.append(mas(units=system, **lab))
    cases += [
        mas(febrile=False, ferritin=1000, platelets=100, ast=100),
        mas(known_or_suspected_sjia=False, ferritin=1000, platelets=100, ast=100),
    ]
    return cases


@pytest.mark.parametrize("entries", mas_grid(), ids=_id)
def test_mas2016_page_agrees_with_python(entries):
    expected = calculators.mas2016_entries(**entries)
    texts = calculator_text(
        calculators.mas2016_calculator_chart, calculators.mas2016_controls, entries
    )
    assert expected.verdict in texts
    labels = calculators.mas2016_labels()
    keys = list(labels)
    assert _statuses(texts, labels[keys[0]], len(keys)) == [
        STATUS[expected.criteria[k]] for k in keys
    ]


def test_mas2016_grid_reaches_every_verdict():
    verdicts = {
        calculators.mas2016_entries(**e).verdict.split(" (")[0].split(":")[0] for e in mas_grid()
    }
    assert verdicts == {
        "classified as MAS",
        "not classified as MAS",
        "not decided",
        "not applicable",
    }


@pytest.mark.parametrize("value, met", [(3.6, True), (3.61, False)])
def test_mas2016_si_fibrinogen_at_the_threshold_converts_exactly(value, met):
    # 3.6 / 0.01 is 359.99999999999994 in floating point; the shared rounding makes it 360
    result = calculators.mas2016_entries(**mas(units="SI", fibrinogen=value, ferritin=1000))
    assert result.criteria["fibrinogen"] is met


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"units": "SI", "fibrinogen": 360}, r"fibrinogen \(g/L\): 360 is outside"),
        ({"fibrinogen": 3.6}, r"fibrinogen \(mg/dL\): 3\.6 is outside"),  # g/L typed in mg/dL
        ({"fibrinogen": 9.9}, r"fibrinogen \(mg/dL\): 9\.9 is outside"),
        (
            {"triglycerides": 1.8},
            r"triglycerides \(mg/dL\): 1\.8 is outside",
        ),  # mmol/L typed in mg/dL
        ({"triglycerides": 6000}, r"triglycerides \(mg/dL\): 6000 is outside"),
        ({"units": "metric"}, r"units: expected one of"),
    ],
)
def test_mas2016_bad_input_named_with_its_unit(changes, message):
    with pytest.raises(ScoreInputError, match=message):
        calculators.mas2016_entries(**mas(**changes))
    if changes.get("units") != "metric":
        texts = calculator_text(
            calculators.mas2016_calculator_chart, calculators.mas2016_controls, mas(**changes)
        )
        assert CHECK in texts


def test_mas2016_fibrinogen_at_the_conventional_lower_bound_is_accepted():
    result = calculators.mas2016_entries(**mas(fibrinogen=10, ferritin=1000))
    assert result.criteria["fibrinogen"] is True
    assert CHECK not in calculator_text(
        calculators.mas2016_calculator_chart,
        calculators.mas2016_controls,
        mas(fibrinogen=10, ferritin=1000),
    )


# ----------------------------------------------------------------------------- ASTCT


def crs(**changes):
    entries = dict(calculators.ASTCT_DEFAULTS, temperature_c=38.5)
    entries.update(changes)
    return entries


def astct_grid():
    hyp, oxy = instruments.astct_categories("hypotension"), instruments.astct_categories("hypoxia")
    cases = [crs(hypotension=h, hypoxia=o) for h, o in itertools.product(hyp, oxy)]
    cases += [crs(temperature_c=t) for t in (37.9, 38.0)]
    cases += [
        crs(temperature_c=39.0, fever_explained_by_other_cause=True, hypotension="one_vasopressor"),
        crs(
            temperature_c=None,
            antipyretic_or_anticytokine_given=True,
            crs_established_with_fever=True,
            hypoxia="high_flow",
        ),
        crs(
            temperature_c=37.0,
            antipyretic_or_anticytokine_given=True,
            crs_established_with_fever=True,
        ),
        crs(
            hypotension="one_vasopressor",
            hypotension_explained_by_other_cause=True,
            hypoxia="low_flow",
        ),
        crs(hypoxia="positive_pressure", hypoxia_explained_by_other_cause=True),
        crs(
            temperature_c=37.0,
            antipyretic_or_anticytokine_given=True,
            crs_established_with_fever=True,
            hypoxia="high_flow",
            hypoxia_explained_by_other_cause=True,
        ),
        crs(death_due_to_crs=True, temperature_c=None, hypotension="multiple_vasopressors"),
    ]
    # The fever waiver crossed: therapy given or not x CRS established or not x febrile or not
    # (and temperature not measured, which only established, treated CRS allows).
    for given, established, temperature in itertools.product(
        (False, True), (False, True), (37.0, 38.0, None)
    ):
        if temperature is None and not (given and established):
            continue
        cases.append(
            crs(
                temperature_c=temperature,
                antipyretic_or_anticytokine_given=given,
                crs_established_with_fever=established,
                hypotension="one_vasopressor",
            )
        )
    return cases


@pytest.mark.parametrize("entries", astct_grid(), ids=_id)
def test_astct_page_agrees_with_python(entries):
    expected = calculators.astct_entries(**entries)
    texts = calculator_text(calculators.astct_calculator_chart, calculators.astct_controls, entries)
    line = "No CRS grade" if expected.grade is None else f"CRS grade {expected.grade}"
    assert texts[:2] == [line, expected.explanation]


def test_astct_grid_reaches_every_grade():
    assert {calculators.astct_entries(**e).grade for e in astct_grid()} == {None, 1, 2, 3, 4, 5}


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"temperature_c": 101.0}, "temperature_c.*plausible"),  # Fahrenheit
        ({"temperature_c": None}, "temperature_c.*required"),
        (
            {"temperature_c": None, "antipyretic_or_anticytokine_given": True},
            "temperature_c.*required",
        ),
    ],
)
def test_astct_bad_input_named_and_the_page_names_it(changes, message):
    with pytest.raises(ScoreInputError, match=message):
        calculators.astct_entries(**crs(**changes))
    expected = (
        calculators.check_text("temperature (°C)")
        if changes["temperature_c"] is not None
        else calculators.MISSING_TEMPERATURE_TEXT
    )
    assert (
        calculator_text(
            calculators.astct_calculator_chart, calculators.astct_controls, crs(**changes)
        )[1]
        == expected
    )


# ----------------------------------------------------------------------------- units


@pytest.mark.parametrize(
    "analyte, conventional, si",
    [
        ("fibrinogen", 360, 3.6),
        ("fibrinogen", 150, 1.5),
        ("haemoglobin", 9.2, 92.0),
        ("triglycerides", 265, 2.99185),
        ("ferritin", 684, 684.0),
        ("platelets", 110, 110.0),
    ],
)
def test_conversions_use_the_sourced_factors(analyte, conventional, si):
    assert units.convert(analyte, conventional, "conventional", "SI") == si


def test_python_and_vega_rounding_agree():
    # the same IEEE arithmetic on both sides: floor(x * 1e6 + 0.5) / 1e6
    import vl_convert

    values = [3.6 / 0.01, 1.76 / 0.01129, 265 * 0.01129, 0.1 + 0.2, 2.5000005]
    spec = {
        "$schema": "https://vega.github.io/schema/vega/v5.json",
        "width": 10,
        "height": 10,
        "marks": [
            {
                "type": "text",
                "encode": {
                    "enter": {"text": {"signal": f"'' + {units.round6_expression(repr(v))}"}}
                },
            }
            for v in values
        ],
    }
    svg = vl_convert.vega_to_svg(spec)
    import re

    drawn = [float(t) for t in re.findall(r"<text\b[^>]*>(.*?)</text>", svg)]
    assert drawn == [units.round6(v) for v in values]


# ----------------------------------------------------------------------------- side by side


def test_threshold_comparison_is_built_from_the_data():
    table = calculators.threshold_comparison().set_index("finding")
    assert list(table.index) == ["Fever", "Ferritin", "Triglycerides", "Fibrinogen", "Platelets"]
    assert table.loc["Ferritin", "HLH-2004"] == "≥500 µg/L"
    assert table.loc["Ferritin", "2016 MAS"] == ">684 ng/mL (required)"
    assert table.loc["Fibrinogen", "HScore"] == ">2.5 g/L: 0 points; ≤2.5 g/L: 30 points"
    assert table.loc["Fibrinogen", "2016 MAS"] == "≤360 mg/dL (= 3.6 g/L)"
    assert table.loc["Triglycerides", "HLH-2004"] == "≥3 mmol/L (≥265 mg/dL), fasting"
    assert table.loc["Platelets", "HScore"] == "≤110 ×10⁹/L (one cytopenic lineage)"
    assert table.loc["Fever", "ASTCT"] == "≥38 °C, not attributable to another cause"
    assert (
        table.loc[["Ferritin", "Triglycerides", "Fibrinogen", "Platelets"], "ASTCT"] == "not used"
    ).all()


# ----------------------------------------------------------------------------- the shortcut


@pytest.mark.parametrize(
    "chart_function, controls_function, entries",
    [
        (calculators.hlh2004_calculator_chart, calculators.hlh2004_controls, hlh_grid()[0]),
        (calculators.hlh2004_calculator_chart, calculators.hlh2004_controls, hlh_grid()[-1]),
        (calculators.mas2016_calculator_chart, calculators.mas2016_controls, mas_grid()[0]),
        (calculators.mas2016_calculator_chart, calculators.mas2016_controls, mas_grid()[-1]),
        (calculators.astct_calculator_chart, calculators.astct_controls, astct_grid()[0]),
        (calculators.astct_calculator_chart, calculators.astct_controls, astct_grid()[-1]),
    ],
)
def test_the_chart_built_for_entries_is_the_default_chart_with_its_controls_set(
    chart_function, controls_function, entries
):
    """The page tests set the controls on a spec built once (`spec_with_controls`)."""
    built = json.dumps(chart_function(entries).to_dict(), sort_keys=True)
    shortcut = spec_with_controls(chart_function, controls_function(entries))
    assert json.dumps(shortcut, sort_keys=True) == built

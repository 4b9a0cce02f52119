"""HLH-2004 (Henter et al. 2007) as an in-page calculator and its Python twin."""

from __future__ import annotations

import altair as alt

from stormbook import instruments
from stormbook.calculators.layout import _criteria_chart
from stormbook.calculators.vega_helpers import (
    CHECK_TEXT,
    TRI,
    YES_NO,
    _checked_initial,
    _compare,
    _js,
    _lab_label,
    _missing,
    _num,
    _number_param,
    _range_test,
    _select_param,
    _shown,
    _status,
    _template_expression,
    _tri,
    _unit_range_test,
    _unit_text,
    _units_param,
    _verdict_expression,
    _wrapped,
)
from stormbook.figures.charts import describe
from stormbook.instruments import (
    HLH2004_TEXT,
    PLAUSIBLE_RANGES,
)
from stormbook.instruments import units as _units

HLH_DEFAULTS = {
    "units": "SI",
    "molecular_diagnosis": None,
    "fever": False,
    "splenomegaly": False,
    "age_under_4_weeks": False,
    "haemoglobin": None,
    "platelets": None,
    "neutrophils": None,
    "triglycerides": None,
    "fibrinogen": None,
    "haemophagocytosis": None,
    "evidence_of_malignancy": None,
    "nk_activity_low_or_absent": None,
    "ferritin": None,
    "scd25": None,
}


def hlh2004_entries(
    *,
    units: str,
    molecular_diagnosis,
    fever,
    splenomegaly,
    age_under_4_weeks,
    haemoglobin,
    platelets,
    neutrophils,
    triglycerides,
    fibrinogen,
    haemophagocytosis,
    evidence_of_malignancy,
    nk_activity_low_or_absent,
    ferritin,
    scd25,
) -> instruments.CriteriaResult:
    """The Python twin of the HLH-2004 calculator: values in `units` ('SI' or 'conventional')."""
    system = _units.system(units)
    u = _units

    def si(name, analyte, value):
        return u.convert(analyte, u.entry(name, analyte, value, system), system, "SI")

    tg = u.entry("triglycerides", "triglycerides", triglycerides, system)
    fib = u.entry("fibrinogen", "fibrinogen", fibrinogen, system)
    conventional = system == "conventional"
    return instruments.hlh2004(
        molecular_diagnosis=molecular_diagnosis,
        fever=fever,
        splenomegaly=splenomegaly,
        age_under_4_weeks=age_under_4_weeks,
        haemoglobin_g_per_l=si("haemoglobin", "haemoglobin", haemoglobin),
        platelets_10e9_per_l=si("platelets", "platelets", platelets),
        neutrophils_10e9_per_l=si("neutrophils", "neutrophils", neutrophils),
        triglycerides_mmol_per_l=None if conventional else tg,
        triglycerides_mg_per_dl=tg if conventional else None,
        fibrinogen_g_per_l=None if conventional else fib,
        fibrinogen_mg_per_dl=fib if conventional else None,
        haemophagocytosis=haemophagocytosis,
        evidence_of_malignancy=evidence_of_malignancy,
        nk_activity_low_or_absent=nk_activity_low_or_absent,
        ferritin_ug_per_l=si("ferritin", "ferritin", ferritin),
        scd25_u_per_ml=scd25,
    )


def _hlh_rows() -> dict:
    return instruments.hlh2004_rows()


def hlh2004_labels() -> dict[str, str]:
    """Row labels with the thresholds from the data, in both printed units where printed."""
    rows = _hlh_rows()

    def t(row_id):
        row = rows[row_id]
        return (
            f"{row['comparator'].replace('<=', '≤').replace('>=', '≥')}{float(row['threshold']):g}"
        )

    return {
        "B1": "Fever",
        "B2": "Splenomegaly",
        "B3": (
            f"Cytopenias, {t('B3')} of 3 lineages: Hb {t('B3a')} g/L ({t('B3b')} under 4 weeks), "
            f"platelets {t('B3c')} ×10⁹/L, neutrophils {t('B3d')} ×10⁹/L"
        ),
        "B4": (
            f"Fasting triglycerides {t('B4a')} mmol/L ({t('B4b')} mg/dL) and/or fibrinogen "
            f"{t('B4c')} g/L ({t('B4d')} mg/dL)"
        ),
        "B5": "Haemophagocytosis (marrow, spleen or lymph nodes), no evidence of malignancy",
        "B6": "Low or absent NK-cell activity",
        "B7": f"Ferritin {t('B7')} µg/L",
        "B8": f"Soluble CD25 {t('B8')} U/mL",
    }


def _hlh_lab_status(rows, signal, analyte, row_id, u, threshold_expr=None) -> str:
    """Status of one laboratory criterion, its value converted to SI for the comparison."""
    comparator, threshold = rows[row_id]["comparator"], float(rows[row_id]["threshold"])
    value = _units.convert_expression(analyte, _num(signal), u, "SI")
    test = (
        f"({value} {comparator} {threshold_expr})"
        if threshold_expr
        else _compare(value, comparator, threshold)
    )
    return _status(signal, _unit_range_test(signal, analyte, u), test)


def _hlh_cytopenias_status(rows, u) -> str:
    """B3: met when enough lineages are low; open while unknown lineages could still tip it."""
    hb_threshold = (
        f"(hlh_age_under_4_weeks == 'yes' ? {float(rows['B3b']['threshold'])!r} "
        f": {float(rows['B3a']['threshold'])!r})"
    )
    if rows["B3a"]["comparator"] != rows["B3b"]["comparator"]:
        raise instruments.ScoreDataError("HLH-2004 haemoglobin rows differ in comparator")
    lineages = [
        _hlh_lab_status(rows, "hlh_haemoglobin", "haemoglobin", "B3a", u, hb_threshold),
        _hlh_lab_status(rows, "hlh_platelets", "platelets", "B3c", u),
        _hlh_lab_status(rows, "hlh_neutrophils", "neutrophils", "B3d", u),
    ]
    rule, needed = rows["B3"]["comparator"], float(rows["B3"]["threshold"])
    n_low = " + ".join(f"({s} == 1 ? 1 : 0)" for s in lineages)
    n_unknown = " + ".join(f"({s} == -1 ? 1 : 0)" for s in lineages)
    any_invalid = " || ".join(f"{s} == -2" for s in lineages)
    return (
        f"(({any_invalid}) ? -2 : ({n_low}) {rule} {needed!r} ? 1 "
        f": ({n_low}) + ({n_unknown}) {rule} {needed!r} ? -1 : 0)"
    )


def _hlh_own_unit_status(rows, signal, analyte, si_row, conventional_row, u) -> str:
    """Status of a criterion printed with its own threshold in each unit system."""

    def in_units(row_id):
        return _status(
            signal,
            _unit_range_test(signal, analyte, u),
            _compare(_num(signal), rows[row_id]["comparator"], float(rows[row_id]["threshold"])),
        )

    return f"({u} == 'SI' ? {in_units(si_row)} : {in_units(conventional_row)})"


def _hlh_lipids_status(rows, u) -> str:
    """B4: triglycerides or fibrinogen; met if either is, not met only if both are not."""
    tg = _hlh_own_unit_status(rows, "hlh_triglycerides", "triglycerides", "B4a", "B4b", u)
    fib = _hlh_own_unit_status(rows, "hlh_fibrinogen", "fibrinogen", "B4c", "B4d", u)
    return (
        f"(({tg}) == -2 || ({fib}) == -2 ? -2 : ({tg}) == 1 || ({fib}) == 1 ? 1 "
        f": ({tg}) == 0 && ({fib}) == 0 ? 0 : -1)"
    )


def _hlh_shown(u) -> dict[str, str]:
    """The values shown beside criteria B3, B4, B7 and B8, with their units."""
    return {
        "B3": " + ' / ' + ".join(
            f"({_missing(s)} ? '–' : '' + {_num(s)})"
            for s in ("hlh_haemoglobin", "hlh_platelets", "hlh_neutrophils")
        )
        + f" + ' (' + {_unit_text('haemoglobin', u)} + ', ' + {_unit_text('platelets', u)} + ')'",
        "B4": (
            f"{_shown('hlh_triglycerides', _unit_text('triglycerides', u))} + "
            f"({_missing('hlh_triglycerides')} || {_missing('hlh_fibrinogen')} ? '' : ', ') + "
            f"{_shown('hlh_fibrinogen', _unit_text('fibrinogen', u))}"
        ),
        "B7": _shown("hlh_ferritin", _unit_text("ferritin", u)),
        "B8": _shown("hlh_scd25", "'U/mL'"),
    }


def _hlh_status_expressions(u: str = "hlh_units") -> tuple[dict[str, str], dict[str, str]]:
    rows = _hlh_rows()
    tri = "({s} == 'yes' ? 1 : {s} == 'no' ? 0 : -1)"
    b5 = (
        "(hlh_evidence_of_malignancy == 'yes' || hlh_haemophagocytosis == 'no' ? 0 "
        ": hlh_haemophagocytosis == 'yes' && hlh_evidence_of_malignancy == 'no' ? 1 : -1)"
    )
    scd25_low, scd25_high = PLAUSIBLE_RANGES["scd25_u_per_ml"]
    b8_row = rows["B8"]
    status = {
        "B1": "(hlh_fever == 'yes' ? 1 : 0)",
        "B2": "(hlh_splenomegaly == 'yes' ? 1 : 0)",
        "B3": _hlh_cytopenias_status(rows, u),
        "B4": _hlh_lipids_status(rows, u),
        "B5": b5,
        "B6": tri.format(s="hlh_nk_activity_low_or_absent"),
        "B7": _hlh_lab_status(rows, "hlh_ferritin", "ferritin", "B7", u),
        "B8": _status(
            "hlh_scd25",
            _range_test(_num("hlh_scd25"), scd25_low, scd25_high),
            _compare(_num("hlh_scd25"), b8_row["comparator"], float(b8_row["threshold"])),
        ),
    }
    return status, _hlh_shown(u)


def _hlh_verdict_expression() -> str:
    fields = {
        "met": "datum.met",
        "unknown": "datum.unknown",
        "needed": str(int(float(_hlh_rows()["B"]["threshold"]))),
    }
    rule = _hlh_rows()["B"]["comparator"]
    needed = fields["needed"]
    route_b = (
        f"(datum.met {rule} {needed} ? {_template_expression(_wrapped(HLH2004_TEXT['B_met']), fields)} "
        f": datum.met + datum.unknown {rule} {needed} ? "
        f"{_template_expression(_wrapped(HLH2004_TEXT['B_open']), fields)} "
        f": {_template_expression(_wrapped(HLH2004_TEXT['B_not']), fields)})"
    )
    route_a = (
        f"(hlh_molecular_diagnosis == 'yes' ? {_js(_wrapped(HLH2004_TEXT['A_yes']))} "
        f": hlh_molecular_diagnosis == 'no' ? {_js(_wrapped(HLH2004_TEXT['A_no']))} "
        f": {_js(_wrapped(HLH2004_TEXT['A_unknown']))})"
    )
    note = (
        f"(hlh_evidence_of_malignancy == 'yes' ? ';\\n' + {_js(_wrapped(HLH2004_TEXT['malignancy']))} "
        f": hlh_evidence_of_malignancy == 'not assessed' && hlh_haemophagocytosis == 'yes' ? "
        f"';\\n' + {_js(_wrapped(HLH2004_TEXT['malignancy_unknown']))} : '')"
    )
    return (
        f"datum.invalid > 0 ? {_js(_wrapped(CHECK_TEXT))} : "
        f"{_verdict_expression([route_a, route_b])} + {note}"
    )


HLH_DESCRIPTION = (
    "Interactive HLH-2004 calculator. Controls set the unit system, the findings (yes, no or not "
    "assessed) and the laboratory values (empty means not measured). The text states route A "
    "(a molecular diagnosis consistent with HLH, diagnostic in a patient with features of HLH) "
    "and route B (how many of the 8 criteria are met, not met or not assessed, 5 needed), then lists each criterion with its "
    "status and the value entered."
)


def hlh2004_controls(initial: dict | None = None) -> list[alt.Parameter]:
    """The HLH-2004 calculator's controls set to `initial` (keys as in `hlh2004_entries`)."""
    v = _checked_initial(initial, HLH_DEFAULTS)
    return [
        _units_param("hlh_units", v["units"]),
        _select_param(
            "hlh_molecular_diagnosis",
            "Molecular diagnosis consistent with HLH: ",
            TRI,
            _tri(v["molecular_diagnosis"]),
        ),
        _select_param("hlh_fever", "Fever: ", YES_NO, _tri(v["fever"])),
        _select_param("hlh_splenomegaly", "Splenomegaly: ", YES_NO, _tri(v["splenomegaly"])),
        _select_param(
            "hlh_age_under_4_weeks", "Infant under 4 weeks: ", YES_NO, _tri(v["age_under_4_weeks"])
        ),
        _number_param(
            "hlh_haemoglobin", _lab_label("Haemoglobin", "haemoglobin"), v["haemoglobin"]
        ),
        _number_param("hlh_platelets", _lab_label("Platelets", "platelets"), v["platelets"]),
        _number_param(
            "hlh_neutrophils", _lab_label("Neutrophils", "neutrophils"), v["neutrophils"]
        ),
        _number_param(
            "hlh_triglycerides",
            _lab_label("Fasting triglycerides", "triglycerides"),
            v["triglycerides"],
        ),
        _number_param("hlh_fibrinogen", _lab_label("Fibrinogen", "fibrinogen"), v["fibrinogen"]),
        _select_param(
            "hlh_haemophagocytosis", "Haemophagocytosis: ", TRI, _tri(v["haemophagocytosis"])
        ),
        _select_param(
            "hlh_evidence_of_malignancy",
            "Evidence of malignancy: ",
            TRI,
            _tri(v["evidence_of_malignancy"]),
        ),
        _select_param(
            "hlh_nk_activity_low_or_absent",
            "Low or absent NK-cell activity: ",
            TRI,
            _tri(v["nk_activity_low_or_absent"]),
        ),
        _number_param("hlh_ferritin", _lab_label("Ferritin", "ferritin"), v["ferritin"]),
        _number_param("hlh_scd25", "Soluble CD25 (U/mL): ", v["scd25"]),
    ]


def hlh2004_calculator_chart(initial: dict | None = None) -> alt.VConcatChart:
    """The HLH-2004 calculator. `initial` sets the controls (keys as in `hlh2004_entries`)."""
    status, shown = _hlh_status_expressions()
    keys = [f"B{i}" for i in range(1, 9)]
    chart = _criteria_chart(
        keys,
        hlh2004_labels(),
        status,
        shown,
        _hlh_verdict_expression(),
        hlh2004_controls(initial),
        "HLH-2004 (study entry criteria)",
        n_lines=9,
    )
    return describe(chart, "HLH-2004 calculator", HLH_DESCRIPTION)

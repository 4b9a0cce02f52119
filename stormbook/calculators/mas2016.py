"""The 2016 EULAR/ACR/PRINTO classification criteria for MAS in systemic JIA (Ravelli et al.
2016) as an in-page calculator and its Python twin."""

from __future__ import annotations

import altair as alt

from stormbook import instruments
from stormbook.calculators.layout import _criteria_base, _heading_verdict_and_rows
from stormbook.calculators.vega_helpers import (
    CHECK_TEXT,
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
    _wrapped,
)
from stormbook.figures.charts import describe
from stormbook.instruments import (
    MAS2016_TEXT,
    PLAUSIBLE_RANGES,
)
from stormbook.instruments import units as _units

MAS_DEFAULTS = {
    "units": "conventional",
    "febrile": True,
    "known_or_suspected_sjia": True,
    "ferritin": None,
    "platelets": None,
    "ast": None,
    "triglycerides": None,
    "fibrinogen": None,
}


def mas2016_entries(
    *,
    units: str,
    febrile,
    known_or_suspected_sjia,
    ferritin,
    platelets,
    ast,
    triglycerides,
    fibrinogen,
) -> instruments.CriteriaResult:
    """The Python twin of the MAS calculator. The criteria print triglycerides and fibrinogen in
    mg/dL; SI entries are converted with the sourced factors."""
    u = _units
    system = u.system(units)

    def conv(name, analyte, value):
        return u.convert(analyte, u.entry(name, analyte, value, system), system, "conventional")

    def si(name, analyte, value):
        return u.convert(analyte, u.entry(name, analyte, value, system), system, "SI")

    return instruments.mas2016(
        febrile=febrile,
        known_or_suspected_sjia=known_or_suspected_sjia,
        ferritin_ng_per_ml=si("ferritin", "ferritin", ferritin),
        platelets_10e9_per_l=si("platelets", "platelets", platelets),
        ast_u_per_l=ast,
        triglycerides_mg_per_dl=conv("triglycerides", "triglycerides", triglycerides),
        fibrinogen_mg_per_dl=conv("fibrinogen", "fibrinogen", fibrinogen),
    )


def mas2016_labels() -> dict[str, str]:
    rows = instruments.mas2016_rows()

    def t(row_id):
        row = rows[row_id]
        return (
            f"{row['comparator'].replace('<=', '≤').replace('>=', '≥')}{float(row['threshold']):g}"
        )

    return {
        "required_ferritin": f"Ferritin {t('required_ferritin')} ng/mL (= µg/L), required",
        "platelets": f"Platelets {t('platelets')} ×10⁹/L",
        "ast": f"AST {t('ast')} U/L",
        "triglycerides": f"Triglycerides {t('triglycerides')} mg/dL",
        "fibrinogen": f"Fibrinogen {t('fibrinogen')} mg/dL",
    }


def _mas_expressions(u: str = "mas_units"):
    rows = instruments.mas2016_rows()

    def lab(signal, analyte, row_id, to_units):
        comparator, threshold = rows[row_id]["comparator"], float(rows[row_id]["threshold"])
        value = _units.convert_expression(analyte, _num(signal), u, to_units)
        return _status(
            signal, _unit_range_test(signal, analyte, u), _compare(value, comparator, threshold)
        )

    ast_low, ast_high = PLAUSIBLE_RANGES["ast_u_per_l"]
    status = {
        "required_ferritin": lab("mas_ferritin", "ferritin", "required_ferritin", "SI"),
        "platelets": lab("mas_platelets", "platelets", "platelets", "SI"),
        "ast": _status(
            "mas_ast",
            _range_test(_num("mas_ast"), ast_low, ast_high),
            _compare(_num("mas_ast"), rows["ast"]["comparator"], float(rows["ast"]["threshold"])),
        ),
        "triglycerides": lab("mas_triglycerides", "triglycerides", "triglycerides", "conventional"),
        "fibrinogen": lab("mas_fibrinogen", "fibrinogen", "fibrinogen", "conventional"),
    }

    def converted(signal, analyte):
        value = _units.convert_expression(analyte, _num(signal), u, "conventional")
        unit = _js(_units.display_unit(analyte, "conventional"))
        return f"({u} == 'SI' && !{_missing(signal)} ? ' = ' + format({value}, '.4~g') + ' ' + {unit} : '')"

    shown = {
        "required_ferritin": _shown("mas_ferritin", _unit_text("ferritin", u)),
        "platelets": _shown("mas_platelets", _unit_text("platelets", u)),
        "ast": _shown("mas_ast", "'U/L'"),
        "triglycerides": _shown("mas_triglycerides", _unit_text("triglycerides", u))
        + " + "
        + converted("mas_triglycerides", "triglycerides"),
        "fibrinogen": _shown("mas_fibrinogen", _unit_text("fibrinogen", u))
        + " + "
        + converted("mas_fibrinogen", "fibrinogen"),
    }
    return status, shown


def _mas_verdict_expression() -> str:
    rows = instruments.mas2016_rows()
    rule, needed = rows["rule"]["comparator"], str(int(float(rows["rule"]["threshold"])))
    fields = {"met": "datum.items_met", "needed": needed, "unknown": "datum.items_unknown"}

    def text(key):
        return _template_expression(_wrapped(MAS2016_TEXT[key]), fields)

    return (
        f"datum.invalid > 0 ? {_js(_wrapped(CHECK_TEXT))} "
        f": !(mas_febrile == 'yes' && mas_known_or_suspected_sjia == 'yes') ? {text('not_applicable')} "
        f": datum.ferritin == 0 ? {text('low_ferritin')} "
        f": datum.ferritin == 1 && datum.items_met {rule} {needed} ? {text('classified')} "
        f": !(datum.items_met + datum.items_unknown {rule} {needed}) ? {text('not_classified')} "
        f": {text('open')}"
    )


MAS_DESCRIPTION = (
    "Interactive calculator of the 2016 classification criteria for MAS in systemic JIA. Controls "
    "set the unit system, whether the patient is febrile with known or suspected systemic JIA, "
    "and five laboratory values (empty means not measured). The text gives the classification; "
    "the rows show ferritin (required) and the four items, each met, not met or not assessed."
)


def mas2016_controls(initial: dict | None = None) -> list[alt.Parameter]:
    """The MAS calculator's controls set to `initial` (keys as in `mas2016_entries`)."""
    v = _checked_initial(initial, MAS_DEFAULTS)
    return [
        _units_param("mas_units", v["units"]),
        _select_param("mas_febrile", "Febrile: ", YES_NO, _tri(v["febrile"])),
        _select_param(
            "mas_known_or_suspected_sjia",
            "Known or suspected systemic JIA: ",
            YES_NO,
            _tri(v["known_or_suspected_sjia"]),
        ),
        _number_param("mas_ferritin", _lab_label("Ferritin", "ferritin"), v["ferritin"]),
        _number_param("mas_platelets", _lab_label("Platelets", "platelets"), v["platelets"]),
        _number_param("mas_ast", "AST (U/L): ", v["ast"]),
        _number_param(
            "mas_triglycerides", _lab_label("Triglycerides", "triglycerides"), v["triglycerides"]
        ),
        _number_param("mas_fibrinogen", _lab_label("Fibrinogen", "fibrinogen"), v["fibrinogen"]),
    ]


def mas2016_calculator_chart(initial: dict | None = None) -> alt.VConcatChart:
    """The 2016 MAS classification calculator (keys of `initial` as in `mas2016_entries`)."""
    status, shown = _mas_expressions()
    keys = list(mas2016_labels())
    base = _criteria_base(keys, mas2016_labels(), status, shown)
    summary = (
        base.transform_calculate(
            is_item="datum.key != 'required_ferritin' ? 1 : 0",
            item_met="datum.key != 'required_ferritin' && datum.status == 1 ? 1 : 0",
            item_unknown="datum.key != 'required_ferritin' && datum.status == -1 ? 1 : 0",
            ferritin_status="datum.key == 'required_ferritin' ? datum.status : 0",
            is_ferritin="datum.key == 'required_ferritin' ? 1 : 0",
            is_invalid="datum.status == -2 ? 1 : 0",
        )
        .transform_aggregate(
            items_met="sum(item_met)",
            items_unknown="sum(item_unknown)",
            ferritin="sum(ferritin_status)",
            invalid="sum(is_invalid)",
        )
        .transform_calculate(
            ferritin="datum.ferritin == -1 ? null : datum.ferritin",
            verdict=_mas_verdict_expression(),
            heading=_js("2016 MAS classification"),
        )
    )
    chart = _heading_verdict_and_rows(base, summary, mas2016_controls(initial), n_lines=3)
    return describe(chart, "2016 MAS classification calculator", MAS_DESCRIPTION)

"""The HLH-2004 diagnostic guidelines of a treatment study in children (route B, 5 of 8
criteria; route A, a molecular diagnosis, reported as a predisposition), read from the book's
data. Teaching code, not a clinical tool.
"""

from __future__ import annotations

from functools import cache

from stormbook.datasets import load_dataset
from stormbook.instruments.inputs import (
    COMPARE,
    CriteriaResult,
    ScoreInputError,
    any_of,
    checked_flag,
    checked_number,
    meets,
    rows_by_id,
    threshold_of,
)

# ---------------------------------------------------------------------------- HLH-2004


@cache
def hlh2004_rows() -> dict:
    frame = load_dataset("hlh2004-criteria")
    return rows_by_id(frame[frame["preferred"] == "yes"], "criterion_id")


# The words of every HLH-2004 verdict, used by `hlh2004` and by the in-page calculator
# (`stormbook.calculators`), so that the page and Python say the same thing.
HLH2004_TEXT = {
    "B_met": "route B met: {met} of 8 criteria ({needed} needed)",
    "B_open": "route B not decided: {met} of 8 criteria met, {unknown} not assessed ({needed} needed)",
    "B_not": "route B not met: {met} of 8 criteria ({needed} needed)",
    "A_yes": (
        "route A met: HLH-2004 accepts a molecular diagnosis consistent with HLH as "
        "diagnostic in a patient with features of HLH; a genotype found by screening someone "
        "without them shows a risk, not active disease, and fewer than 5 of 8 criteria does "
        "not exclude HLH"
    ),
    "A_no": "route A: no molecular diagnosis consistent with HLH",
    "A_unknown": "route A: genetics not tested",
    "malignancy": (
        "evidence of malignancy: haemophagocytosis not counted (a strict reading of "
        "'no evidence of malignancy'; adult series count it)"
    ),
    "malignancy_unknown": "malignancy not yet excluded: haemophagocytosis cannot count until it is",
}


def _hlh_b5(haemophagocytosis, malignancy):
    """Haemophagocytosis counts only with no evidence of malignancy (the clause printed with it)."""
    if malignancy is True or haemophagocytosis is False:
        return False
    if haemophagocytosis is True and malignancy is False:
        return True
    return None


def hlh2004(
    *,
    molecular_diagnosis: bool | None,
    fever: bool,
    splenomegaly: bool,
    age_under_4_weeks: bool,
    haemoglobin_g_per_l: float | None,
    platelets_10e9_per_l: float | None,
    neutrophils_10e9_per_l: float | None,
    triglycerides_mmol_per_l: float | None,
    fibrinogen_g_per_l: float | None,
    haemophagocytosis: bool | None,
    evidence_of_malignancy: bool | None,
    nk_activity_low_or_absent: bool | None,
    ferritin_ug_per_l: float | None,
    scd25_u_per_ml: float | None,
    triglycerides_mg_per_dl: float | None = None,
    fibrinogen_mg_per_dl: float | None = None,
) -> CriteriaResult:
    """The HLH-2004 diagnostic guidelines, in the form reproduced verbatim (Henter 2007).

    They were written as the diagnostic guidelines of a treatment study in children
    (HLH-2004). HLH-2004 itself is diagnostic by either route: route A, a molecular diagnosis
    consistent with HLH, or route B, 5 of the 8 criteria (`diagnostic_by_either_route`).
    `fulfilled` answers route B alone (a genotype found by screening shows a risk, not by
    itself active disease); the verdict states route A first, then route B.
    Haemophagocytosis (B5) is counted only with no evidence of malignancy, a strict reading
    of the clause printed with it (adult series apply the criteria in malignancy). Fever is a yes/no finding: no numeric threshold
    of the guideline was confirmed. Every argument without a default must be given; None
    means "not measured / not assessed" (a test not done is not a normal result).
    Triglycerides are fasting values, given in mmol/L or (instead) in mg/dL; fibrinogen in
    g/L or (instead) mg/dL: each is compared with the threshold printed in its own unit.
    """
    rows = hlh2004_rows()
    _one_unit(
        "triglycerides_mmol_per_l",
        triglycerides_mmol_per_l,
        "triglycerides_mg_per_dl",
        triglycerides_mg_per_dl,
    )
    _one_unit(
        "fibrinogen_g_per_l", fibrinogen_g_per_l, "fibrinogen_mg_per_dl", fibrinogen_mg_per_dl
    )
    malignancy = checked_flag("evidence_of_malignancy", evidence_of_malignancy, allow_none=True)
    criteria = {
        "B1": checked_flag("fever", fever),
        "B2": checked_flag("splenomegaly", splenomegaly),
        "B3": _hlh_cytopenias(
            rows,
            checked_flag("age_under_4_weeks", age_under_4_weeks),
            haemoglobin_g_per_l,
            platelets_10e9_per_l,
            neutrophils_10e9_per_l,
        ),
        "B4": any_of(
            [
                _met_in_given_unit(
                    rows,
                    ("triglycerides_mmol_per_l", triglycerides_mmol_per_l, "B4a", "mmol/L"),
                    ("triglycerides_mg_per_dl", triglycerides_mg_per_dl, "B4b", "mg/dL"),
                ),
                _met_in_given_unit(
                    rows,
                    ("fibrinogen_g_per_l", fibrinogen_g_per_l, "B4c", "g/L"),
                    ("fibrinogen_mg_per_dl", fibrinogen_mg_per_dl, "B4d", "mg/dL"),
                ),
            ]
        ),
        "B5": _hlh_b5(
            checked_flag("haemophagocytosis", haemophagocytosis, allow_none=True), malignancy
        ),
        "B6": checked_flag("nk_activity_low_or_absent", nk_activity_low_or_absent, allow_none=True),
        "B7": meets(
            checked_number("ferritin_ug_per_l", ferritin_ug_per_l, allow_none=True),
            *threshold_of(rows, "B7", "ug/L"),
        ),
        "B8": meets(
            checked_number("scd25_u_per_ml", scd25_u_per_ml, allow_none=True),
            *threshold_of(rows, "B8", "U/mL"),
        ),
    }
    route_a = checked_flag("molecular_diagnosis", molecular_diagnosis, allow_none=True)
    return _hlh2004_result(rows, criteria, route_a, malignancy, haemophagocytosis)


def _count_reaches(rule: str, met: int, unknown: int, needed: float) -> bool | None:
    """Whether `met` findings reach the count a rule needs: True, False, or None when the
    findings not measured could still decide it either way."""
    if COMPARE[rule](met, needed):
        return True
    if COMPARE[rule](met + unknown, needed):
        return None
    return False


def _hlh_cytopenias(rows, newborn: bool, haemoglobin, platelets, neutrophils) -> bool | None:
    """B3: cytopenias in at least the printed number of lineages (haemoglobin threshold by age)."""
    lineages = [
        meets(
            checked_number("haemoglobin_g_per_l", haemoglobin, allow_none=True),
            *threshold_of(rows, "B3b" if newborn else "B3a", "g/L"),
        ),
        meets(
            checked_number("platelets_10e9_per_l", platelets, allow_none=True),
            *threshold_of(rows, "B3c", "x10^9/L"),
        ),
        meets(
            checked_number("neutrophils_10e9_per_l", neutrophils, allow_none=True),
            *threshold_of(rows, "B3d", "x10^9/L"),
        ),
    ]
    rule, needed = threshold_of(rows, "B3", "lineages (of 3)")
    return _count_reaches(
        rule, sum(v is True for v in lineages), sum(v is None for v in lineages), needed
    )


def _one_unit(name: str, value, other_name: str, other_value) -> None:
    """A laboratory value is given in one unit or the other, never both."""
    if value is not None and other_value is not None:
        raise ScoreInputError(f"{name} and {other_name}: give the value in one unit, not both")


def _met_in_given_unit(rows, usual: tuple, alternative: tuple) -> bool | None:
    """Compare a value with the threshold printed in the unit it was given in. Each unit is
    (argument name, value, criteria row, unit); the alternative is used when it is given."""
    name, value, row, unit = alternative if alternative[1] is not None else usual
    allow_none = alternative[1] is None
    return meets(checked_number(name, value, allow_none=allow_none), *threshold_of(rows, row, unit))


def _hlh2004_result(rows, criteria, route_a, malignancy, haemophagocytosis) -> CriteriaResult:
    """Count route B's criteria and write the verdict, with route A and the malignancy clause."""
    labels = {key: rows[key]["criterion"] for key in criteria}
    rule, needed = threshold_of(rows, "B", "criteria (of 8)")
    needed = int(needed)
    met = sum(v is True for v in criteria.values())
    unknown = sum(v is None for v in criteria.values())
    fulfilled = _count_reaches(rule, met, unknown, needed)
    key = {True: "B_met", None: "B_open", False: "B_not"}[fulfilled]
    # Route A first: HLH-2004 makes a molecular diagnosis diagnostic on its own.
    parts = [
        HLH2004_TEXT[{True: "A_yes", False: "A_no", None: "A_unknown"}[route_a]],
        HLH2004_TEXT[key].format(met=met, unknown=unknown, needed=needed),
    ]
    notes = []
    if malignancy is True:
        notes.append(HLH2004_TEXT["malignancy"])
    elif malignancy is None and haemophagocytosis is True:
        notes.append(HLH2004_TEXT["malignancy_unknown"])
    verdict = "; ".join(parts + notes)
    return CriteriaResult(
        criteria, labels, met, needed, unknown, fulfilled, verdict, route_a, tuple(notes)
    )

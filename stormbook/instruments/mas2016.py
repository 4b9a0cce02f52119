"""The 2016 EULAR/ACR/PRINTO *classification* criteria for MAS in systemic JIA, read from the
book's data. Teaching code, not a clinical tool.
"""

from __future__ import annotations

from functools import cache

from stormbook.datasets import load_dataset
from stormbook.instruments.inputs import (
    COMPARE,
    CriteriaResult,
    checked_flag,
    checked_number,
    meets,
    rows_by_id,
    threshold_of,
)

# ---------------------------------------------------------------------------- MAS 2016

# The words of every MAS verdict (shared with the in-page calculator).
MAS2016_TEXT = {
    "not_applicable": (
        "not applicable: the criteria classify MAS only in a febrile patient "
        "with known or suspected systemic JIA"
    ),
    "low_ferritin": "not classified as MAS: ferritin is not above the threshold",
    "classified": "classified as MAS (ferritin plus {met} of 4 items; {needed} needed)",
    "not_classified": "not classified as MAS ({met} of 4 items; {needed} needed)",
    "open": "not decided: {met} of 4 items met; ferritin or {unknown} items not measured",
}


@cache
def mas2016_rows() -> dict:
    return rows_by_id(load_dataset("mas2016-criteria"), "criterion_id")


def mas2016(
    *,
    febrile: bool,
    known_or_suspected_sjia: bool,
    ferritin_ng_per_ml: float | None,
    platelets_10e9_per_l: float | None,
    ast_u_per_l: float | None,
    triglycerides_mg_per_dl: float | None,
    fibrinogen_mg_per_dl: float | None,
) -> CriteriaResult:
    """The 2016 EULAR/ACR/PRINTO classification criteria for MAS complicating systemic JIA.

    They apply only to a febrile patient with known or suspected sJIA; then ferritin above the
    threshold is required, plus any 2 of platelets, AST, triglycerides and fibrinogen. They
    are classification criteria (for studies and a shared definition), in the units the
    criteria were published in (mg/dL). None means "not measured".
    """
    rows = mas2016_rows()
    applies = checked_flag("febrile", febrile) and checked_flag(
        "known_or_suspected_sjia", known_or_suspected_sjia
    )
    ferritin = meets(
        checked_number("ferritin_ng_per_ml", ferritin_ng_per_ml, allow_none=True),
        *threshold_of(rows, "required_ferritin", "ng/mL"),
    )
    items = {
        "platelets": meets(
            checked_number("platelets_10e9_per_l", platelets_10e9_per_l, allow_none=True),
            *threshold_of(rows, "platelets", "x10^9/L"),
        ),
        "ast": meets(
            checked_number("ast_u_per_l", ast_u_per_l, allow_none=True),
            *threshold_of(rows, "ast", "U/L"),
        ),
        "triglycerides": meets(
            checked_number("triglycerides_mg_per_dl", triglycerides_mg_per_dl, allow_none=True),
            *threshold_of(rows, "triglycerides", "mg/dL"),
        ),
        "fibrinogen": meets(
            checked_number("fibrinogen_mg_per_dl", fibrinogen_mg_per_dl, allow_none=True),
            *threshold_of(rows, "fibrinogen", "mg/dL"),
        ),
    }
    rule, needed = threshold_of(rows, "rule", "items (of 4)")
    needed = int(needed)
    criteria = {"required_ferritin": ferritin, **items}
    labels = {key: rows[key]["criterion"] for key in criteria}
    met = sum(v is True for v in items.values())
    unknown = sum(v is None for v in items.values())
    if not applies:
        fulfilled, key = False, "not_applicable"
    elif ferritin is False:
        fulfilled, key = False, "low_ferritin"
    elif ferritin and COMPARE[rule](met, needed):
        fulfilled, key = True, "classified"
    elif not COMPARE[rule](met + unknown, needed):
        fulfilled, key = False, "not_classified"
    else:
        fulfilled, key = None, "open"
    verdict = MAS2016_TEXT[key].format(met=met, needed=needed, unknown=unknown)
    return CriteriaResult(
        criteria, labels, met, needed, unknown + (ferritin is None), fulfilled, verdict
    )

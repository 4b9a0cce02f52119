"""The diagnostic and grading instruments the book teaches, each in its module, read from the
book's data: `hlh2004`, `hscore`, `mas2016` (classification criteria for MAS), `astct` (the CRS
grade), and `accuracy` (what a result means at a prevalence). `inputs` holds what they share,
`units` the unit conversions, `vignettes` the synthetic patients.

The names below are the instruments' public API: `from stormbook import instruments`, then
`instruments.hscore(...)`. Teaching code, not a clinical tool.
"""

from stormbook.instruments.accuracy import (
    PredictiveValues,
    predictive_values,
)
from stormbook.instruments.astct import (
    ASTCT_TEXT,
    CRSGrade,
    astct_categories,
    astct_crs_grade,
    astct_death_grade,
    astct_fever_threshold_c,
    astct_grades,
)
from stormbook.instruments.hlh2004 import (
    HLH2004_TEXT,
    hlh2004,
    hlh2004_rows,
)
from stormbook.instruments.hscore import (
    HSCORE_VARIABLES,
    NO_CYTOPENIA_NOTE,
    HScoreRange,
    HScoreResult,
    LogisticFit,
    hscore,
    hscore_categories,
    hscore_cutoff,
    hscore_logistic_fit,
    hscore_maximum,
    hscore_points_table,
    hscore_probability_rules,
    hscore_probability_table,
    hscore_published_probability,
    hscore_range,
)
from stormbook.instruments.inputs import (
    COMPARE,
    PLAUSIBLE_RANGES,
    CriteriaResult,
    ScoreDataError,
    ScoreInputError,
    any_of,
    checked_choice,
    checked_flag,
    checked_number,
    meets,
    rows_by_id,
    threshold_of,
)
from stormbook.instruments.mas2016 import (
    MAS2016_TEXT,
    mas2016,
    mas2016_rows,
)

__all__ = [
    "ASTCT_TEXT",
    "COMPARE",
    "HLH2004_TEXT",
    "HSCORE_VARIABLES",
    "MAS2016_TEXT",
    "NO_CYTOPENIA_NOTE",
    "PLAUSIBLE_RANGES",
    "CRSGrade",
    "CriteriaResult",
    "HScoreRange",
    "HScoreResult",
    "LogisticFit",
    "PredictiveValues",
    "ScoreDataError",
    "ScoreInputError",
    "any_of",
    "astct_categories",
    "astct_crs_grade",
    "astct_death_grade",
    "astct_fever_threshold_c",
    "astct_grades",
    "checked_choice",
    "checked_flag",
    "checked_number",
    "hlh2004",
    "hlh2004_rows",
    "hscore",
    "hscore_categories",
    "hscore_cutoff",
    "hscore_logistic_fit",
    "hscore_maximum",
    "hscore_points_table",
    "hscore_probability_rules",
    "hscore_probability_table",
    "hscore_published_probability",
    "hscore_range",
    "mas2016",
    "mas2016_rows",
    "meets",
    "predictive_values",
    "rows_by_id",
    "threshold_of",
]

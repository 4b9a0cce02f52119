"""The four instruments as calculators that run in the reader's browser, and their Python twins.

The static site has no Python kernel, so each calculator is a Vega-Lite spec: every input is
a parameter bound to a control, and the result is a Vega expression. The expressions are
generated here from the same rows of `data/` that `stormbook.instruments` reads (thresholds,
points, grades), with the same words (`scores.HLH2004_TEXT`, `MAS2016_TEXT`, `ASTCT_TEXT`,
`hscore_probability_rules`, and `hscore.HSCORE_TEXT`), so the page and Python cannot drift
apart unnoticed: tests render each spec with real Vega (vl-convert) on grids that cross every
threshold and compare what is drawn with the Python twin.

Each twin (`hlh2004_entries`, `mas2016_entries`, `hscore_entries`, `astct_entries`) takes
the inputs as the page does: laboratory values in the unit system chosen ('SI' or
'conventional'), None for "not measured" (never the same as normal), and raises
`ScoreInputError` naming the input and its unit for a bad value. The page shows "check the
value" where the twin raises.

Laboratory values in the other unit system are converted with the sourced factors of
`data/unit-conversions.csv` (`stormbook.instruments.units`), except where an instrument prints the
threshold in both units (HLH-2004 triglycerides and fibrinogen): then the value is compared
with the threshold printed in its own unit.

Teaching code, not a clinical tool: no calculator gives treatment advice.

One module per instrument (`hlh2004`, `mas2016`, `astct`, `hscore`), the layout the criteria
calculators share (`layout`), the Vega expression and control helpers (`vega_helpers`), and the
instruments' thresholds side by side (`comparison`). The names below are the public ones.
"""

from stormbook.calculators.astct import (
    ASTCT_DEFAULTS,
    astct_calculator_chart,
    astct_controls,
    astct_entries,
)
from stormbook.calculators.comparison import threshold_comparison
from stormbook.calculators.hlh2004 import (
    HLH_DEFAULTS,
    hlh2004_calculator_chart,
    hlh2004_controls,
    hlh2004_entries,
    hlh2004_labels,
)
from stormbook.calculators.hscore import (
    HSCORE_DEFAULTS,
    hscore_calculator_chart,
    hscore_controls,
    hscore_entries,
    points_expression,
)
from stormbook.calculators.mas2016 import (
    MAS_DEFAULTS,
    mas2016_calculator_chart,
    mas2016_controls,
    mas2016_entries,
    mas2016_labels,
)
from stormbook.calculators.vega_helpers import (
    CHECK_TEXT,
    MISSING_TEMPERATURE_TEXT,
    check_text,
)

__all__ = [
    "ASTCT_DEFAULTS",
    "CHECK_TEXT",
    "HLH_DEFAULTS",
    "HSCORE_DEFAULTS",
    "MAS_DEFAULTS",
    "MISSING_TEMPERATURE_TEXT",
    "astct_calculator_chart",
    "astct_controls",
    "astct_entries",
    "check_text",
    "hlh2004_calculator_chart",
    "hlh2004_controls",
    "hlh2004_entries",
    "hlh2004_labels",
    "hscore_calculator_chart",
    "hscore_controls",
    "hscore_entries",
    "mas2016_calculator_chart",
    "mas2016_controls",
    "mas2016_entries",
    "mas2016_labels",
    "points_expression",
    "threshold_comparison",
]

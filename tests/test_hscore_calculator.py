"""The in-browser HScore calculator computes what `stormbook.scores.hscore` computes.

Each grid point sets the controls' starting values in the spec, which is rendered by real
Vega (vl-convert, headless); the total and probability text drawn in the SVG are compared
with the Python function.
"""

from __future__ import annotations

import html
import itertools
import re

import altair as alt
import pytest
import vl_convert

from stormbook import scores
from stormbook.hscore_calculator import hscore_calculator_chart, points_expression

VL_VERSION = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]

# Values at and beside every band limit, combined so that every limit is crossed.
TEMPERATURES = [38.3, 38.4, 39.4, 39.5]
FERRITINS = [1950, 2000, 6000, 6050]
TRIGLYCERIDES = [1.4, 1.5, 4.0, 4.1]
FIBRINOGENS = [2.5, 2.6]
ASTS = [29, 30]
CATEGORIES = [
    dict(known_immunosuppression=False, organomegaly="none", cytopenia_lineages=0, marrow_haemophagocytosis=False),
    dict(known_immunosuppression=True, organomegaly="hepatomegaly or splenomegaly", cytopenia_lineages=2, marrow_haemophagocytosis=False),
    dict(known_immunosuppression=False, organomegaly="hepatomegaly and splenomegaly", cytopenia_lineages=3, marrow_haemophagocytosis=True),
    dict(known_immunosuppression=True, organomegaly="none", cytopenia_lineages=1, marrow_haemophagocytosis=True),
]


def grid():
    numeric = list(zip(TEMPERATURES, FERRITINS, TRIGLYCERIDES, itertools.cycle(FIBRINOGENS), itertools.cycle(ASTS)))
    points = []
    for i, (t, f, tg, fib, ast) in enumerate(numeric):
        for j, cats in enumerate(CATEGORIES):
            points.append(dict(temperature_c=t, ferritin_ng_per_ml=f, triglycerides_mmol_per_l=tg,
                               fibrinogen_g_per_l=FIBRINOGENS[(i + j) % 2], ast_iu_per_l=ASTS[(i + j + 1) % 2],
                               **cats))
    return points


def drawn_text(inputs) -> list[str]:
    """The text of every <text> element Vega drew; lines of a multi-line text joined by a space."""
    svg = vl_convert.vegalite_to_svg(hscore_calculator_chart(inputs).to_dict(), vl_version=VL_VERSION)
    texts = []
    for body in re.findall(r"<text\b[^>]*>(.*?)</text>", svg, flags=re.S):
        lines = re.findall(r"<tspan\b[^>]*>(.*?)</tspan>", body, flags=re.S) or [body]
        texts.append(" ".join(html.unescape(line) for line in lines))
    return texts


@pytest.mark.parametrize("inputs", grid(), ids=lambda d: f"T{d['temperature_c']}-F{d['ferritin_ng_per_ml']}-c{d['cytopenia_lineages']}")
def test_browser_total_and_probability_agree_with_python(inputs):
    expected = scores.hscore(**inputs)
    texts = drawn_text(inputs)
    totals = [t for t in texts if t.startswith("HScore total: ")]
    assert totals == [f"HScore total: {expected.total} of {scores.hscore_maximum()}"]
    assert expected.probability in texts
    verdict = "At or above" if expected.at_or_above_cutoff else "Below"
    assert f"{verdict} the cut-off (169)" in texts


def test_grid_crosses_every_band_limit():
    totals = {scores.hscore(**inputs).total for inputs in grid()}
    assert len(totals) > 10


def test_expressions_are_generated_from_the_points_table():
    assert points_expression("temperature") == (
        "(hs_temperature_c < 38.4) ? 0 : (hs_temperature_c >= 38.4 && hs_temperature_c <= 39.4) ? 33"
        " : (hs_temperature_c > 39.4) ? 49 : NaN")
    assert '(hs_organomegaly == "hepatomegaly and splenomegaly") ? 38' in points_expression("organomegaly")


def test_unknown_initial_input_is_refused():
    with pytest.raises(ValueError, match="ferritin"):
        hscore_calculator_chart({"ferritin": 100})

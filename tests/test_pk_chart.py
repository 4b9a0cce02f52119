"""The explorer chart (dose x precomputed unit curve in the browser) agrees with the model."""

from __future__ import annotations

import re

import pytest
import vl_convert
from vega_render import with_control_values

from stormbook import load_dataset
from stormbook.pharmacokinetics.chart import ROUTES, pk_explorer_chart, window_summary
from stormbook.pharmacokinetics.checks import teaching_parameters

PARAMS = teaching_parameters(load_dataset("anakinra-pharmacokinetics"))
SEVERE = 51.5 / 170
SPEC = pk_explorer_chart(PARAMS, SEVERE).to_dict()


def _shown(settings: dict) -> tuple[float, float]:
    spec = with_control_values(SPEC, settings)
    spec["width"] = 500
    svg = vl_convert.vegalite_to_svg(spec)
    text = next(t for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg) if t.startswith("Peak"))
    peak, lowest = re.fullmatch(r"Peak (\S+), day-3 low (\S+) mg/L", text).groups()
    return float(peak), float(lowest)


@pytest.mark.parametrize(
    "settings",
    [
        {"route": "Subcutaneous", "dose": 100, "interval": 24, "kidney": "normal"},
        {"route": "Subcutaneous", "dose": 200, "interval": 12, "kidney": "normal"},
        {"route": "Subcutaneous", "dose": 100, "interval": 48, "kidney": "severe impairment"},
        {"route": "IV bolus", "dose": 400, "interval": 6, "kidney": "normal"},
        {"route": "Continuous IV infusion", "dose": 2400, "interval": 24, "kidney": "normal"},
        {
            "route": "Continuous IV infusion",
            "dose": 1200,
            "interval": 6,
            "kidney": "severe impairment",
        },
    ],
)
def test_browser_curve_matches_python_model(settings):
    peak, lowest = _shown(settings)
    params = PARAMS if settings["kidney"] == "normal" else PARAMS.with_clearance_ratio(SEVERE)
    want = window_summary(ROUTES[settings["route"]], settings["dose"], settings["interval"], params)
    # The page prints three significant figures; Python's values must print the same.
    assert peak == float(f"{want['peak']:.3g}")
    assert lowest == float(f"{want['lowest']:.3g}")


def test_continuous_infusion_ignores_the_injection_interval():
    a = _shown({"route": "Continuous IV infusion", "dose": 2400, "interval": 6, "kidney": "normal"})
    b = _shown(
        {"route": "Continuous IV infusion", "dose": 2400, "interval": 48, "kidney": "normal"}
    )
    assert a == b

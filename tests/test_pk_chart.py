"""The browser's concentration curve (Vega expressions) agrees with the Python model."""

from __future__ import annotations

import copy
import re

import pytest
import vl_convert

from stormbook.pharmacokinetics import absorption_rate_for_tmax, volume_from_clearance_l
from stormbook.pk_chart import ROUTES, pk_chart, window_summary

HALF_LIFE = 4.0
MODEL = dict(volume_l=volume_from_clearance_l(137, HALF_LIFE), bioavailability=0.95,
             ka_per_h=absorption_rate_for_tmax(5.0, HALF_LIFE))
SEVERE = 51.5 / 170
SPEC = pk_chart(severe_clearance_ratio=SEVERE, half_life_range_h=(4.0, 6.0), **MODEL).to_dict()


def _shown(settings: dict) -> tuple[float, float]:
    spec = copy.deepcopy(SPEC)
    spec["width"] = 500
    for param in spec["params"]:
        if param["name"] in settings:
            param["value"] = settings[param["name"]]
    svg = vl_convert.vegalite_to_svg(spec)
    text = next(t for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg) if t.startswith("Peak"))
    peak, lowest = re.fullmatch(r"Peak (\S+), day-3 low (\S+) mg/L", text).groups()
    return float(peak), float(lowest)


@pytest.mark.parametrize("settings", [
    {"route": "Subcutaneous", "dose": 100, "interval": 24, "halflife": 4.0, "kidney": "normal"},
    {"route": "Subcutaneous", "dose": 100, "interval": 48, "halflife": 4.0, "kidney": "severe impairment"},
    {"route": "IV bolus", "dose": 200, "interval": 12, "halflife": 5.0, "kidney": "normal"},
    {"route": "IV infusion (1 h)", "dose": 400, "interval": 6, "halflife": 6.0, "kidney": "normal"},
])
def test_browser_curve_matches_python_model(settings):
    peak, lowest = _shown(settings)
    ratio = 1.0 if settings["kidney"] == "normal" else SEVERE
    expected = window_summary(
        route=ROUTES[settings["route"]], dose_mg=settings["dose"], interval_h=settings["interval"],
        half_life_h=settings["halflife"] / ratio, **MODEL)
    assert peak == pytest.approx(round(expected["peak"], 2), abs=0.006)
    assert lowest == pytest.approx(round(expected["lowest"], 3), abs=0.0006)

"""Render a chart spec with real Vega (vl-convert, headless) and read back the text it draws."""

from __future__ import annotations

import functools
import html
import json
import re

import altair as alt
import vl_convert

VL_VERSION = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]


def drawn_text(chart) -> list[str]:
    """The text of every <text> element Vega drew; lines of a multi-line text joined by a space."""
    return drawn_text_of_spec(chart.to_dict())


def drawn_text_of_spec(spec: dict) -> list[str]:
    return text_of_svg(svg_of_spec(spec))


def svg_of_spec(spec: dict) -> str:
    """The SVG Vega draws for a Vega-Lite spec."""
    return vl_convert.vegalite_to_svg(spec, vl_version=VL_VERSION)


def text_of_svg(svg: str) -> list[str]:
    """The text of every <text> element of `svg`, as `drawn_text` reads it."""
    texts = []
    for body in re.findall(r"<text\b[^>]*>(.*?)</text>", svg, flags=re.S):
        lines = re.findall(r"<tspan\b[^>]*>(.*?)</tspan>", body, flags=re.S) or [body]
        texts.append(" ".join(html.unescape(line) for line in lines))
    return texts


@functools.cache
def _default_spec(chart_function) -> str:
    return json.dumps(chart_function().to_dict())


def with_control_values(spec: dict, values: dict) -> dict:
    """A copy of `spec` with the named controls (top-level params) starting at `values`."""
    spec, values = json.loads(json.dumps(spec)), dict(values)
    for param in spec["params"]:
        if param["name"] in values:
            param["value"] = values.pop(param["name"])
    assert not values, f"controls missing from the chart: {sorted(values)}"
    return spec


def spec_with_controls(chart_function, controls: list[alt.Parameter]) -> dict:
    """The spec of `chart_function()`, built once, with its controls set as `controls` sets them.

    A calculator's chart differs between inputs only in its controls' starting values, and
    building the chart costs far more than drawing it; a test checks the two ways agree."""
    values = {control.name: control.param.to_dict()["value"] for control in controls}
    return with_control_values(json.loads(_default_spec(chart_function)), values)


def calculator_text(chart_function, controls_function, entries: dict) -> list[str]:
    """The text a calculator draws with its controls set to `entries`."""
    return drawn_text_of_spec(spec_with_controls(chart_function, controls_function(entries)))

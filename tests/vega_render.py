"""Render a chart spec with real Vega (vl-convert, headless) and read back the text it draws."""

from __future__ import annotations

import html
import re

import altair as alt
import vl_convert

VL_VERSION = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]


def drawn_text(chart) -> list[str]:
    """The text of every <text> element Vega drew; lines of a multi-line text joined by a space."""
    svg = vl_convert.vegalite_to_svg(chart.to_dict(), vl_version=VL_VERSION)
    texts = []
    for body in re.findall(r"<text\b[^>]*>(.*?)</text>", svg, flags=re.S):
        lines = re.findall(r"<tspan\b[^>]*>(.*?)</tspan>", body, flags=re.S) or [body]
        texts.append(" ".join(html.unescape(line) for line in lines))
    return texts

"""The criteria calculators' layout: a heading and verdict above one row per criterion with
its status, drawn from Vega expressions of the controls (HLH-2004, MAS 2016; ASTCT and the
HScore reuse the heading and verdict)."""

from __future__ import annotations

import altair as alt

from stormbook.calculators.vega_helpers import (
    STATUS_TEXT,
    WIDTH,
    _criteria_items,
    _criteria_rows,
    _js,
    _status_text_expression,
)


def _criteria_base(keys, labels, status: dict, shown: dict) -> alt.Chart:
    """One row per criterion with its status (met, not met, not measured, check the entry)
    and the value shown beside it, as Vega expressions of the controls."""
    status_expr = " : ".join(f"datum.key == {_js(k)} ? {status[k]}" for k in keys) + " : NaN"
    shown_expr = (
        " : ".join(f"datum.key == {_js(k)} ? ({shown[k]})" for k in keys if k in shown) + " : ''"
    )
    return (
        alt.Chart(_criteria_items(keys, labels))
        .transform_calculate(status=status_expr)
        .transform_calculate(shown=shown_expr)
        .transform_calculate(
            status_label=" : ".join(
                f"datum.status == {k} ? {_js(v)}" for k, v in STATUS_TEXT.items()
            )
            + " : ''",
            status_text=_status_text_expression(),
        )
    )


def _criteria_chart(keys, labels, status, shown, verdict_expression, params, title_line, n_lines=6):
    base = _criteria_base(keys, labels, status, shown)
    summary = (
        base.transform_calculate(
            is_met="datum.status == 1 ? 1 : 0",
            is_unknown="datum.status == -1 ? 1 : 0",
            is_invalid="datum.status == -2 ? 1 : 0",
        )
        .transform_aggregate(
            met="sum(is_met)", unknown="sum(is_unknown)", invalid="sum(is_invalid)"
        )
        .transform_calculate(verdict=verdict_expression, heading=_js(title_line))
    )
    return _heading_verdict_and_rows(base, summary, params, n_lines)


# The page script (`book_extensions/altair_offline_page.js`) finds marks by these names: it repeats
# "heading" and "verdict" in a live region beside the controls, and reads each "criterion"
# with its "status" as one list, for a screen reader and for a phone reader entering values.
def _heading_and_verdict(
    data: alt.Chart, verdict_field: str, heading_size: int, verdict_top: int
) -> alt.LayerChart:
    """A calculator's heading and, under it, its verdict (fields of `data`)."""
    return alt.layer(
        data.mark_text(align="left", baseline="top", fontSize=heading_size, fontWeight="bold")
        .encode(text="heading:N", x=alt.value(0), y=alt.value(0))
        .properties(name="heading"),
        data.mark_text(align="left", baseline="top", fontSize=13, lineBreak="\n")
        .encode(text=f"{verdict_field}:N", x=alt.value(0), y=alt.value(verdict_top))
        .properties(name="verdict"),
    )


def _heading_verdict_and_rows(base, summary, params, n_lines: int) -> alt.VConcatChart:
    """The calculator's heading and verdict (from `summary`) above its criteria rows."""
    head = _heading_and_verdict(summary, "verdict", 15, 24).properties(
        width=WIDTH, height=24 + 17 * n_lines
    )
    return alt.vconcat(head, _criteria_rows(base, base.data), spacing=10).add_params(*params)

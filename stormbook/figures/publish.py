"""One call publishes a chart for the page: `publish_figure(name, chart, data)`.

It glues the chart under `name` and the link to the data behind it under `name-data`
(`figure_data`), which is what the book's `{chart}` directive places: the figure with its
caption, the data link, and the text description (book_extensions/chart_figures.py).
"""

from __future__ import annotations

from collections.abc import Mapping

import altair as alt
import pandas as pd
from myst_nb import glue

from stormbook.figures.figure_data import FigureDataError, FigureDataLink, figure_data


def publish_figure(
    name: str,
    chart: alt.TopLevelMixin,
    data: pd.DataFrame | Mapping[str, pd.DataFrame],
    *,
    views: str | None = None,
    source: str | None = None,
    locator: str | None = None,
) -> alt.TopLevelMixin:
    """Glue `chart` as `name` and its data file's link as `name-data`; return the chart.

    `data`, `views`, `source` and `locator` are `figure_data`'s. The chart must already
    carry its title and screen-reader description (`describe`). In a notebook the link is
    shown (it opens the CSV beside the notebook); the returned chart can be shown after it.
    """
    if not isinstance(chart, alt.TopLevelMixin):
        raise FigureDataError(
            f"publish_figure({name!r}): chart is a {type(chart).__name__}, not an Altair chart"
        )
    if not chart.to_dict(validate=False).get("description"):
        raise FigureDataError(
            f"publish_figure({name!r}): the chart has no description (give it one with describe())"
        )
    link: FigureDataLink = figure_data(
        chart, data, name, views=views, source=source, locator=locator
    )
    glue(name, chart, display=False)
    glue(f"{name}-data", link)
    return chart

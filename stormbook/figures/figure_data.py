"""The data behind a figure: a CSV file of the rows the chart draws, and a link to it.

`figure_data(chart, data, name)` writes the rows to `_figure-data/<name>.csv` beside the
notebook (JupyterLab, Binder, nbval and the book build all run a notebook in its own
folder) and returns a link to that file. The chapter glues the link under the figure, and
`book_extensions/figure_data.py` copies each linked file into the built site beside its page, so the
link works offline; in JupyterLab it opens the file next to the notebook.

Every row says where it comes from, in a `source` and a `locator` column: taken from the
dataset for sourced rows, and given as `source=`/`locator=` for rows a teaching model or
the book's own arithmetic computed (which say so). A chart that draws several tables
passes them as a dict of named parts; they are stacked, with a `part` column naming each.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import pandas as pd

from stormbook.figures.charts import title_text
from stormbook.formatting import file_size

FOLDER = "_figure-data"
SOURCE_COLUMNS = ("source", "locator")
# The name is a file name and part of a URL: lowercase words joined by hyphens.
NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class FigureDataError(ValueError):
    """The data behind a figure cannot be written as asked."""


@dataclass(frozen=True)
class FigureDataLink:
    """A link to a figure's CSV file; shown as HTML in the book and in JupyterLab."""

    name: str
    title: str
    rows: int
    size_bytes: int
    views: str | None = None

    @property
    def href(self) -> str:
        return f"{FOLDER}/{self.name}.csv"

    @property
    def text(self) -> str:
        # The title makes each link's text unique on its page; the size, the row count and
        # the views say what the file holds before it is downloaded.
        extent = f"{self.rows:,} row{'s' if self.rows != 1 else ''}"
        views = f", {self.views}" if self.views else ""
        return (
            f"Data behind the figure “{self.title}” "
            f"(CSV, {file_size(self.size_bytes)}, {extent}{views})"
        )

    def _repr_html_(self) -> str:
        return (
            f'<p class="figure-data"><a href="{html.escape(self.href)}" '
            f'download="{html.escape(self.name)}.csv">{html.escape(self.text)}</a></p>'
        )

    def __repr__(self) -> str:
        return f"{self.text}: {self.href}"


def _title(chart: alt.TopLevelMixin) -> str:
    title = chart.to_dict(validate=False).get("title")
    if isinstance(title, dict):
        title = title.get("text")
    if isinstance(title, list):
        title = title_text(title)
    if not isinstance(title, str) or not title.strip():
        raise FigureDataError("figure_data(): the chart has no title (give it one with describe())")
    return title


def _part(label: str, frame, constants: dict[str, str | None]) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise FigureDataError(
            f"figure_data(): {label} is a {type(frame).__name__}, not a DataFrame"
        )
    if frame.empty:
        raise FigureDataError(f"figure_data(): {label} has no rows")
    frame = frame.reset_index(drop=True)
    for column in SOURCE_COLUMNS:
        if column not in frame.columns:
            if constants[column] is None:
                raise FigureDataError(
                    f"figure_data(): {label} has no {column!r} column "
                    f"(computed rows need {column}=..., saying what computed them)"
                )
            frame = frame.assign(**{column: constants[column]})
        blank = frame[column].isna() | (frame[column].astype(str).str.strip() == "")
        if blank.any():
            raise FigureDataError(
                f"figure_data(): {label} has an empty {column!r} in row(s) "
                f"{list(frame.index[blank])[:5]}"
            )
    return frame


def figure_data(
    chart: alt.TopLevelMixin,
    data: pd.DataFrame | Mapping[str, pd.DataFrame],
    name: str,
    *,
    views: str | None = None,
    source: str | None = None,
    locator: str | None = None,
    folder: Path = Path(FOLDER),
) -> FigureDataLink:
    """Write the rows `chart` draws to `folder/<name>.csv` and return a link to the file.

    `data` is the frame the chart draws (or a dict of named frames), with `source` and
    `locator` columns; `source`/`locator` fill a column a frame of computed rows lacks.
    `views` says, for a chart with controls, that the file holds every view (for example
    "every slider position"); it becomes part of the link text.
    """
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise FigureDataError(
            f"figure_data(): name {name!r} must be lowercase words joined by hyphens"
        )
    title = _title(chart)
    constants = {"source": source, "locator": locator}
    if isinstance(data, Mapping):
        if not data:
            raise FigureDataError("figure_data(): data is an empty dict")
        parts = [
            _part(f"part {key!r}", frame, constants).assign(part=key).pipe(_part_first)
            for key, frame in data.items()
        ]
        table = pd.concat(parts, ignore_index=True)
    else:
        table = _part("data", data, constants)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    table.to_csv(path, index=False, lineterminator="\n")
    return FigureDataLink(
        name=name, title=title, rows=len(table), size_bytes=path.stat().st_size, views=views
    )


def _part_first(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[["part", *[c for c in frame.columns if c != "part"]]]

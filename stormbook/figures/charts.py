"""The book's chart theme and the rules every chart follows.

Importing this module registers and enables the theme: the Okabe-Ito palette (readable
with the common forms of colour-blindness), font sizes legible on a phone, and a width
that fits the page. `describe` is how a chapter finishes a chart: it refuses a chart
without a title or a text description, because the description is what a screen reader
reads out in place of the drawing.
"""

from __future__ import annotations

import hashlib
import html
import textwrap
from dataclasses import dataclass

import altair as alt
import pandas as pd
from pandas.io.formats.style import Styler

from stormbook.formatting import number
from stormbook.sources import linked_sources

# Okabe & Ito, "Color Universal Design" (2008). Yellow is last: it has the least contrast
# against a white page.
PALETTE = [
    "#0072B2",  # blue
    "#D55E00",  # vermilion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow
]
# The neutral greys charts use besides the palette, by role. Text and lines on white keep
# at least 4.5:1 contrast (WCAG AA); the two light greys are fills for "uncommon" and
# "not reported" cells, which also carry a letter.
GREY = {
    "ink": "#222222",  # labels that carry the data
    "text": "#333333",  # annotations
    "line": "#555555",  # reference lines and thresholds
    "muted": "#767676",  # "not stated" / no-effect lines
    "light": "#BDBDBD",
    "lighter": "#CCCCCC",
    "fill": "#F1F1F1",  # background bands
}
# Text that asks the reader to check an entry (AA contrast on white; tested).
ALERT = "#B00020"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
WIDTH = 560


@alt.theme.register("stormbook", enable=True)
def stormbook_theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            # Opaque, so a chart stays readable when the reader picks the dark theme.
            "background": "white",
            # Room on the right for a flush end label or an end-anchored axis title, which
            # Vega lets overhang the plot by a few pixels (cut off on a phone otherwise).
            "padding": {"left": 5, "top": 5, "right": 12, "bottom": 5},
            # Marks, axes and legends are not announced one by one; the chart's title and
            # description (`describe`) are its accessible name.
            "aria": False,
            "font": FONT,
            "view": {"continuousWidth": WIDTH, "continuousHeight": 300, "stroke": None},
            "range": {"category": PALETTE},
            "title": {"fontSize": 16, "anchor": "start", "offset": 12},
            "axis": {"labelFontSize": 13, "titleFontSize": 14, "labelLimit": 260},
            "legend": {"labelFontSize": 13, "titleFontSize": 14},
            "header": {"labelFontSize": 13, "titleFontSize": 14},
            "mark": {"color": PALETTE[0]},
        }
    }


def describe(chart: alt.TopLevelMixin, title: str, description: str) -> alt.TopLevelMixin:
    """Give a chart its title and its screen-reader description; both are required.

    The drawing itself is hidden from screen readers (the theme's `aria: false`: otherwise
    every tick label and mark is read out as one run of numbers), so the chart's accessible
    name is its title followed by the description."""
    for label, text in (("title", title), ("description", description)):
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"describe(): a chart needs a non-empty {label}")
    return chart.properties(
        title=title_lines(title), description=f"{title.rstrip('. ')}. {description}"
    )


# Characters of a bold 16 px title that fit the narrowest chart (a 390 px phone).
TITLE_WIDTH = 30


def title_lines(title: str) -> str | list[str]:
    """A title as it fits a phone: as written when short, else lines of at most TITLE_WIDTH
    characters (Vega draws a list as lines; a long one-line title was cut at the edge)."""
    if len(title) <= TITLE_WIDTH:
        return title
    return textwrap.wrap(title, TITLE_WIDTH, break_long_words=False, break_on_hyphens=False)


def title_text(title) -> str:
    """A spec's title as one line of text, whether `title_lines` kept it or broke it."""
    return " ".join(title) if isinstance(title, list) else title


def chart_data(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy a chart can embed: missing values become JSON null, not NaN or pd.NA."""
    return frame.astype(object).where(frame.notna(), None)


# Where in a source a value stands, and in what kind of copy it was read: exact provenance
# for whoever checks a number, kept in the data and the per-figure CSV downloads; the page
# shows the citation.
PROVENANCE_COLUMNS = ("locator", "source_kind")

# Column names a reader should not have to decode; others lose their underscores.
READER_HEADERS = {
    "ci_low": "CI lower",
    "ci_high": "CI upper",
    "period_text": "period",
    "dating": "how dated",
    "rob_judgement": "risk of bias",
    "rob_reason": "why",
    "omim_phenotype": "OMIM phenotype",
    "omim_gene": "OMIM gene",
}


# A unit at the end of a column name, as data columns spell it and as a reader writes it.
UNIT_SUFFIXES = {
    "_10e9_per_l": " (×10⁹/L)",
    "_g_per_l": " (g/L)",
    "_ng_per_ml": " (ng/mL)",
    "_mmol_per_l": " (mmol/L)",
    "_iu_per_l": " (IU/L)",
    "_mg_per_l": " (mg/L)",
    "_c": " (°C)",
}


def reader_header(name) -> str:
    """A data column's name as a table header: `n_cases` -> "n cases",
    `platelets_10e9_per_l` -> "platelets (×10⁹/L)"."""
    name = str(name)
    if name in READER_HEADERS:
        return READER_HEADERS[name]
    unit = next((u for u in UNIT_SUFFIXES if name.endswith(u)), None)
    if unit:
        return name.removesuffix(unit).replace("_", " ") + UNIT_SUFFIXES[unit]
    return name.replace("_", " ")


@dataclass(frozen=True)
class NumbersTable:
    """A table as the page shows it: open in the text, or folded behind its caption."""

    styler: Styler
    caption: str
    rows: int
    folded: bool

    def to_html(self) -> str:
        table = self.styler.to_html()
        if not self.folded:
            return table
        rows = f"{self.rows} row" + ("" if self.rows == 1 else "s")
        return (
            f'<details class="numbers-table"><summary>{html.escape(self.caption)} '
            f"({rows})</summary>{table}</details>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()


# A table this long, or one giving the numbers behind a chart, is folded behind its caption:
# the chart and the text carry the lesson, and the rows are one click away.
FOLD_AFTER_ROWS = 12
LONG_TEXT = 100  # characters: a cell this long gets a wide column
FOLDED_CAPTION = "Numbers behind"


def numbers_table(frame: pd.DataFrame, caption: str, folded: bool | None = None) -> NumbersTable:
    """The numbers behind a chart as an accessible HTML table: a caption, no index column.

    Folded behind its caption when `folded` is true; by default when it has more than
    FOLD_AFTER_ROWS rows or its caption starts with "Numbers behind". The provenance columns
    (PROVENANCE_COLUMNS) are left out: the data and the figure's CSV keep them. Headers read as words,
    not column names. Cell text is HTML-escaped, so a value such as
    "CrCl <30 mL/min" is shown rather than read by the browser as a tag; a DOI or URL is
    shown as a short citation linked to the source (stormbook.sources); a missing value is
    an empty cell rather than "<NA>".
    """
    if not caption.strip():
        raise ValueError("numbers_table(): a table needs a caption")
    shown = frame.drop(columns=[c for c in PROVENANCE_COLUMNS if c in frame.columns])
    shown = shown.rename(columns=reader_header)
    text_columns = [c for c in shown.columns if not pd.api.types.is_numeric_dtype(shown[c])]
    float_columns = [c for c in shown.columns if pd.api.types.is_float_dtype(shown[c])]
    styler = (
        shown.style.hide(axis="index")
        .format(escape="html", na_rep="")
        .format(number, subset=float_columns, na_rep="")
        .format(linked_sources, subset=text_columns, na_rep="")
        .set_caption(html.escape(caption))
    )
    # Long text gets a wide column (the table scrolls sideways on a phone) so that its rows
    # stay shorter than the screen.
    long_text = shown.map(
        lambda v: "long-text" if isinstance(v, str) and len(v) > LONG_TEXT else ""
    )
    styler = styler.set_td_classes(long_text).set_table_attributes('class="numbers-table"')
    # pandas names a table's HTML ids from a random value; one from its content makes the
    # same table the same page on every run (an incremental build equals a clean one).
    content = f"{caption}\0{shown.to_csv(index=False)}".encode()
    styler = styler.set_uuid(hashlib.sha256(content).hexdigest()[:8])
    if folded is None:
        folded = len(frame) > FOLD_AFTER_ROWS or caption.startswith(FOLDED_CAPTION)
    return NumbersTable(styler, caption, len(frame), folded)


# Axis labels built by `wrapped` hold line breaks; this expression draws them as lines.
WRAPPED_LABELS = "split(datum.label, '\\n')"
# Vega hangs a multi-line label down from its tick; lift two-line labels by half a line so
# they sit centred on their row (axis `labelOffset`; longer labels should be avoided).
WRAPPED_LABEL_OFFSET = {
    "condition": {"test": "indexof(datum.label, '\\n') >= 0", "value": -6},
    "value": 0,
}


def wrapped_axis(**options) -> alt.Axis:
    """An axis that draws labels made by `wrapped` as lines centred on their rows."""
    return alt.Axis(labelExpr=WRAPPED_LABELS, labelOffset=WRAPPED_LABEL_OFFSET, **options)


def wrapped_legend(**options) -> alt.Legend:
    """A legend that draws labels made by `wrapped` as lines (long category names fit a phone)."""
    return alt.Legend(labelExpr=WRAPPED_LABELS, **options)


def wrapped(labels: pd.Series, width: int = 18) -> pd.Series:
    """Category labels broken into lines of at most `width` characters, for narrow screens.

    Lines break at spaces and after slashes; words are never split, so a word longer than
    `width` keeps a line of its own. Use with `wrapped_axis()`, and keep the unwrapped text
    for tooltips and tables.
    """
    if width < 1:
        raise ValueError(f"wrapped(): width must be at least 1, not {width}")
    return labels.map(lambda text: wrap_text(text, width))


def wrap_text(text, width: int = 18) -> str:
    """One text broken into lines (joined by newlines) as `wrapped` breaks labels; for
    tooltips and labels that Vega draws with `lineBreak="\\n"`."""
    if width < 1:
        raise ValueError(f"wrap_text(): width must be at least 1, not {width}")
    spaced = str(text).replace("/", "/ ")  # a break opportunity after each slash
    parts = textwrap.wrap(spaced, width, break_long_words=False, break_on_hyphens=False)
    return "\n".join(part.replace("/ ", "/") for part in parts) or str(text)

"""Numbers as the chapters print them: in tables and in sentences."""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from decimal import Decimal

import pandas as pd
from myst_nb import glue


def glue_values(values: Mapping[str, object]) -> None:
    """Glue each value under its key for the prose to paste (`{glue:text}`), none shown."""
    if not isinstance(values, Mapping) or not values:
        raise ValueError(f"glue_values(): expected a dict of names and values, got {values!r}")
    for key, value in values.items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"glue_values(): the key {key!r} is not a name")
        glue(key, value, display=False)


MINUS = "\u2212"
# A hyphen that starts a number: at the start or after a space, bracket or sign, never
# inside a range ("10-15"), a date or a word.
_NEGATIVE = re.compile(r"(?<![\w.\-\u2212])-(?=\.?\d)")


def minus_signs(text: str) -> str:
    """'-21 (95% CI -39 to -2)' with minus signs (U+2212), as typeset text prints them.

    Python writes a negative number with a hyphen, which a reader can take for a dash or a
    range and a screen reader may not voice as "minus". Ranges and dates keep their hyphens.
    """
    if not isinstance(text, str):
        raise TypeError(f"minus_signs(): expected text, got {text!r}")
    return _NEGATIVE.sub(MINUS, text)


def tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy for display: decimals as the sources print them (no trailing zeros), blanks for missing."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].map(lambda v: "" if pd.isna(v) else f"{v:g}")
    return out


def file_size(n_bytes: int) -> str:
    """A download's size as a reader sees it before a download: '742 kB', '4.1 MB'."""
    if isinstance(n_bytes, bool) or not isinstance(n_bytes, int) or n_bytes < 0:
        raise ValueError(f"file_size(): expected a number of bytes, got {n_bytes!r}")
    if n_bytes < 1000:
        return f"{n_bytes} bytes"
    if n_bytes < 999_500:
        return f"{n_bytes / 1000:.0f} kB"
    return f"{n_bytes / 1_000_000:.1f} MB"


def number(value, digits: int | None = None) -> str:
    """A number as a sentence prints it: '1,245', '93', '94.1', '0.0002'.

    Thousands are separated by commas and there is never scientific notation. With
    `digits`, exactly that many decimals ('36.7', '2,000'); without, the decimals the value
    has, so a count stored as a float loses its '.0' (93.0 -> '93'). Numpy scalars print as
    numbers, not as `np.float64(93.0)`. A missing or infinite value is an error, never 'nan'.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"number(): {value!r} is not a number")
    if not math.isfinite(value):
        raise ValueError(f"number(): the value is {value} (missing or infinite)")
    if digits is not None:
        return f"{value:,.{digits}f}"
    if float(value).is_integer():
        return f"{int(value):,}"
    # The shortest decimal that reads back as the same float: 94.1, not 94.09999999999999.
    return f"{Decimal(repr(float(value))):,f}"


def estimate_text(
    estimate: float, low: float, high: float, digits: int = 2, interval: str = "95% CI"
) -> str:
    """'0.36 (95% CI 0.26 to 0.50)': an estimate with its interval, named."""
    for name, value in (("estimate", estimate), ("low", low), ("high", high)):
        if value is None or pd.isna(value):
            raise ValueError(f"estimate_text(): {name} is missing")
    if not low <= estimate <= high:
        raise ValueError(f"estimate_text(): {estimate} is not inside its interval {low} to {high}")
    return f"{estimate:.{digits}f} ({interval} {low:.{digits}f} to {high:.{digits}f})"

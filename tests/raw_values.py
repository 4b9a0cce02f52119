"""Values a reader should never see: Python's reprs of numbers and missing values.

A number glued as a numpy scalar prints as `np.float64(93.0)`; a missing one as `nan` or
`None`; a very small or large float as `1e-05`. The page and PDF tests search the text a
reader sees with `raw_values`. Code is left out by the caller (code cells on a page,
monospaced text in a PDF): there `None` is Python. What code prints is searched for numpy
reprs only (`numpy_reprs`), as no lesson shows one on purpose.
"""

from __future__ import annotations

import re

NUMPY_REPR = re.compile(
    r"\bnp\.(?:u?int|float|complex|bool|str|bytes|datetime64|timedelta64)\w*\("
    r"|\bnp\.(?:True|False)_(?!\w)"
    r"|\bnp\.(?:nan|inf)\b"
)
MISSING = re.compile(r"(?<![\w.<])(?:nan|NaN|NaT|<NA>|None)(?![\w>])")
# "None of them ..." opening a sentence is English, not a missing value.
SENTENCE_NONE = re.compile(r"(?:^|[.!?] )None(?= [a-z])")
SCIENTIFIC = re.compile(r"(?<![\w.])\d+(?:\.\d+)?[eE][+\-−]?\d+(?![\w.])")


def _context(text: str, match: re.Match, kind: str) -> str:
    return f"{kind} {match.group()!r} in …{text[max(0, match.start() - 50) : match.end() + 30]}…"


def numpy_reprs(text: str) -> list[str]:
    """Each numpy repr in `text` (`np.float64(`, `np.int64(`, `np.True_` ...), with context."""
    return [_context(text, m, "numpy repr") for m in NUMPY_REPR.finditer(text)]


def raw_values(text: str) -> list[str]:
    """Each numpy repr, missing value shown as a value (`nan`, `NaN`, `None`, `<NA>`) or
    number in scientific notation (`1e-05`, `3.2e+04`) in `text`, with context. Expects
    whitespace collapsed to single spaces."""
    sentence_starts = {m.end() - len("None") for m in SENTENCE_NONE.finditer(text)}
    return (
        numpy_reprs(text)
        + [
            _context(text, m, "missing value")
            for m in MISSING.finditer(text)
            if m.start() not in sentence_starts
        ]
        + [_context(text, m, "scientific notation") for m in SCIENTIFIC.finditer(text)]
    )

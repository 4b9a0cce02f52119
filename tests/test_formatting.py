"""Numbers as the prose prints them (stormbook.formatting)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stormbook.formatting import minus_signs, number


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (np.float64(93.0), None, "93"),  # a count stored as a float, as the source prints it
        (np.float64(94.1), None, "94.1"),
        (np.int64(1245), None, "1,245"),
        (np.float64(312.0), None, "312"),
        (2022, None, "2,022"),
        (15302.9, None, "15,302.9"),
        (0.0002, None, "0.0002"),  # never 2e-04
        (0.00001, None, "0.00001"),  # never 1e-05
        (32000.0, None, "32,000"),  # never 3.2e+04
        (1234567.5, None, "1,234,567.5"),
        (-47.7, None, "-47.7"),
        (0.1 + 0.2, None, "0.30000000000000004"),  # all it has: round with `digits`
        (36.74, 1, "36.7"),
        (1298.4, 0, "1,298"),
        (3.0, 1, "3.0"),
        (np.float64(2000.0), 0, "2,000"),
    ],
)
def test_number(value, digits, text):
    assert number(value, digits) == text


@pytest.mark.parametrize("value", [float("nan"), np.nan, float("inf"), pd.NA, None, "93", True])
def test_number_refuses_what_is_not_a_number(value):
    with pytest.raises((TypeError, ValueError)):
        number(value)


@pytest.mark.parametrize(
    ("text", "typeset"),
    [
        ("-21 (95% CI -39 to -2)", "\u221221 (95% CI \u221239 to \u22122)"),
        ("(-0.5 to 3)", "(\u22120.5 to 3)"),
        ("-.5", "\u2212.5"),
        # Hyphens that are not signs stay: a range, a date, a word, a dash between spaces.
        ("12 days (10-15)", "12 days (10-15)"),
        ("2020-05-06", "2020-05-06"),
        ("IL-1 and IL-6", "IL-1 and IL-6"),
        ("a - 3", "a - 3"),
    ],
)
def test_minus_signs_mark_negative_numbers_only(text, typeset):
    assert minus_signs(text) == typeset


def test_minus_signs_refuse_what_is_not_text():
    with pytest.raises(TypeError, match="expected text"):
        minus_signs(-2)

"""The search for raw values (tests/raw_values.py) finds them and leaves prose alone."""

from __future__ import annotations

import pytest
from raw_values import numpy_reprs, raw_values


@pytest.mark.parametrize(
    "text",
    [
        "a sensitivity of np.float64(93.0)%",
        "25 studies, np.int64(1245) patients",
        "flag np.True_ here",
        "a specificity of nan%",
        "mean NaN pg/mL",
        "the HScore: None.",
        "a cut-off of (None)",
        "missing <NA> value",
        "p = 1e-05",
        "3.2e+04 patients",
        "a difference of -2.5E-3",
    ],
)
def test_a_raw_value_is_found(text):
    assert len(raw_values(text)) == 1


@pytest.mark.parametrize(
    "text",
    [
        "None of them says whether to treat.",
        "the chart then says why. None of the 16 views meets these rules",
        "none of the trials; nonetheless, nanoparticles",
        "doi:10.1056/NEJMoa2021436 and 10.1016/S0140-6736(20)30628-0",
        "2,623 patients, a specificity of 94.1%, 0.00002 and 1,245",
        "eGFR e10 1.2e3x",
    ],
)
def test_prose_is_left_alone(text):
    assert raw_values(text) == []


def test_numpy_reprs_only_in_printed_code():
    printed = "{'B6': None, 'B7': True} np.float64(4.0)"
    assert [problem.split(" in ")[0] for problem in numpy_reprs(printed)] == [
        "numpy repr 'np.float64('"
    ]

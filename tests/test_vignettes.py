"""The synthetic vignettes are reproducible and internally consistent."""

from __future__ import annotations

import pandas as pd
import pytest

from stormbook.vignettes import synthetic_vignettes


def test_same_seed_same_patients_other_seed_other_patients():
    pd.testing.assert_frame_equal(synthetic_vignettes(), synthetic_vignettes())
    assert not synthetic_vignettes(seed=1).equals(synthetic_vignettes(seed=2))


def test_every_vignette_is_labelled_synthetic():
    assert synthetic_vignettes(5)["vignette"].str.startswith("Synthetic patient").all()


def test_cytopenia_count_follows_the_published_footnote():
    frame = synthetic_vignettes(40)
    for _, row in frame.iterrows():
        by_hand = (row["haemoglobin_g_per_l"] <= 92) + (row["leukocytes_10e9_per_l"] <= 5.0) \
            + (row["platelets_10e9_per_l"] <= 110)
        assert row["cytopenia_lineages"] == by_hand


@pytest.mark.parametrize("n", [0, -1, 2.5, True, "3"])
def test_bad_n_is_refused(n):
    with pytest.raises(ValueError, match="n:"):
        synthetic_vignettes(n)

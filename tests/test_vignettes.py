"""The synthetic vignettes are reproducible and internally consistent."""

from __future__ import annotations

import pandas as pd
import pytest

from stormbook.instruments.vignettes import synthetic_vignettes


def test_same_seed_same_patients_other_seed_other_patients():
    pd.testing.assert_frame_equal(synthetic_vignettes(), synthetic_vignettes())
    assert not synthetic_vignettes(seed=1).equals(synthetic_vignettes(seed=2))


def test_every_vignette_is_labelled_synthetic():
    assert synthetic_vignettes(5)["vignette"].str.startswith("Synthetic patient").all()


def test_cytopenia_count_follows_the_published_footnote():
    frame = synthetic_vignettes(40)
    for _, row in frame.iterrows():
        by_hand = (
            (row["haemoglobin_g_per_l"] <= 92)
            + (row["leukocytes_10e9_per_l"] <= 5.0)
            + (row["platelets_10e9_per_l"] <= 110)
        )
        assert row["cytopenia_lineages"] == by_hand


def test_splenomegaly_only_when_the_spleen_is_enlarged():
    frame = synthetic_vignettes(200)
    liver_only = frame[frame["hepatomegaly"] & ~frame["splenomegaly"]]
    assert len(liver_only) > 0  # the case the old code got wrong is present
    assert (liver_only["organomegaly"] == "hepatomegaly or splenomegaly").all()
    assert not liver_only["splenomegaly"].any()
    expected = (frame["hepatomegaly"].astype(int) + frame["splenomegaly"].astype(int)).map(
        {0: "none", 1: "hepatomegaly or splenomegaly", 2: "hepatomegaly and splenomegaly"}
    )
    assert (frame["organomegaly"] == expected).all()


def test_hepatomegaly_alone_does_not_score_hlh2004_splenomegaly():
    from stormbook import instruments

    row = synthetic_vignettes(200).query("hepatomegaly and not splenomegaly").iloc[0]
    result = instruments.hlh2004(
        molecular_diagnosis=None,
        fever=bool(row["fever"]),
        splenomegaly=bool(row["splenomegaly"]),
        age_under_4_weeks=False,
        haemoglobin_g_per_l=row["haemoglobin_g_per_l"],
        platelets_10e9_per_l=row["platelets_10e9_per_l"],
        neutrophils_10e9_per_l=row["neutrophils_10e9_per_l"],
        triglycerides_mmol_per_l=row["triglycerides_mmol_per_l"],
        fibrinogen_g_per_l=row["fibrinogen_g_per_l"],
        haemophagocytosis=bool(row["marrow_haemophagocytosis"]),
        evidence_of_malignancy=bool(row["evidence_of_malignancy"]),
        nk_activity_low_or_absent=None,
        ferritin_ug_per_l=row["ferritin_ng_per_ml"],
        scd25_u_per_ml=None,
    )
    assert result.criteria["B2"] is False


@pytest.mark.parametrize("n", [0, -1, 2.5, True, "3"])
def test_bad_n_is_refused(n):
    with pytest.raises(ValueError, match="n:"):
        synthetic_vignettes(n)

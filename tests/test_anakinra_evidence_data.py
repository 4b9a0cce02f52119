"""The anakinra evidence data: every randomised trial with its result, whose figure each value
is, and no copy of a paper shown as its source."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from stormbook import load_dataset
from stormbook.evidence.views import randomised_without_outcomes

STUDIES = load_dataset("anakinra-studies")
OUTCOMES = load_dataset("anakinra-outcomes")
REGULATORY = load_dataset("anakinra-regulatory")
# Hosts of unauthorised copies and proxies: never a source a reader is shown.
COPY_HOSTS = re.compile(
    r"scribd|studylib|fdocuments|docksci|qxmd|scite\.ai|translate\.google|brum\.beds|"
    r"searchworks|weglot|1library|jaunt\.com"
)


def test_every_randomised_trial_has_an_outcome_row_with_its_primary_outcome():
    assert randomised_without_outcomes(STUDIES, OUTCOMES) == []


def test_a_randomised_trial_without_results_is_caught():
    without = OUTCOMES[OUTCOMES["study_id"] != "anacovidgeas"]
    assert randomised_without_outcomes(STUDIES, without) == ["anacovidgeas"]
    no_primary = OUTCOMES[~(OUTCOMES["study_id"].eq("corimuno") & OUTCOMES["primary"])]
    assert randomised_without_outcomes(STUDIES, no_primary) == ["corimuno"]


def test_the_trials_the_issue_lists_are_all_there():
    expected = {
        "savemore",
        "corimuno",
        "covaid",
        "remapcap-anakinra",
        "anaconda",
        "anacovidgeas",
        "kharazmi",
        "nct04362111",
        "cancovid",
        "fisher1994",
        "opal1997",
        "shakoory2016",
        "provide2022",
        "immunosep2025",
        "eloseily2020",
        "ivanakinra2023sr",
        "cart2023anakinra",
        "kyriazopoulou2021ma",
        "shang2022",
        "ejmr2023",
    }
    assert expected <= set(STUDIES["study_id"])


@pytest.mark.parametrize(
    "frame", [STUDIES, OUTCOMES, REGULATORY], ids=["studies", "outcomes", "regulatory"]
)
def test_no_source_column_points_at_a_copy(frame):
    bad = frame.loc[frame["source"].str.contains(COPY_HOSTS), "source"]
    assert bad.empty, f"copies shown as sources: {list(bad)}"


def test_a_value_not_from_the_paper_says_whose_figure_it_is():
    secondary = OUTCOMES[OUTCOMES["source_kind"].eq("news report")]
    assert not secondary.empty
    for row in secondary.itertuples():
        assert re.search(r"as (reported|summarised|quoted)", row.figure_by), row.comparison_id


def test_savemore_has_the_investigators_and_the_fdas_mortality_each_named():
    sm = OUTCOMES[OUTCOMES["study_id"].eq("savemore")].set_index("comparison_id")
    investigators = sm.loc["savemore-death-d28"]
    fda = sm.loc["savemore-death-d28-fda"]
    assert (investigators["effect"], investigators["p_value"]) == (0.45, 0.045)
    assert pd.isna(investigators["ci_low"]) and investigators["figure_by"].startswith(
        "the investigators"
    )
    assert (fda["events_treated"], fda["n_treated"], fda["events_control"], fda["n_control"]) == (
        13,
        405,
        13,
        189,
    )
    assert (fda["effect"], fda["ci_low"], fda["ci_high"]) == (0.48, 0.22, 1.04)
    assert fda["figure_by"].startswith("the FDA's analysis")


def test_corimuno_randomised_and_analysed_arms_are_both_recorded():
    cor = STUDIES.set_index("study_id").loc["corimuno"]
    assert (cor["n_treated"], cor["n_control"]) == (59, 57)
    assert (cor["n_analysed_treated"], cor["n_analysed_control"]) == (59, 55)


def test_risk_of_bias_tools_are_used_as_designed():
    series = STUDIES[STUDIES["design_group"].eq("single-arm series")]
    assert (series["rob_tool"] == "not applicable").all(), "ROBINS-I needs a comparison group"
    robins = STUDIES[STUDIES["rob_tool"].eq("ROBINS-I")]
    assert set(robins["design_group"]) <= {"non-randomised"}
    rob2 = STUDIES[STUDIES["rob_tool"].eq("RoB 2")]
    assert set(rob2["design_group"]) == {"randomised"}


def test_the_emergency_use_authorization_and_guidelines_are_dated():
    reg = REGULATORY.set_index("key")
    assert reg.loc["fda-covid19-eua", "date"] == "2022-11-08"
    assert reg.loc["idsa-2023", "date"] == "2023-06-26"
    assert (REGULATORY.loc[REGULATORY["kind"].eq("guideline"), "date"] != "").all()


def test_result_text_prints_counts_ratio_and_interval_as_printed():
    from stormbook.evidence.views import result_text

    rows = OUTCOMES.set_index("comparison_id")
    assert (
        result_text(rows.loc["savemore-death-d28-fda"])
        == "13/405 vs 13/189; HR 0.48 (95% CI 0.22 to 1.04)"
    )
    assert result_text(rows.loc["savemore-whocps-d28"]) == "OR 0.36 (95% CI 0.26 to 0.50)"
    assert (
        result_text(rows.loc["anacovidgeas-novent-d15"])
        == "77.1% vs 85.9%; RR 0.90 (95% CI 0.77 to 1.04); P = 0.16"
    )
    assert result_text(rows.loc["covaid-improvement"]).startswith("“The estimated median time")
    # Percentages with a credible interval, its bounds at the precision of the difference.
    assert (
        result_text(rows.loc["corimuno-coprimary-d4"])
        == "36% vs 38%; difference \u22122.5 (90% CrI \u221217.1 to 12.0)"
    )
    assert result_text(rows.loc["provide2022-death-d28"]) == "see the trial's report"


def test_the_results_table_has_every_randomised_il1_trial_and_refuses_one_without_results():
    from stormbook.evidence.effect_sizes import EffectSizeError
    from stormbook.evidence.views import trial_results_table

    table = trial_results_table(STUDIES, OUTCOMES)
    trials = STUDIES[
        STUDIES["design_group"].eq("randomised")
        & STUDIES["intervention"].isin(["anakinra", "canakinumab"])
    ]
    assert list(table["trial"]) == list(trials["label"])
    sm = table.set_index("trial").loc["SAVE-MORE"]
    assert "13/405 vs 13/189" in sm["deaths"] and "HR 0.45" in sm["deaths"]
    assert "the FDA's analysis" in sm["whose figures"]
    with pytest.raises(EffectSizeError, match="anacovidgeas"):
        trial_results_table(STUDIES, OUTCOMES[OUTCOMES["study_id"] != "anacovidgeas"])

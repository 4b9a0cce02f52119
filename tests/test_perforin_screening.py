"""The perforin chapter's screening and A91V arithmetic: each number the page states, computed
from the data with the one predictive-value formula (stormbook.instruments.predictive_values)."""

from __future__ import annotations

import pytest
from scipy.stats import binom

from stormbook import load_dataset
from stormbook.instruments import ScoreInputError, predictive_values


@pytest.fixture(scope="module")
def care():
    return load_dataset("hlh-screening-and-treatment").set_index("item")


@pytest.fixture(scope="module")
def pretests():
    testing = load_dataset("hlh-genetic-testing-yield").set_index("population")
    lab = next(p for p in testing.index if p.startswith("US clinical referral"))
    infant = next(p for p in testing.index if p.startswith("Italy, HLH diagnosed in first year"))
    low = testing.loc[lab, "n_positive"] / testing.loc[lab, "n_tested"]
    return float(low), float(testing.loc[infant, "yield_percent"]) / 100


def test_published_accuracy_figures_are_the_abstracts(care):
    # Rubin 2017: 59.5/96.6/93.8 sensitivity, 72.0/99.5/73 specificity; Blood 2024: 100/98.3.
    expected = {
        "rubin_nk_function_sensitivity": 59.5,
        "rubin_perforin_sensitivity": 96.6,
        "rubin_cd107a_sensitivity": 93.8,
        "rubin_nk_function_specificity": 72.0,
        "rubin_perforin_specificity": 99.5,
        "rubin_cd107a_specificity": 73,
        "exocytosis_2024_sensitivity": 100,
        "exocytosis_2024_specificity": 98.3,
        "rubin_cohort": 1614,
        "exocytosis_2024_cohort": 213,
        "exocytosis_2024_primary": 138,
    }
    for item, value in expected.items():
        assert care.loc[item, "value"] == value, item


def test_pretest_probabilities_are_the_two_cohorts(pretests):
    low, high = pretests
    assert low == pytest.approx(197 / 1892)  # 10.4%, referral laboratory
    assert high == 0.64  # Italian infants


def _pv(care, sens_item, spec_item, pretest):
    return predictive_values(
        sensitivity=care.loc[sens_item, "value"] / 100,
        specificity=care.loc[spec_item, "value"] / 100,
        prevalence=pretest,
    )


def test_claims_at_the_referral_laboratory_pretest(care, pretests):
    """Text: at 10.4%, abnormal NK cytotoxicity -> about 20%; the figure's description: an
    abnormal perforin stain at a pre-test probability of its target of 10.4% -> about 96%."""
    low, _ = pretests
    nk = _pv(care, "rubin_nk_function_sensitivity", "rubin_nk_function_specificity", low)
    # By hand: 0.595 p / (0.595 p + 0.28 (1 - p)) with p = 197/1892.
    p = 197 / 1892
    assert nk.positive_predictive_value == pytest.approx(0.595 * p / (0.595 * p + 0.28 * (1 - p)))
    assert 100 * nk.positive_predictive_value == pytest.approx(19.8, abs=0.05)
    perforin = _pv(care, "rubin_perforin_sensitivity", "rubin_perforin_specificity", low)
    assert 100 * perforin.positive_predictive_value == pytest.approx(95.7, abs=0.05)


def test_claims_at_the_infant_pretest(care, pretests):
    """Text: at 64%, a normal NK cytotoxicity leaves 50%; normal combined exocytosis 0% if its
    sensitivity were exactly 100%;
    low degranulation -> about 93% (614 with and 43 without the disorder per 1,000)."""
    _, high = pretests
    nk = _pv(care, "rubin_nk_function_sensitivity", "rubin_nk_function_specificity", high)
    assert 100 * (1 - nk.negative_predictive_value) == pytest.approx(50.0, abs=0.05)
    exo = _pv(care, "exocytosis_2024_sensitivity", "exocytosis_2024_specificity", high)
    assert 1 - exo.negative_predictive_value == 0.0
    degran = _pv(care, "degranulation_sensitivity", "degranulation_specificity", high)
    assert 100 * degran.positive_predictive_value == pytest.approx(93.4, abs=0.05)
    assert degran.true_positive == pytest.approx(614.4)
    assert degran.false_positive == pytest.approx(43.2)
    # The exercise brackets a release defect between 64% and half of it: 32% -> about 79%.
    half = _pv(care, "degranulation_sensitivity", "degranulation_specificity", high / 2)
    assert 100 * half.positive_predictive_value == pytest.approx(
        100 * 0.96 * 0.32 / (0.96 * 0.32 + 0.12 * 0.68)
    )
    assert round(100 * half.positive_predictive_value) == 79


def test_the_italian_prf1_unc13d_share_is_the_abstracts():
    shares = load_dataset("hlh-gene-shares")
    italy = shares[shares["cohort"].str.startswith("Italian HLH registry")]
    assert len(italy) == 1 and float(italy["percent"].iloc[0]) == 70


def test_a_sensitivity_of_138_of_138_is_an_estimate(care, pretests):
    """Text: none missed of 138 is compatible with a sensitivity as low as 97.4% (exact 95%
    interval), which at 64% leaves about 5% after a normal combined exocytosis result."""
    from statsmodels.stats.proportion import proportion_confint

    _, high = pretests
    n = int(care.loc["exocytosis_2024_primary", "value"])
    low = proportion_confint(n, n, alpha=0.05, method="beta")[0]
    assert low == pytest.approx(0.025 ** (1 / 138))  # Clopper-Pearson, all successes
    assert 100 * low == pytest.approx(97.36, abs=0.01)
    spec = care.loc["exocytosis_2024_specificity", "value"] / 100
    after = predictive_values(sensitivity=low, specificity=spec, prevalence=high)
    by_hand = high * (1 - low) / (high * (1 - low) + (1 - high) * spec)
    assert after.negative_predictive_value == pytest.approx(1 - by_hand)
    assert round(100 * by_hand) == 5


def test_predictive_values_refuse_a_percentage_given_as_a_whole_number():
    with pytest.raises(ScoreInputError, match="prevalence"):
        predictive_values(sensitivity=0.9, specificity=0.9, prevalence=10.4)


def test_a91v_population_arithmetic(care):
    """Text: gnomAD allele frequency 3.54% -> about 6.8% carriers; 1,259 homozygotes among
    about 807,000 people, 1 in 640 (Hardy-Weinberg would say 1 in 800); among 14 exomes about 1.0 carrier is
    expected, and 2 or more occur by chance with probability about 25%."""
    q = care.loc["a91v_allele_frequency_gnomad", "value"]
    assert q == 0.0354
    carriers = 2 * q * (1 - q)
    assert 100 * carriers == pytest.approx(6.83, abs=0.005)
    assert round(1 / q**2, -1) == 800
    assert care.loc["a91v_chromosomes_gnomad", "value"] // 2 == 806617
    assert round(806617 / care.loc["a91v_homozygotes_gnomad", "value"], -1) == 640
    h1n1 = load_dataset("h1n1-fatal-cases-exome").set_index("item")
    n = int(h1n1.loc["Specimens subjected to whole-exome sequencing", "count"])
    found = int(h1n1.loc["Of the LYST carriers, subjects also carrying PRF1 p.A91V", "count"])
    assert (n, found) == (14, 2)
    assert n * carriers == pytest.approx(0.956, abs=0.001)
    assert 100 * binom.sf(found - 1, n, carriers) == pytest.approx(24.6, abs=0.5)


def test_attachment_times_and_their_ratio(care):
    """Text: normal CTLs detach after 8.5 min; CTLs that cannot kill stay 38.1 to 41.6 min,
    about 5 times as long (the ratio that s = 4, a fivefold output, stands for)."""
    wt = care.loc["jenkins_ctl_detach_wt_min", "value"]
    failed = [care.loc[f"jenkins_ctl_detach_{k}_min", "value"] for k in ("gzmab", "prf", "qvd")]
    assert wt == 8.5 and sorted(failed) == [38.1, 41.2, 41.6]
    ratio = sum(failed) / len(failed) / wt
    assert ratio == pytest.approx(4.74, abs=0.01)
    assert round(ratio) == 1 + 4  # 1 + s (1 - e) at s = 4, e = 0


def test_a91v_with_a_null_allele_penetrance_is_the_abstracts(care):
    """Text: 39 of 52 in the registry (mean onset 20 years), 1 of 14 relatives found by
    family screening, 0 of 21 UK Biobank carriers by age 73 (Blood 2025)."""
    counts = {
        item: (int(care.loc[item, "numerator"]), int(care.loc[item, "denominator"]))
        for item in (
            "a91v_plof_registry_affected",
            "a91v_plof_family_symptomatic",
            "a91v_plof_ukb_hlh",
        )
    }
    assert counts == {
        "a91v_plof_registry_affected": (39, 52),
        "a91v_plof_family_symptomatic": (1, 14),
        "a91v_plof_ukb_hlh": (0, 21),
    }
    # The abstract prints 72% beside 39 of 52 (75%): the data record the count.
    assert care.loc["a91v_plof_registry_affected", "value"] == 39
    assert care.loc["a91v_plof_registry_onset_years", "value"] == 20
    assert care.loc["a91v_plof_ukb_age_years", "value"] == 73


def test_familial_survival_in_hlh94_is_the_reports(care):
    """Text: HLH-94 5-year survival 54% overall and 50% in familial disease; 0 of the 60
    familial patients survived without transplantation (Trottestam 2011, Table 3)."""
    assert care.loc["hlh94_5y_survival", "value"] == 54
    assert care.loc["hlh94_5y_survival_familial", "value"] == 50
    row = care.loc["hlh94_familial_alive_without_hsct"]
    assert (int(row["numerator"]), int(row["denominator"])) == (0, 60)

"""The treatment datasets: counts that add up, intervals around their estimates, a direction
for every effect, every number in its row's quote, and published figures reproduced exactly.

`treatment-results` holds one row per result of a trial, meta-analysis, cohort or case series;
`treatment-approvals` one row per dated regulatory decision or guideline recommendation.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re

import pandas as pd
import pytest
from conftest import ROOT

from stormbook import load_dataset

RESULTS = load_dataset("treatment-results")
APPROVALS = load_dataset("treatment-approvals")
BY_KEY = RESULTS.set_index("key")

# The CSV's text, for the precision a number was printed with (31 is not 31.0).
with open(ROOT / "data" / "treatment-results.csv", encoding="utf-8", newline="") as _handle:
    TEXT = {row["key"]: row for row in csv.DictReader(_handle)}

RATIOS = {"rate ratio", "OR", "HR", "RR"}
DIFFERENCES = {"risk difference (percentage points)"}
SINGLE_GROUP = {"proportion", "survival probability", "cumulative incidence", "none"}
COMPARATIVE_DESIGNS = {"randomised", "meta-analysis of randomised trials"}
# Hosts of unauthorised copies and proxies: never a source a reader is shown.
COPY_HOSTS = re.compile(
    r"scribd|studylib|fdocuments|docksci|docslib|vdocument|qxmd|scite\.ai|translate\.google|"
    r"brum\.beds|searchworks|weglot|1library|jaunt\.com",
    re.IGNORECASE,
)
ARMS = ("treated", "control")
COUNT_COLUMNS = ["n_treated", "n_control", "events_treated", "events_control"]
NUMBER_COLUMNS = [
    *COUNT_COLUMNS,
    "percent_treated",
    "percent_control",
    "effect",
    "ci_low",
    "ci_high",
]

# A percentage that does not agree with events/n to the printed precision, with the reason.
# None today: every printed percentage agrees with its counts.
PERCENT_EXCEPTIONS: dict[tuple[str, str], str] = {}

# A number whose figures are not in the quote, with the reason it is still the source's.
NOT_IN_QUOTE: dict[tuple[str, str], str] = {
    ("eloseily2020-sjia-deaths", "events_treated"): "printed in words: 'no deaths among the 13'",
    ("zuma1-c6-ppx-steroids-crs-g3", "events_treated"): (
        "printed in words: CRS in 80% of patients, 'all grade ≤2', so none of grade 3 or higher"
    ),
    ("emapalumab-phlh-response-fda-label", "ci_low"): (
        "the label prints the CI as proportions, '(0.42, 0.81)'; ci_low holds percent, 42"
    ),
    ("emapalumab-phlh-response-fda-label", "ci_high"): (
        "the label prints the CI as proportions, '(0.42, 0.81)'; ci_high holds percent, 81"
    ),
}

_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
NUMBER_WORDS = {word: value for value, word in enumerate(_UNITS)}
for _tens, _word in enumerate(_TENS, start=2):
    NUMBER_WORDS[_word] = 10 * _tens
    for _unit in range(1, 10):
        NUMBER_WORDS[f"{_word}-{_UNITS[_unit]}"] = 10 * _tens + _unit


def _normalised(quote: str) -> str:
    text = quote.replace("·", ".").replace("−", "-").replace("–", "-").lower()
    return re.sub(r"(?<=\d)[ ,](?=\d{3}\b)", "", text)  # 4,148 and 4 148 are 4148


def numbers_in(quote: str) -> set[float]:
    """Every number the quote prints, in figures (0.83, .0001, 4,148) or in words (Fourteen)."""
    text = _normalised(quote)
    found = {
        float("0" + token if token.startswith(".") else token)
        for token in re.findall(r"(?<![\d.])\.?\d+(?:\.\d+)?", text)
    }
    for word, value in NUMBER_WORDS.items():
        if re.search(rf"\b{word}\b", text):
            found.add(float(value))
    return found


def present(value) -> bool:
    return value is not None and not pd.isna(value)


def decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def test_keys_are_unique():
    assert RESULTS["key"].is_unique
    assert APPROVALS["key"].is_unique


def test_all_three_researchers_files_are_merged():
    assert set(RESULTS["syndrome"]) == {
        "COVID-19",
        "HLH in children",
        "secondary HLH",
        "MAS in Still's disease",
        "CAR-T CRS",
        "CAR-T ICANS",
        "sepsis with MALS",
        "MIS-C",
        "idiopathic multicentric Castleman disease",
    }
    assert len(RESULTS) >= 100


@pytest.mark.parametrize("arm", ARMS)
def test_events_never_exceed_patients(arm):
    both = RESULTS[RESULTS[f"events_{arm}"].notna() & RESULTS[f"n_{arm}"].notna()]
    assert not both.empty
    over = both[both[f"events_{arm}"] > both[f"n_{arm}"]]
    assert over.empty, list(over["key"])


def test_a_printed_percentage_agrees_with_its_counts():
    checked = 0
    for key, row in TEXT.items():
        for arm in ARMS:
            events, n, percent = row[f"events_{arm}"], row[f"n_{arm}"], row[f"percent_{arm}"]
            if not (events and n and percent) or (key, arm) in PERCENT_EXCEPTIONS:
                continue
            exact = 100 * int(events) / int(n)
            # The source rounds to the figures it prints: half a unit of the last one.
            tolerance = 0.5 * 10 ** -decimals(percent) + 1e-9
            assert abs(exact - float(percent)) <= tolerance, (
                f"{key} {arm}: {events}/{n} = {exact:.2f}%, printed {percent}%"
            )
            checked += 1
    assert checked >= 30


def test_the_percentage_check_catches_a_wrong_count():
    exact = 100 * 482 / 2104  # RECOVERY dexamethasone, printed 22.9%
    assert abs(exact - 22.9) <= 0.05
    assert abs(100 * 428 / 2104 - 22.9) > 0.05  # a transposed count is caught


def test_every_interval_contains_its_estimate():
    with_interval = RESULTS[RESULTS["ci_low"].notna() | RESULTS["ci_high"].notna()]
    assert not with_interval.empty
    for row in with_interval.itertuples():
        assert present(row.ci_low) and present(row.ci_high), row.key
        estimate = row.effect if present(row.effect) else row.percent_treated
        assert present(estimate), f"{row.key}: an interval around nothing"
        assert row.ci_low <= estimate <= row.ci_high, (
            f"{row.key}: {estimate} outside {row.ci_low}-{row.ci_high}"
        )
        assert present(row.interval), f"{row.key}: the kind of interval is not named"


def test_an_effect_is_a_comparison_and_says_which_way_is_good():
    for row in RESULTS.itertuples():
        if row.effect_measure in SINGLE_GROUP:
            assert not present(row.effect), f"{row.key}: a single group has no effect"
            assert not present(row.effect_direction_good), row.key
        if present(row.effect):
            assert row.effect_measure in RATIOS | DIFFERENCES, row.key
            assert present(row.effect_direction_good), f"{row.key}: effect without a direction"


@pytest.mark.parametrize("design_group", sorted(COMPARATIVE_DESIGNS))
def test_every_randomised_ratio_row_has_a_direction(design_group):
    ratios = RESULTS[
        RESULTS["design_group"].eq(design_group) & RESULTS["effect_measure"].isin(RATIOS)
    ]
    assert not ratios.empty
    missing = ratios[
        ratios["effect_direction_good"].isna() | ratios["effect_direction_good"].eq("")
    ]
    assert missing.empty, list(missing["key"])


def test_the_direction_fits_the_measure():
    for row in RESULTS[RESULTS["effect_direction_good"].fillna("").ne("")].itertuples():
        if row.effect_measure in RATIOS:
            assert row.effect_direction_good in {"below 1", "above 1"}, row.key
            if present(row.effect):
                assert row.effect > 0 and row.ci_low > 0, row.key
        else:
            assert row.effect_measure in DIFFERENCES, row.key
            assert row.effect_direction_good in {"below 0", "above 0"}, row.key


def test_ratios_of_a_good_outcome_favour_the_drug_above_1():
    """REMAP-CAP prints odds ratios of organ support-free days and a hazard ratio of
    survival: above 1 is benefit there, the opposite of a ratio of deaths."""
    for key in ["remapcap-toci-osfd-d21", "remapcap-sari-osfd-d21", "remapcap-il6ra-survival-d90"]:
        assert BY_KEY.loc[key, "effect_direction_good"] == "above 1", key
    for key in ["recovery-dex-death-d28-overall", "react-il6-death-d28-overall"]:
        assert BY_KEY.loc[key, "effect_direction_good"] == "below 1", key


@pytest.mark.parametrize("column", NUMBER_COLUMNS)
def test_every_number_is_printed_in_its_quote(column):
    for key, row in TEXT.items():
        if not row[column] or (key, column) in NOT_IN_QUOTE:
            continue
        assert float(row[column]) in numbers_in(row["quote"]), (
            f"{key}: {column} {row[column]} is not in the quote"
        )


def test_every_p_value_is_printed_in_its_quote():
    for key, row in TEXT.items():
        if row["p_value"]:
            assert float(row["p_value"].lstrip("<>")) in numbers_in(row["quote"]), key


def test_the_day_is_the_one_printed():
    """Days as printed; weeks, months and years converted (week 8 = 56, 1 year = 365)."""
    for key, row in TEXT.items():
        if not row["timepoint_days"]:
            continue
        days = int(row["timepoint_days"])
        printed = numbers_in(row["quote"])
        readings = {n for n in printed}
        readings |= {7 * n for n in printed}  # weeks
        readings |= {math.floor(365.25 * n) for n in printed}  # years
        readings |= {math.floor(365.25 * n / 12) for n in printed if n % 12 == 0}  # months
        assert days in readings, f"{key}: day {days} is not printed in the quote"


def test_the_number_checks_catch_a_number_from_memory():
    quote = TEXT["recovery-dex-death-d28-overall"]["quote"]
    assert {482, 2104, 1110, 4321, 0.83, 0.75, 0.93} <= numbers_in(quote)
    assert 0.82 not in numbers_in(quote)
    assert {14.0, 2.0} <= numbers_in("Fourteen patients ... Two participants had died")


def test_no_source_is_a_copy_and_no_locator_links_one():
    for frame in (RESULTS, APPROVALS):
        assert not frame["source"].str.contains(COPY_HOSTS).any()
        links = frame["locator"].str.findall(r"https?://\S+").explode().dropna()
        assert not links.str.contains(COPY_HOSTS).any(), list(links[links.str.contains(COPY_HOSTS)])


def test_single_arm_and_observational_rows_carry_no_treatment_effect_ratio():
    """Outcomes under treatment without a concurrent control are not treatment effects:
    the only ratios outside randomised designs compare patient groups (HLH-2004 transplants)."""
    uncontrolled = RESULTS[~RESULTS["design_group"].isin(COMPARATIVE_DESIGNS)]
    with_ratio = uncontrolled[uncontrolled["effect"].notna()]
    assert set(with_ratio["key"]) == {
        "hlh2004-hsct-os-5y-verified-fhl",
        "hlh2004-hsct-os-5y-cr-v-pr",
    }
    assert with_ratio["notes"].str.contains("not of treatments").all()


# Published figures, reproduced from the rows.


def test_recovery_dexamethasone():
    row = BY_KEY.loc["recovery-dex-death-d28-overall"]
    assert (row.events_treated, row.n_treated, row.events_control, row.n_control) == (
        482,
        2104,
        1110,
        4321,
    )
    assert (row.effect_measure, row.effect, row.ci_low, row.ci_high) == (
        "rate ratio",
        0.83,
        0.75,
        0.93,
    )
    assert row.p_value == "<0.001"
    assert row.timepoint_days == 28


def test_recovery_dexamethasone_no_benefit_without_respiratory_support():
    row = BY_KEY.loc["recovery-dex-death-d28-noresp"]
    assert (row.effect, row.ci_low, row.ci_high) == (1.19, 0.92, 1.55)
    counts = BY_KEY.loc["recovery-dex-death-d28-noresp-counts"]
    assert (counts.events_treated, counts.n_treated) == (89, 501)
    assert (counts.events_control, counts.n_control) == (145, 1034)


def test_react_il6_blockers_with_and_without_corticosteroids():
    with_cs = BY_KEY.loc["react-il6-death-d28-with-cs"]
    without_cs = BY_KEY.loc["react-il6-death-d28-without-cs"]
    assert (with_cs.effect_measure, with_cs.effect, with_cs.ci_low, with_cs.ci_high) == (
        "OR",
        0.78,
        0.69,
        0.88,
    )
    assert (without_cs.effect, without_cs.ci_low, without_cs.ci_high) == (1.09, 0.91, 1.30)
    overall = BY_KEY.loc["react-il6-death-d28-overall"]
    assert (overall.events_treated, overall.n_treated) == (1407, 6449)
    assert (overall.events_control, overall.n_control) == (1158, 4481)
    assert (overall.effect, overall.ci_low, overall.ci_high) == (0.86, 0.79, 0.95)


def test_recovery_tocilizumab_and_baricitinib():
    toci = BY_KEY.loc["recovery-toci-death-d28"]
    assert (toci.events_treated, toci.n_treated, toci.events_control, toci.n_control) == (
        621,
        2022,
        729,
        2094,
    )
    assert (toci.effect, toci.ci_low, toci.ci_high, toci.p_value) == (0.85, 0.76, 0.94, "0.0028")
    bari = BY_KEY.loc["recovery-bari-death-d28"]
    assert (bari.events_treated, bari.n_treated, bari.events_control, bari.n_control) == (
        514,
        4148,
        546,
        4008,
    )
    assert (bari.effect, bari.ci_low, bari.ci_high) == (0.87, 0.77, 0.99)


def test_remap_cap_organ_support_free_days():
    row = BY_KEY.loc["remapcap-toci-osfd-d21"]
    assert (row.effect_measure, row.effect, row.ci_low, row.ci_high) == ("OR", 1.64, 1.25, 2.14)
    assert row.interval == "95% credible interval"


def test_hlh_2004_survival_and_its_duplicate():
    paper = BY_KEY.loc["hlh2004-survival-5y-all"]
    assert (paper.n_treated, paper.percent_treated, paper.ci_low, paper.ci_high) == (
        369,
        61,
        56,
        67,
    )
    assert paper.timepoint_days == 1826
    society = BY_KEY.loc["hlh2004-survival-5y-all-histiocyte-society"]
    assert (society.n_treated, society.percent_treated) == (368, 62)
    assert "book uses" in society.notes


def test_covid_steroid_2_both_analyses_as_printed():
    """12 mg against 6 mg: the trial group's Bayesian analysis (counts, credible interval) and
    the JAMA paper's 99% interval as reported; the percentages agree, the analyses differ."""
    bayes, jama = BY_KEY.loc["covidsteroid2-death-d28"], BY_KEY.loc["covidsteroid2-death-d28-jama"]
    # 133 and 155 are the printed percentages of 491 and 480, not of the 497 and 485 heading
    # the table, so the denominators stay empty rather than guessed.
    assert (bayes.events_treated, bayes.events_control) == (133, 155)
    assert pd.isna(bayes.n_treated) and pd.isna(bayes.n_control)
    assert round(100 * 133 / 491, 1) == bayes.percent_treated == jama.percent_treated
    assert (bayes.effect, bayes.ci_low, bayes.ci_high, bayes.interval) == (
        0.87,
        0.73,
        1.03,
        "95% credible interval",
    )
    assert (jama.effect, jama.ci_low, jama.ci_high, jama.interval) == (0.86, 0.68, 1.08, "99% CI")
    assert (bayes.percent_treated, bayes.percent_control) == (
        jama.percent_treated,
        jama.percent_control,
    )
    assert jama.source_kind == "news report"


def test_recovery_higher_dose_deaths_are_empty_not_invented():
    row = BY_KEY.loc["recovery-hddex-death-d28"]
    assert (row.n_treated, row.n_control) == (659, 613)
    assert not present(row.events_treated) and not present(row.effect)
    assert "not read" in row.notes


def test_icans_rows_are_labelled_icans():
    icans = RESULTS[RESULTS["outcome"].str.contains(r"ICANS|neurologic", case=False)]
    crs_only = icans[icans["syndrome"].eq("CAR-T CRS") & ~icans["outcome"].str.contains("CRS")]
    assert crs_only.empty, list(crs_only["key"])


# Approvals.


def _parsed(date: str) -> dt.date:
    """YYYY-MM-DD, or YYYY-MM (the day not printed) as the first of the month."""
    return dt.date.fromisoformat(date if len(date) == 10 else f"{date}-01")


def test_approval_dates_parse_and_sort():
    dates = [_parsed(date) for date in APPROVALS["date"]]
    assert all(dt.date(2017, 1, 1) <= date <= dt.date.today() for date in dates)
    ordered = APPROVALS.assign(parsed=dates).sort_values("parsed")
    assert ordered["key"].iloc[0] == "fda-tocilizumab-cart-crs-2017"
    assert ordered["key"].iloc[-1] == "fda-emapalumab-mas-stills-2025"
    # ISO text sorts as the dates do.
    assert sorted(APPROVALS["date"]) == [d for d in ordered["date"]]


def test_a_month_only_date_says_why():
    month_only = APPROVALS[APPROVALS["date"].str.len().eq(7)]
    assert set(month_only["key"]) == {
        "who-il6-blockers-covid19-2021",
        "who-baricitinib-covid19-2022",
        "who-il6-baricitinib-combined-2023",
        "fda-emapalumab-mas-stills-2025",
        "asco-cart-toxicity-guideline-2021",
    }
    assert month_only["notes"].str.contains(r"day", case=False).all()


def _printed_forms(date: dt.date) -> list[str]:
    return [
        f"{date:%B} {date.day}, {date.year}",
        f"{date:%b}. {date.day}, {date.year}",
        f"{date:%d.%m.%Y}",
        f"{date:%d/%m/%Y}",
        date.isoformat(),
    ]


def test_each_full_date_is_printed_or_explained():
    for row in APPROVALS[APPROVALS["date"].str.len().eq(10)].itertuples():
        date = _parsed(row.date)
        printed = any(form in row.quote for form in _printed_forms(date))
        in_address = row.date in row.source
        explained = "yesterday" in row.quote and "yesterday" in row.notes
        assert printed or in_address or explained, f"{row.key}: {row.date} not in its source"


def test_the_same_drug_approved_by_one_regulator_and_refused_by_another():
    by_key = APPROVALS.set_index("key")
    assert by_key.loc["fda-emapalumab-primary-hlh-2018", ["date", "status"]].tolist() == [
        "2018-11-20",
        "approved",
    ]
    assert by_key.loc["ema-emapalumab-primary-hlh-refusal", ["date", "status"]].tolist() == [
        "2021-01-07",
        "refused",
    ]


def test_a_guideline_that_allows_a_combination_does_not_recommend_it():
    """'May be combined' lifts advice against a combination; it is not a recommendation to
    give both, and the table must not say it is."""
    row = APPROVALS.set_index("key").loc["who-il6-baricitinib-combined-2023"]
    assert "may be combined" in row.quote
    assert row.status == "allowed, not recommended (guideline)"
    recommended = APPROVALS[APPROVALS["status"] == "recommended (guideline)"]
    assert not recommended["quote"].str.contains("may be combined").any()

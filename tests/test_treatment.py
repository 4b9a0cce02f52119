"""The treatment chapter (chapters/04-treatment.ipynb): its numbers, its charts and its helpers.

Every glued number the tests name is recomputed here from the CSV files, read with the
standard library, not with the functions the chapter uses; each chart's embedded rows are
compared with the same recomputation; and each helper refuses bad input with a named error.
"""

from __future__ import annotations

import csv
import json
import math

import pandas as pd
import pytest
from conftest import ROOT
from scipy.stats import beta, norm

from stormbook import load_dataset
from stormbook.evidence.effect_sizes import Estimate, risk_difference
from stormbook.evidence.treatment import (
    COVID_ROWS,
    DESIGN_RANK,
    HLH_ROWS,
    MAP_ROWS,
    TreatmentDataError,
    covid_mortality,
    direction,
    evidence_map,
    hlh_survival,
)
from stormbook.evidence.treatment_charts import covid_chart, evidence_map_chart, hlh_chart
from stormbook.evidence.trial_arithmetic import (
    counts_risk_ratio,
    exact_interval,
    number_needed_to_treat,
    ratio_of_ratios,
)

PAGE = "chapters/04-treatment"


def _rows(name: str) -> dict[str, dict[str, str]]:
    with (ROOT / "data" / f"{name}.csv").open(encoding="utf-8") as f:
        reader = csv.DictReader(f)
        key = reader.fieldnames[0]
        return {row[key]: row for row in reader}


RAW = _rows("treatment-results")
APPROVALS = _rows("treatment-approvals")


def num(key: str, column: str) -> float:
    return float(RAW[key][column])


def ratio_text(key: str, digits: int = 2, kind: str = "95% CI") -> str:
    e, lo, hi = (num(key, c) for c in ("effect", "ci_low", "ci_high"))
    return f"{e:.{digits}f} ({kind} {lo:.{digits}f} to {hi:.{digits}f})"


def count(value: float) -> str:
    return f"{int(value):,}"


def pct(value: float) -> str:
    return f"{value:g}"


@pytest.fixture(scope="module")
def results():
    return load_dataset("treatment-results")


@pytest.fixture(scope="module")
def anakinra():
    return load_dataset("anakinra-outcomes")


# --- the glued numbers, recomputed from the CSV --------------------------------------------


def expected_glue() -> dict[str, str]:
    """The glued values the chapter's prose rests on, computed from the CSV rows."""
    out = {}
    dex = RAW["recovery-dex-death-d28-overall"]
    out["dex_d1"] = f"{count(float(dex['events_treated']))} of {count(float(dex['n_treated']))}"
    out["dex_d0"] = f"{count(float(dex['events_control']))} of {count(float(dex['n_control']))}"
    out["dex_rr"] = ratio_text("recovery-dex-death-d28-overall")
    for short, key in (("imv", "imv"), ("ox", "oxygen"), ("no", "noresp")):
        out[f"dex_{short}_rr"] = ratio_text(f"recovery-dex-death-d28-{key}")
        out[f"dex_{short}_p1"] = pct(num(f"recovery-dex-death-d28-{key}", "percent_treated"))
    out["react_with"] = ratio_text("react-il6-death-d28-with-cs")
    out["react_without"] = ratio_text("react-il6-death-d28-without-cs")
    out["react_or"] = ratio_text("react-il6-death-d28-overall")
    out["toci_rr"] = ratio_text("recovery-toci-death-d28")
    out["rc_or_t"] = ratio_text("remapcap-toci-osfd-d21", kind="95% CrI")
    out["bari_rr"] = ratio_text("recovery-bari-death-d28")
    out["cb_death_hr"] = ratio_text("covbarrier-death-d28")
    out["hd_pn_rd"] = ratio_text("recovery-hddex-pneumonia", digits=1)
    out["h94_n"] = count(num("hlh94-survival-5y-all", "n_treated"))
    out["h94_su"] = pct(num("hlh94-survival-5y-all", "percent_treated"))
    out["h94_fam_alive"] = "0 of 60"
    out["h04_fhl_alive"] = (
        f"{count(num('hlh2004-verified-fhl-alive-off-therapy-without-hsct', 'events_treated'))} of "
        f"{count(num('hlh2004-verified-fhl-alive-off-therapy-without-hsct', 'n_treated'))}"
    )
    out["h04_su"] = pct(num("hlh2004-survival-5y-all", "percent_treated"))
    out["ema_resp"] = pct(num("emapalumab-phlh-response-previously-treated", "percent_treated"))
    out["ema_fda_date"] = "20 November 2018"
    out["ema_eu_date"] = "7 January 2021"
    out["le_date"] = "30 August 2017"
    out["mas_fda_date"] = "June 2025"
    out["le_ctl"] = "31 of 45"
    # BMT CTN 1204: survival falls after the first year, and few keep their graft.
    out["ctn_os18"] = pct(num("bmtctn1204-ric-os-18m", "percent_treated"))
    out["ctn_eng"] = pct(num("bmtctn1204-ric-engrafted-1y", "percent_treated"))
    out["ctn_eng_ci"] = "25.2 to 54.6"
    # The randomised trials outside the map.
    out["mcd_t"] = "18 of 53"
    out["mcd_c"] = "0 of 26"
    out["mcd_rd_ci"] = "11.1 to 54.8"
    out["misc_t"] = count(num("welzel2023-swissped-mp-v-ivig", "n_treated"))
    out["c4_orr"] = pct(num("zuma1-c4-early-steroids-orr", "percent_treated"))
    # Exercise: number needed to treat from the overall counts.
    e1, n1, e0, n0 = (
        int(dex[c]) for c in ("events_treated", "n_treated", "events_control", "n_control")
    )
    p1, p0 = e1 / n1, e0 / n0
    rd = p1 - p0
    se = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    out["ex_nnt_all"] = f"{1 / abs(rd):.0f}"
    out["ex_nnt_all_ci"] = f"{1 / abs(rd - 1.959964 * se):.0f} to {1 / abs(rd + 1.959964 * se):.0f}"
    # Exercise: ratio of the two REACT odds ratios.
    logs = []
    for key in ("react-il6-death-d28-with-cs", "react-il6-death-d28-without-cs"):
        e, lo, hi = (num(key, c) for c in ("effect", "ci_low", "ci_high"))
        logs.append((math.log(e), (math.log(hi) - math.log(lo)) / (2 * 1.959964)))
    d = logs[0][0] - logs[1][0]
    s = math.hypot(logs[0][1], logs[1][1])
    out["ex_ror"] = (
        f"{math.exp(d):.2f} (95% CI {math.exp(d - 1.959964 * s):.2f} to {math.exp(d + 1.959964 * s):.2f})"
    )
    out["ex_ror_p"] = f"{2 * norm.sf(abs(d / s)):.3f}"
    # Exercise: exact interval of the emapalumab response.
    n = int(num("emapalumab-phlh-response-previously-treated", "n_treated"))
    k = round(num("emapalumab-phlh-response-previously-treated", "percent_treated") / 100 * n)
    lo, hi = beta.ppf(0.025, k, n - k + 1), beta.ppf(0.975, k + 1, n - k)
    out["ex_ema_k"] = str(k)
    out["ex_ema_ci"] = f"{100 * lo:.0f}% to {100 * hi:.0f}%"
    return out


@pytest.mark.build
@pytest.mark.parametrize("key, value", sorted(expected_glue().items()))
def test_glued_numbers_are_computed_from_the_data(built_site, key, value):
    glue = ROOT / "_build" / "jupyter_execute" / f"{PAGE}.glue.json"
    glued = json.loads(glue.read_text(encoding="utf-8"))
    assert glued[key]["data"]["text/plain"].strip("'\"") == value


def test_the_exact_interval_is_the_fdas():
    """17 of 27 (63% of 27) gives the FDA's printed 95% CI, 0.42 to 0.81."""
    assert "0.42, 0.81" in APPROVALS["fda-emapalumab-primary-hlh-2018"]["quote"]
    low, high = exact_interval(17, 27)
    assert (round(low, 2), round(high, 2)) == (0.42, 0.81)


def test_no_oxygen_subgroup_gives_no_bounded_number_needed_to_treat(results):
    row = results.set_index("key").loc["recovery-dex-death-d28-noresp-counts"]
    rd = risk_difference(
        *(int(row[c]) for c in ("events_treated", "n_treated", "events_control", "n_control"))
    )
    nnt = number_needed_to_treat(rd)
    assert nnt.kind == "to harm" and nnt.low is None and nnt.high is None
    # Altman's split interval: the estimate's side first, each end the inverted limit.
    assert nnt.harm_limit == pytest.approx(1 / rd.ci_high)
    assert nnt.benefit_limit == pytest.approx(1 / -rd.ci_low)
    harm, benefit = round(1 / rd.ci_high), round(1 / -rd.ci_low)
    assert nnt.interval_text() == f"NNTH {harm} to ∞ to NNTB {benefit}"


def test_altmans_worked_split_interval():
    """Altman (BMJ 1998), as quoted by Newcombe: an absolute risk reduction from -5% to +25%
    "inverts to a confidence interval that goes from a number needed to treat to benefit
    (NNTB) of 4, through infinity to a number needed to treat to harm (NNTH) of 20"."""
    deaths = Estimate("RD", -0.10, -0.25, 0.05, 0.077, False)  # treated minus control
    nnt = number_needed_to_treat(deaths, good="below 0")
    assert (nnt.kind, nnt.benefit_limit, nnt.harm_limit) == ("to benefit", 4.0, 20.0)
    assert nnt.interval_text() == "NNTB 4 to ∞ to NNTH 20"
    recoveries = Estimate("RD", 0.10, -0.05, 0.25, 0.077, False)  # the same, counted as good
    assert number_needed_to_treat(recoveries, good="above 0").interval_text() == (
        "NNTB 4 to ∞ to NNTH 20"
    )


def test_a_bounded_interval_reads_low_to_high():
    nnt = number_needed_to_treat(Estimate("RD", -0.10, -0.20, -0.05, 0.04, False))
    assert (nnt.low, nnt.high, nnt.benefit_limit) == (5.0, 20.0, None)
    assert nnt.interval_text() == "5 to 20"


def test_the_map_text_is_right_about_randomised_cells(results, anakinra):
    """The figure's description says all randomised cells but one are in COVID-19."""
    cells = evidence_map(results, anakinra)
    randomised = cells[cells["design_short"].isin(["MA", "RCT"])]
    assert (randomised["syndrome_name"] != "COVID-19").sum() == 1
    assert set(cells.loc[cells["syndrome_name"] != "COVID-19", "direction"]) == {
        "no control",
        "strategy",
    }


def test_the_strategy_trial_is_not_drawn_as_the_drugs_own_benefit(results, anakinra):
    """ImmunoSep gave anakinra or interferon-γ by immune state, on an organ-failure end point;
    its own direction favours treatment, the map's cell says whose result it is."""
    cells = evidence_map(results, anakinra).set_index("row_key")
    sepsis = cells.loc["immunosep2025-sofa-d9"]
    assert direction(results.set_index("key").loc["immunosep2025-sofa-d9"]) == (
        "benefit, no interval"
    )
    assert sepsis["direction"] == "strategy"
    assert "deaths did not differ" in sepsis["direction_text"]


# --- the charts draw the Python numbers ----------------------------------------------------


def _drawn(chart) -> list[dict]:
    datasets = chart.to_dict()["datasets"]
    rows = [row for values in datasets.values() for row in values]
    return rows


def test_covid_chart_draws_each_ratio_as_printed(results):
    rows = covid_mortality(results)
    drawn = {r["key"]: r for r in _drawn(covid_chart(rows)) if "key" in r}
    assert set(drawn) == {key for key, *_ in COVID_ROWS}
    for key in drawn:
        for column, field in (("effect", "ratio"), ("ci_low", "low"), ("ci_high", "high")):
            assert drawn[key][field] == pytest.approx(num(key, column)), (key, field)
        assert RAW[key]["effect_direction_good"] == "below 1"
        assert RAW[key]["timepoint_days"] == "28"


def test_covid_chart_says_which_ratio_is_a_secondary_end_point_or_not_independent(results):
    """COV-BARRIER's primary end point failed, and REACT's critically ill patients include
    RECOVERY's: each row says so beside its ratio, on the short line a phone can show."""
    drawn = {r["key"]: r for r in _drawn(covid_chart(covid_mortality(results))) if "key" in r}
    assert drawn["covbarrier-death-d28"]["numbers"] == "HR 0.57 (0.41–0.78); secondary end point"
    assert drawn["react-cs-death-d28-dexamethasone"]["numbers"].endswith("; includes RECOVERY")
    assert drawn["recovery-dex-death-d28-overall"]["numbers"] == "rate ratio 0.83 (0.75–0.93)"


def test_hlh_chart_draws_each_denominator_and_percentage(results):
    drawn = {r["key"]: r for r in _drawn(hlh_chart(hlh_survival(results))) if "key" in r}
    assert set(drawn) == {key for key, *_ in HLH_ROWS}
    for key, row in drawn.items():
        assert row["n"] == int(num(key, "n_treated"))
        assert row["percent"] == pytest.approx(num(key, "percent_treated"))
        assert f"(n = {int(num(key, 'n_treated')):,})" in row["label"], "the denominator is visible"
        if RAW[key]["ci_low"]:
            assert row["low"] == pytest.approx(num(key, "ci_low"))


def test_map_draws_the_strongest_design_of_each_cell(results, anakinra):
    cells = evidence_map(results, anakinra)
    drawn = {(r["drug"], r["syndrome"]): r for r in _drawn(evidence_map_chart(cells))}
    assert len(drawn) == len(MAP_ROWS)
    raw = pd.read_csv(ROOT / "data" / "treatment-results.csv")
    for (target, syndrome), (key, _) in MAP_ROWS.items():
        cell = raw[(raw["target"] == target) & (raw["syndrome"] == syndrome)]
        if cell.empty:
            continue  # a cell from anakinra-outcomes (anakinra in COVID-19)
        strongest = max(cell["design_group"], key=DESIGN_RANK.get)
        row = cells[cells["row_key"] == key].iloc[0]
        assert row["design"] == strongest, (target, syndrome)
        assert drawn[(row["drug"], row["syndrome"])]["result"] == row["result"]


def test_map_result_texts_are_the_rows_numbers(results, anakinra):
    cells = evidence_map(results, anakinra).set_index("row_key")
    assert cells.loc["react-cs-death-d28-overall", "result"] == "OR 0.66 (0.53 to 0.82)"
    assert cells.loc["emapalumab-mas-06-remission-w8", "result"] == "13 of 14"
    assert cells.loc["hlh2004-survival-5y-all", "result"] == "61% (56 to 67) of 369"
    # The transplant cell shows the later, lower survival, not only the 1-year figure.
    assert cells.loc["bmtctn1204-ric-os-18m", "result"] == "66.7% (90% CI 52.9 to 77.3)"
    # HLH-2004 against the HLH-94 era is a historical comparison, not a single-arm result.
    historical = cells.loc["hlh2004-vs-hlh94-survival"]
    assert (historical["design_short"], historical["result"]) == ("HC", "62% of 240 v 56% of 232")


# --- direction and the helpers' errors -----------------------------------------------------


@pytest.mark.parametrize(
    "effect, low, high, good, expected",
    [
        (0.8, 0.7, 0.9, "below 1", "benefit"),
        (1.2, 0.9, 1.5, "below 1", "no clear effect"),
        (1.6, 1.2, 2.1, "above 1", "benefit"),
        (1.6, 1.2, 2.1, "below 1", "harm"),
        (17.2, None, None, "above 0", "benefit, no interval"),
        (None, None, None, None, "no control"),
    ],
)
def test_direction_reads_the_good_side(effect, low, high, good, expected):
    row = pd.Series(
        {"effect": effect, "ci_low": low, "ci_high": high, "effect_direction_good": good}
    )
    assert direction(row) == expected


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: exact_interval(5, 4), "5 of 4 is not a proportion"),
        (lambda: exact_interval(1.5, 4), "events must be a whole number"),
        (lambda: exact_interval(1, 4, level=95), "level must be between 0 and 1"),
        (lambda: ratio_of_ratios((0.8, 0.9, 1.0), (1.0, 0.9, 1.1)), "outside its interval"),
        (lambda: ratio_of_ratios((0.8, 0.7), (1.0, 0.9, 1.1)), "must be \\(ratio, low, high\\)"),
        (lambda: ratio_of_ratios((-1, -2, 1), (1.0, 0.9, 1.1)), "ratio must be positive"),
        (lambda: number_needed_to_treat(0.05), "give a risk difference"),
        (
            lambda: number_needed_to_treat(risk_difference(10, 100, 10, 100)),
            "a risk difference of 0",
        ),
        (
            lambda: number_needed_to_treat(risk_difference(10, 100, 20, 100), good="down"),
            "good must be",
        ),
        (lambda: covid_mortality(pd.DataFrame({"key": []})), "no column"),
        (lambda: evidence_map("not a table"), "expected a DataFrame"),
        (lambda: covid_chart(pd.DataFrame()), "needs a table with rows"),
        (lambda: hlh_chart(pd.DataFrame({"label": ["a"]})), "no column"),
    ],
)
def test_bad_input_gets_a_named_error(call, message):
    with pytest.raises(TreatmentDataError, match=message):
        call()


def test_a_row_without_both_arms_counted_is_refused(results):
    row = results.set_index("key").loc["recovery-dex-death-d28-imv"]
    with pytest.raises(TreatmentDataError, match="counts for both arms are not printed"):
        counts_risk_ratio(row)


def test_a_cell_whose_row_is_not_the_strongest_design_is_refused(results, anakinra, monkeypatch):
    import stormbook.evidence.treatment as treatment

    monkeypatch.setitem(
        treatment.MAP_ROWS, ("corticosteroid", "COVID-19"), ("recovery-dex-death-d28-overall", "x")
    )
    with pytest.raises(TreatmentDataError, match="not of the strongest design"):
        evidence_map(results, anakinra)

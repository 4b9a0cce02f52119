"""The treatment chapter's tables, read from `treatment-results` (and, for anakinra in
COVID-19, `anakinra-outcomes`): the evidence map, the COVID-19 mortality ratios, HLH in children:
survival across eras (the exercises' arithmetic is in `trial_arithmetic`).

Every row keeps its source and locator. Nothing here pools results: a ratio is shown as
its source printed it, and a ratio the book computes (a risk ratio from printed counts, a
ratio of two odds ratios) says so.
"""

from __future__ import annotations

import pandas as pd

from stormbook.formatting import number


class TreatmentDataError(ValueError):
    """A treatment row, or an input to a treatment calculation, cannot be used as asked."""


# --- designs, targets and syndromes, in the order the chapter shows them -------------------

# Strongest first: only the first two estimate a treatment effect.
DESIGN_RANK = {
    "meta-analysis of randomised trials": 5,
    "randomised": 4,
    "single-arm trial": 3,
    # A single-arm study set against an earlier era's cohort: not a concurrent control.
    "historical comparison": 2,
    "cohort or registry": 2,
    "case series": 1,
}
DESIGN_SHORT = {
    "meta-analysis of randomised trials": "MA",
    "randomised": "RCT",
    "single-arm trial": "SA",
    "historical comparison": "HC",
    "cohort or registry": "CO",
    "case series": "CS",
}
TARGETS = {
    "corticosteroid": "Corticosteroids",
    "IL-6": "IL-6 blockade",
    "JAK-STAT": "JAK inhibitors",
    "IL-1": "IL-1 blockade",
    "IFN-gamma": "IFN-γ blockade",
    "T-cell depletion (etoposide)": "Etoposide",
    "calcineurin": "Ciclosporin",
    "HSCT": "Transplant (HSCT)",
}
SYNDROMES = {
    "COVID-19": "COVID-19",
    "sepsis with MALS": "Sepsis, MALS",
    # The HLH protocols enrolled children by diagnostic criteria, familial or not.
    "HLH in children": "HLH, children",
    "secondary HLH": "Secondary HLH",
    "MAS in Still's disease": "MAS, Still's",
    "CAR-T CRS": "CAR-T CRS",
    "CAR-T ICANS": "CAR-T ICANS",
}
DIRECTIONS = {
    "benefit": "Favours the drug (interval excludes no effect)",
    "benefit, no interval": "Favours the drug (no interval printed)",
    "no clear effect": "No clear effect (interval includes no effect)",
    "harm": "Favours the comparator",
    "no control": "No concurrent control: outcome under treatment",
    "strategy": "A strategy of two drugs on a surrogate end point (deaths did not differ)",
}
# Cells whose randomised result belongs to a strategy, not to the drug of the row: coloured
# apart, so that a skimming reader does not take it for the drug's own benefit.
STRATEGY_CELLS = {("IL-1", "sepsis with MALS")}

# The row that stands for each cell of the evidence map: a result of the strongest design
# in the cell (tested), with a short name of its outcome. A row from `anakinra-outcomes`
# is named with the prefix "anakinra-outcomes:".
MAP_ROWS = {
    ("corticosteroid", "COVID-19"): (
        "react-cs-death-d28-overall",
        "death by day 28, critically ill",
    ),
    ("IL-6", "COVID-19"): ("react-il6-death-d28-overall", "death by day 28"),
    ("JAK-STAT", "COVID-19"): ("jak-ma-updated9-death", "death"),
    ("IL-1", "COVID-19"): ("anakinra-outcomes:shang2022-death-d28", "death by day 28"),
    # ImmunoSep tested a strategy (anakinra for MALS, interferon-γ for immunoparalysis) on an
    # organ-failure end point; its deaths by day 28 did not differ. The cell says so.
    ("IL-1", "sepsis with MALS"): (
        "immunosep2025-sofa-d9",
        "strategy of anakinra or IFN-γ: SOFA fall ≥1.4 by day 9 (deaths by day 28 did not differ)",
    ),
    ("T-cell depletion (etoposide)", "HLH in children"): (
        "hlh2004-survival-5y-all",
        "5-year survival",
    ),
    ("calcineurin", "HLH in children"): (
        "hlh2004-vs-hlh94-survival",
        "5-year survival, HLH-2004 v the HLH-94 era (not significantly different)",
    ),
    ("HSCT", "HLH in children"): (
        "bmtctn1204-ric-os-18m",
        "survival at 18 months, HLH and other immune deficiencies together",
    ),
    ("IFN-gamma", "HLH in children"): (
        "emapalumab-phlh-response-previously-treated",
        "response, primary HLH after conventional treatment",
    ),
    ("JAK-STAT", "HLH in children"): (
        "zhang2022-rux-orr-d28",
        "response by day 28, newly diagnosed HLH of several causes",
    ),
    ("IL-1", "secondary HLH"): ("eloseily2020-all-mortality", "died"),
    ("IFN-gamma", "MAS in Still's disease"): (
        "emapalumab-mas-06-remission-w8",
        "remission, week 8",
    ),
    ("IL-1", "MAS in Still's disease"): ("eloseily2020-sjia-deaths", "died"),
    ("calcineurin", "MAS in Still's disease"): (
        "mouy1996-ciclosporin-mas",
        "improved (MAS in juvenile arthritis, not all systemic)",
    ),
    ("IL-6", "CAR-T CRS"): ("le2018-toci-crs-ctl019-response", "CRS resolved (FDA definition)"),
    ("corticosteroid", "CAR-T CRS"): ("zuma1-c6-ppx-steroids-crs-g3", "grade ≥3 CRS"),
    ("IL-1", "CAR-T CRS"): ("park2023-anakinra-ppx-crs-g3", "severe CRS"),
    # Siltuximab, a second-line drug: tocilizumab is not a treatment for ICANS (the chapter).
    ("IL-6", "CAR-T ICANS"): (
        "bajwa2025-siltuximab-icans-improvement",
        "siltuximab (second line): ICANS grade improved",
    ),
    ("corticosteroid", "CAR-T ICANS"): (
        "zuma1-c6-ppx-steroids-ne-g3",
        "grade ≥3 neurological events",
    ),
    ("IL-1", "CAR-T ICANS"): ("park2023-anakinra-ppx-icans-g3", "severe ICANS"),
}

WHOSE = {
    "primary": "the authors",
    "verbatim reproduction": "the authors",
    "regulator or evidence-synthesis extraction": "as extracted by a review",
    "news report": "as reported by a news report",
}
# Whose figure a row is, where the kind of source alone does not say it well enough.
WHOSE_BY_KEY = {
    "jak-ma-updated9-death": "the authors (preprint figures)",
    "react-cs-death-d28-overall": "the WHO REACT group, as tabulated in a review",
    "react-cs-death-d28-dexamethasone": "the WHO REACT group, as tabulated in a review",
    "react-cs-death-d28-hydrocortisone": "the WHO REACT group, as tabulated in a review",
    "react-il6-death-d28-overall": "the WHO REACT group",
    "react-il6-death-d28-tocilizumab": "the WHO REACT group, as tabulated by Plocque 2022",
    "react-il6-death-d28-sarilumab": "the WHO REACT group, as tabulated by Plocque 2022",
    "react-il6-death-d28-with-cs": "the WHO REACT group, as tabulated by Plocque 2022",
    "react-il6-death-d28-without-cs": "the WHO REACT group, as tabulated by Plocque 2022",
    "covbarrier-death-d28": "as reported by HealthDay",
    "immunosep2025-sofa-d9": "as reported by Medical Dialogues",
    "le2018-toci-crs-ctl019-response": "the FDA's reviewers",
}


def whose(key: str, source_kind: str) -> str:
    """Whose figure a row is, in the words the page uses."""
    if source_kind not in WHOSE:
        raise TreatmentDataError(f"{key}: unknown source kind {source_kind!r}")
    return WHOSE_BY_KEY.get(key, WHOSE[source_kind])


def _num(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _ratio_text(value: float) -> str:
    return f"{value:.2f}"


def direction(row: pd.Series) -> str:
    """Which way a row's result points, from its effect, interval and good side.

    A single group (no effect column) has no direction: 'no control'."""
    effect = _num(row.get("effect"))
    good = row.get("effect_direction_good", row.get("favours_treatment_when"))
    if effect is None or good is None or pd.isna(good):
        return "no control"
    low, high = _num(row.get("ci_low")), _num(row.get("ci_high"))
    null = 1.0 if str(good).endswith("1") else 0.0
    below_good = str(good).startswith("below")
    if low is None or high is None:
        on_good_side = effect < null if below_good else effect > null
        return "benefit, no interval" if on_good_side else "no clear effect"
    if low <= null <= high:
        return "no clear effect"
    entirely_below = high < null
    return "benefit" if entirely_below == below_good else "harm"


def key_number(row: pd.Series) -> str:
    """The row's result in a few words: a ratio with its interval, or a single group's
    figure with its denominator where printed."""
    effect = _num(row.get("effect"))
    low, high = _num(row.get("ci_low")), _num(row.get("ci_high"))
    measure = str(row.get("effect_measure"))
    if effect is not None:
        if measure.startswith("risk difference"):
            text = f"difference {number(effect)} points"
        else:
            text = f"{measure} {_ratio_text(effect)}"
        if low is not None and high is not None:
            fmt = number if measure.startswith("risk difference") else _ratio_text
            text += f" ({fmt(low)} to {fmt(high)})"
        return text
    n = _num(row.get("n_treated"))
    events = _num(row.get("events_treated"))
    percent = _num(row.get("percent_treated"))
    if events is not None and n is not None:
        text = f"{number(events)} of {number(n)}"
        return text + (f" ({number(percent)}%)" if percent is not None else "")
    if percent is not None:
        text = f"{number(percent)}%"
        if low is not None and high is not None:
            kind = str(row.get("interval", ""))
            level = "90% CI " if kind.startswith("90") else ""
            text += f" ({level}{number(low)} to {number(high)})"
        if n is not None:
            text += f" of {number(n)}"
        if _num(row.get("percent_control")) is not None:
            text += f" v {number(row['percent_control'])}%"
            if _num(row.get("n_control")) is not None:
                text += f" of {number(row['n_control'])}"
        return text
    raise TreatmentDataError(f"row {row.name!r} prints no number to show")


def _outcome_row(results: pd.DataFrame, anakinra: pd.DataFrame | None, key: str) -> pd.Series:
    if key.startswith("anakinra-outcomes:"):
        if anakinra is None:
            raise TreatmentDataError(f"{key} needs the anakinra-outcomes dataset")
        name = key.split(":", 1)[1]
        frame = anakinra.set_index("comparison_id")
        if name not in frame.index:
            raise TreatmentDataError(f"{name!r} is not a row of anakinra-outcomes")
        row = frame.loc[name].copy()
        row["design_group"] = "meta-analysis of randomised trials"
        row["trial"] = "Shang 2022 (randomised trials only)"
        row["effect_direction_good"] = row["favours_treatment_when"]
        return row
    frame = results.set_index("key")
    if key not in frame.index:
        raise TreatmentDataError(f"{key!r} is not a row of treatment-results")
    return frame.loc[key]


def evidence_map(results: pd.DataFrame, anakinra: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per cell of the drug x syndrome map: the strongest design with a result,
    its direction and its key number, with the row's source and locator."""
    _require(results, ["key", "syndrome", "target", "design_group", "source", "locator"])
    cells = []
    for (target, syndrome), (key, outcome) in MAP_ROWS.items():
        row = _outcome_row(results, anakinra, key)
        cell_rows = results[(results["target"] == target) & (results["syndrome"] == syndrome)]
        strongest = max(
            [DESIGN_RANK[d] for d in cell_rows["design_group"]] + [DESIGN_RANK[row["design_group"]]]
        )
        if DESIGN_RANK[row["design_group"]] != strongest:
            raise TreatmentDataError(
                f"cell {target} x {syndrome}: {key} is not of the strongest design in the cell"
            )
        where = "strategy" if (target, syndrome) in STRATEGY_CELLS else direction(row)
        cells.append(
            {
                "drug": TARGETS[target],
                "target": target,
                "syndrome": SYNDROMES[syndrome],
                "syndrome_name": syndrome,
                "design": row["design_group"],
                "design_short": DESIGN_SHORT[row["design_group"]],
                "direction": where,
                "direction_text": DIRECTIONS[where],
                "study": str(row.get("trial", "")),
                "outcome": outcome,
                "result": key_number(row),
                "figure_by": whose(key, str(row["source_kind"])),
                "row_key": key,
                "source": str(row["source"]),
                "locator": str(row["locator"]),
            }
        )
    return pd.DataFrame(cells)


# --- COVID-19: 28-day mortality, one row per trial and drug class -------------------------

# (key, label, drug class, view). The default view holds one row per trial (or
# meta-analysis) and drug; the subgroup view holds the subgroups the chapter discusses.
COVID_ROWS = [
    ("recovery-dex-death-d28-overall", "RECOVERY", "Dexamethasone", "trials"),
    ("react-cs-death-d28-dexamethasone", "REACT (critically ill)", "Dexamethasone", "trials"),
    ("react-cs-death-d28-hydrocortisone", "REACT (critically ill)", "Hydrocortisone", "trials"),
    ("recovery-toci-death-d28", "RECOVERY", "Tocilizumab", "trials"),
    ("react-il6-death-d28-tocilizumab", "REACT", "Tocilizumab", "trials"),
    ("react-il6-death-d28-sarilumab", "REACT", "Sarilumab", "trials"),
    ("recovery-bari-death-d28", "RECOVERY", "Baricitinib", "trials"),
    ("covbarrier-death-d28", "COV-BARRIER", "Baricitinib", "trials"),
    ("stopcovid-death-d28", "STOP-COVID", "Tofacitinib", "trials"),
    ("recovery-dex-death-d28-imv", "RECOVERY: invasive ventilation", "Dexamethasone", "subgroups"),
    ("recovery-dex-death-d28-oxygen", "RECOVERY: oxygen only", "Dexamethasone", "subgroups"),
    ("recovery-dex-death-d28-noresp", "RECOVERY: no oxygen", "Dexamethasone", "subgroups"),
    ("react-il6-death-d28-with-cs", "REACT: with corticosteroids", "IL-6 antagonists", "subgroups"),
    (
        "react-il6-death-d28-without-cs",
        "REACT: without corticosteroids",
        "IL-6 antagonists",
        "subgroups",
    ),
]
# Printed after a row's ratio: COV-BARRIER's primary end point failed, and REACT's critically
# ill patients include RECOVERY's ventilated ones (not a second, independent trial).
COVID_NOTES = {
    "covbarrier-death-d28": "secondary end point",
    "react-cs-death-d28-dexamethasone": "includes RECOVERY",
}
COVID_VIEWS = {
    "trials": "One row per trial and drug",
    "subgroups": "Subgroups: oxygen, corticosteroids",
}
DRUG_CLASS = {
    "Dexamethasone": "corticosteroid",
    "Hydrocortisone": "corticosteroid",
    "Tocilizumab": "IL-6",
    "Sarilumab": "IL-6",
    "IL-6 antagonists": "IL-6",
    "Baricitinib": "JAK-STAT",
    "Tofacitinib": "JAK-STAT",
}


def covid_mortality(results: pd.DataFrame) -> pd.DataFrame:
    """The COVID-19 randomised results on death by day 28, as printed (no pooling across
    drugs): ratio, interval, measure, design, whose figure, source and locator."""
    _require(results, ["key", "effect", "ci_low", "ci_high", "effect_measure"])
    frame = results.set_index("key")
    rows = []
    for key, study, drug, view in COVID_ROWS:
        if key not in frame.index:
            raise TreatmentDataError(f"{key!r} is not a row of treatment-results")
        row = frame.loc[key]
        if row["syndrome"] != "COVID-19" or _num(row["timepoint_days"]) != 28:
            raise TreatmentDataError(f"{key}: not a COVID-19 result at day 28")
        if row["effect_direction_good"] != "below 1":
            raise TreatmentDataError(f"{key}: below 1 does not favour the drug")
        for column in ("effect", "ci_low", "ci_high"):
            if _num(row[column]) is None:
                raise TreatmentDataError(f"{key}: no {column} printed")
        rows.append(
            {
                "key": key,
                "label": f"{drug}: {study}",
                "drug": drug,
                "drug_class": TARGETS[DRUG_CLASS[drug]],
                "study": study,
                "view": view,
                "design": row["design_group"],
                "measure": str(row["effect_measure"]),
                "ratio": float(row["effect"]),
                "low": float(row["ci_low"]),
                "high": float(row["ci_high"]),
                "direction": direction(row),
                "figure_by": whose(key, str(row["source_kind"])),
                "source": str(row["source"]),
                "locator": str(row["locator"]),
            }
        )
    out = pd.DataFrame(rows)
    out["shown"] = out.apply(
        lambda r: f"{r['measure']} {r['ratio']:.2f} ({r['low']:.2f} to {r['high']:.2f})", axis=1
    )
    # What the chart writes above each row, short enough for a phone, with its note.
    notes = out["key"].map(COVID_NOTES).radd("; ").fillna("")
    out["numbers"] = out["shown"].str.replace(" to ", "–") + notes
    return out


# --- HLH in children: survival across eras, with denominators ---------------------------------

# (key, era, group, view). Views: 5-year survival; death before transplant; familial HLH
# alive without a transplant.
HLH_ROWS = [
    ("hlh94-survival-5y-all", "HLH-94 (1994-2003)", "all", "survival"),
    ("hlh94-survival-5y-familial", "HLH-94 (1994-2003)", "familial (sibling)", "survival"),
    ("hlh94-survival-5y-post-hsct", "HLH-94 (1994-2003)", "transplanted", "survival"),
    ("hlh2004-survival-5y-all", "HLH-2004 (2004-2011)", "all", "survival"),
    ("hlh2004-survival-5y-verified-fhl", "HLH-2004 (2004-2011)", "verified familial", "survival"),
    ("hlh2004-survival-5y-post-hsct-all", "HLH-2004 (2004-2011)", "transplanted", "survival"),
    (
        "hlh2004-survival-5y-post-hsct-verified-fhl",
        "HLH-2004 (2004-2011)",
        "verified familial, HSCT",
        "survival",
    ),
    ("hlh94-death-before-hsct-all", "HLH-94 (1994-2003)", "all", "died before transplant"),
    (
        "hlh94-familial-death-before-hsct",
        "HLH-94 (1994-2003)",
        "familial",
        "died before transplant",
    ),
    ("hlh2004-death-before-hsct-all", "HLH-2004 (2004-2011)", "all", "died before transplant"),
    (
        "hlh2004-death-before-hsct-verified-fhl",
        "HLH-2004 (2004-2011)",
        "verified familial",
        "died before transplant",
    ),
    (
        "hlh94-familial-alive-without-hsct",
        "HLH-94 (1994-2003)",
        "familial",
        "familial, alive without transplant",
    ),
    (
        "hlh2004-verified-fhl-alive-off-therapy-without-hsct",
        "HLH-2004 (2004-2011)",
        "verified familial",
        "familial, alive without transplant",
    ),
]
HLH_VIEWS = {
    "survival": "5-year survival",
    "died before transplant": "Died before transplant",
    "familial, alive without transplant": "Familial: alive without transplant",
}


def hlh_survival(results: pd.DataFrame) -> pd.DataFrame:
    """Outcomes of children with HLH (familial or not) across treatment eras, each with its denominator, as printed."""
    _require(results, ["key", "n_treated", "percent_treated"])
    frame = results.set_index("key")
    rows = []
    for key, era, group, view in HLH_ROWS:
        if key not in frame.index:
            raise TreatmentDataError(f"{key!r} is not a row of treatment-results")
        row = frame.loc[key]
        n = _num(row["n_treated"])
        percent = _num(row["percent_treated"])
        if n is None or percent is None:
            raise TreatmentDataError(f"{key}: the denominator or the percentage is not printed")
        events = _num(row["events_treated"])
        low, high = _num(row["ci_low"]), _num(row["ci_high"])
        value = f"{number(percent)}%" + (
            f" ({number(low)}–{number(high)})" if low is not None else ""
        )
        if events is not None:
            value = f"{number(events)} of {number(n)} ({number(percent)}%)"
        rows.append(
            {
                "key": key,
                "era": era,
                "group": group,
                "view": view,
                "label": f"{era.split(' ')[0]} (n = {number(n)})|{group}",
                "n": int(n),
                "events": None if events is None else int(events),
                "percent": percent,
                "low": low,
                "high": high,
                "shown": value,
                "measure": str(row["effect_measure"]),
                "source": str(row["source"]),
                "locator": str(row["locator"]),
            }
        )
    out = pd.DataFrame(rows)
    out["events"] = out["events"].astype("Int64")
    return out


def _require(frame: pd.DataFrame, columns: list[str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TreatmentDataError(f"expected a DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise TreatmentDataError(f"the table has no column(s) {missing}")

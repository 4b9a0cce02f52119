"""The anakinra evidence table as a forest plot needs it: one row per study outcome, turned
so that below 1 favours the treatment, with the pooled result of every view the chart offers.

A view is one condition, one design group and one outcome (family and time window). Each
row carries the ratio that would enter a pool: the risk ratio from arm counts when the
paper prints them, otherwise the ratio the paper reports with its interval. The pooling
itself, and the rules for when not to pool, are `stormbook.evidence.pooling`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stormbook.evidence.effect_sizes import EffectSizeError, risk_ratio
from stormbook.evidence.pooling import no_diamond_reason, pool_rows
from stormbook.formatting import minus_signs

RATIO_MEASURES = ("HR", "OR", "RR", "rate ratio")
VIEW_COLUMNS = [
    "condition",
    "design_group",
    "outcome_choice",
    "k",
    "measure",
    "studies",
    "reason",
    "estimate",
    "ci_low",
    "ci_high",
    "pi_low",
    "pi_high",
    "i2_percent",
    "tau2",
]


def outcome_label(family: str, window: str) -> str:
    """The chart's outcome choice: the family and its time window."""
    return f"{family}, {window}"


def _as_plotted(row: pd.Series) -> pd.Series:
    """The ratio, its interval and its measure as drawn (and pooled) for one outcome row.

    Arm counts, where printed, give a risk ratio; otherwise the printed ratio is used. Either
    is turned over when the row's event is a good one (above 1 favours the treatment).
    """
    turn = row["favours_treatment_when"] == "above 1" or (
        row["favours_treatment_when"] == "above 0"
        and row["effect_measure"] == "risk difference (percentage points)"
    )
    counts = [row["events_treated"], row["n_treated"], row["events_control"], row["n_control"]]
    if all(pd.notna(c) for c in counts):
        rr = risk_ratio(*(int(c) for c in counts))
        est, lo, hi, measure, basis = (
            rr.estimate,
            rr.ci_low,
            rr.ci_high,
            "RR",
            "risk ratio computed from the arm counts",
        )
    elif row["effect_measure"] in RATIO_MEASURES and pd.notna(row["effect"]):
        est, lo, hi = float(row["effect"]), row["ci_low"], row["ci_high"]
        measure = {"HR": "HR", "OR": "OR"}.get(row["effect_measure"], "RR")
        basis = "reported ratio"
    else:
        return pd.Series(
            {"measure": pd.NA, "ratio": np.nan, "low": np.nan, "high": np.nan, "basis": ""}
        )
    lo = float(lo) if pd.notna(lo) else np.nan
    hi = float(hi) if pd.notna(hi) else np.nan
    if turn:
        est, lo, hi = 1 / est, 1 / hi, 1 / lo
        basis += ", turned over so that below 1 favours the treatment"
    return pd.Series({"measure": measure, "ratio": est, "low": lo, "high": hi, "basis": basis})


def forest_rows(studies: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """Every outcome row that has a ratio to draw, joined to its study, ready to plot."""
    unknown = set(outcomes["study_id"]) - set(studies["study_id"])
    if unknown:
        raise EffectSizeError(
            f"outcome rows name unknown study_id(s): {', '.join(sorted(unknown))}"
        )
    rows = outcomes.merge(
        studies.drop(columns=["n_treated", "n_control", "source", "locator", "notes"]),
        on="study_id",
        how="left",
        validate="many_to_one",
    )
    rows = rows[rows["intervention"].eq("anakinra")]
    plotted = rows.apply(_as_plotted, axis=1)
    rows = pd.concat([rows, plotted], axis=1)
    rows = rows[rows["ratio"].notna()].copy()
    # A regulator's counts are drawn beside the investigators' figure, named as such; the
    # ratio drawn is computed here from those counts (rule 3), not the regulator's own.
    regulator = rows["figure_by"].fillna("").str.startswith("the FDA's analysis")
    rows.loc[regulator, "label"] = rows.loc[regulator, "label"] + " (RR from the FDA's counts)"
    rows["outcome_choice"] = [
        outcome_label(f, w)
        for f, w in zip(rows["outcome_family"], rows["time_window"], strict=True)
    ]
    rows["has_interval"] = rows["low"].notna() & rows["high"].notna()
    return rows.reset_index(drop=True)


def _view_result(part: pd.DataFrame) -> dict:
    """The pooled result of one view's poolable rows, or the reason there is none."""
    if part["design_group"].iloc[0].startswith("meta-analysis"):
        return {
            "k": 0,
            "measure": "",
            "reason": "Published meta-analyses: shown, never pooled again.",
        }
    eligible = part[part["has_interval"]]
    measures = eligible["measure"].value_counts()
    if measures.empty:
        return {"k": 0, "measure": "", "reason": no_diamond_reason(0, None)}
    measure = measures.index[0]  # the measure most studies in the view share
    chosen = eligible[eligible["measure"].eq(measure)]
    k = len(chosen)
    base = {"k": k, "measure": measure, "studies": "; ".join(chosen["label"])}
    if k < 2:
        return {**base, "reason": no_diamond_reason(k, None)}
    pooled = pool_rows(chosen)  # checks the rows are like with like, then pools
    reason = no_diamond_reason(k, pooled)
    return {
        **base,
        "reason": reason,
        "estimate": pooled.estimate,
        "ci_low": pooled.ci_low,
        "ci_high": pooled.ci_high,
        "pi_low": pooled.pi_low,
        "pi_high": pooled.pi_high,
        "i2_percent": 100 * pooled.i2,
        "tau2": pooled.tau2,
    }


def pooled_views(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per condition x design group x outcome choice present in the data."""
    out = []
    for (condition, design, choice), part in rows.groupby(
        ["condition", "design_group", "outcome_choice"]
    ):
        out.append(
            {
                "condition": condition,
                "design_group": design,
                "outcome_choice": choice,
                **_view_result(part),
            }
        )
    views = pd.DataFrame(out).reindex(columns=VIEW_COLUMNS)
    views["reason"] = views["reason"].fillna("")
    lines = [_message(r) for r in views.itertuples()]
    views["line1"], views["line2"] = [a for a, _ in lines], [b for _, b in lines]
    return views


def _message(view) -> tuple[str, str]:
    """Two short lines for the chart (a phone fits about 35 characters a line)."""
    if view.reason:
        first, _, rest = view.reason.partition(": ")
        return first + ":", rest
    return (
        f"Pooled {view.measure} {view.estimate:.2f} ({view.ci_low:.2f} to {view.ci_high:.2f})",
        f"{view.k} studies; I² {view.i2_percent:.0f}%; PI {view.pi_low:.2f} to {view.pi_high:.2f}",
    )


def randomised_without_outcomes(studies: pd.DataFrame, outcomes: pd.DataFrame) -> list[str]:
    """The randomised trials (design group "randomised") that have no outcome row, or no row
    for their primary outcome: a trial listed without its result teaches that it reported none."""
    trials = studies.loc[studies["design_group"].eq("randomised"), "study_id"]
    with_rows = set(outcomes["study_id"])
    with_primary = set(outcomes.loc[outcomes["primary"].astype(bool), "study_id"])
    return sorted(s for s in trials if s not in with_rows or s not in with_primary)


RATIO_DIGITS = 2  # ratios are printed to two decimals (0.50, not 0.5)


def _fmt(value: float, ratio: bool = False, decimals: int | None = None) -> str:
    """A printed number: ratios to two decimals, percentages and P values as printed
    (`decimals` keeps an interval's bounds at the precision of its other numbers: 12.0)."""
    if ratio:
        return f"{value:.{RATIO_DIGITS}f}"
    return minus_signs(f"{value:.{decimals}f}" if decimals is not None else f"{value:g}")


def _decimals(*values: float) -> int:
    """The most decimals any of these numbers is printed with (12.0 is read as 12)."""
    return max(len(f"{v:g}".partition(".")[2]) for v in values)


def _quoted(notes) -> str:
    """The words a row's notes quote from the source ("printed as '...'"), if any."""
    if not isinstance(notes, str) or "printed as '" not in notes:
        return ""
    return notes.split("printed as '", 1)[1].split("'", 1)[0]


def result_text(row: pd.Series) -> str:
    """One outcome row's result as printed: the effect with its interval, else the
    percentages or counts per arm, else that no result was printed; with the P value."""
    parts = []
    if row["effect_measure"] != "none" and pd.notna(row["effect"]):
        measure = {
            "risk difference (percentage points)": "difference",
            "rate ratio": "rate ratio",
        }.get(row["effect_measure"], row["effect_measure"])
        ratio = row["effect_measure"] in RATIO_MEASURES
        text = f"{measure} {_fmt(row['effect'], ratio)}"
        if pd.notna(row["ci_low"]) and pd.notna(row["ci_high"]):
            places = _decimals(row["effect"], row["ci_low"], row["ci_high"])
            kind = {"95% credible interval": "95% CrI", "90% credible interval": "90% CrI"}.get(
                row["interval"], "95% CI"
            )
            low, high = (_fmt(row[bound], ratio, places) for bound in ("ci_low", "ci_high"))
            text += f" ({kind} {low} to {high})"
        parts.append(text)
    if (
        pd.notna(row["events_treated"])
        and pd.notna(row["n_treated"])
        and pd.notna(row["events_control"])
        and pd.notna(row["n_control"])
    ):
        parts.insert(
            0,
            f"{int(row['events_treated'])}/{int(row['n_treated'])} vs "
            f"{int(row['events_control'])}/{int(row['n_control'])}",
        )
    elif pd.notna(row["percent_treated"]) and pd.notna(row["percent_control"]):
        parts.insert(0, f"{_fmt(row['percent_treated'])}% vs {_fmt(row['percent_control'])}%")
    if pd.notna(row["p_value"]):
        parts.append(f"P = {_fmt(row['p_value'])}")
    if parts:
        return "; ".join(parts)
    quote = _quoted(row["notes"])
    return f"“{quote}”" if quote else "see the trial's report"


TRIAL_TABLE_COLUMNS = [
    "trial",
    "condition",
    "selection",
    "patients (treated / control)",
    "analysed (treated / control)",
    "primary outcome",
    "primary result, as printed",
    "deaths",
    "whose figures",
    "stopped",
    "risk of bias (RoB 2)",
]


def _arms(a, b) -> str:
    if pd.isna(a) and pd.isna(b):
        return ""
    show = lambda v: "" if pd.isna(v) else str(int(v))  # noqa: E731
    return f"{show(a)} / {show(b)}"


def trial_results_table(studies: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """One row per randomised trial of IL-1 blockade (anakinra; canakinumab as the IL-1beta
    comparator): who, how many, the primary outcome and its result as
    printed, deaths (every mortality row, nearest day 28 first) and whose figures they are."""
    missing = randomised_without_outcomes(studies, outcomes)
    if missing:
        raise EffectSizeError(
            f"randomised trials without a primary outcome row: {', '.join(missing)}"
        )
    rows = []
    trials = studies[
        studies["design_group"].eq("randomised")
        & studies["intervention"].isin(["anakinra", "canakinumab"])
    ]
    for trial in trials.itertuples():
        mine = outcomes[outcomes["study_id"].eq(trial.study_id)]
        primary = mine[mine["primary"].astype(bool)]
        deaths = mine[
            mine["outcome_family"].eq("all-cause mortality") & ~mine["primary"].astype(bool)
        ]
        deaths = deaths.assign(
            distance=(deaths["timepoint_days"].astype("Float64") - 28).abs().fillna(999)
        ).sort_values("distance")
        shown = pd.concat([primary, deaths])
        rows.append(
            {
                "trial": trial.label,
                "condition": trial.condition,
                "selection": trial.selection_biomarker,
                "patients (treated / control)": _arms(trial.n_treated, trial.n_control)
                or (f"{int(trial.n_total)} in all" if pd.notna(trial.n_total) else ""),
                "analysed (treated / control)": _arms(
                    trial.n_analysed_treated, trial.n_analysed_control
                ),
                "primary outcome": "; ".join(primary["outcome"]),
                "primary result, as printed": "; ".join(
                    result_text(r) for _, r in primary.iterrows()
                ),
                "deaths": "; ".join(
                    f"{r['outcome']}: {result_text(r)}" for _, r in deaths.iterrows()
                ),
                "whose figures": "; ".join(dict.fromkeys(shown["figure_by"])),
                "stopped": trial.stopped_early,
                "risk of bias (RoB 2)": f"{trial.rob_judgement}: {trial.rob_reason}",
            }
        )
    return pd.DataFrame(rows, columns=TRIAL_TABLE_COLUMNS)

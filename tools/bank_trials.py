"""Single-best-answer items from trial results read from their typed columns: a risk ratio,
a risk difference and the reading of an interval."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from bank_choices import (
    EVIDENCE_CHAPTER,
    INSTRUMENTS_CHAPTER,
    Option,
    display,
    distinct_options,
    lower_first,
    markdown_safe,
    slug,
    vignette_item,
)
from bank_items import ROOT, Item, QuestionBankError, Source, Version

from stormbook import load_dataset
from stormbook.evidence import effect_sizes
from stormbook.formatting import number
from stormbook.sources import source_citation


# ------------------------------------------------------------ trial results
def _row(resource: str, key_column: str, key: str, root: Path):
    frame = load_dataset(resource, root / "data" / "datapackage.json")
    rows = frame[frame[key_column] == key]
    if len(rows) != 1:
        raise QuestionBankError(
            f"{resource}: expected one row with {key_column} {key!r}, found {len(rows)}"
        )
    return rows.iloc[0]


def _data_source(resource: str, row, key: str) -> Source:
    return Source(resource, key, source_citation(row["source"]) or str(row["source"]))


def _counts(row, where: str) -> tuple[int, int, int, int]:
    names = ("events_treated", "n_treated", "events_control", "n_control")
    values = [row[name] for name in names]
    if any(value is None or value != value for value in values):  # NA compares unequal
        raise QuestionBankError(f"{where}: the row does not print counts in both arms")
    return tuple(int(value) for value in values)


def risk_ratio_item(version: Version, root: Path = ROOT) -> Item:
    """RECOVERY tocilizumab: the crude risk ratio of death from the printed counts."""
    resource, key = "recovery-trials", "toc_all"
    row = _row(resource, "row_id", key, root)
    _require_death(str(row["measure"]), f"{resource} row {key}")
    et, nt, ec, nc = _counts(row, f"{resource} row {key}")
    drug = row["drug"]
    ratio = effect_sizes.risk_ratio(et, nt, ec, nc).estimate
    odds = effect_sizes.odds_ratio(et, nt, ec, nc).estimate
    survival = ((nt - et) / nt) / ((nc - ec) / nc)
    reported = (
        f"The trial's own analysis reported a {row['ratio_type']} of {number(row['ratio'], 2)} "
        f"(95% CI {number(row['ci_low'], 2)} to {number(row['ci_high'], 2)})."
    )
    correct = Option(
        ratio,
        f"{number(ratio, 2)}",
        f"Right: ({et}/{number(nt)}) ÷ ({ec}/{number(nc)}) = {number(100 * et / nt, 1)}% ÷ "
        f"{number(100 * ec / nc, 1)}% = {number(ratio, 2)}. {reported}",
    )
    options = distinct_options(
        correct,
        [
            Option(
                1 / ratio,
                f"{number(1 / ratio, 2)}",
                f"This is usual care over {drug}: the arms are swapped.",
            ),
            Option(
                odds,
                f"{number(odds, 2)}",
                "This is the odds ratio: with deaths this common the odds ratio lies further from 1 than the risk ratio.",
            ),
            Option(
                survival,
                f"{number(survival, 2)}",
                "This is the ratio of the risks of surviving, not of dying.",
            ),
        ],
        minimum=3,
    )
    stem = (
        f"In the RECOVERY trial ({markdown_safe(source_citation(row['source']))}), among patients with "
        f"{display(lower_first(row['population']))}, the trial counted {display(row['measure'])}: "
        f"{et} of {number(nt)} allocated {drug}, {ec} of {number(nc)} allocated usual care. "
        f"From these counts, what is the risk ratio, {drug} over usual care?"
    )
    return vignette_item(
        identifier=f"qb-risk-ratio-{slug(resource)}-{slug(key)}",
        name=f"Risk ratio from counts: RECOVERY, {drug}",
        chapter=INSTRUMENTS_CHAPTER,
        stem=stem,
        options=sorted(options, key=lambda option: option.value),
        correct=correct,
        general="Computed with `stormbook.evidence.effect_sizes` from the counts the trial printed.",
        source=_data_source(resource, row, key),
        version=version,
        root=root,
        shuffle=False,
    )


def _require_death(measure: str, where: str) -> None:
    """The distractors and readings below assume death as the outcome (lower is better)."""
    if not re.match(r"(all-cause )?(death|mortality)", measure):
        raise QuestionBankError(f"{where}: the item assumes death as the outcome, not {measure!r}")


def _trial_caveats(outcome, study) -> str:
    """What the data say about reading this outcome: secondary, and a trial stopped early."""
    caveats = []
    if not pd.isna(outcome["primary"]) and not outcome["primary"]:
        caveats.append(" It was not the trial's primary outcome.")
    stopped = str(study["stopped_early"])
    if stopped.startswith("yes"):
        reason = re.sub(r"^yes:?\s*", "", stopped)
        caveats.append(f" The trial stopped early{f' ({display(reason)})' if reason else ''}.")
    return "".join(caveats)


def risk_difference_item(version: Version, root: Path = ROOT) -> Item:
    """ANACONDA: deaths per 100 patients, anakinra against usual care, from the counts."""
    resource, key = "anakinra-outcomes", "anaconda-death-d28"
    row = _row(resource, "comparison_id", key, root)
    study = _row("anakinra-studies", "study_id", row["study_id"], root)
    _require_death(str(row["outcome_family"]), f"{resource} row {key}")
    et, nt, ec, nc = _counts(row, f"{resource} row {key}")
    per_100 = 100 * effect_sizes.risk_difference(et, nt, ec, nc).estimate
    treated_risk = 100 * et / nt

    def per_100_text(value: float) -> str:
        more = "more" if value >= 0 else "fewer"
        return f"{number(abs(value), 1)} {more} deaths per 100 patients with anakinra"

    correct = Option(
        per_100,
        per_100_text(per_100),
        f"Right: {et}/{nt} = {number(treated_risk, 1)}% against {ec}/{nc} = "
        f"{number(100 * ec / nc, 1)}%, a difference of {number(per_100, 1)} percentage points."
        + _trial_caveats(row, study),
    )
    options = distinct_options(
        correct,
        [
            Option(
                -per_100,
                per_100_text(-per_100),
                "This has the arms swapped: more patients died with anakinra.",
            ),
            Option(
                et - ec,
                per_100_text(et - ec),
                "This subtracts the counts of deaths without dividing by the size of each arm.",
            ),
            Option(
                treated_risk,
                per_100_text(treated_risk),
                "This is the risk in the anakinra arm alone; the risk in the control arm must be subtracted.",
            ),
        ],
        minimum=3,
    )
    stem = (
        f"In the {markdown_safe(study['label'])} trial ({markdown_safe(source_citation(row['source']))}), "
        f"{display(row['outcome'])}: {et} of {nt} patients allocated anakinra, {ec} of {nc} "
        f"allocated {display(study['comparator'])}. From these counts, what is the difference "
        "in the risk of death?"
    )
    return vignette_item(
        identifier=f"qb-risk-difference-{slug(resource)}-{slug(key)}",
        name=f"Risk difference from counts: {study['label']}",
        chapter=EVIDENCE_CHAPTER,
        stem=stem,
        options=options,
        correct=correct,
        general="Computed with `stormbook.evidence.effect_sizes.risk_difference` from the counts the trial printed.",
        source=_data_source(resource, row, key),
        version=version,
        root=root,
        shuffle=True,
    )


def interval_reading(ratio_low: float, ratio_high: float) -> str:
    """What a ratio's 95% interval shows for death (below 1 favours the drug)."""
    if ratio_high < 1:
        return "benefit"
    if ratio_low > 1:
        return "harm"
    return "unclear"


WHERE_THE_INTERVAL_LIES = {
    "benefit": "lies wholly below 1",
    "harm": "lies wholly above 1",
    "unclear": "includes 1, so the data fit both benefit and harm",
}


def _interval_readings(drug: str) -> dict[str, str]:
    return {
        "benefit": f"{drug.capitalize()} reduced deaths in these patients: the whole interval lies below 1",
        "harm": f"{drug.capitalize()} increased deaths in these patients: the whole interval lies above 1",
        "unclear": "No clear effect: the interval includes 1, so the data fit both benefit and harm",
        "none": f"{drug.capitalize()} makes no difference in these patients",
    }


def _interval_feedback(reading: str, answer: str, ratio: float, interval: str) -> str:
    where = f"the interval, {interval}, {WHERE_THE_INTERVAL_LIES[answer]}"
    if reading == answer:
        return f"Right: {where}."
    if reading == "none" and answer == "unclear":
        return (
            f"No: {where}. An interval that includes 1 is not proof of no effect: absence of "
            "evidence is not evidence of absence."
        )
    if (reading, answer) in (("harm", "unclear"), ("benefit", "unclear")) and (
        (ratio > 1) == (reading == "harm")
    ):
        side = "above" if ratio > 1 else "below"
        return f"No: the point estimate, {number(ratio, 2)}, lies {side} 1, but {where}."
    return f"No: {where}."


def interval_item(key: str, version: Version, root: Path = ROOT) -> Item:
    """RECOVERY dexamethasone by subgroup: what a rate ratio and its interval show."""
    resource = "recovery-trials"
    row = _row(resource, "row_id", key, root)
    _require_death(str(row["measure"]), f"{resource} row {key}")
    drug, low, high = row["drug"], float(row["ci_low"]), float(row["ci_high"])
    interval = f"{number(low, 2)} to {number(high, 2)}"
    answer = interval_reading(low, high)
    options = [
        Option(reading, text, _interval_feedback(reading, answer, float(row["ratio"]), interval))
        for reading, text in _interval_readings(drug).items()
    ]
    correct = next(option for option in options if option.value == answer)
    stem = (
        f"In the RECOVERY trial ({markdown_safe(source_citation(row['source']))}), among patients "
        f"{display(lower_first(row['population']))}, {display(row['measure'])}: "
        f"{number(row['percent_treated'], 1)}% of those allocated {drug}, "
        f"{number(row['percent_control'], 1)}% of those allocated usual care; "
        f"{row['ratio_type']} {number(row['ratio'], 2)} (95% CI {interval}). "
        "Which reading is right?"
    )
    return vignette_item(
        identifier=f"qb-interval-{slug(resource)}-{slug(key)}",
        name=f"Reading an interval: RECOVERY, {drug}, {lower_first(row['population'])}",
        chapter=INSTRUMENTS_CHAPTER,
        stem=stem,
        options=options,
        correct=correct,
        general="For death, a ratio below 1 favours the drug; the interval says which values the data fit.",
        source=_data_source(resource, row, key),
        version=version,
        root=root,
        shuffle=False,
    )

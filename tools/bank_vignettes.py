"""Single-best-answer vignettes from the book's synthetic patients: the HScore and HLH-2004
worked out, each distractor the answer a named slip gives."""

from __future__ import annotations

import inspect
import operator
from pathlib import Path

from bank_choices import (
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

from stormbook import instruments, load_dataset
from stormbook.formatting import number
from stormbook.instruments.vignettes import FEVER_C, synthetic_vignettes

# ---------------------------------------------------------------------------- vignettes
# The synthetic patients of the bank are not the chapter's (whose scores the chapter's
# solutions print), so an instructor can assess with them; the seed makes them reproducible.
BANK_SEED = 20261207
BANK_PATIENTS = 12


SYNTHETIC_NOTE = (
    "The patient is **synthetic**: made up by `stormbook.instruments.vignettes` for teaching "
    "(seed {seed}), not a real patient, and describing no real population. The quiz's "
    "patients are not the synthetic patients of the book's chapters."
)


def _synthetic_source(row) -> Source:
    resource = (
        f"stormbook.instruments.vignettes.synthetic_vignettes(n={BANK_PATIENTS}, seed={BANK_SEED})"
    )
    return Source(resource, row["vignette"], synthetic=True)


def quiz_name(row) -> str:
    """The name a question shows: "Quiz patient C", so that it is not mistaken for the
    book's own synthetic patient C (another seed); the source keeps the generator's name."""
    return row["vignette"].replace("Synthetic patient", "Quiz patient")


def bank_patients():
    return synthetic_vignettes(BANK_PATIENTS, seed=BANK_SEED)


# ------------------------------------------------------------ the HScore
HSCORE_INPUTS = list(inspect.signature(instruments.hscore).parameters)


def hscore_of(row) -> instruments.HScoreResult:
    return instruments.hscore(**{name: row[name] for name in HSCORE_INPUTS})


def hscore_distractors(row) -> list[Option]:
    """The totals that plausible slips give, each named."""
    inputs = {name: row[name] for name in HSCORE_INPUTS}
    slips = []
    if inputs["known_immunosuppression"]:
        slips.append(
            (
                "leaves out the points for known immunosuppression",
                {"known_immunosuppression": False},
            )
        )
    if row["hepatomegaly"]:
        spleen = "hepatomegaly or splenomegaly" if row["splenomegaly"] else "none"
        slips.append(
            (
                "counts the spleen only, as HLH-2004 does; the HScore scores liver and spleen",
                {"organomegaly": spleen},
            )
        )
    if row["hepatomegaly"] != row["splenomegaly"]:
        slips.append(
            (
                "scores one enlarged organ as liver and spleen both",
                {"organomegaly": "hepatomegaly and splenomegaly"},
            )
        )
    if inputs["marrow_haemophagocytosis"]:
        slips.append(
            (
                "leaves out the haemophagocytosis on the marrow aspirate",
                {"marrow_haemophagocytosis": False},
            )
        )
    hlh_lineages = hlh2004_cytopenic_lineages(row)
    if hlh_lineages != inputs["cytopenia_lineages"]:
        slips.append(
            (
                "counts cytopenic lineages with HLH-2004's thresholds, not the HScore's",
                {"cytopenia_lineages": hlh_lineages},
            )
        )
    out = []
    for why, change in slips:
        total = instruments.hscore(**{**inputs, **change}).total
        out.append(Option(total, f"HScore {total}", f"This total {why}."))
    return out


COMPARATORS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
# HLH-2004's cytopenia rows for an adult, the column each reads, and the unit of that column.
HLH2004_LINEAGES = (
    ("B3a", "haemoglobin_g_per_l", "g/L"),
    ("B3c", "platelets_10e9_per_l", "x10^9/L"),
    ("B3d", "neutrophils_10e9_per_l", "x10^9/L"),
)


def hlh2004_cytopenic_lineages(row) -> int:
    """Lineages below HLH-2004's thresholds (an adult's haemoglobin, platelets, neutrophils)."""
    criteria = load_dataset("hlh2004-criteria").set_index("criterion_id")
    count = 0
    for criterion, column, unit in HLH2004_LINEAGES:
        comparator, threshold, printed = criteria.loc[
            criterion, ["comparator", "threshold", "unit"]
        ]
        if printed != unit:
            raise QuestionBankError(
                f"hlh2004-criteria {criterion}: unit {printed!r}, expected {unit!r}"
            )
        count += bool(COMPARATORS[comparator](row[column], threshold))
    return count


def hscore_item(row, version: Version, root: Path = ROOT) -> Item | None:
    """'What is this synthetic patient's HScore?', or None when too few distinct slips exist."""
    result = hscore_of(row)
    correct = Option(result.total, f"HScore {result.total}", _hscore_working(result))
    options = distinct_options(correct, hscore_distractors(row), minimum=2)
    if not options:
        return None
    patient = quiz_name(row)
    stem = (
        f"**{patient}** (synthetic), an adult:\n\n{_hscore_findings(row)}\n\n"
        f"What is this patient's HScore?\n\n{SYNTHETIC_NOTE.format(seed=BANK_SEED)}"
    )
    return vignette_item(
        identifier=f"qb-hscore-{slug(patient)}",
        name=f"HScore: {lower_first(patient)}",
        chapter=INSTRUMENTS_CHAPTER,
        stem=stem,
        options=sorted(options, key=lambda option: option.value),
        correct=correct,
        general="Scored with `stormbook.instruments.hscore` from the book's HScore points "
        "(data: hscore-points, hscore-cytopenia, hscore-performance).",
        source=_synthetic_source(row),
        version=version,
        root=root,
        shuffle=False,
    )


def _yes(flag) -> str:
    return "yes" if flag else "no"


def _hscore_findings(row) -> str:
    return "\n".join(
        [
            f"- known immunosuppression: {_yes(row['known_immunosuppression'])}",
            f"- temperature {number(row['temperature_c'])} °C",
            f"- hepatomegaly: {_yes(row['hepatomegaly'])}; splenomegaly: {_yes(row['splenomegaly'])}",
            f"- haemoglobin {number(row['haemoglobin_g_per_l'])} g/L, leukocytes "
            f"{number(row['leukocytes_10e9_per_l'])} ×10⁹/L, platelets "
            f"{number(row['platelets_10e9_per_l'])} ×10⁹/L",
            f"- ferritin {number(row['ferritin_ng_per_ml'])} ng/mL",
            f"- fasting triglycerides {number(row['triglycerides_mmol_per_l'])} mmol/L, "
            f"fibrinogen {number(row['fibrinogen_g_per_l'])} g/L",
            f"- AST {number(row['ast_iu_per_l'])} IU/L",
            f"- haemophagocytosis on the bone marrow aspirate: {_yes(row['marrow_haemophagocytosis'])}",
        ]
    )


# Units of the HScore's bands as a reader writes them (the data's codes otherwise).
BAND_UNITS = {"degC": "°C", "lineages": ""}


def _band(variable: str, band: str) -> str:
    unit = instruments.HSCORE_VARIABLES[variable][1] or ""
    return f"{display(band)} {BAND_UNITS.get(unit, unit)}".strip()


def _hscore_working(result) -> str:
    points = "; ".join(
        f"{variable.replace('_', ' ')} {_band(variable, result.bands[variable])}: {points}"
        for variable, points in result.points.items()
    )
    side = "at or above" if result.at_or_above_cutoff else "below"
    notes = "".join(f" Note: {markdown_safe(note)}." for note in result.notes)
    return (
        f"Right. Points: {points}. Total {result.total}, {side} the published cut-off of "
        f"{result.cutoff}; published probability: {markdown_safe(result.probability)}.{notes}"
    )


# ------------------------------------------------------------ HLH-2004
def hlh2004_of(row, **changes) -> instruments.CriteriaResult:
    """HLH-2004 for a synthetic adult: genetics, NK-cell activity and sCD25 not measured."""
    inputs = {
        "molecular_diagnosis": None,
        "fever": bool(row["fever"]),
        "splenomegaly": bool(row["splenomegaly"]),
        "age_under_4_weeks": False,
        "haemoglobin_g_per_l": float(row["haemoglobin_g_per_l"]),
        "platelets_10e9_per_l": float(row["platelets_10e9_per_l"]),
        "neutrophils_10e9_per_l": float(row["neutrophils_10e9_per_l"]),
        "triglycerides_mmol_per_l": float(row["triglycerides_mmol_per_l"]),
        "fibrinogen_g_per_l": float(row["fibrinogen_g_per_l"]),
        "haemophagocytosis": bool(row["marrow_haemophagocytosis"]),
        "evidence_of_malignancy": bool(row["evidence_of_malignancy"]),
        "nk_activity_low_or_absent": None,
        "ferritin_ug_per_l": float(row["ferritin_ng_per_ml"]),
        "scd25_u_per_ml": None,
    }
    return instruments.hlh2004(**{**inputs, **changes})


def _criteria_text(met: int, result) -> str:
    return f"{met} of {len(result.criteria)} criteria met"


def hlh2004_distractors(row, result) -> list[Option]:
    """The counts that plausible slips give, each named."""
    out = [
        Option(
            result.met + result.not_assessed,
            _criteria_text(result.met + result.not_assessed, result),
            "This counts the findings that were not measured (NK-cell activity, soluble CD25) "
            "as met; a test not done is not a criterion met.",
        )
    ]
    if row["hepatomegaly"] and not row["splenomegaly"]:
        met = hlh2004_of(row, splenomegaly=True).met
        out.append(
            Option(
                met,
                _criteria_text(met, result),
                "This counts the enlarged liver as splenomegaly; HLH-2004 counts the spleen only.",
            )
        )
    no_fibrinogen = hlh2004_of(row, fibrinogen_g_per_l=None).criteria["B4"]
    no_triglycerides = hlh2004_of(row, triglycerides_mmol_per_l=None).criteria["B4"]
    if no_fibrinogen is True and no_triglycerides is True:
        met = result.met + 1
        out.append(
            Option(
                met,
                _criteria_text(met, result),
                "This counts raised triglycerides and low fibrinogen as two criteria; HLH-2004 counts them as one.",
            )
        )
    hscore_reading = row["cytopenia_lineages"] >= 2
    if hscore_reading != (result.criteria["B3"] is True):
        met = result.met + (1 if hscore_reading else -1)
        out.append(
            Option(
                met,
                _criteria_text(met, result),
                "This reads cytopenia as the HScore defines it (its own thresholds, and leukocytes in place of neutrophils), not as HLH-2004 does.",
            )
        )
    return out


def hlh2004_item(row, version: Version, root: Path = ROOT) -> Item | None:
    """'How many HLH-2004 criteria does this synthetic patient meet?', or None (too few slips)."""
    result = hlh2004_of(row)
    correct = Option(result.met, _criteria_text(result.met, result), _hlh2004_working(result))
    options = distinct_options(correct, hlh2004_distractors(row, result), minimum=2)
    if not options:
        return None
    patient = quiz_name(row)
    stem = (
        f"**{patient}** (synthetic), an adult:\n\n{_hlh2004_findings(row)}\n\n"
        "Genetic testing, NK-cell activity and soluble CD25 (sIL-2 receptor) were not "
        "measured; a malignancy was looked for and not found. How many of the HLH-2004 "
        f"criteria of route B does the patient meet?\n\n{SYNTHETIC_NOTE.format(seed=BANK_SEED)}"
    )
    return vignette_item(
        identifier=f"qb-hlh2004-{slug(patient)}",
        name=f"HLH-2004 criteria: {lower_first(patient)}",
        chapter=INSTRUMENTS_CHAPTER,
        stem=stem,
        options=sorted(options, key=lambda option: option.value),
        correct=correct,
        general="Counted with `stormbook.instruments.hlh2004` from the criteria as reproduced from "
        "HLH-2004 (data: hlh2004-criteria).",
        source=_synthetic_source(row),
        version=version,
        root=root,
        shuffle=False,
    )


def _hlh2004_findings(row) -> str:
    fever = (
        f"fever: {_yes(row['fever'])} (temperature {number(row['temperature_c'])} °C; these "
        f"made-up patients are called febrile at {number(FEVER_C, 1)} °C or more)"
    )
    return "\n".join(
        [
            f"- {fever}",
            f"- hepatomegaly: {_yes(row['hepatomegaly'])}; splenomegaly: {_yes(row['splenomegaly'])}",
            f"- haemoglobin {number(row['haemoglobin_g_per_l'])} g/L, platelets "
            f"{number(row['platelets_10e9_per_l'])} ×10⁹/L, neutrophils "
            f"{number(row['neutrophils_10e9_per_l'])} ×10⁹/L",
            f"- fasting triglycerides {number(row['triglycerides_mmol_per_l'])} mmol/L, "
            f"fibrinogen {number(row['fibrinogen_g_per_l'])} g/L",
            f"- ferritin {number(row['ferritin_ng_per_ml'])} µg/L",
            f"- haemophagocytosis in the bone marrow: {_yes(row['marrow_haemophagocytosis'])}",
        ]
    )


def _hlh2004_working(result) -> str:
    groups = {True: [], False: [], None: []}
    for key, met in result.criteria.items():
        groups[met].append(markdown_safe(result.labels[key]))
    parts = [
        f"{title}: {'; '.join(labels)}."
        for title, labels in (
            ("Met", groups[True]),
            ("Not met", groups[False]),
            ("Not assessed", groups[None]),
        )
        if labels
    ]
    return f"Right. {' '.join(parts)} The book's verdict: {markdown_safe(result.verdict)}."

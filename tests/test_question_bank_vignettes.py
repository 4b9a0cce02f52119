"""The question bank's vignettes: every key is recomputed here from the data row or the
synthetic patient its source names, and every distractor from a named error."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
import question_bank as qb
from bank_files import (
    assert_no_myst,
    assert_valid_qti_item,
    moodle_key,
    plain,
    qti_choices,
    qti_key,
    read_moodle,
    read_qti,
)
from conftest import ROOT, notebook_pages

from book_extensions.teaching_outline import directive_blocks, read_outline
from stormbook import instruments, load_dataset
from stormbook.datasets import read_package
from stormbook.instruments.vignettes import synthetic_vignettes


# ---------------------------------------------------------------------------- the vignettes
@pytest.fixture(scope="module")
def vignette_export(tmp_path_factory):
    items = qb.vignette_items(qb.book_version(ROOT))
    out = tmp_path_factory.mktemp("vignettes")
    moodle, package = qb.write_bank(items, out)
    return items, read_moodle(moodle), read_qti(package)


def synthetic_patient(resource: str, patient: str):
    """The synthetic patient an item names, regenerated from the seed its source records."""
    n, seed = (int(x) for x in re.search(r"n=(\d+), seed=(\d+)", resource).groups())
    patients = synthetic_vignettes(n, seed=seed)
    return patients[patients["vignette"] == patient].iloc[0]


def data_row(resource: str, key: str):
    frame = load_dataset(resource)
    key_column = {"recovery-trials": "row_id", "anakinra-outcomes": "comparison_id"}[resource]
    rows = frame[frame[key_column] == key]
    assert len(rows) == 1, f"{resource} has no single row {key!r}"
    return rows.iloc[0]


def schema_fields(resource: str) -> list[dict]:
    package = read_package(ROOT / "data" / "datapackage.json")
    return next(r for r in package["resources"] if r["name"] == resource)["schema"]["fields"]


def expected_key(identifier: str, resource: str, row_key: str) -> str:
    """The right answer, computed here from the item's source row."""
    if identifier.startswith("qb-hscore-"):
        patient = synthetic_patient(resource, row_key)
        names = inspect.signature(instruments.hscore).parameters
        return f"HScore {instruments.hscore(**{n: patient[n] for n in names}).total}"
    if identifier.startswith("qb-hlh2004-"):
        patient = synthetic_patient(resource, row_key)
        result = instruments.hlh2004(
            molecular_diagnosis=None,
            fever=bool(patient["fever"]),
            splenomegaly=bool(patient["splenomegaly"]),
            age_under_4_weeks=False,
            haemoglobin_g_per_l=float(patient["haemoglobin_g_per_l"]),
            platelets_10e9_per_l=float(patient["platelets_10e9_per_l"]),
            neutrophils_10e9_per_l=float(patient["neutrophils_10e9_per_l"]),
            triglycerides_mmol_per_l=float(patient["triglycerides_mmol_per_l"]),
            fibrinogen_g_per_l=float(patient["fibrinogen_g_per_l"]),
            haemophagocytosis=bool(patient["marrow_haemophagocytosis"]),
            evidence_of_malignancy=bool(patient["evidence_of_malignancy"]),
            nk_activity_low_or_absent=None,
            ferritin_ug_per_l=float(patient["ferritin_ng_per_ml"]),
            scd25_u_per_ml=None,
        )
        return f"{result.met} of 8 criteria met"
    row = data_row(resource, row_key)
    if identifier.startswith("qb-risk-ratio-"):
        risk = row["events_treated"] / row["n_treated"]
        return f"{risk / (row['events_control'] / row['n_control']):.2f}"
    if identifier.startswith("qb-risk-difference-"):
        difference = 100 * (
            row["events_treated"] / row["n_treated"] - row["events_control"] / row["n_control"]
        )
        side = "more" if difference >= 0 else "fewer"
        return f"{abs(difference):.1f} {side} deaths per 100 patients with anakinra"
    if identifier.startswith("qb-interval-"):
        if row["ci_high"] < 1:
            return f"{row['drug'].capitalize()} reduced deaths in these patients: the whole interval lies below 1"
        if row["ci_low"] > 1:
            return f"{row['drug'].capitalize()} increased deaths in these patients: the whole interval lies above 1"
        return "No clear effect: the interval includes 1, so the data fit both benefit and harm"
    raise AssertionError(f"no rule to recompute the key of {identifier}")


def test_there_are_six_to_ten_vignettes_each_with_a_unique_identifier(vignette_export):
    items, questions, qti = vignette_export
    identifiers = [item.identifier for item in items]
    assert 6 <= len(items) <= 10
    assert len(set(identifiers)) == len(identifiers)
    assert [q["id"] for q in questions] == identifiers == list(qti)


def test_every_vignette_key_equals_the_answer_computed_from_its_source_row(vignette_export):
    _, questions, qti = vignette_export
    for question in questions:
        item = qti[question["id"]]
        resource, row_key = (
            item["lom"]["stormbook-source-resource"],
            item["lom"]["stormbook-source-row"],
        )
        expected = expected_key(question["id"], resource, row_key)
        assert moodle_key(question) == [expected], question["id"]
        choices = dict(qti_choices(item["root"]))
        assert [choices[key] for key in qti_key(item["root"])] == [expected], question["id"]


def test_trial_distractors_are_the_named_errors_computed_from_the_counts(vignette_export):
    _, questions, _ = vignette_export
    by_id = {q["id"]: q for q in questions}
    toc = data_row("recovery-trials", "toc_all")
    et, nt, ec, nc = (
        int(toc[c]) for c in ("events_treated", "n_treated", "events_control", "n_control")
    )
    rr = (et / nt) / (ec / nc)
    odds = (et / (nt - et)) / (ec / (nc - ec))
    survival = ((nt - et) / nt) / ((nc - ec) / nc)
    answers = [text for text, _, _ in by_id["qb-risk-ratio-recovery-trials-toc-all"]["answers"]]
    assert sorted(answers) == sorted(f"{value:.2f}" for value in (rr, 1 / rr, odds, survival))
    ana = data_row("anakinra-outcomes", "anaconda-death-d28")
    et, nt, ec, nc = (
        int(ana[c]) for c in ("events_treated", "n_treated", "events_control", "n_control")
    )
    difference = 100 * (et / nt - ec / nc)
    answers = [
        text
        for text, _, _ in by_id["qb-risk-difference-anakinra-outcomes-anaconda-death-d28"][
            "answers"
        ]
    ]
    assert answers == [
        f"{difference:.1f} more deaths per 100 patients with anakinra",
        f"{difference:.1f} fewer deaths per 100 patients with anakinra",
        f"{et - ec:.1f} more deaths per 100 patients with anakinra",
        f"{100 * et / nt:.1f} more deaths per 100 patients with anakinra",
    ]


def test_every_vignette_has_distinct_options_each_with_feedback(vignette_export):
    _, questions, _ = vignette_export
    for question in questions:
        texts = [text for text, _, _ in question["answers"]]
        assert len(texts) == len(set(texts)) >= 3, question["id"]
        assert all(feedback for _, _, feedback in question["answers"]), question["id"]


def test_trial_stems_print_only_numbers_found_in_the_source_row(vignette_export):
    items, _, _ = vignette_export
    for item in items:
        if item.source.synthetic:
            continue
        row = data_row(item.source.resource, item.source.row)
        # The row's cells, its citation, and its descriptor (which states the interval's level).
        printed = " ".join(str(value) for value in row.to_numpy()) + " " + item.source.cited
        printed += " " + " ".join(
            f.get("description", "") for f in schema_fields(item.source.resource)
        )
        allowed = {n.replace(",", "") for n in re.findall(r"\d[\d,]*(?:\.\d+)?", printed)}
        allowed |= {f"{float(v):.2f}" for v in row.to_numpy() if isinstance(v, float)}
        stem = plain(item.question)
        for found in re.findall(r"\d[\d,]*(?:\.\d+)?", stem):
            assert found.replace(",", "") in allowed, (
                f"{item.identifier}: {found} is not in the row"
            )


def test_every_vignette_carries_its_source_row_and_the_version(vignette_export):
    items, questions, qti = vignette_export
    version = qb.book_version(ROOT)
    for item, question in zip(items, questions, strict=True):
        exported = qti[question["id"]]
        resource, row_key = (
            exported["lom"]["stormbook-source-resource"],
            exported["lom"]["stormbook-source-row"],
        )
        assert (resource, row_key) == (item.source.resource, item.source.row)
        if item.source.synthetic:
            assert synthetic_patient(resource, row_key)["vignette"] == row_key
            assert "synthetic" in question["tags"]
            assert "synthetic" in question["question"].lower()
        else:
            assert data_row(resource, row_key) is not None
        assert exported["version"] == version.book
        assert f"book-{version.book}" in question["tags"]
        source_line = plain(question["general"])
        assert f"row {row_key}" in source_line and f"book version {version.book}" in source_line
        assert f"row {row_key}" in exported["description"]


def test_vignette_files_are_well_formed_valid_and_free_of_myst(vignette_export):
    _, questions, qti = vignette_export
    for question in questions:
        assert question["type"] == "multichoice"
        assert question["category"].endswith("/Vignettes from the data")
        assert_no_myst(question["texts"], question["id"])
    for identifier, item in qti.items():
        assert_valid_qti_item(identifier, item)
        assert_no_myst(item["texts"], identifier)


# ---------------------------------------------------------------------------- the real book
ROLE = re.compile(r"\{[\w:+-]+\}`[^`]*`")


def option_pattern(markdown: str) -> re.Pattern:
    """What an option's text must look like once exported: its words, any text for a role."""
    parts = ROLE.split(markdown)
    words = [" ".join(re.sub(r"[*`]", "", part).split()) for part in parts]
    return re.compile(r"\s*.+?\s*".join(re.escape(word) for word in words))


def book_self_checks() -> list[tuple[str, object]]:
    """(chapter title, self-check) for every self-check of the chapters the table of contents
    lists, read from the notebooks."""
    outlines = [read_outline(ROOT / f"{page}.ipynb") for page in notebook_pages()]
    return [(outline.title, block) for outline in outlines for block in outline.self_checks]


@pytest.mark.build
def test_the_built_book_exports_every_self_check_and_vignette_with_its_key(built_site, tmp_path):
    assert qb.main(["--out", str(tmp_path)]) == 0
    check_book_export(tmp_path)


def check_book_export(out: Path) -> None:
    questions, qti = read_moodle(out / "moodle.xml"), read_qti(out / "qti21.zip")
    self_checks = book_self_checks()
    vignettes = [q for q in questions if q["id"].startswith("qb-")]
    assert len(questions) == len(qti) == len(self_checks) + len(vignettes)
    assert 6 <= len(vignettes) <= 10
    by_id = {q["id"]: q for q in questions}
    for chapter, block in self_checks:
        question, item = by_id[block.label], qti[block.label]
        assert question["category"].endswith(f"/{chapter}/Self-checks"), block.label
        options = [b for b in directive_blocks(block.body) if b.name == "self-check-choice"]
        assert_valid_qti_item(block.label, item)
        assert_no_myst(question["texts"] + item["texts"], block.label)
        if not options:
            assert question["type"] == "essay" and question["grader"], block.label
            continue
        position = next(i for i, o in enumerate(options) if "correct" in o.options)
        fractions = [fraction for _, fraction, _ in question["answers"]]
        assert fractions.index("100") == position and fractions.count("100") == 1, block.label
        key = moodle_key(question)[0]
        assert option_pattern(options[position].argument).fullmatch(key), (block.label, key)
        choices = qti_choices(item["root"])
        assert qti_key(item["root"]) == [choices[position][0]], block.label
        assert choices[position][1] == key, block.label


def test_quiz_patients_are_not_named_like_the_books_own():
    """The bank's patients come from another seed: "Quiz patient C" is not chapter 01's
    synthetic patient C, and the question says so."""
    synthetic = [i for i in qb.vignette_items(qb.book_version(ROOT)) if i.source.synthetic]
    assert synthetic
    for item in synthetic:
        assert "Quiz patient" in item.question and "Synthetic patient" not in item.question
        assert "not the synthetic patients of the book" in plain(item.question)
        assert item.source.row.startswith("Synthetic patient")  # the generator's own name

"""The instructors' question bank (tools/question_bank.py).

The exported files are read back with the standard library's XML parser and zipfile, never
with the exporter's own code, and every item's key is checked against its source: the
self-check option marked `:correct:`, or the answer recomputed here from the data row.
Self-checks are tested on a tiny book made in tmp_path (a notebook, its glued values, a
bibliography); the vignettes need no build; one test exports the real book after the build.
"""

from __future__ import annotations

import inspect
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
import question_bank as qb
from conftest import ROOT, notebook_pages

from book_extensions.teaching_outline import directive_blocks, read_outline
from stormbook import instruments, load_dataset
from stormbook.datasets import read_package
from stormbook.instruments.vignettes import synthetic_vignettes

QTI = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
CP = "{http://www.imsglobal.org/xsd/imscp_v1p1}"
LOM = "{http://ltsc.ieee.org/xsd/LOM}"
NCNAME = re.compile(r"^[A-Za-z_][\w.-]*$")
MYST_LEFTOVER = re.compile(r"[`{}]|^\s*:::|\{[\w:-]+\}")


# ---------------------------------------------------------------------------- readers
def plain(html: str | None) -> str:
    """The text a reader sees in an XHTML fragment, white space collapsed."""
    return " ".join("".join(ET.fromstring(f"<div>{html or ''}</div>").itertext()).split())


def read_moodle(path: Path) -> list[dict]:
    """Each question of a Moodle XML file, with the category it is filed under."""
    questions, category = [], None
    for question in ET.parse(path).getroot().findall("question"):
        if question.get("type") == "category":
            category = question.findtext("category/text")
            continue
        questions.append(
            {
                "type": question.get("type"),
                "id": question.findtext("idnumber"),
                "category": category,
                "question": plain(question.findtext("questiontext/text")),
                "general": question.findtext("generalfeedback/text"),
                "grader": plain(question.findtext("graderinfo/text")),
                "answers": [
                    (
                        plain(a.findtext("text")),
                        a.get("fraction"),
                        plain(a.findtext("feedback/text")),
                    )
                    for a in question.findall("answer")
                ],
                "single": question.findtext("single"),
                "tags": [tag.findtext("text") for tag in question.findall("tags/tag")],
                "texts": [
                    plain(parent.findtext("text")) if parent.get("format") == "html" else text.text
                    for parent in question.iter()
                    for text in parent.findall("text")
                ],
            }
        )
    return questions


def read_qti(path: Path) -> dict[str, dict]:
    """Each item of a QTI 2.1 content package, by identifier, with its manifest metadata."""
    items = {}
    with zipfile.ZipFile(path) as package:
        names = set(package.namelist())
        manifest = ET.fromstring(package.read("imsmanifest.xml"))
        for resource in manifest.iter(f"{CP}resource"):
            href = resource.get("href")
            assert href in names, f"the manifest lists {href}, which the package lacks"
            assert [f.get("href") for f in resource.findall(f"{CP}file")] == [href]
            root = ET.fromstring(package.read(href))
            lom = {
                ident.findtext(f"{LOM}catalog"): ident.findtext(f"{LOM}entry")
                for ident in resource.iter(f"{LOM}identifier")
            }
            items[root.get("identifier")] = {
                "root": root,
                "resource": resource.get("identifier"),
                "href": href,
                "lom": lom,
                "version": resource.findtext(f".//{LOM}lifeCycle/{LOM}version/{LOM}string"),
                "description": resource.findtext(f".//{LOM}description/{LOM}string"),
                "texts": list(root.itertext()) + list(resource.itertext()),
            }
        listed = {item["href"] for item in items.values()} | {"imsmanifest.xml"}
        assert names == listed, f"files in the package but not in the manifest: {names - listed}"
    return items


def qti_choices(root: ET.Element) -> list[tuple[str, str]]:
    return [(c.get("identifier"), plain_element(c)) for c in root.iter(f"{QTI}simpleChoice")]


def plain_element(element: ET.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def qti_key(root: ET.Element) -> list[str]:
    return [
        v.text for v in root.findall(f"{QTI}responseDeclaration/{QTI}correctResponse/{QTI}value")
    ]


def moodle_key(question: dict) -> list[str]:
    return [text for text, fraction, _ in question["answers"] if fraction == "100"]


# ---------------------------------------------------------------------------- checks shared
def assert_no_myst(texts, where: str) -> None:
    """No role, backtick, brace or fence in the text a reader sees."""
    for text in texts:
        found = MYST_LEFTOVER.search(text or "")
        assert not found, f"{where}: MyST syntax survives in {text!r}"


def assert_valid_qti_item(identifier: str, item: dict) -> None:
    """The structure this bank declares for an item (QTI 2.1 names and rules)."""
    root = item["root"]
    assert root.tag == f"{QTI}assessmentItem"
    assert NCNAME.match(identifier), identifier
    assert NCNAME.match(item["resource"]), item["resource"]
    declarations = root.findall(f"{QTI}responseDeclaration")
    assert [d.get("identifier") for d in declarations] == ["RESPONSE"]
    body = root.find(f"{QTI}itemBody")
    choice = body.find(f"{QTI}choiceInteraction")
    if choice is None:
        assert body.find(f"{QTI}extendedTextInteraction").get("responseIdentifier") == "RESPONSE"
        assert plain_element(body.find(f"{QTI}rubricBlock")), f"{identifier}: no model answer"
        return
    assert choice.get("responseIdentifier") == "RESPONSE"
    assert choice.get("maxChoices") == "1"
    assert declarations[0].get("cardinality") == "single"
    assert declarations[0].get("baseType") == "identifier"
    ids = [choice_id for choice_id, _ in qti_choices(root)]
    assert len(ids) == len(set(ids)) >= 2, f"{identifier}: choice identifiers {ids}"
    key = qti_key(root)
    assert len(key) == 1 and key[0] in ids, f"{identifier}: correct response {key} not in {ids}"
    feedback = [
        f.get("identifier")
        for f in root.findall(f"{QTI}modalFeedback")
        if f.get("outcomeIdentifier") == "FEEDBACK"
    ]
    assert feedback == ids, f"{identifier}: feedback for {feedback}, choices {ids}"


# ---------------------------------------------------------------------------- a tiny book
BIB = """
@article{smith2020,
  author = {Smith, Ann and Jones, Bob},
  title = {A study},
  journal = {J},
  year = {2020}
}
@article{lee2021,
  author = {Lee, Cy and Park, Di and Kim, Eo},
  title = {Another study},
  journal = {J},
  year = {2021}
}
"""

MULTIPLE_CHOICE = """```{self-check} Of the {glue:text}`n_total` patients, how many had *fever*?
:label: sc-tiny-fever
:objectives: 1

````{self-check-choice} {glue:text}`share:.1f`% of them, as {cite:p}`smith2020` report
:correct:
Yes: {cite:t}`smith2020` counted them; {cite:p}`smith2020,lee2021` agree.
````

````{self-check-choice} Only those with `ferritin` above {glue:text}`cut`
No: {term}`MAS <Macrophage activation syndrome>` is another matter.
````
```"""

ESSAY = """```{self-check} Why, {{ time_01 }}? Think before you open the model answer.
:label: sc-tiny-why
:objectives: 1

````{self-check-answer}
Because it was first named in {glue:text}`when`.
````
```"""

GLUE = {"n_total": "52", "share": "42.345", "cut": "'500'", "when": "'March 2020'"}


FIGURE = """:::{chart} fig-tiny-counts
Patients by year. Drag the slider to choose a year.

+++
One bar per year.
:::"""


def write_book(root: Path, *self_checks: str, glue: dict | None = GLUE) -> Path:
    """A book with one chapter holding a figure and `self_checks`, and (unless None) its
    glued values."""
    (root / "chapters").mkdir(parents=True)
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: index\nchapters:\n  - file: chapters/01-tiny\n", encoding="utf-8"
    )
    (root / "CITATION.cff").write_text("cff-version: 1.2.0\nversion: 9.9.9\n", encoding="utf-8")
    (root / "_config.yml").write_text(
        "parse:\n  myst_substitutions:\n    time_01: about an hour\n", encoding="utf-8"
    )
    (root / "references.bib").write_text(BIB, encoding="utf-8")
    cells = [
        "# A tiny chapter\n\n**Learning objectives.**\n\n1. answer a question",
        "(sec-tiny-data)=\n## The *data*\n\n" + FIGURE,
        "## Self-check\n\n" + "\n\n".join(self_checks),
    ]
    notebook = {
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": text} for text in cells],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (root / "chapters" / "01-tiny.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    if glue is not None:
        glue_dir = root / qb.GLUE_FOLDER / "chapters"
        glue_dir.mkdir(parents=True)
        stored = {key: {"data": {"text/plain": value}} for key, value in glue.items()}
        (glue_dir / "01-tiny.glue.json").write_text(json.dumps(stored), encoding="utf-8")
    return root


def tiny_items(root: Path) -> list[qb.Item]:
    return qb.collect_items(root, vignettes=False)


@pytest.fixture
def tiny_book(tmp_path) -> Path:
    return write_book(tmp_path / "book", MULTIPLE_CHOICE, ESSAY)


# ---------------------------------------------------------------------------- MyST to text
def test_a_self_check_becomes_an_item_with_every_role_resolved(tiny_book):
    item = tiny_items(tiny_book)[0]
    assert item.identifier == "sc-tiny-fever"
    assert item.chapter == "A tiny chapter"
    assert item.question == "<p>Of the 52 patients, how many had <em>fever</em>?</p>"
    assert [plain(choice.text) for choice in item.choices] == [
        "42.3% of them, as (Smith and Jones 2020) report",
        "Only those with ferritin above 500",
    ]
    assert item.choices[1].text == "Only those with <code>ferritin</code> above 500"
    assert [choice.correct for choice in item.choices] == [True, False]
    assert plain(item.choices[0].feedback) == (
        "Yes: Smith and Jones (2020) counted them; (Smith and Jones 2020; Lee et al. 2021) agree."
    )
    assert plain(item.choices[1].feedback) == "No: MAS is another matter."
    assert item.source.sentence() == "self-check sc-tiny-fever in chapters/01-tiny.ipynb"
    assert item.version == qb.Version("9.9.9")


def test_a_short_answer_self_check_becomes_an_essay_with_its_model_answer(tiny_book):
    item = tiny_items(tiny_book)[1]
    assert item.is_essay and item.choices == ()
    assert plain(item.question) == "Why, about an hour? Think before you open the model answer."
    assert item.general_feedback == (
        "<p><strong>Model answer.</strong> Because it was first named in March 2020.</p>"
    )


def test_references_and_other_roles_become_the_words_a_reader_sees(tiny_book):
    notebook = tiny_book / "chapters" / "01-tiny.ipynb"
    context = qb.TextContext(tiny_book, notebook, tiny_book / qb.GLUE_FOLDER, "a test")
    assert qb.role_text("numref", "fig-tiny-counts", context) == "the figure “Patients by year”"
    assert qb.role_text("numref", "Figure %s <fig-tiny-counts>", context) == (
        "Figure “Patients by year”"
    )
    assert qb.role_text("ref", "sec-tiny-data", context) == "the section “The data”"
    assert qb.role_text("ref", "the data section <sec-tiny-data>", context) == "the data section"
    assert qb.role_text("doc", "01-tiny", context) == "A tiny chapter"
    assert qb.role_text("doc", "the chapter <01-tiny>", context) == "the chapter"
    assert qb.role_text("term", "HLH", context) == "HLH"
    with pytest.raises(qb.QuestionBankError, match=r"a test: cannot find the target 'fig-none'"):
        qb.role_text("numref", "fig-none", context)


# ---------------------------------------------------------------------------- bad input
def test_a_self_check_without_a_correct_option_is_refused_by_label(tmp_path):
    book = write_book(tmp_path, MULTIPLE_CHOICE.replace(":correct:\n", ""))
    with pytest.raises(qb.QuestionBankError, match=r"sc-tiny-fever.*no option is marked :correct:"):
        tiny_items(book)


def test_a_self_check_with_two_correct_options_is_refused_by_label(tmp_path):
    two = MULTIPLE_CHOICE.replace("above {glue:text}`cut`\n", "above {glue:text}`cut`\n:correct:\n")
    assert two.count(":correct:") == 2
    with pytest.raises(
        qb.QuestionBankError, match=r"sc-tiny-fever.*2 options are marked :correct:"
    ):
        tiny_items(write_book(tmp_path, two))


def test_a_missing_glued_value_is_named_with_the_fix(tmp_path):
    book = write_book(
        tmp_path, MULTIPLE_CHOICE, glue={k: v for k, v in GLUE.items() if k != "share"}
    )
    with pytest.raises(
        qb.QuestionBankError, match=r"sc-tiny-fever.*'share'.*run `make book` first"
    ):
        tiny_items(book)


def test_an_unbuilt_book_is_told_to_run_make_book(tmp_path):
    book = write_book(tmp_path, MULTIPLE_CHOICE, glue=None)
    with pytest.raises(qb.QuestionBankError, match=r"01-tiny\.glue\.json not found.*make book"):
        tiny_items(book)


def test_the_command_line_fails_with_the_same_advice_when_the_book_is_not_built(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(qb, "ROOT", write_book(tmp_path / "book", MULTIPLE_CHOICE, glue=None))
    assert qb.main(["--out", str(tmp_path / "out")]) == 1
    assert "run `make book` first" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_unknown_citation_key_is_named(tmp_path):
    book = write_book(
        tmp_path, MULTIPLE_CHOICE.replace("{cite:t}`smith2020`", "{cite:t}`nobody1999`")
    )
    with pytest.raises(qb.QuestionBankError, match=r"sc-tiny-fever.*'nobody1999'.*references\.bib"):
        tiny_items(book)


def test_a_glued_value_that_cannot_take_its_format_is_named(tmp_path):
    book = write_book(tmp_path, MULTIPLE_CHOICE, glue={**GLUE, "share": "'about half'"})
    with pytest.raises(qb.QuestionBankError, match=r"'share'.*cannot be formatted with '\.1f'"):
        tiny_items(book)


def test_myst_the_exporter_cannot_turn_into_text_stops_the_export(tmp_path):
    fenced = MULTIPLE_CHOICE.replace(
        "No: {term}", ":::{dropdown} Hint\nLook again.\n:::\n\nNo: {term}"
    )
    with pytest.raises(qb.QuestionBankError, match=r"sc-tiny-fever: MyST syntax left"):
        tiny_items(write_book(tmp_path, fenced))


def test_a_self_check_without_a_label_is_refused(tmp_path):
    book = write_book(tmp_path, MULTIPLE_CHOICE.replace(":label: sc-tiny-fever\n", ""))
    with pytest.raises(
        qb.QuestionBankError, match=r"self-check 1 in chapters/01-tiny\.ipynb has no :label:"
    ):
        tiny_items(book)


def test_a_self_check_with_neither_options_nor_an_answer_is_refused(tmp_path):
    empty = "```{self-check} A question?\n:label: sc-tiny-empty\n\nJust text.\n```"
    with pytest.raises(
        qb.QuestionBankError, match=r"sc-tiny-empty in chapters/01-tiny\.ipynb: neither options"
    ):
        tiny_items(write_book(tmp_path, empty))


# ---------------------------------------------------------------------------- export, re-read
@pytest.fixture
def tiny_export(tiny_book, tmp_path):
    return qb.write_bank(tiny_items(tiny_book), tmp_path / "out")


def test_moodle_xml_of_the_tiny_book_reads_back_with_each_key(tiny_export):
    moodle, _ = tiny_export
    questions = read_moodle(moodle)
    assert [q["id"] for q in questions] == ["sc-tiny-fever", "sc-tiny-why"]
    fever, why = questions
    assert fever["type"] == "multichoice" and fever["single"] == "true"
    assert moodle_key(fever) == ["42.3% of them, as (Smith and Jones 2020) report"]
    assert [fraction for _, fraction, _ in fever["answers"]] == ["100", "0"]
    assert fever["answers"][1][2] == "No: MAS is another matter."
    assert (
        fever["category"]
        == "$course$/top/Cytokine storm syndromes (book 9.9.9)/A tiny chapter/Self-checks"
    )
    assert why["type"] == "essay" and why["answers"] == []
    assert why["grader"] == "Model answer. Because it was first named in March 2020."
    for question in questions:
        assert "book-9.9.9" in question["tags"]
        assert "book version 9.9.9" in plain(question["general"])
        assert_no_myst(question["texts"], question["id"])


def test_qti_package_of_the_tiny_book_reads_back_with_each_key(tiny_export):
    _, package = tiny_export
    items = read_qti(package)
    assert list(items) == ["sc-tiny-fever", "sc-tiny-why"]
    fever = items["sc-tiny-fever"]
    choices = dict(qti_choices(fever["root"]))
    assert [choices[key] for key in qti_key(fever["root"])] == [
        "42.3% of them, as (Smith and Jones 2020) report"
    ]
    for identifier, item in items.items():
        assert_valid_qti_item(identifier, item)
        assert item["version"] == "9.9.9"
        assert item["lom"]["stormbook-source-resource"] == "chapters/01-tiny.ipynb"
        assert item["lom"]["stormbook-source-row"] == identifier
        assert_no_myst(item["texts"], identifier)


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

"""The instructors' question bank (tools/question_bank.py): the chapters' self-checks.

The exported files are read back with the standard library's XML parser and zipfile, never
with the exporter's own code (`bank_files`), and every item's key is checked against its
self-check option marked `:correct:`. Self-checks are tested on a tiny book made in tmp_path
(a notebook, its glued values, a bibliography); the vignettes, and the export of the real
book after the build, are in test_question_bank_vignettes.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import bank_items
import bank_text
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
        glue_dir = root / bank_items.GLUE_FOLDER / "chapters"
        glue_dir.mkdir(parents=True)
        stored = {key: {"data": {"text/plain": value}} for key, value in glue.items()}
        (glue_dir / "01-tiny.glue.json").write_text(json.dumps(stored), encoding="utf-8")
    return root


def tiny_items(root: Path) -> list[bank_items.Item]:
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
    assert item.version == bank_items.Version("9.9.9")


def test_a_short_answer_self_check_becomes_an_essay_with_its_model_answer(tiny_book):
    item = tiny_items(tiny_book)[1]
    assert item.is_essay and item.choices == ()
    assert plain(item.question) == "Why, about an hour? Think before you open the model answer."
    assert item.general_feedback == (
        "<p><strong>Model answer.</strong> Because it was first named in March 2020.</p>"
    )


def test_references_and_other_roles_become_the_words_a_reader_sees(tiny_book):
    notebook = tiny_book / "chapters" / "01-tiny.ipynb"
    context = bank_text.TextContext(
        tiny_book, notebook, tiny_book / bank_items.GLUE_FOLDER, "a test"
    )
    assert (
        bank_text.role_text("numref", "fig-tiny-counts", context) == "the figure “Patients by year”"
    )
    assert bank_text.role_text("numref", "Figure %s <fig-tiny-counts>", context) == (
        "Figure “Patients by year”"
    )
    assert bank_text.role_text("ref", "sec-tiny-data", context) == "the section “The data”"
    assert (
        bank_text.role_text("ref", "the data section <sec-tiny-data>", context)
        == "the data section"
    )
    assert bank_text.role_text("doc", "01-tiny", context) == "A tiny chapter"
    assert bank_text.role_text("doc", "the chapter <01-tiny>", context) == "the chapter"
    assert bank_text.role_text("term", "HLH", context) == "HLH"
    with pytest.raises(
        bank_items.QuestionBankError, match=r"a test: cannot find the target 'fig-none'"
    ):
        bank_text.role_text("numref", "fig-none", context)


# ---------------------------------------------------------------------------- bad input
def test_a_self_check_without_a_correct_option_is_refused_by_label(tmp_path):
    book = write_book(tmp_path, MULTIPLE_CHOICE.replace(":correct:\n", ""))
    with pytest.raises(
        bank_items.QuestionBankError, match=r"sc-tiny-fever.*no option is marked :correct:"
    ):
        tiny_items(book)


def test_a_self_check_with_two_correct_options_is_refused_by_label(tmp_path):
    two = MULTIPLE_CHOICE.replace("above {glue:text}`cut`\n", "above {glue:text}`cut`\n:correct:\n")
    assert two.count(":correct:") == 2
    with pytest.raises(
        bank_items.QuestionBankError, match=r"sc-tiny-fever.*2 options are marked :correct:"
    ):
        tiny_items(write_book(tmp_path, two))


def test_a_missing_glued_value_is_named_with_the_fix(tmp_path):
    book = write_book(
        tmp_path, MULTIPLE_CHOICE, glue={k: v for k, v in GLUE.items() if k != "share"}
    )
    with pytest.raises(
        bank_items.QuestionBankError, match=r"sc-tiny-fever.*'share'.*run `make book` first"
    ):
        tiny_items(book)


def test_an_unbuilt_book_is_told_to_run_make_book(tmp_path):
    book = write_book(tmp_path, MULTIPLE_CHOICE, glue=None)
    with pytest.raises(
        bank_items.QuestionBankError, match=r"01-tiny\.glue\.json not found.*make book"
    ):
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
    with pytest.raises(
        bank_items.QuestionBankError, match=r"sc-tiny-fever.*'nobody1999'.*references\.bib"
    ):
        tiny_items(book)


def test_a_glued_value_that_cannot_take_its_format_is_named(tmp_path):
    book = write_book(tmp_path, MULTIPLE_CHOICE, glue={**GLUE, "share": "'about half'"})
    with pytest.raises(
        bank_items.QuestionBankError, match=r"'share'.*cannot be formatted with '\.1f'"
    ):
        tiny_items(book)


def test_myst_the_exporter_cannot_turn_into_text_stops_the_export(tmp_path):
    fenced = MULTIPLE_CHOICE.replace(
        "No: {term}", ":::{dropdown} Hint\nLook again.\n:::\n\nNo: {term}"
    )
    with pytest.raises(bank_items.QuestionBankError, match=r"sc-tiny-fever: MyST syntax left"):
        tiny_items(write_book(tmp_path, fenced))


def test_a_self_check_without_a_label_is_refused(tmp_path):
    book = write_book(tmp_path, MULTIPLE_CHOICE.replace(":label: sc-tiny-fever\n", ""))
    with pytest.raises(
        bank_items.QuestionBankError,
        match=r"self-check 1 in chapters/01-tiny\.ipynb has no :label:",
    ):
        tiny_items(book)


def test_a_self_check_with_neither_options_nor_an_answer_is_refused(tmp_path):
    empty = "```{self-check} A question?\n:label: sc-tiny-empty\n\nJust text.\n```"
    with pytest.raises(
        bank_items.QuestionBankError,
        match=r"sc-tiny-empty in chapters/01-tiny\.ipynb: neither options",
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

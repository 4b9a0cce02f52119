"""Each chapter's exercises as an Otter-Grader assignment (tools/assignments.py).

Without the build: every chapter with exercises has an assignment file that names each of
its exercises, the autograded ones have solution code to grade and tests that compute their
expectation from stormbook, and a file that cannot be graded is refused with a named error.

After the build (marked `build`), per chapter, graded by the autograder the way an
instructor grades: the solutions score full marks; the blank student notebook scores zero
on every question; each question's deliberately wrong answer loses exactly that question's
points; no hidden test or solution is in the student notebook; and the student notebook
runs top to bottom in a new kernel, where grader.check reports each question.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import assignments as a
import nbformat
import pytest
import yaml
from conftest import ROOT

STEMS = a.assignment_chapters(ROOT)


def spec_of(stem: str) -> dict:
    return yaml.safe_load(a.spec_path(stem, ROOT).read_text(encoding="utf-8"))


def autograded(stem: str) -> dict:
    return {k: q for k, q in spec_of(stem)["questions"].items() if not q.get("manual")}


def test_every_chapter_with_exercises_has_an_assignment():
    assert STEMS == [
        "00-introduction",
        "01-terminology",
        "02-perforin-pathway",
        "03-anakinra-evidence",
        "04-treatment",
    ]
    on_disk = sorted(p.stem for p in (ROOT / a.SPECS).glob("*.yml"))
    assert on_disk == sorted(STEMS), "an assignment file without its chapter"


@pytest.mark.parametrize("stem", STEMS)
def test_assignment_file_matches_the_chapter(stem):
    chapter = a.chapter_exercises(ROOT / "chapters" / f"{stem}.ipynb")
    spec = a.read_spec(stem, chapter, ROOT)  # raises on any mismatch
    for exercise in chapter.exercises:
        question = spec["questions"][exercise.label]
        if question.get("manual"):
            assert a.manual_points(exercise.label, question, ROOT) > 0
            assert chapter.solutions.get(exercise.label), f"{exercise.label}: no model answer"
        else:
            assert exercise.solution_code, f"{exercise.label}: no solution code to grade"
            assert exercise.starter, f"{exercise.label}: no 'Your turn' cell"


@pytest.mark.parametrize("stem", STEMS)
def test_hidden_tests_compute_what_they_expect(stem):
    """A hidden test compares with stormbook's own computation (from the data where the
    exercise uses data), so a data update moves the expectation with it."""
    for label, question in autograded(stem).items():
        for test in question["hidden"]:
            code = test["test"]
            assert "from stormbook" in code, f"{label}: a hidden test computes nothing"
            # No result typed in: the only decimal numbers allowed are the exercise's own
            # inputs (the made-up studies, the scenario's temperatures) and tolerances.
            typed = re.findall(r"(?<![\w.])\d+\.\d+(?![\w.])", code)
            allowed = {"0.4", "0.1", "0.2", "0.0", "38.9", "37.2", "61.0", "401.0"}
            assert set(typed) <= allowed, f"{label}: typed numbers {set(typed) - allowed}"


def test_evidence_chapters_read_the_data_in_their_hidden_tests():
    for stem in ("03-anakinra-evidence", "04-treatment"):
        for label, question in autograded(stem).items():
            if label == "ex-ana-pool":  # three made-up studies given in the exercise
                continue
            for test in question["hidden"]:
                assert "load_dataset(" in test["test"], f"{label}: expectation not from the data"


def test_a_spec_that_forgets_an_exercise_is_refused(tmp_path):
    stem = STEMS[0]
    chapter = a.chapter_exercises(ROOT / "chapters" / f"{stem}.ipynb")
    spec = spec_of(stem)
    spec["questions"].pop(chapter.exercises[0].label)
    (tmp_path / a.SPECS).mkdir(parents=True)
    a.spec_path(stem, tmp_path).write_text(yaml.safe_dump(spec), encoding="utf-8")
    with pytest.raises(a.AssignmentError, match=f"exercise {chapter.exercises[0].label} has no"):
        a.read_spec(stem, chapter, tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("this is not a notebook", "not a Jupyter notebook"),
        ('{"cells": "no"}', "not a Jupyter notebook"),
        (None, "not the student notebook of 00-introduction"),
    ],
)
def test_a_malformed_submission_is_refused_by_name(tmp_path, content, message):
    path = tmp_path / "handed-in.ipynb"
    if content is None:  # a valid notebook, but not this assignment's
        nbformat.write(nbformat.v4.new_notebook(), path)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(a.SubmissionError, match=message):
        a.check_submission(path, "00-introduction")
    with pytest.raises(a.SubmissionError, match="no such file"):
        a.check_submission(tmp_path / "missing.ipynb", "00-introduction")


# ---------------------------------------------------------------------------- after the build
@pytest.fixture(scope="module")
def built(built_site, tmp_path_factory) -> Path:
    """Every chapter's assignment, built from the executed book into a folder of its own."""
    out = tmp_path_factory.mktemp("assignments")
    for stem in STEMS:
        a.build(stem, ROOT, out)
    return out


def grade(stem, notebook, built, tmp_path, name) -> a.Score:
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(notebook, path)
    return a.grade(stem, path, ROOT, built)


@pytest.mark.build
@pytest.mark.parametrize("stem", STEMS)
def test_solutions_full_blank_zero_wrong_loses_exactly_its_points(stem, built, tmp_path):
    paths = a.built_paths(stem, built)
    solutions = nbformat.read(paths.solutions, as_version=4)
    full = grade(stem, solutions, built, tmp_path, "solutions")
    expected = {
        a.question_name(label): sum(t["points"] for t in q["hidden"])
        for label, q in autograded(stem).items()
    }
    assert full.questions == {name: (p, p) for name, p in expected.items()}

    blank = grade(stem, nbformat.read(paths.student, as_version=4), built, tmp_path, "blank")
    assert {name: score for name, (score, _) in blank.questions.items()} == dict.fromkeys(
        expected, 0
    )

    for label, question in autograded(stem).items():
        wrong = a.with_answer(solutions, label, question["wrong"])
        score = grade(stem, wrong, built, tmp_path, f"wrong-{label}")
        name = a.question_name(label)
        assert score.questions[name][0] == 0, f"{label}: the wrong answer scored"
        assert score.total == full.total - expected[name], f"{label}: other questions moved"


@pytest.mark.build
@pytest.mark.parametrize("stem", STEMS)
def test_student_notebook_holds_no_hidden_test_and_no_solution(stem, built):
    paths = a.built_paths(stem, built)
    text = paths.student.read_text(encoding="utf-8")
    student = json.loads(text)
    chapter = a.chapter_exercises(ROOT / "chapters" / f"{stem}.ipynb")
    for label, question in autograded(stem).items():
        for test in question["hidden"]:
            for line in test["test"].splitlines():
                if "assert" in line:
                    assert line.strip() not in text, f"{label}: hidden test in the notebook"
        public = student["metadata"]["otter"]["tests"][a.question_name(label)]
        assert all(not case["hidden"] for s in public["suites"] for case in s["cases"])
    for exercise in chapter.exercises:
        for code in exercise.solution_code:
            lines = [ln.strip() for ln in code.splitlines() if "=" in ln and len(ln) > 30]
            for line in lines:
                assert line not in text, f"{exercise.label}: solution line {line!r} in the notebook"
    assert "Model answer" not in text and "Rubric" not in text
    with zipfile_names(paths.autograder) as names:
        assert any(name.startswith("tests/") for name in names)


class zipfile_names:
    def __init__(self, path: Path):
        import zipfile

        self.zip = zipfile.ZipFile(path)

    def __enter__(self):
        return self.zip.namelist()

    def __exit__(self, *exc):
        self.zip.close()


@pytest.mark.build
@pytest.mark.parametrize("stem", STEMS)
def test_student_notebook_runs_as_a_new_student_runs_it(stem, built, tmp_path):
    """Downloaded into a folder of its own (no data/ beside it), it runs top to bottom and
    each grader.check reports its question."""
    from nbclient import NotebookClient

    path = tmp_path / f"{stem}.ipynb"
    path.write_bytes(a.built_paths(stem, built).student.read_bytes())
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, resources={"metadata": {"path": str(tmp_path)}}).execute()
    for name in (a.question_name(label) for label in autograded(stem)):
        (check,) = [c for c in notebook.cells if c.source.strip() == f'grader.check("{name}")']
        shown = json.dumps(check.outputs)
        assert name in shown, f"{name}: grader.check reported nothing"

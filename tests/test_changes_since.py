"""tools/changes_since.py on a tiny book in a git repository of its own: two tagged versions,
one dose changed in the data (with its changelog entry) and one self-check answer moved. The
report must list exactly what changed, with the exercise of each worked-solution value and
the changelog's reason, and nothing that did not change."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
from contextlib import redirect_stderr, redirect_stdout

import changes_content
import changes_since
import changes_versions
import nbformat
import pytest
import yaml
from changes_versions import ChangesError

DESCRIPTOR = {
    "name": "tiny",
    "version": "1.0.0",
    "resources": [
        {
            "name": "doses",
            "path": "doses.csv",
            "schema": {
                "fields": [{"name": "drug"}, {"name": "dose"}, {"name": "note"}],
                "primaryKey": "drug",
            },
        }
    ],
}
# A stand-in for the book's package, found as the real one finds the data: walking up.
PACKAGE = """
import csv
from pathlib import Path


def dose(drug):
    here = Path.cwd()
    root = next(f for f in (here, *here.parents) if (f / "data" / "datapackage.json").is_file())
    with open(root / "data" / "doses.csv", encoding="utf-8") as handle:
        return int({row["drug"]: row["dose"] for row in csv.DictReader(handle)}[drug])
"""
RELEASED = {
    "version": "1.0.0",
    "date": dt.date(2026, 1, 1),
    "changes": [{"resource": "doses", "change": "added", "rows": 2, "reason": "Versioning began."}],
}
# Recorded before v1 and still pending at v2: not a change between them.
PENDING = {
    "resource": "doses",
    "key": "placebo",
    "change": "changed",
    "field": "note",
    "old": "",
    "new": "saline",
    "reason": "The placebo named as the trial names it.",
}
DOSE_CHANGE = {
    "resource": "doses",
    "key": "anakinra",
    "change": "changed",
    "field": "dose",
    "old": "100",
    "new": "200",
    "reason": "The label gives 200 mg for adults (Table 1).",
}


def question(label: str, choices: list[str], correct: str) -> str:
    options = "\n\n".join(
        f"````{{self-check-choice}} {choice}\n" + (":correct:\n" if choice == correct else "")
        + f"Because {choice}.\n````"
        for choice in choices
    )  # fmt: skip
    return f"`````{{self-check}} Which dose?\n:label: {label}\n:objectives: 1\n\n{options}\n`````"


def doses_chapter(correct: str) -> nbformat.NotebookNode:
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    return nbformat.v4.new_notebook(
        cells=[
            md("# Doses\n\n## Learning objectives\n\n1. Read a dose from the data."),
            code(
                "from myst_nb import glue\n\nfrom stormbook import dose\n\n"
                'glue("anakinra_dose", dose("anakinra"), display=False)\n'
                'glue("placebo_dose", dose("placebo"), display=False)'
            ),
            md(
                "```{exercise} Twice the dose\n:label: ex-double\n:objectives: 1\n\n"
                "What is twice the anakinra dose?\n```\n\n"
                "```{solution-start} ex-double\n:class: dropdown\n```"
            ),
            code(
                'twice = 2 * dose("anakinra")\nglue("twice_dose", twice, display=False)\n'
                'print(f"twice the dose: {twice} mg")'
            ),
            md("Double the dose in the data.\n\n```{solution-end}\n```"),
            md(
                "## Self-check\n\n"
                + question("sc-dose", ["100 mg", "200 mg"], correct)
                + "\n\n"
                + question("sc-placebo", ["0 mg", "5 mg"], "0 mg")
            ),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )  # fmt: skip


def words_chapter(word: str, fails: bool = False) -> nbformat.NotebookNode:
    """A chapter that reads no data: its change can only come from its own code."""
    source = (
        f'from myst_nb import glue\n\nglue("edition_word", {word!r}, display=False)\n'
        'glue("unchanged_word", "same", display=False)'
    )
    if fails:
        source += '\nraise ValueError("a broken cell")'
    return nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("# Words"), nbformat.v4.new_code_cell(source)]
    )


def git(repo, *args: str) -> str:
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.org"]
    signing = ["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"]
    done = subprocess.run(
        ["git", *identity, *signing, *args], cwd=repo, capture_output=True, text=True, check=True
    )
    return done.stdout


def write_version(repo, anakinra_dose: str, changes: list[dict], correct: str, word: str):
    (repo / "data" / "doses.csv").write_text(
        f"drug,dose,note\nanakinra,{anakinra_dose},\nplacebo,0,saline\n", encoding="utf-8"
    )
    releases = [{"version": "next", "changes": changes}, RELEASED]
    (repo / "data" / "changelog.yml").write_text(
        yaml.safe_dump({"releases": releases}, sort_keys=False), encoding="utf-8"
    )
    nbformat.write(doses_chapter(correct), repo / "chapters" / "01-doses.ipynb")
    nbformat.write(words_chapter(word), repo / "chapters" / "02-words.ipynb")


def commit_and_tag(repo, tag: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", tag)
    git(repo, "tag", tag)


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """v0 (data only), v1, v2 (a new dose, a moved answer, a new word) and `broken`."""
    repo = tmp_path_factory.mktemp("tiny-book")
    git(repo, "init", "-q")
    for folder in ("data", "chapters", "stormbook"):
        (repo / folder).mkdir()
    (repo / ".gitignore").write_text("_build/\n", encoding="utf-8")
    (repo / "data" / "datapackage.json").write_text(json.dumps(DESCRIPTOR), encoding="utf-8")
    commit_and_tag(repo, "v0")
    (repo / "stormbook" / "__init__.py").write_text(PACKAGE, encoding="utf-8")
    write_version(repo, "100", [PENDING], "100 mg", "first")
    commit_and_tag(repo, "v1")
    write_version(repo, "200", [PENDING, DOSE_CHANGE], "200 mg", "second")
    commit_and_tag(repo, "v2")
    nbformat.write(words_chapter("third", fails=True), repo / "chapters" / "02-words.ipynb")
    commit_and_tag(repo, "broken")
    git(repo, "checkout", "-q", "v2")
    return repo


@pytest.fixture(scope="module")
def first_run(book):
    """The report from v1 to v2 through the command line's entry point, and its stderr."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = changes_since.main(["v1", "v2", "--book", str(book)])
    return status, out.getvalue(), err.getvalue()


def test_the_report_lists_exactly_what_changed_with_reasons(first_run):
    status, report, _ = first_run
    assert status == 0
    expected = """\
## chapters/01-doses.ipynb

This chapter reads data that changed: `doses`.

### Glued values

- `anakinra_dose`: `100` → `200`.
  Why: the data change in `doses` row `anakinra`, field `dose`. Reason (not yet released): The label gives 200 mg for adults (Table 1).

### Worked solutions

- `twice_dose` (solution to `ex-double`): `200` → `400`.
  Why: not tied to one data change; it may follow from the changed data this chapter reads (named above) or from its code or text.
- printed output of the solution to `ex-double`: `twice the dose: 200 mg` → `twice the dose: 400 mg`.
  Why: not tied to one data change; it may follow from the changed data this chapter reads (named above) or from its code or text.

### Self-check answer keys

- `sc-dose`: `100 mg` → `200 mg`.

## chapters/02-words.ipynb

### Glued values

- `edition_word`: `first` → `second`.
  Why: no data change recorded; the chapter's code or text changed.

## Data changes

Every difference between the two versions' data, with the reason from the changelog entries made after data release 1.0.0, unreleased ones included.

### `doses`

- row `anakinra`: `dose` `100` → `200`.
- Reason (not yet released): The label gives 200 mg for adults (Table 1).
"""
    assert report.endswith(expected)
    head = report[: -len(expected)]
    assert head.startswith("# What changed between v1 and v2\n")
    assert (
        "Glued values, worked-solution values and self-check answer keys: 5 changed, 0 added, "
        "0 removed. Differences in the data: 1." in head
    )


def test_unchanged_values_questions_and_earlier_entries_are_left_out(first_run):
    report = first_run[1]
    for unchanged in ("placebo_dose", "unchanged_word", "sc-placebo", PENDING["reason"]):
        assert unchanged not in report


def test_the_report_is_written_under_build(book, first_run):
    written = (book / "_build" / "changes-since-v1-to-v2.md").read_text(encoding="utf-8")
    assert first_run[1] == written


def test_each_version_ran_with_its_own_package_and_data(book, first_run):
    commit = git(book, "rev-parse", "v1").strip()
    record = book / "_build" / "changes-cache" / commit / "chapters" / "01-doses.reads.json"
    reads = json.loads(record.read_text(encoding="utf-8"))
    assert reads["modules"] == ["stormbook/__init__.py"]  # relative to the copy of v1
    assert "data/doses.csv" in reads["opened"]


def test_a_second_report_reuses_the_executed_chapters(book, first_run, capsys):
    assert changes_since.main(["v1", "v2", "--book", str(book)]) == 0
    again = capsys.readouterr()
    assert "executing" not in again.err
    assert again.out == first_run[1]


def test_without_a_second_ref_the_working_tree_is_compared(book, first_run, capsys):
    notebook = book / "chapters" / "02-words.ipynb"
    nbformat.write(words_chapter("uncommitted"), notebook)
    try:
        assert changes_since.main(["v2", "--book", str(book)]) == 0
    finally:
        git(book, "checkout", "-q", "--", "chapters/02-words.ipynb")
    out = capsys.readouterr().out
    assert "- `edition_word`: `second` → `uncommitted`.\n" in out
    assert "## chapters/01-doses.ipynb" not in out  # the working tree's other chapter is v2's
    assert (book / "_build" / "changes-since-v2.md").is_file()


@pytest.mark.parametrize(
    ("refs", "message"),
    [
        (["no-such-tag"], "unknown git ref 'no-such-tag': no tag, branch or commit of that name"),
        (["v1", "nope"], "unknown git ref 'nope'"),
        (["v0", "v1"], "ref 'v0' (commit "),
    ],
)
def test_a_bad_ref_is_refused_with_a_clear_message(book, capsys, refs, message):
    assert changes_since.main([*refs, "--book", str(book)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("changes_since.py: error: ")
    assert message in error
    if refs[0] == "v0":
        assert "has no chapter notebooks (chapters/*.ipynb)" in error


def test_a_folder_outside_git_is_refused(tmp_path):
    with pytest.raises(ChangesError, match="is not inside a git repository"):
        changes_versions.book_root(tmp_path)


def test_a_chapter_that_fails_names_the_chapter_and_the_ref(book):
    with pytest.raises(ChangesError) as error:
        changes_since.report(book, "v1", "broken")
    assert str(error.value).startswith("chapters/02-words.ipynb at broken failed to run:")
    assert "a broken cell" in str(error.value)


# --- The parts, on their own -----------------------------------------------------------------


def test_changelog_entries_between_versions_skip_those_the_older_one_had():
    from maintenance.data_changelog import parse_changelog

    older = parse_changelog(
        {"releases": [{"version": "next", "changes": [PENDING]}, RELEASED]}, "old"
    )
    newer_releases = [
        {"version": "next", "changes": [DOSE_CHANGE]},
        {"version": "1.1.0", "date": dt.date(2026, 2, 1), "changes": [PENDING]},
        RELEASED,
    ]
    newer = parse_changelog({"releases": newer_releases}, "new")
    between = changes_content.changelog_between(older, newer)
    assert [(release, entry.reason) for release, entry in between] == [
        ("next", DOSE_CHANGE["reason"])
    ]


def test_a_solution_gate_opens_and_closes_within_markdown_cells():
    opened = changes_content.open_solution("```{solution-start} ex-a\n:class: dropdown\n```", None)
    assert opened == "ex-a"
    assert changes_content.open_solution("Prose.\n\n```{solution-end}\n```", "ex-a") is None
    assert changes_content.open_solution("Prose only.", "ex-a") == "ex-a"


@pytest.mark.parametrize(
    ("shown", "cell", "same"),
    [
        ("1,758.4", "1758.4", True),
        ("93", "93.0", True),
        ("10", "100", False),
        ("did not differ significantly", "printed as 'did not differ significantly'", True),
        ("short", "a short note", False),
    ],
)
def test_a_value_matches_a_data_cell_only_when_it_says_the_same(shown, cell, same):
    assert changes_content.same_text(shown, cell) is same


def test_the_book_s_datasets_are_found_by_their_schema_files():
    """The tiny book lists its datasets in datapackage.json, as versions before 2026-12-07
    did; the book now describes each in its own schema file, and both are read."""
    from conftest import ROOT

    from stormbook import dataset_names

    tables = changes_content.version_tables(changes_versions.version(ROOT, None))
    assert sorted(tables) == dataset_names(ROOT / "data" / "datapackage.json")
    assert tables["hlh-genes"].key == ["short_name"]
    assert len(tables["hlh-genes"].rows) > 5

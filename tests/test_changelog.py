"""Every change to a data row since the last release is in data/changelog.yml, with the field,
the old and the new value and a reason; the book's changelog page lists every entry."""

from __future__ import annotations

import csv
import datetime as dt
import json

import frictionless
import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import ROOT, write_dataset

from book_extensions.evidence_changelog import changes_table
from maintenance.data_changelog import (
    ChangelogError,
    Entry,
    Release,
    parse_changelog,
    parse_entry,
    read_changelog,
)
from maintenance.data_changes import DataChangeError, RowChange, diff_rows
from maintenance.data_release import current_tables, export, problems, release
from stormbook.sources import without_copies

DATA = ROOT / "data"

# --- The book's own data ------------------------------------------------------------------


def test_every_change_to_the_data_since_the_last_release_is_recorded():
    found = problems(DATA)
    assert not found, "\n\n".join(found)


def test_every_dataset_has_a_primary_key_that_identifies_its_rows():
    for table in current_tables(DATA).values():
        keys = {tuple(row[f] for f in table.key) for row in table.rows}
        assert len(keys) == len(table.rows), table.name


def test_the_package_version_is_the_latest_release():
    latest = next(r for r in read_changelog(DATA / "changelog.yml") if r.version != "next")
    descriptor = json.loads((DATA / "datapackage.json").read_text("utf-8"))
    assert descriptor["version"] == latest.version


# --- Row differences ----------------------------------------------------------------------

OLD = [{"id": "a", "v": "1"}, {"id": "b", "v": "2"}, {"id": "c", "v": ""}]


def test_diff_finds_added_changed_and_removed_rows():
    new = [{"id": "a", "v": "1"}, {"id": "c", "v": "3"}, {"id": "d", "v": "4"}]
    assert diff_rows(OLD, new, ["id"], "t") == [
        RowChange("t", ("b",), "removed"),
        RowChange("t", ("c",), "changed", "v", "", "3"),
        RowChange("t", ("d",), "added"),
    ]


def test_values_compare_as_text():
    change = diff_rows([{"id": "a", "v": "1"}], [{"id": "a", "v": "1.0"}], ["id"], "t")
    assert change == [RowChange("t", ("a",), "changed", "v", "1", "1.0")]


def test_a_composite_key_matches_rows_by_every_field():
    old = [{"g": "x", "h": "1", "v": "p"}, {"g": "x", "h": "2", "v": "q"}]
    new = [{"g": "x", "h": "2", "v": "r"}, {"g": "x", "h": "1", "v": "p"}]
    assert diff_rows(old, new, ["g", "h"], "t") == [
        RowChange("t", ("x", "2"), "changed", "v", "q", "r")
    ]


@pytest.mark.parametrize(
    "rows, key, message",
    [
        ([{"id": "a"}, {"id": "a"}], ["id"], r"t row 2: key \('a',\) repeats an earlier row"),
        ([{"id": "a"}, {"id": ""}], ["id"], r"t row 2: empty key"),
        ([{"name": "a"}], ["id"], r"t row 1: no key field 'id'"),
        ([{"id": "a"}], [], r"t: no primary key"),
    ],
)
def test_bad_keys_raise_errors_naming_the_dataset_and_row(rows, key, message):
    with pytest.raises(DataChangeError, match=message):
        diff_rows(rows, [], key, "t")


# --- The changelog file -------------------------------------------------------------------

CHANGED = {"resource": "t", "key": "a", "change": "changed", "field": "v", "old": "1", "new": "2"}


@pytest.mark.parametrize(
    "entry, message",
    [
        ({**CHANGED, "new": 2, "reason": "r"}, r"'new' is 2, not text; quote it"),
        ({**CHANGED, "reason": "TODO: why"}, r"'reason' must say why"),
        ({**CHANGED}, r"'reason' is missing"),
        ({**CHANGED, "field": None, "reason": "r"}, r"a 'changed' change needs 'field'"),
        ({**CHANGED, "change": "edited", "reason": "r"}, r"change 'edited' is not one of"),
        ({"resource": "t", "change": "changed", "reason": "r"}, r"a 'changed' change has no 'key'"),
        ({"resource": "t", "change": "added", "reason": "r"}, r"a 'added' change needs 'rows'"),
    ],
)
def test_a_malformed_entry_is_an_error_naming_it(entry, message):
    with pytest.raises(ChangelogError, match=rf"^entry 1: {message}"):
        parse_entry(entry, "entry 1")


def test_releases_are_newest_first_and_only_the_first_is_next():
    day = dt.date(2026, 12, 1)
    with pytest.raises(ChangelogError, match="newest first"):
        parse_changelog(
            {"releases": [{"version": "1.0.0", "date": day}, {"version": "1.1.0", "date": day}]},
            "f",
        )
    with pytest.raises(ChangelogError, match="only the first release may be 'next'"):
        parse_changelog({"releases": [{"version": "1.0.0", "date": day}, {"version": "next"}]}, "f")
    with pytest.raises(ChangelogError, match=r"version '1\.0' is not MAJOR"):
        parse_changelog({"releases": [{"version": "1.0", "date": day}]}, "f")


# --- A release, and the check that catches an unrecorded change -----------------------------


def _package(folder, rows):
    fields = [{"name": "id", "type": "string"}, {"name": "v", "type": "string"}]
    write_dataset(folder, "t", {"fields": fields, "primaryKey": ["id"]}, None)
    _write_rows(folder, rows)


def _write_rows(folder, rows):
    with open(folder / "t.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _add_next(folder, *entries):
    path = folder / "changelog.yml"
    data = yaml.safe_load(path.read_text("utf-8"))
    data["releases"].insert(0, {"version": "next", "changes": list(entries)})
    path.write_text(yaml.safe_dump(data, sort_keys=False), "utf-8")


@pytest.fixture
def released(tmp_path):
    _package(tmp_path, OLD)
    release(tmp_path, "1.0.0", dt.date(2026, 12, 1), "First release.")
    return tmp_path


def test_a_first_release_lists_each_dataset_with_its_row_count(released):
    (first,) = read_changelog(released / "changelog.yml")
    assert [(e.resource, e.change, e.rows) for e in first.changes] == [("t", "added", 3)]
    assert json.loads((released / "datapackage.json").read_text())["version"] == "1.0.0"
    assert problems(released) == []


def test_an_unrecorded_change_is_reported_with_the_entry_to_add(released):
    _write_rows(released, [{"id": "a", "v": "1"}, {"id": "b", "v": "5"}, {"id": "c", "v": "9"}])
    found = problems(released)
    assert len(found) == 2
    assert "a change since release 1.0.0 that data/changelog.yml does not record" in found[0]
    assert "Add under `- version: next`" in found[0]
    assert (
        "key: b\n  change: changed\n  field: v\n  old: <its text at the last release>\n  new: '5'"
        in found[0]
    )
    # An empty cell filled in: the old text is known to be empty.
    assert "key: c\n  change: changed\n  field: v\n  old: ''\n  new: '9'" in found[1]


def test_a_change_recorded_with_its_old_and_new_text_passes(released):
    _write_rows(released, [{"id": "a", "v": "1"}, {"id": "b", "v": "5"}, {"id": "c", "v": ""}])
    _add_next(released, {**CHANGED, "key": "b", "old": "2", "new": "5", "reason": "Corrected."})
    assert problems(released) == []


def test_a_wrong_old_value_is_caught(released):
    _write_rows(released, [{"id": "a", "v": "1"}, {"id": "b", "v": "5"}, {"id": "c", "v": ""}])
    _add_next(released, {**CHANGED, "key": "b", "old": "3", "new": "5", "reason": "Corrected."})
    found = problems(released)
    assert len(found) == 2 and "matches no change in the data" in found[1]


def test_rows_added_and_removed_need_entries(released):
    _write_rows(released, [{"id": "a", "v": "1"}, {"id": "b", "v": "2"}, {"id": "e", "v": "7"}])
    assert len(problems(released)) == 2
    _add_next(
        released,
        {"resource": "t", "key": "c", "change": "removed", "reason": "Duplicate of a."},
        {"resource": "t", "key": "e", "change": "added", "reason": "New trial."},
    )
    assert problems(released) == []


def test_a_release_numbers_the_next_changes_and_moves_the_snapshot(released):
    _write_rows(released, [{"id": "a", "v": "1"}, {"id": "b", "v": "5"}, {"id": "c", "v": ""}])
    with pytest.raises(DataChangeError, match="cannot release"):
        release(released, "1.1.0", dt.date(2026, 12, 2), "Corrections.")
    _add_next(released, {**CHANGED, "key": "b", "old": "2", "new": "5", "reason": "Corrected."})
    release(released, "1.1.0", dt.date(2026, 12, 2), "Corrections.")
    latest, first = read_changelog(released / "changelog.yml")
    assert (latest.version, first.version) == ("1.1.0", "1.0.0")
    assert latest.changes[0].new == "5"
    assert problems(released) == []


# --- The page -----------------------------------------------------------------------------


def test_a_changed_field_is_shown_with_its_old_and_new_value():
    entry = Entry("hlh-genes", "changed", "Filled in.", ("GS2",), "omim_gene", "", "603868")
    table = changes_table(Release("next", None, "", [entry]))
    assert table[0].astext() == "Changes in the next release"
    header, row = (r for r in table.findall(lambda n: n.tagname == "row"))
    headers = [cell.astext() for cell in header.children]
    assert headers == [
        "Dataset",
        "Row (primary key)",
        "Change",
        "Field",
        "Old value",
        "New value",
        "Reason",
    ]
    values = [cell.astext() for cell in row.children]
    assert values == ["hlh-genes", "GS2", "changed", "omim_gene", "(empty)", "603868", "Filled in."]


@pytest.mark.build
def test_the_changelog_page_lists_every_entry(built_site):
    page = BeautifulSoup((built_site / "evidence-changelog.html").read_text("utf-8"), "html.parser")
    releases = read_changelog(DATA / "changelog.yml")
    for item in releases:
        name = "the next release" if item.version == "next" else f"release {item.version}"
        captions = [c for c in page.select("table caption") if f"Changes in {name}" in c.get_text()]
        assert len(captions) == 1, f"no table for {name}"
        table = captions[0].find_parent("table")
        headers = [th.get_text(strip=True) for th in table.select("thead th")]
        assert headers[0] == "Dataset" and "Reason" in headers
        rows = table.select("tbody tr")
        assert len(rows) == len(item.changes)
        for row, entry in zip(rows, item.changes, strict=True):
            cells = dict(
                zip(headers, [td.get_text(strip=True) for td in row.select("td")], strict=True)
            )
            assert cells["Dataset"] == entry.resource
            assert cells["Change"] == entry.change
            # Sphinx's smart quotes print an apostrophe as a typographic one.
            # A link to an unauthorised copy is named, not printed (stormbook.sources).
            assert cells["Reason"].replace("\u2019", "'") == without_copies(entry.reason)


def test_the_export_is_one_standard_data_package_that_frictionless_validates(tmp_path):
    """The book keeps a dataset's description in its schema file; outside tools get the
    package as the standard has it: one descriptor listing every dataset."""
    written = export(DATA, tmp_path / "package")
    descriptor = json.loads(written.read_text("utf-8"))
    assert [r["name"] for r in descriptor["resources"]] == sorted(current_tables(DATA))
    assert frictionless.validate(str(written)).valid

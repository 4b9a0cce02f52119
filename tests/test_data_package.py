"""The data package is valid, and every row of every sourced dataset names its source."""

from __future__ import annotations

import csv
import json
import re

import frictionless
import pytest
from conftest import ROOT

from stormbook import dataset_names, load_dataset
from stormbook.datasets import read_package

DESCRIPTOR = read_package(ROOT / "data" / "datapackage.json")  # schemas read in
RESOURCES = {resource["name"]: resource for resource in DESCRIPTOR["resources"]}
SOURCED = [name for name in RESOURCES if not name.startswith("synthetic-")]
DOI_OR_URL = re.compile(r"^(10\.\d{4,9}/\S+|https?://\S+)$")


def _rows(name):
    with open(ROOT / "data" / RESOURCES[name]["path"], encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_data_package_is_valid():
    package = frictionless.Package(DESCRIPTOR, basepath=str(ROOT / "data"))
    report = package.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_every_csv_in_data_has_its_schema_file_and_no_schema_file_is_left_over():
    on_disk = {path.name for path in (ROOT / "data").glob("*.csv")}
    assert on_disk == {resource["path"] for resource in DESCRIPTOR["resources"]}
    assert {path.stem for path in (ROOT / "data" / "schemas").glob("*")} == set(RESOURCES)


def test_the_shared_descriptor_names_the_package_and_its_licence_only():
    written = json.loads((ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))
    assert set(written) == {"name", "version", "title", "description", "licenses"}


@pytest.mark.parametrize("name", list(RESOURCES))
def test_resource_has_title_description_and_documented_fields(name):
    resource = RESOURCES[name]
    assert resource.get("title") and resource.get("description")
    for field in resource["schema"]["fields"]:
        assert field.get("description"), f"{name}.{field['name']} has no description"


@pytest.mark.parametrize("name", SOURCED)
def test_every_row_has_a_source_and_a_locator(name):
    rows = _rows(name)
    assert rows, f"{name} is empty"
    for number, row in enumerate(rows, start=2):
        assert DOI_OR_URL.match(row["source"]), f"{name} line {number}: source {row['source']!r}"
        assert row["locator"].strip(), f"{name} line {number}: no locator"


SOURCE_KINDS = [
    "primary",
    "verbatim reproduction",
    "regulator or evidence-synthesis extraction",
    "news report",
]


@pytest.mark.parametrize("name", SOURCED)
def test_every_row_says_what_kind_of_source_its_values_were_read_in(name):
    """SOURCES.md: the primary paper, a verbatim reproduction of it, a regulator's or an
    evidence synthesis's extraction, or a news report; required on every row."""
    fields = {field["name"]: field for field in RESOURCES[name]["schema"]["fields"]}
    assert "source_kind" in fields, f"{name} has no source_kind column"
    constraints = fields["source_kind"]["constraints"]
    assert constraints == {"required": True, "enum": SOURCE_KINDS}
    assert all(row["source_kind"] in SOURCE_KINDS for row in _rows(name))


@pytest.mark.parametrize("name", SOURCED)
def test_every_doi_in_the_data_is_in_the_bibliography(name):
    bibliography = (ROOT / "references.bib").read_text(encoding="utf-8").lower()
    for row in _rows(name):
        if row["source"].startswith("10."):
            assert f"doi = {{{row['source'].lower()}}}" in re.sub(
                r"doi\s*=\s*", "doi = ", bibliography
            ), f"{name}: DOI {row['source']} is not in references.bib"


def test_synthetic_datasets_say_so():
    for name, resource in RESOURCES.items():
        if name.startswith("synthetic-"):
            assert "synthetic" in resource["description"].lower()
            assert "synthetic" in resource["title"].lower()


@pytest.mark.parametrize("name", dataset_names())
def test_every_dataset_loads(name):
    frame = load_dataset(name)
    assert len(frame) == len(_rows(name))

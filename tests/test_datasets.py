"""The loader returns typed frames and refuses broken data with an error naming the problem."""

from __future__ import annotations

import json
import os
import shutil

import pandas as pd
import pytest
from conftest import write_dataset

from stormbook import DatasetError, dataset_names, load_dataset
from stormbook.datasets import read_package

GOOD_CSV = (
    "drug,dose_mg,route,daily\nanakinra,100,subcutaneous,true\nanakinra,200,intravenous,false\n"
)
SCHEMA = {
    "fields": [
        {"name": "drug", "type": "string", "constraints": {"required": True}},
        {"name": "dose_mg", "type": "integer", "constraints": {"required": True, "minimum": 1}},
        {
            "name": "route",
            "type": "string",
            "constraints": {"enum": ["subcutaneous", "intravenous"]},
        },
        {"name": "daily", "type": "boolean"},
    ]
}


def make_package(tmp_path, csv_text=GOOD_CSV, write_csv=True):
    return write_dataset(tmp_path, "doses", SCHEMA, csv_text if write_csv else None)


def test_loads_a_typed_frame(tmp_path):
    frame = load_dataset("doses", make_package(tmp_path))
    assert list(frame.columns) == ["drug", "dose_mg", "route", "daily"]
    assert str(frame["dose_mg"].dtype) == "Int64"
    assert frame["dose_mg"].tolist() == [100, 200]
    assert frame["daily"].tolist() == [True, False]
    assert pd.api.types.is_string_dtype(frame["drug"])


def test_unknown_dataset_names_the_known_ones(tmp_path):
    with pytest.raises(DatasetError, match=r"unknown dataset 'dosses'.*doses"):
        load_dataset("dosses", make_package(tmp_path))


def test_missing_file_names_the_file(tmp_path):
    package = make_package(tmp_path, write_csv=False)
    with pytest.raises(DatasetError, match=r"(?s)doses\.csv does not exist"):
        load_dataset("doses", package)


def test_missing_descriptor(tmp_path):
    with pytest.raises(DatasetError, match="descriptor not found"):
        load_dataset("doses", tmp_path / "nowhere" / "datapackage.json")


BROKEN_FILES = {
    "missing column": ("drug,dose_mg,route\nanakinra,100,subcutaneous\n", r"missing label.*daily"),
    "extra column": (
        "drug,dose_mg,route,daily,colour\nanakinra,100,subcutaneous,true,red\n",
        r"extra label.*colour",
    ),
    "wrong type": (
        "drug,dose_mg,route,daily\nanakinra,a lot,subcutaneous,true\n",
        r"Type error.*a lot.*dose_mg",
    ),
    "below minimum": (
        "drug,dose_mg,route,daily\nanakinra,0,subcutaneous,true\n",
        r"dose_mg.*minimum",
    ),
    "outside enum": ("drug,dose_mg,route,daily\nanakinra,100,oral,true\n", r"oral.*route.*enum"),
    "missing required value": (
        "drug,dose_mg,route,daily\n,100,subcutaneous,true\n",
        r"drug.*required",
    ),
}


@pytest.mark.parametrize("csv_text, problem", BROKEN_FILES.values(), ids=BROKEN_FILES.keys())
def test_broken_file_is_refused_naming_file_and_problem(tmp_path, csv_text, problem):
    with pytest.raises(
        DatasetError, match=r"(?s)doses\.csv: does not match its schema.*" + problem
    ):
        load_dataset("doses", make_package(tmp_path, csv_text))


def test_invalid_descriptor_json(tmp_path):
    package = tmp_path / "datapackage.json"
    package.write_text("{not json", encoding="utf-8")
    with pytest.raises(DatasetError, match="not valid JSON"):
        load_dataset("doses", package)


def test_book_dataset_from_a_copy_is_refused_when_broken(tmp_path):
    """The real descriptor, with one real CSV corrupted, is refused too."""
    from conftest import ROOT

    DATA_DIR = ROOT / "data"
    shutil.copy(DATA_DIR / "datapackage.json", tmp_path / "datapackage.json")
    shutil.copytree(DATA_DIR / "schemas", tmp_path / "schemas")
    original = (DATA_DIR / "iv-anakinra-case-causes.csv").read_text(encoding="utf-8")
    (tmp_path / "iv-anakinra-case-causes.csv").write_text(
        original.replace("Infection,3,", "Infection,-3,", 1), encoding="utf-8"
    )
    with pytest.raises(DatasetError, match=r"(?s)iv-anakinra-case-causes\.csv.*minimum"):
        load_dataset("iv-anakinra-case-causes", tmp_path / "datapackage.json")


def test_a_broken_schema_file_is_named(tmp_path):
    package = make_package(tmp_path)
    (tmp_path / "schemas" / "doses.json").write_text("{fields", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"schemas/doses\.json: not valid JSON"):
        load_dataset("doses", package)


@pytest.mark.parametrize("missing", ["title", "description"])
def test_a_schema_file_without_a_title_or_description_is_refused(tmp_path, missing):
    package = make_package(tmp_path)
    path = tmp_path / "schemas" / "doses.json"
    described = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**described, missing: " "}), encoding="utf-8")
    with pytest.raises(
        DatasetError, match=rf"schemas/doses\.json: dataset 'doses' has no {missing}"
    ):
        load_dataset("doses", package)


def test_a_dataset_is_its_csv_and_its_schema_file(tmp_path):
    """Adding a dataset takes the two files and nothing else: the package finds it."""
    package = make_package(tmp_path)
    write_dataset(
        tmp_path, "routes", {"fields": [{"name": "route", "type": "string"}]}, "route\niv\n"
    )
    assert dataset_names(package) == ["doses", "routes"]
    (routes,) = (r for r in read_package(package)["resources"] if r["name"] == "routes")
    assert routes["path"] == "routes.csv" and routes["title"] == "The routes"
    assert routes["schema"] == {"fields": [{"name": "route", "type": "string"}]}
    assert load_dataset("routes", package)["route"].tolist() == ["iv"]


def test_a_descriptor_that_lists_resources_is_refused(tmp_path):
    """One place describes a dataset: its schema file, never also the descriptor."""
    package = make_package(tmp_path)
    package.write_text(json.dumps({"name": "p", "resources": []}), encoding="utf-8")
    with pytest.raises(DatasetError, match="lists resources; a dataset is described by its own"):
        read_package(package)


def test_data_are_found_from_a_chapter_folder_of_another_copy(tmp_path, monkeypatch):
    """A notebook runs in its own folder; it reads the data of its own book."""
    from stormbook.paths import book_root, data_package

    (tmp_path / "data").mkdir()
    make_package(tmp_path / "data")
    (tmp_path / "chapters").mkdir()
    monkeypatch.chdir(tmp_path / "chapters")
    assert book_root() == tmp_path
    assert data_package() == tmp_path / "data" / "datapackage.json"
    assert load_dataset("doses")["dose_mg"].tolist() == [100, 200]


def test_the_environment_imports_stormbook_from_this_checkout():
    from conftest import ROOT

    from stormbook.paths import check_installed_from, installed_root

    assert installed_root() == ROOT
    check_installed_from(ROOT)


def test_a_copy_with_the_same_package_passes(tmp_path):
    import shutil

    from conftest import ROOT

    from stormbook.paths import INSTALLED_PACKAGES, check_installed_from

    for package in INSTALLED_PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package)
    check_installed_from(tmp_path)


def test_a_copy_whose_extensions_differ_is_refused(tmp_path):
    """The build's Sphinx imports the installed `book_extensions` too (issue 26)."""
    import shutil

    from conftest import ROOT

    from stormbook.paths import INSTALLED_PACKAGES, WrongCheckoutError, check_installed_from

    for package in INSTALLED_PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package)
    (tmp_path / "book_extensions" / "self_check.py").write_text("# another version\n")
    with pytest.raises(WrongCheckoutError, match="not from this checkout"):
        check_installed_from(tmp_path)


def test_a_kernel_running_another_checkouts_stormbook_is_refused(tmp_path):
    from conftest import ROOT

    from stormbook.paths import WrongCheckoutError, check_installed_from

    (tmp_path / "stormbook").mkdir()
    (tmp_path / "stormbook" / "__init__.py").write_text("# another version\n")
    with pytest.raises(WrongCheckoutError, match=f"not from this checkout \\({tmp_path}\\)"):
        check_installed_from(tmp_path)
    with pytest.raises(WrongCheckoutError, match="cannot import stormbook"):
        check_installed_from(ROOT, python=str(tmp_path / "no-such-python"))


def test_the_build_runs_the_code_of_its_own_copy(tmp_path, monkeypatch):
    """tools/build_book.py puts its copy first on PYTHONPATH: the kernels (and Sphinx) it
    starts import that copy's packages, whatever the environment has installed."""
    import shutil

    from conftest import ROOT

    from stormbook.paths import INSTALLED_PACKAGES, installed_root, run_this_checkout

    for package in INSTALLED_PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package)
    monkeypatch.setenv("PYTHONPATH", "elsewhere")
    run_this_checkout(tmp_path)
    run_this_checkout(tmp_path)  # once on the path, however often it is called
    assert os.environ["PYTHONPATH"] == os.pathsep.join([str(tmp_path.resolve()), "elsewhere"])
    assert installed_root() == tmp_path.resolve()

"""Load the book's sourced datasets as typed DataFrames.

A dataset is two files: its CSV, `data/<name>.csv`, and one JSON file beside it in
`data/schemas/<name>.json` holding its title, its description and its table schema (fields,
types, units, constraints, primary key). `data/datapackage.json` holds what the datasets share
(the package's name, version and licence); `read_package` assembles the full Frictionless Data
Package from the three. Loading a dataset first validates its file against its schema with
Frictionless, so a missing or extra column, a value of the wrong type or a value outside its
constraint stops the chapter with an error naming the file, the row and the field, instead
of plotting a silently coerced number.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from frictionless import Resource

from stormbook.paths import data_package

SCHEMA_FOLDER = "schemas"

# Frictionless field types -> pandas dtypes. Nullable dtypes keep a missing value
# missing rather than turning an integer column into floats.
_PANDAS_DTYPES = {
    "string": "string",
    "integer": "Int64",
    "number": "Float64",
    "boolean": "boolean",
    "year": "Int64",
}


class DatasetError(ValueError):
    """A dataset is unknown, missing, or does not match its schema."""


def _read_json(path: Path, what: str) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DatasetError(f"{path}: {what} not found") from None
    except json.JSONDecodeError as err:
        raise DatasetError(f"{path}: not valid JSON ({err})") from None


def _schema_files(data_dir: Path) -> list[Path]:
    return sorted((data_dir / SCHEMA_FOLDER).glob("*.json"))


def dataset_resource(schema_file: Path) -> dict:
    """The Data Package resource a schema file describes: `<name>.csv`, titled and described
    as the file says, with its table schema read in."""
    schema = _read_json(schema_file, "schema file")
    name = schema_file.stem
    for key in ("title", "description"):
        if not str(schema.get(key, "")).strip():
            raise DatasetError(f"{schema_file}: dataset {name!r} has no {key}")
    resource = {"name": name, "path": f"{name}.csv", "title": schema["title"]}
    resource |= {"description": schema["description"], "format": "csv"}
    resource |= {"mediatype": "text/csv", "encoding": "utf-8"}
    fields = {key: value for key, value in schema.items() if key not in ("title", "description")}
    return resource | {"schema": fields}


def read_package(package_path: Path | str | None = None) -> dict:
    """The full data package: the shared descriptor with one resource per schema file."""
    package_path = Path(package_path or data_package())
    descriptor = _read_json(package_path, "data package descriptor")
    if "resources" in descriptor:
        raise DatasetError(
            f"{package_path}: lists resources; a dataset is described by its own file in "
            f"{SCHEMA_FOLDER}/ instead"
        )
    resources = [dataset_resource(path) for path in _schema_files(package_path.parent)]
    return {**descriptor, "resources": resources}


def dataset_names(package_path: Path | str | None = None) -> list[str]:
    """Names of the book's datasets (one per schema file), in alphabetical order."""
    package_path = Path(package_path or data_package())
    _read_json(package_path, "data package descriptor")
    return [path.stem for path in _schema_files(package_path.parent)]


def _resource_descriptor(name: str, package_path: Path) -> dict:
    if name not in dataset_names(package_path):
        known = ", ".join(dataset_names(package_path))
        raise DatasetError(f"unknown dataset {name!r}; the data package has: {known}")
    return dataset_resource(package_path.parent / SCHEMA_FOLDER / f"{name}.json")


def _validate(resource_descriptor: dict, csv_path: Path, package_path: Path) -> None:
    resource = Resource(resource_descriptor, basepath=str(package_path.parent))
    report = resource.validate()
    if report.valid:
        return
    problems = []
    for task in report.tasks:
        for error in task.errors:
            problems.append(error.message)
    for error in report.errors:
        problems.append(error.message)
    shown = "\n  - ".join(problems[:10])
    more = f"\n  (and {len(problems) - 10} more)" if len(problems) > 10 else ""
    raise DatasetError(f"{csv_path}: does not match its schema:\n  - {shown}{more}")


def _typed(frame: pd.DataFrame, fields: list[dict]) -> pd.DataFrame:
    typed = {}
    for field in fields:
        column = frame[field["name"]].replace("", pd.NA)
        kind = field.get("type", "string")
        if kind in ("integer", "number", "year"):
            column = pd.to_numeric(column)
        elif kind == "boolean":
            true_values = set(field.get("trueValues", ["true", "True", "TRUE", "1"]))
            column = column.map(lambda v, yes=true_values: pd.NA if pd.isna(v) else v in yes)
        elif kind == "date":
            typed[field["name"]] = pd.to_datetime(column, format="%Y-%m-%d")
            continue
        typed[field["name"]] = column.astype(_PANDAS_DTYPES.get(kind, "string"))
    return pd.DataFrame(typed)


def load_dataset(name: str, package_path: Path | str | None = None) -> pd.DataFrame:
    """Return dataset `name` as a DataFrame typed by its schema.

    `package_path` defaults to the data package of the book the code runs in (see
    `stormbook.paths`). Raises DatasetError, naming the file and the problem, if the dataset
    is unknown, its file is missing, or its contents break the schema (columns, types,
    constraints).
    """
    package_path = Path(package_path or data_package())
    resource = _resource_descriptor(name, package_path)
    csv_path = package_path.parent / resource["path"]
    if not csv_path.is_file():
        raise DatasetError(f"dataset {name!r}: file {csv_path} does not exist")
    _validate(resource, csv_path, package_path)
    raw = pd.read_csv(csv_path, dtype=str, keep_default_na=False, encoding="utf-8")
    return _typed(raw, resource["schema"]["fields"])

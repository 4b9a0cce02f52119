"""Load the book's sourced datasets as typed DataFrames.

Every CSV is described in `data/datapackage.json` (a Frictionless Data Package), its table
schema in a file of its own, `data/schemas/<name>.json`, which the descriptor names. Loading a
dataset first validates its file against that schema with Frictionless, so a missing or
extra column, a value of the wrong type or a value outside its constraint stops the
chapter with an error naming the file, the row and the field, instead of plotting a
silently coerced number.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from frictionless import Resource

from stormbook.paths import data_package

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


def _read_descriptor(package_path: Path) -> dict:
    try:
        return json.loads(package_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DatasetError(f"{package_path}: data package descriptor not found") from None
    except json.JSONDecodeError as err:
        raise DatasetError(f"{package_path}: not valid JSON ({err})") from None


def resource_schema(resource: dict, data_dir: Path) -> dict:
    """A resource's table schema: inline in the descriptor, or in the file its `schema`
    names, relative to the data folder (as the book keeps them)."""
    schema = resource.get("schema", {})
    if isinstance(schema, dict):
        return schema
    path = data_dir / schema
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        name = resource.get("name", "?")
        raise DatasetError(f"dataset {name!r}: schema file {path} does not exist") from None
    except json.JSONDecodeError as err:
        raise DatasetError(f"{path}: not valid JSON ({err})") from None


def read_package(package_path: Path | str | None = None) -> dict:
    """The data package's descriptor with every resource's schema read in."""
    package_path = Path(package_path or data_package())
    descriptor = _read_descriptor(package_path)
    resources = [
        {**resource, "schema": resource_schema(resource, package_path.parent)}
        for resource in descriptor.get("resources", [])
    ]
    return {**descriptor, "resources": resources}


def dataset_names(package_path: Path | str | None = None) -> list[str]:
    """Names of the datasets the data package describes, in descriptor order."""
    descriptor = _read_descriptor(Path(package_path or data_package()))
    return [resource["name"] for resource in descriptor.get("resources", [])]


def _resource_descriptor(name: str, package_path: Path) -> dict:
    descriptor = _read_descriptor(package_path)
    for resource in descriptor.get("resources", []):
        if resource.get("name") == name:
            return {**resource, "schema": resource_schema(resource, package_path.parent)}
    known = ", ".join(sorted(r.get("name", "?") for r in descriptor.get("resources", [])))
    raise DatasetError(f"unknown dataset {name!r}; the data package has: {known}")


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

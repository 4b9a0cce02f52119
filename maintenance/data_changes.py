"""Row-level differences between two versions of a dataset, matched by its primary key.

A changelog needs to say which rows were added, which were removed, and for a changed row
which field went from which value to which. Values are compared as the text the CSV holds
(no type conversion), so '1' and '1.0' differ, exactly as a reader of the file sees them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

Row = Mapping[str, str]
Key = tuple[str, ...]

ADDED, CHANGED, REMOVED = "added", "changed", "removed"


class DataChangeError(ValueError):
    """Rows cannot be compared: a key field is missing, empty or repeated."""


@dataclass(frozen=True)
class RowChange:
    """One difference: a row added or removed, or one field of a row changed."""

    resource: str
    key: Key
    change: str
    field: str | None = None
    old: str | None = None
    new: str | None = None


def keyed_rows(rows: Iterable[Row], key: Sequence[str], resource: str) -> dict[Key, Row]:
    """The rows by their primary key; an error names the resource, row and problem."""
    if not key:
        raise DataChangeError(f"{resource}: no primary key to match rows by")
    by_key: dict[Key, Row] = {}
    for number, row in enumerate(rows, start=1):
        missing = [field for field in key if field not in row]
        if missing:
            raise DataChangeError(f"{resource} row {number}: no key field {missing[0]!r}")
        value = tuple(row[field] for field in key)
        if any(part == "" for part in value):
            raise DataChangeError(f"{resource} row {number}: empty key {value}")
        if value in by_key:
            raise DataChangeError(f"{resource} row {number}: key {value} repeats an earlier row")
        by_key[value] = row
    return by_key


def diff_rows(
    old: Iterable[Row], new: Iterable[Row], key: Sequence[str], resource: str
) -> list[RowChange]:
    """Rows removed, rows added, and each changed field of the rows in both versions.

    Fields compared are those present in both versions (a new or dropped column is a change
    of the schema, recorded as such, not once per row)."""
    before, after = keyed_rows(old, key, resource), keyed_rows(new, key, resource)
    changes = [RowChange(resource, k, REMOVED) for k in before if k not in after]
    for k, row in after.items():
        if k not in before:
            changes.append(RowChange(resource, k, ADDED))
            continue
        for field, value in row.items():
            if field in before[k] and before[k][field] != value:
                changes.append(RowChange(resource, k, CHANGED, field, before[k][field], value))
    return changes

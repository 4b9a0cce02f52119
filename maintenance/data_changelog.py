"""The data package's change log (data/changelog.yml): read and checked.

One list of releases, newest first. Each release has a version (as in datapackage.json),
a date, a one-line summary and its changes; the first item may be `version: next`, the
changes not yet released. A change is one of

- a row added or removed: `resource`, `key` (the row's primary key; a list when the key
  has several fields), `change: added|removed`, `reason`;
- one field of a row changed: the same with `change: changed`, `field`, `old` and `new`
  (the text of the CSV cell, quoted; '' for an empty cell);
- a whole dataset added or removed: no `key`, `rows` (its number of rows);
- a column added or removed: `change: column added|column removed`, `field`, no `key`.

Every change states its reason.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from maintenance.data_changes import ADDED, CHANGED, REMOVED

NEXT = "next"
COLUMN_ADDED, COLUMN_REMOVED = "column added", "column removed"
KINDS = (ADDED, CHANGED, REMOVED, COLUMN_ADDED, COLUMN_REMOVED)
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")


class ChangelogError(ValueError):
    """The change log is not in the form described above."""


@dataclass(frozen=True)
class Entry:
    resource: str
    change: str
    reason: str
    key: tuple[str, ...] | None = None
    field: str | None = None
    old: str | None = None
    new: str | None = None
    rows: int | None = None

    def as_dict(self) -> dict:
        """The entry as written in the file (single-field keys as a plain string)."""
        key = None if self.key is None else self.key[0] if len(self.key) == 1 else list(self.key)
        items = {
            "resource": self.resource,
            "key": key,
            "change": self.change,
            "field": self.field,
            "old": self.old,
            "new": self.new,
            "rows": self.rows,
            "reason": self.reason,
        }
        return {name: value for name, value in items.items() if value is not None}


@dataclass
class Release:
    version: str
    date: dt.date | None
    summary: str
    changes: list[Entry] = field(default_factory=list)

    def as_dict(self) -> dict:
        items = {"version": self.version, "date": self.date}  # a date object: written unquoted
        items |= {"summary": self.summary or None}
        items = {name: value for name, value in items.items() if value is not None}
        return items | {"changes": [entry.as_dict() for entry in self.changes]}


def _text(entry: dict, name: str, where: str, required: bool = True) -> str | None:
    value = entry.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        shown = "missing" if value is None else f"{value!r}, not text; quote it as the CSV holds it"
        raise ChangelogError(f"{where}: '{name}' is {shown}")
    return value


def parse_entry(entry: dict, where: str) -> Entry:
    """One change, checked for the fields its kind needs."""
    if not isinstance(entry, dict):
        raise ChangelogError(f"{where}: a change must be a mapping of fields")
    change = _text(entry, "change", where)
    if change not in KINDS:
        raise ChangelogError(f"{where}: change {change!r} is not one of {', '.join(KINDS)}")
    reason = _text(entry, "reason", where)
    if not reason.strip() or reason.strip().upper().startswith("TODO"):
        raise ChangelogError(f"{where}: 'reason' must say why the data changed")
    raw_key = entry.get("key")
    if raw_key is None:
        key = None
    elif isinstance(raw_key, str):
        key = (raw_key,)
    elif isinstance(raw_key, list) and raw_key and all(isinstance(k, str) for k in raw_key):
        key = tuple(raw_key)
    else:
        raise ChangelogError(f"{where}: 'key' must be text, or a list of texts for a composite key")
    rows = entry.get("rows")
    if rows is not None and (not isinstance(rows, int) or isinstance(rows, bool) or rows < 0):
        raise ChangelogError(f"{where}: 'rows' must be a whole number")
    parsed = Entry(
        resource=_text(entry, "resource", where),
        change=change,
        reason=reason,
        key=key,
        field=_text(entry, "field", where, required=False),
        old=_text(entry, "old", where, required=False),
        new=_text(entry, "new", where, required=False),
        rows=rows,
    )
    _check_shape(parsed, where)
    return parsed


def _check_shape(entry: Entry, where: str) -> None:
    needs = {
        (CHANGED, True): ("field", "old", "new"),
        (COLUMN_ADDED, False): ("field",),
        (COLUMN_REMOVED, False): ("field",),
        (ADDED, False): ("rows",),
        (REMOVED, False): ("rows",),
        (ADDED, True): (),
        (REMOVED, True): (),
    }
    shape = (entry.change, entry.key is not None)
    if shape not in needs:
        has = "has" if entry.key is not None else "has no"
        raise ChangelogError(f"{where}: a '{entry.change}' change {has} 'key'")
    for name in needs[shape]:
        if getattr(entry, name) is None:
            raise ChangelogError(f"{where}: a '{entry.change}' change needs '{name}'")


def parse_changelog(data: dict, where: str) -> list[Release]:
    if not isinstance(data, dict) or not isinstance(data.get("releases"), list):
        raise ChangelogError(f"{where}: expected a top-level 'releases' list")
    releases = []
    for number, item in enumerate(data["releases"], start=1):
        place = f"{where} release {number}"
        if not isinstance(item, dict):
            raise ChangelogError(f"{place}: a release must be a mapping")
        version = str(item.get("version", ""))
        if version == NEXT and number != 1:
            raise ChangelogError(f"{place}: only the first release may be '{NEXT}'")
        if version != NEXT and not _VERSION.match(version):
            raise ChangelogError(f"{place}: version {version!r} is not MAJOR.MINOR.PATCH")
        date = item.get("date")
        if version != NEXT and not isinstance(date, dt.date):
            raise ChangelogError(f"{place} ({version}): 'date' {date!r} is not a YYYY-MM-DD date")
        changes = item.get("changes") or []
        entries = [
            parse_entry(entry, f"{place} ({version}) change {index}")
            for index, entry in enumerate(changes, start=1)
        ]
        releases.append(Release(version, date, str(item.get("summary") or ""), entries))
    numbered = [tuple(map(int, r.version.split("."))) for r in releases if r.version != NEXT]
    if numbered != sorted(numbered, reverse=True) or len(set(numbered)) != len(numbered):
        raise ChangelogError(f"{where}: releases must be listed newest first, each once")
    return releases


def read_changelog(path: Path | str) -> list[Release]:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ChangelogError(f"{path}: cannot be read ({error})") from None
    return parse_changelog(data, path.name)


HEADER = """\
# Changes to the book's data, release by release (newest first). The page "Evidence
# changelog" is built from this file; tests/test_changelog.py checks it against the data.
# A change not yet released goes under `version: next` (create it at the top if absent):
#   python -m maintenance.data_release draft   prints the entries for every unrecorded change;
#   paste them, replace each TODO with the reason. Values are the CSV's text, quoted.
#   python -m maintenance.data_release release X.Y.Z --date YYYY-MM-DD --summary "..."
# numbers the release, records the data's fingerprints and the package version.
"""


def write_changelog(releases: list[Release], path: Path | str) -> None:
    body = yaml.safe_dump(
        {"releases": [release.as_dict() for release in releases]},
        sort_keys=False,
        allow_unicode=True,
        width=100,
    )
    Path(path).write_text(HEADER + body, encoding="utf-8")

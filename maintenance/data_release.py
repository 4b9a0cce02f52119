"""Releases of the data package: what the last release held, and what has changed since.

The last release is kept as fingerprints in data/release-snapshot.json: per dataset its
primary key, its fields and, per row, a short hash of each field's text. That is enough to
tell which rows were added or removed and which fields changed, and to check that a
changelog entry's old value is what was released, without a second copy of the data.

    python -m maintenance.data_release check     list changes the changelog does not record
    python -m maintenance.data_release draft     print changelog entries for them (old values
                                               from git, as of the commit of the snapshot)
    python -m maintenance.data_release release X.Y.Z --date YYYY-MM-DD --summary "..."
    python -m maintenance.data_release export DIR
                                               write the package as one standard Data Package
                                               (every CSV and a datapackage.json listing them)
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from maintenance.data_changelog import (
    COLUMN_ADDED,
    COLUMN_REMOVED,
    NEXT,
    Entry,
    Release,
    read_changelog,
    write_changelog,
)
from maintenance.data_changes import ADDED, CHANGED, REMOVED, DataChangeError, diff_rows
from stormbook.datasets import read_package
from stormbook.paths import DESCRIPTOR_NAME, book_root

SNAPSHOT, CHANGELOG, DESCRIPTOR = "release-snapshot.json", "changelog.yml", DESCRIPTOR_NAME
FIRST_REASON = "In the data package when versioning began."


def digest(text: str) -> str:
    """A short fingerprint of a cell's text (changes are caught, not defended against)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


@dataclass
class Table:
    name: str
    path: str
    key: list[str]
    fields: list[str]
    rows: list[dict[str, str]]


def read_descriptor(data_dir: Path) -> dict:
    """The data package's descriptor (datapackage.json), as written."""
    return json.loads((data_dir / DESCRIPTOR).read_text(encoding="utf-8"))


def current_tables(data_dir: Path) -> dict[str, Table]:
    """Every dataset of the package as the CSV text holds it, with its primary key."""
    descriptor = read_package(data_dir / DESCRIPTOR)
    tables = {}
    for resource in descriptor["resources"]:
        key = resource["schema"].get("primaryKey")
        if not key:
            raise DataChangeError(f"{resource['name']}: its schema gives no primaryKey")
        with open(data_dir / resource["path"], encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        fields = [field["name"] for field in resource["schema"]["fields"]]
        key = [key] if isinstance(key, str) else list(key)
        tables[resource["name"]] = Table(resource["name"], resource["path"], key, fields, rows)
    return tables


def fingerprint(tables: dict[str, Table], version: str) -> dict:
    resources = {}
    for name, table in tables.items():
        rows = [
            [[row[f] for f in table.key], [digest(row[f]) for f in table.fields]]
            for row in table.rows
        ]
        resources[name] = {"path": table.path, "key": table.key, "fields": table.fields}
        resources[name]["rows"] = rows
    return {"version": version, "resources": resources}


def write_snapshot(snapshot: dict, path: Path) -> None:
    """JSON with one row per line, so a release's diff shows the rows that changed."""
    lines = ["{", f'  "version": {json.dumps(snapshot["version"])},', '  "resources": {']
    names = list(snapshot["resources"])
    for index, name in enumerate(names):
        resource = snapshot["resources"][name]
        head = {k: v for k, v in resource.items() if k != "rows"}
        lines.append(f"    {json.dumps(name)}: {json.dumps(head, ensure_ascii=False)[:-1]},")
        lines.append('      "rows": [')
        rows = [json.dumps(row, ensure_ascii=False) for row in resource["rows"]]
        lines += [f"        {row}," for row in rows[:-1]] + [f"        {row}" for row in rows[-1:]]
        lines.append("      ]}" + ("," if index < len(names) - 1 else ""))
    lines += ["  }", "}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_snapshot(path: Path) -> dict | None:
    """The last release's fingerprints, or None before the first release."""
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


@dataclass(frozen=True)
class Difference:
    """A change since the last release; `old_digest` fingerprints a changed field's old text."""

    resource: str
    change: str
    key: tuple[str, ...] | None = None
    field: str | None = None
    new: str | None = None
    old_digest: str | None = None
    rows: int | None = None

    def matches(self, entry: Entry) -> bool:
        same = (entry.resource, entry.change, entry.key, entry.field) == (
            self.resource,
            self.change,
            self.key,
            self.field,
        )
        if not same:
            return False
        if self.change == CHANGED:
            return entry.new == self.new and digest(entry.old) == self.old_digest
        if self.key is None and self.field is None:  # a whole dataset: its row count too
            return entry.rows == self.rows
        return True

    def draft(self, old: str | None = None) -> Entry:
        """A changelog entry for this difference, its reason still to be written."""
        key = self.key
        if self.change == CHANGED and self.old_digest == digest(""):
            old = ""  # an empty cell filled in: the old text is known from its fingerprint
        old = old if self.change == CHANGED else None
        return Entry(
            self.resource, self.change, "TODO: why", key, self.field, old, self.new, self.rows
        )


def differences(snapshot: dict | None, tables: dict[str, Table]) -> list[Difference]:
    """Everything that differs between the released fingerprints and the current data."""
    released = (snapshot or {}).get("resources", {})
    found = [Difference(n, ADDED, rows=len(t.rows)) for n, t in tables.items() if n not in released]
    found += [
        Difference(n, REMOVED, rows=len(r["rows"])) for n, r in released.items() if n not in tables
    ]
    for name, table in tables.items():
        if name in released:
            found += _table_differences(name, released[name], table)
    return found


def _table_differences(name: str, released: dict, table: Table) -> list[Difference]:
    fields = released["fields"]
    found = [Difference(name, COLUMN_ADDED, field=f) for f in table.fields if f not in fields]
    found += [Difference(name, COLUMN_REMOVED, field=f) for f in fields if f not in table.fields]
    # Both versions as fingerprints, so diff_rows compares like with like; the key's text
    # is looked up again to name the rows.
    key = released["key"]
    gone = [f for f in key if f not in table.fields]
    if gone:
        raise DataChangeError(f"{name}: the released key field {gone[0]!r} is no longer a column")
    old_rows, key_text = [], {}
    for key_values, digests in released["rows"]:
        row = dict(zip(fields, digests, strict=True))
        old_rows.append(row)
        key_text[tuple(row[f] for f in key)] = tuple(key_values)
    new_rows, current = [], {}
    for row in table.rows:
        hashed = {f: digest(row[f]) for f in table.fields}
        new_rows.append(hashed)
        key_text[tuple(hashed[f] for f in key)] = tuple(row[f] for f in key)
        current[tuple(hashed[f] for f in key)] = row
    for change in diff_rows(old_rows, new_rows, key, name):
        key = key_text[change.key]
        if change.change == CHANGED:
            new = current[change.key][change.field]
            found.append(Difference(name, CHANGED, key, change.field, new, change.old))
        else:
            found.append(Difference(name, change.change, key))
    return found


def unrecorded(found: list[Difference], entries: list[Entry]):
    """Differences no entry records, and entries that record no difference."""
    missing = [d for d in found if not any(d.matches(e) for e in entries)]
    stray = [e for e in entries if not any(d.matches(e) for d in found)]
    return missing, stray


def problems(data_dir: Path) -> list[str]:
    """Everything that stops the changelog from accounting for the data, one message each."""
    releases = read_changelog(data_dir / CHANGELOG)
    snapshot = read_snapshot(data_dir / SNAPSHOT)
    numbered = [r for r in releases if r.version != NEXT]
    pending = releases[0].changes if releases and releases[0].version == NEXT else []
    found = []
    package_version = read_descriptor(data_dir).get("version")
    latest = numbered[0].version if numbered else None
    if snapshot and snapshot["version"] != latest:
        found.append(
            f"{SNAPSHOT} is of release {snapshot['version']}, the changelog's latest is {latest}"
        )
    if package_version != latest:
        found.append(
            f"{DESCRIPTOR} has version {package_version!r}, the changelog's latest is {latest}"
        )
    missing, stray = unrecorded(differences(snapshot, current_tables(data_dir)), pending)
    for difference in missing:
        entry = yaml.safe_dump(
            [difference.draft("<its text at the last release>").as_dict()],
            sort_keys=False,
            allow_unicode=True,
        )
        found.append(
            f"{difference.resource}: a change since release {latest} that data/{CHANGELOG} "
            f"does not record. Add under `- version: {NEXT}` (at the top of releases), with "
            f"the reason (`python -m maintenance.data_release draft` fills in old values):\n{entry}"
        )
    for entry in stray:
        found.append(
            f"data/{CHANGELOG} `{NEXT}` entry {entry.as_dict()} matches no change in the data "
            f"since release {latest} (check its key, field, old and new text)"
        )
    return found


def released_text(data_dir: Path, path: str) -> list[dict] | None:
    """A dataset's rows as of the commit that last wrote the snapshot (None without git)."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=data_dir, capture_output=True, text=True, check=True
        ).stdout

    try:
        commit = git("log", "-1", "--format=%H", "--", SNAPSHOT).strip()
        root = git("rev-parse", "--show-prefix").strip()
        text = git("show", f"{commit}:{root}{path}")
    except (OSError, subprocess.CalledProcessError):
        return None
    return list(csv.DictReader(io.StringIO(text)))


def draft_entries(data_dir: Path) -> list[Entry]:
    """Entries for every unrecorded change, with old values from git where they check out."""
    releases = read_changelog(data_dir / CHANGELOG)
    pending = releases[0].changes if releases and releases[0].version == NEXT else []
    snapshot = read_snapshot(data_dir / SNAPSHOT)
    missing, _ = unrecorded(differences(snapshot, current_tables(data_dir)), pending)
    entries = []
    for difference in missing:
        old = None
        if difference.change == CHANGED:
            resource = snapshot["resources"][difference.resource]
            for row in released_text(data_dir, resource["path"]) or []:
                if tuple(row.get(f) for f in resource["key"]) == difference.key:
                    old = row.get(difference.field)
            if old is None or digest(old) != difference.old_digest:
                old = "<its text at the last release>"
        entries.append(difference.draft(old))
    return entries


def draft_text(data_dir: Path) -> str:
    """The entries to paste into data/changelog.yml, under a `next` release if there is none."""
    entries = [entry.as_dict() for entry in draft_entries(data_dir)]
    if not entries:
        return "# The changelog records every change to the data; nothing to add."
    releases = read_changelog(data_dir / CHANGELOG)
    if releases and releases[0].version == NEXT:
        text = yaml.safe_dump(entries, sort_keys=False, allow_unicode=True)
        return "# Add to the changes of `version: next`:\n" + text
    block = [{"version": NEXT, "changes": entries}]
    text = yaml.safe_dump(block, sort_keys=False, allow_unicode=True)
    return "# Add at the top of `releases:`, and write each reason:\n" + text


def release(data_dir: Path, version: str, date: dt.date, summary: str) -> Release:
    """Number the `next` changes as a release (the first release lists every dataset), and
    record its fingerprints and the package version."""
    path = data_dir / CHANGELOG
    releases = read_changelog(path) if path.exists() else []
    snapshot = read_snapshot(data_dir / SNAPSHOT)
    tables = current_tables(data_dir)
    pending = releases[0].changes if releases and releases[0].version == NEXT else []
    numbered = [r for r in releases if r.version != NEXT]
    if numbered and tuple(map(int, version.split("."))) <= tuple(
        map(int, numbered[0].version.split("."))
    ):
        raise DataChangeError(
            f"version {version} is not after the latest release {numbered[0].version}"
        )
    if snapshot is None and not pending:
        pending = [d.draft() for d in differences(None, tables)]
        pending = [Entry(e.resource, e.change, FIRST_REASON, rows=e.rows) for e in pending]
    issues = problems_before_release(data_dir, pending, snapshot, tables)
    if issues:
        raise DataChangeError("cannot release:\n" + "\n".join(issues))
    new = Release(version, date, summary, pending)
    write_changelog([new, *numbered], path)
    write_snapshot(fingerprint(tables, version), data_dir / SNAPSHOT)
    _set_package_version(data_dir, version)
    return new


def problems_before_release(data_dir, pending, snapshot, tables) -> list[str]:
    missing, stray = unrecorded(differences(snapshot, tables), pending)
    found = [f"unrecorded: {d}" for d in missing] + [f"matches no change: {e}" for e in stray]
    return found or ([] if pending else ["no changes under `next` to release"])


def _set_package_version(data_dir: Path, version: str) -> None:
    descriptor = read_descriptor(data_dir)
    ordered = {}
    for name, value in descriptor.items():
        if name != "version":
            ordered[name] = value
        if name == "name":
            ordered["version"] = version  # kept near the top, where a reader looks for it
    (data_dir / DESCRIPTOR).write_text(
        json.dumps(ordered, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def export(data_dir: Path, target: Path) -> Path:
    """Write the data package as outside tools expect one: the CSVs beside a single
    datapackage.json that lists every dataset with its schema inline."""
    descriptor = read_package(data_dir / DESCRIPTOR)
    target.mkdir(parents=True, exist_ok=True)
    for resource in descriptor["resources"]:
        shutil.copyfile(data_dir / resource["path"], target / resource["path"])
    written = target / DESCRIPTOR
    written.write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", "utf-8")
    return written


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m maintenance.data_release", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="list changes the changelog does not record")
    commands.add_parser("draft", help="print changelog entries for unrecorded changes")
    new = commands.add_parser("release", help="number the `next` changes as a release")
    new.add_argument("version")
    new.add_argument("--date", required=True, type=dt.date.fromisoformat)
    new.add_argument("--summary", required=True)
    out = commands.add_parser("export", help="write one standard Data Package into a folder")
    out.add_argument("folder", type=Path)
    options = parser.parse_args(argv)
    data_dir = book_root() / "data"
    if options.command == "check":
        found = problems(data_dir)
        print("\n".join(found) or "The changelog records every change to the data.")
        return 1 if found else 0
    if options.command == "export":
        print(f"Wrote {export(data_dir, options.folder)}")
        return 0
    if options.command == "draft":
        print(draft_text(data_dir))
        return 0
    made = release(data_dir, options.version, options.date, options.summary)
    print(f"Released {made.version}: {len(made.changes)} change(s) recorded.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

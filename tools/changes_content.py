"""What changed between two versions: the values each chapter shows, the changelog's entries,
the data row by row, and which data change explains which value."""

from __future__ import annotations

import ast
import csv
import io
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml
from changes_runs import cached_run
from changes_versions import (
    ADDED,
    CHANGED,
    CHANGELOG,
    CHART,
    CHART_ID,
    CHART_SPEC,
    DESCRIPTOR,
    GLUE,
    PRINTED,
    QUESTION,
    REMOVED,
    ChangesError,
    Version,
)

from book_extensions.teaching_outline import (
    FENCE_OPEN,
    GATE_END,
    GATE_START,
    directive_blocks,
    read_outline,
)
from maintenance.data_changelog import (
    COLUMN_ADDED,
    COLUMN_REMOVED,
    NEXT,
    ChangelogError,
    Entry,
    Release,
    parse_changelog,
)
from maintenance.data_changes import DataChangeError, diff_rows

# --- What a chapter shows ------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """One thing a reader sees, as text: `text` is compared, `shown` is printed."""

    chapter: str
    kind: str  # GLUE, PRINTED or QUESTION
    name: str  # the glue key, the exercise whose printed output it is, or the question label
    text: str
    shown: str
    exercise: str | None = None  # the worked solution it belongs to


def shown_text(plain: str) -> str:
    """A glued value as the page prints it: a string without its Python quotes."""
    try:
        value = ast.literal_eval(plain)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return plain
    return value if isinstance(value, str) else plain


def chart_text(html: str) -> str:
    """A chart's specification as stable JSON: Altair's random element id gone, and its
    datasets (named by a hash of their rows) named by their order instead."""
    found = CHART_SPEC.search(html)
    if not found:
        return CHART_ID.sub("altair-viz", html)
    spec = json.loads(found.group(1))
    text = json.dumps(spec, sort_keys=True, ensure_ascii=False)
    for number, name in enumerate(spec.get("datasets", {})):
        text = text.replace(json.dumps(name), json.dumps(f"data-{number}"))
    return text


def glued(chapter: str, output: dict, exercise: str | None) -> Value:
    """A glue output's value as text (a chart's: its specification)."""
    name = output["metadata"]["scrapbook"]["name"]
    prefix = output["metadata"]["scrapbook"].get("mime_prefix", "")
    data = {mime.removeprefix(prefix): "".join(text) for mime, text in output["data"].items()}
    plain = data.get("text/plain", "")
    if plain.startswith("alt.") and "text/html" in data:
        return Value(chapter, CHART, name, chart_text(data["text/html"]), "a chart", exercise)
    return Value(chapter, GLUE, name, plain, shown_text(plain), exercise)


def open_solution(markdown: str, label: str | None) -> str | None:
    """The exercise whose gated solution is open after a markdown cell (None: none is)."""
    rest = markdown
    while rest:
        gate = (GATE_END if label else GATE_START).search(rest)
        if not gate:
            break
        opening = FENCE_OPEN.match(gate.group(0).splitlines()[0].strip())
        label = None if label else opening["argument"]
        rest = rest[gate.end() :]
    return label


def chapter_values(chapter: str, notebook: dict) -> list[Value]:
    """Glued values (with the exercise of the solution they sit in) and, per worked
    solution, everything its code printed."""
    values, printed, label = [], defaultdict(str), None
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            label = open_solution("".join(cell["source"]), label)
            continue
        for output in cell.get("outputs", []):
            if "scrapbook" in output.get("metadata", {}):
                values.append(glued(chapter, output, label))
            elif label and output.get("output_type") == "stream" and output["name"] == "stdout":
                printed[label] += "".join(output["text"])
    for exercise, text in printed.items():
        values.append(Value(chapter, PRINTED, exercise, text, text.rstrip("\n"), exercise))
    return values


def question_keys(chapter: str, notebook_path: Path) -> list[Value]:
    """Each self-check question's key: its label and the text of its correct option."""
    keys = []
    for question in read_outline(notebook_path).self_checks:
        correct = [
            choice.argument
            for choice in directive_blocks(question.body)
            if choice.name == "self-check-choice" and "correct" in choice.options
        ]
        answer = " | ".join(correct) or "(no option marked correct)"
        keys.append(Value(chapter, QUESTION, question.label or question.argument, answer, answer))
    return keys


@dataclass
class Chapter:
    values: dict[tuple[str, str], Value]
    datasets: set[str]  # the data package's resources the run read


def datasets_read(version: Version, opened: list[str]) -> set[str]:
    """The names of the datasets whose CSV a run opened (from the version's descriptor)."""
    paths = {f"data/{r['path']}": r["name"] for r in version_resources(version)}
    return {paths[name] for name in opened if name in paths}


def read_chapters(version: Version) -> dict[str, Chapter]:
    chapters = {}
    for name in version.chapters:
        notebook_path = cached_run(version, name)
        reads_path = notebook_path.with_suffix(".reads.json")
        notebook = nbformat.read(notebook_path, as_version=4)
        found = chapter_values(name, notebook) + question_keys(name, notebook_path)
        reads = json.loads(reads_path.read_text(encoding="utf-8"))
        values = {(v.kind, v.name): v for v in found}
        chapters[name] = Chapter(values, datasets_read(version, reads["opened"]))
    return chapters


# --- Comparing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    status: str  # ADDED, REMOVED or CHANGED
    old: Value | None
    new: Value | None

    @property
    def value(self) -> Value:
        return self.new or self.old


def compare(old: dict[tuple, Value], new: dict[tuple, Value]) -> list[Change]:
    """Values added, removed and changed, in the order the newer chapter shows them."""
    changes = [Change(REMOVED, old[k], None) for k in old if k not in new]
    for key, value in new.items():
        if key not in old:
            changes.append(Change(ADDED, None, value))
        elif old[key].text != value.text:
            changes.append(Change(CHANGED, old[key], value))
    return changes


def entry_identity(entry: Entry) -> tuple:
    return (entry.resource, entry.change, entry.key, entry.field, entry.old, entry.new, entry.rows)


def read_releases(version: Version) -> list[Release]:
    text = version.read(CHANGELOG)
    if text is None:
        return []
    try:
        return parse_changelog(yaml.safe_load(text), f"{CHANGELOG} at {version.label}")
    except (ChangelogError, yaml.YAMLError) as error:
        raise ChangesError(str(error)) from None


def latest_release(releases: list[Release]) -> str | None:
    return next((r.version for r in releases if r.version != NEXT), None)


def as_tuple(version: str) -> tuple[int, ...]:
    return tuple(map(int, version.split(".")))


def changelog_between(old: list[Release], new: list[Release]) -> list[tuple[str, Entry]]:
    """The newer version's entries from releases after the older one's latest (and its
    unreleased `next`), less any the older version already recorded (under `next`)."""
    since = latest_release(old)
    known = {entry_identity(e) for release in old for e in release.changes}
    return [
        (release.version, entry)
        for release in reversed(new)
        if release.version == NEXT or since is None or as_tuple(release.version) > as_tuple(since)
        for entry in release.changes
        if entry_identity(entry) not in known
    ]


@dataclass
class Changelog:
    """Both versions' releases, and the entries the newer one made since the older one."""

    old: list[Release] = field(default_factory=list)
    new: list[Release] = field(default_factory=list)
    entries: list[tuple[str, Entry]] = field(default_factory=list)  # (its release, entry)
    problem: str | None = None


def read_changelog_between(old: Version, new: Version) -> Changelog:
    """The changelog between two versions; one that cannot be read is reported, not fatal."""
    try:
        releases = read_releases(old), read_releases(new)
    except ChangesError as error:
        return Changelog(problem=f"the changelog could not be read: {error}")
    return Changelog(*releases, changelog_between(*releases))


# --- The data, version against version -----------------------------------------------------


@dataclass(frozen=True)
class DataDifference:
    """One difference in the data between the versions (the changelog's own vocabulary)."""

    resource: str
    change: str
    key: tuple[str, ...] | None = None
    field: str | None = None
    old: str | None = None
    new: str | None = None
    rows: int | None = None

    def recorded_by(self, entry: Entry) -> bool:
        """The entry records this difference (its old text may be of an earlier release)."""
        mine = (self.resource, self.change, self.key, self.field)
        return mine == (entry.resource, entry.change, entry.key, entry.field)


@dataclass
class Table:
    key: list[str]
    fields: list[str]
    rows: list[dict[str, str]]


def version_resources(version: Version) -> list[dict]:
    """A version's datasets as {name, path, schema}: one per `data/schemas/<name>.json` file
    holding its title, description and schema, or (versions before 2026-12-07) as
    `datapackage.json` listed them, with the schema inline or in a file it names."""
    descriptor = json.loads(version.read(DESCRIPTOR) or "{}")
    if "resources" not in descriptor:
        files = sorted(f for f in version.files if re.fullmatch(r"data/schemas/[^/]+\.json", f))
        return [
            {"name": Path(f).stem, "path": f"{Path(f).stem}.csv", "schema": _json(version, f)}
            for f in files
        ]
    resources = []
    for resource in descriptor["resources"]:
        schema = resource.get("schema", {})
        schema = schema if isinstance(schema, dict) else _json(version, f"data/{schema}")
        resources.append({**resource, "schema": schema})
    return resources


def _json(version: Version, name: str) -> dict:
    return json.loads(version.read(name) or "{}")


def version_tables(version: Version) -> dict[str, Table]:
    """Every dataset of a version's data package, as the text its CSV holds."""
    tables = {}
    for resource in version_resources(version):
        schema = resource["schema"]
        key = schema.get("primaryKey") or []
        text = version.read(f"data/{resource['path']}") or ""
        fields = [f["name"] for f in schema.get("fields", [])]
        rows = list(csv.DictReader(io.StringIO(text)))
        tables[resource["name"]] = Table([key] if isinstance(key, str) else key, fields, rows)
    return tables


def table_differences(name: str, old: Table, new: Table) -> list[DataDifference]:
    found = [DataDifference(name, COLUMN_ADDED, field=f) for f in new.fields if f not in old.fields]
    found += [
        DataDifference(name, COLUMN_REMOVED, field=f) for f in old.fields if f not in new.fields
    ]
    try:
        rows = diff_rows(old.rows, new.rows, new.key, name)
    except DataChangeError as error:  # e.g. a new primary key: say so rather than stop
        return [*found, DataDifference(name, f"{CHANGED}, rows not compared: {error}")]
    return found + [
        DataDifference(r.resource, r.change, r.key, r.field, r.old, r.new) for r in rows
    ]


def data_differences(old: dict[str, Table], new: dict[str, Table]) -> list[DataDifference]:
    """Datasets, columns and rows added or removed, and each changed field, newer order."""
    found = [DataDifference(n, REMOVED, rows=len(t.rows)) for n, t in old.items() if n not in new]
    for name, table in new.items():
        if name not in old:
            found.append(DataDifference(name, ADDED, rows=len(table.rows)))
        else:
            found += table_differences(name, old[name], table)
    return found


def why_data_changed(difference: DataDifference, changelog: Changelog) -> str:
    """The changelog's reason for a difference: the entry made between the versions, else
    the newer changelog's entry for the same row (a row added since the last release keeps
    one 'added' entry however often it is edited)."""
    for release, entry in changelog.entries:
        if difference.recorded_by(entry):
            return f"Reason ({release_name(release)}): {entry.reason}"
    for release in changelog.new:
        for entry in release.changes:
            if (entry.resource, entry.key) == (difference.resource, difference.key) and entry.key:
                what = "addition" if entry.change == ADDED else describe_change(entry, row=False)
                when = release_name(release.version)
                return (
                    f"Recorded in the changelog only as the row's {what} ({when}): {entry.reason}"
                )
    return "No changelog entry records it."


def release_name(release: str) -> str:
    return "not yet released" if release == NEXT else f"release {release}"


# --- Tying a changed value to the data -----------------------------------------------------


def same_text(shown: str, cell: str | None) -> bool:
    """A value and a CSV cell say the same: equal, equal as numbers, or (for a text of some
    length, such as a quotation) the value is part of the cell."""
    if cell is None:
        return False
    shown, cell = shown.strip(), cell.strip()
    if shown == cell or (len(shown) >= 12 and shown in cell):
        return True
    try:
        return float(shown.replace(",", "")) == float(cell.replace(",", ""))
    except ValueError:
        return False


def chart_rows(text: str) -> Counter:
    """The rows a chart's specification holds, each as one line of JSON."""
    try:
        datasets = json.loads(text).get("datasets", {})
    except json.JSONDecodeError:
        return Counter()
    rows = (row for data in datasets.values() for row in data)
    return Counter(json.dumps(row, sort_keys=True, ensure_ascii=False) for row in rows)


def chart_ties(change: Change, data: list[DataDifference]) -> list[DataDifference]:
    """Data differences whose old text is in a row the chart lost and new text in one it
    gained (tooltips and tables show the data's fields under their own names)."""
    old_rows, new_rows = chart_rows(change.old.text), chart_rows(change.new.text)
    lost = [json.loads(row) for row in old_rows - new_rows]
    gained = [json.loads(row) for row in new_rows - old_rows]
    return [
        d
        for d in data
        if d.change == CHANGED
        and any(str(row.get(d.field)) == d.old for row in lost)
        and any(str(row.get(d.field)) == d.new for row in gained)
    ]


def value_ties(change: Change, data: list[DataDifference]) -> list[DataDifference]:
    """The data differences that are this value's change, where the record shows one."""
    if change.status != CHANGED or change.value.kind == QUESTION:
        return []
    if change.value.kind == CHART:
        return chart_ties(change, data)
    old, new = change.old.shown, change.new.shown
    return [
        d for d in data if d.change == CHANGED and same_text(old, d.old) and same_text(new, d.new)
    ]


def code(text: str) -> str:
    """Inline Markdown code for a one-line text, whatever backticks it holds."""
    ticks = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def describe_change(change: Entry | DataDifference, row: bool = True) -> str:
    """A data change in words: the dataset, the row and, for a changed field, old → new."""
    if change.key is None and change.field is None:
        rows = "" if change.rows is None else f" ({change.rows} rows)"
        return f"dataset `{change.resource}` {change.change}{rows}"
    if change.key is None:
        return f"`{change.resource}`: column `{change.field}` {change.change.split()[-1]}"
    where = f"`{change.resource}` row {code(' / '.join(change.key))}" if row else ""
    if change.change == CHANGED:
        what = f"`{change.field}` {code(change.old)} → {code(change.new)}"
        return f"{where}, {what}" if row else what
    return f"{where} {change.change}" if row else change.change

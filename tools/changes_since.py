"""What changed for instructors between two versions of the book.

    python tools/changes_since.py OLD_REF [NEW_REF]      (or: make changes-since TAG=OLD_REF)

OLD_REF and NEW_REF are any git refs (tag, branch, commit); without NEW_REF the working tree
is compared, uncommitted edits included. The report lists, chapter by chapter, every glued
value, every value glued or printed in a worked solution (with its exercise) and every
self-check answer key that differs; then every difference in the data, row by row, with the
reason the changelog gives (the entries of the releases after the older version's latest,
unreleased ones included). It goes to stdout and to `_build/changes-since-<OLD_REF>.md`
(`...-to-<NEW_REF>.md` when NEW_REF is given).

Each version's chapters are executed as that version wrote them: the version is exported
(`git archive`, or a copy of the working tree) into a temporary folder and its notebooks run
with PYTHONPATH set to that folder, so its own `stormbook` and its own `data/` are used. A
run that imported `stormbook` from anywhere else is refused. The executed notebooks and the
files each one read are cached per commit in `_build/changes-cache/<commit>/`, so a second
report is quick; for the working tree, any cached run (its own last one, in `worktree/`, or a
commit's) is reused while every file that run read is unchanged.

A changed value is tied to a data change only where the record shows it: a changed field
whose old and new text are the value's (for a chart, a field of the rows it draws). Where
none is, the report says the chapter reads data that changed, or that no data change was
recorded and the chapter's code or text changed.
"""

from __future__ import annotations

import argparse
import ast
import csv
import difflib
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml
from execute_notebooks import execute

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

TOOL_ROOT = Path(__file__).resolve().parent.parent

CACHE = Path("_build") / "changes-cache"
CHAPTERS = "chapters"
CHANGELOG, DESCRIPTOR = "data/changelog.yml", "data/datapackage.json"
GLUE, CHART, PRINTED = "glued value", "glued chart", "printed output"
QUESTION = "self-check answer"
ADDED, REMOVED, CHANGED = "added", "removed", "changed"
NO_DATA_CHANGE = "no data change recorded; the chapter's code or text changed"
# Altair gives every chart a random element id; without it, two runs of one chart are equal.
CHART_ID = re.compile(r"altair-viz-[0-9a-f]{32}")
# Altair's HTML ends by calling its embedding function with the specification and options.
CHART_SPEC = re.compile(r"\}\)\((\{.*\}), \{[^{}]*\}\);\s*</script>\s*$", re.S)


class ChangesError(Exception):
    """The comparison cannot be made (unknown ref, no chapters, a chapter that fails)."""


# --- Versions of the book ------------------------------------------------------------------


def git(root: Path, *args: str, binary: bool = False) -> str | bytes:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=not binary)
    if result.returncode != 0:
        error = result.stderr if not binary else result.stderr.decode(errors="replace")
        raise ChangesError(f"git {' '.join(args)} failed in {root}: {error.strip()}")
    return result.stdout


def book_root(start: Path) -> Path:
    """The top of the git repository holding `start`."""
    try:
        return Path(git(start, "rev-parse", "--show-toplevel").strip())
    except (ChangesError, OSError):
        raise ChangesError(f"{start} is not inside a git repository") from None


def resolve(root: Path, ref: str) -> str:
    """The commit a ref names, or a clear error when there is none."""
    found = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    if found.returncode != 0 or not found.stdout.strip():
        raise ChangesError(
            f"unknown git ref {ref!r}: no tag, branch or commit of that name in {root}"
        )
    return found.stdout.strip()


def working_tree_files(root: Path) -> list[str]:
    """The working tree's files as a commit would hold them: tracked and not ignored."""
    listed = git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    return sorted({name for name in listed.split("\0") if name and (root / name).is_file()})


def file_digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


@dataclass
class Version:
    """One side of the comparison: a commit, or the working tree (commit None)."""

    root: Path
    label: str
    commit: str | None
    cache_key: str
    chapters: list[str]
    files: frozenset[str]

    def read(self, name: str) -> str | None:
        """A file's text in this version, or None if the version has no such file."""
        if self.commit is None:
            path = self.root / name
            return path.read_text(encoding="utf-8") if path.is_file() else None
        try:
            return git(self.root, "show", f"{self.commit}:{name}")
        except ChangesError:
            return None

    def export(self, target: Path) -> None:
        """Write this version's files into `target`."""
        if self.commit is None:
            for name in sorted(self.files):
                (target / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(self.root / name, target / name)
            return
        archive = git(self.root, "archive", "--format=tar", self.commit, binary=True)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(target, filter="data")


def chapter_names(names: Iterable[str]) -> list[str]:
    return sorted(n for n in names if re.fullmatch(rf"{CHAPTERS}/[^/]+\.ipynb", n))


def version(root: Path, ref: str | None) -> Version:
    """A ref (None: the working tree), checked to name a commit that has chapters."""
    if ref is None:
        files = working_tree_files(root)
        found = Version(root, "the working tree", None, "worktree", [], frozenset(files))
    else:
        commit = resolve(root, ref)
        files = git(root, "ls-tree", "-r", "-z", "--name-only", commit).split("\0")
        found = Version(root, ref, commit, commit, [], frozenset(filter(None, files)))
    found.chapters = chapter_names(found.files)
    if not found.chapters:
        where = found.label if ref is None else f"ref {ref!r} (commit {found.commit[:10]})"
        raise ChangesError(f"{where} has no chapter notebooks ({CHAPTERS}/*.ipynb)")
    return found


# --- Executing a version's chapters --------------------------------------------------------


def cached_paths(version: Version, chapter: str, key: str | None = None) -> tuple[Path, Path]:
    """Where a chapter's executed notebook and the record of what it read are cached."""
    base = version.root / CACHE / (key or version.cache_key) / chapter
    return base, base.with_suffix(".reads.json")


def matches_working_tree(version: Version, reads_path: Path) -> bool:
    """Every file a cached run read (and its notebook) is the same in the working tree."""
    digests = json.loads(reads_path.read_text(encoding="utf-8")).get("digests", {})
    return bool(digests) and all(
        file_digest(version.root / name) == known for name, known in digests.items()
    )


def cached_run(version: Version, chapter: str) -> Path | None:
    """The cached executed notebook of this chapter in this version, if there is one: the
    commit's run; for the working tree, any run (its own last one first, then any commit's)
    that read the very files the working tree now holds."""
    own = cached_paths(version, chapter)
    if version.commit is not None:
        return own[0] if own[1].exists() else None
    candidates = [own, *(cached_paths(version, chapter, d.name) for d in sorted_runs(version))]
    return next(
        (
            run
            for run, reads in candidates
            if reads.exists() and matches_working_tree(version, reads)
        ),
        None,
    )


def sorted_runs(version: Version) -> list[Path]:
    """The cache's folders, newest first (the working tree is most often like a recent one)."""
    folders = (version.root / CACHE).glob("*/")
    return sorted(folders, key=lambda folder: folder.stat().st_mtime, reverse=True)


def run_in_copy(notebook: str, copy: str, timeout: int) -> dict:
    """Execute one notebook of an exported version (in a worker process): PYTHONPATH puts
    the copy's `stormbook` ahead of the installed one for the kernel this starts."""
    os.environ["PYTHONPATH"] = os.pathsep.join(
        part for part in (copy, os.environ.get("PYTHONPATH", "")) if part
    )
    return execute(Path(copy) / notebook, timeout)


def reads_inside(copy: Path, run: dict, where: str) -> dict:
    """The files the run read, relative to the copy; an error if `stormbook` came from
    elsewhere (the report would then compare the installed package with itself)."""
    copy = copy.resolve()
    outside = [m for m in run["modules"] if not Path(m).resolve().is_relative_to(copy)]
    if outside:
        raise ChangesError(
            f"{where} imported stormbook from {outside[0]}, not from its own copy of the book; "
            "is PYTHONPATH overridden in this environment?"
        )
    inside = [Path(p) for p in run["opened"] if Path(p).is_relative_to(copy)]
    return {
        "opened": sorted({str(p.relative_to(copy)) for p in inside}),
        "modules": sorted(str(Path(m).resolve().relative_to(copy)) for m in run["modules"]),
    }


def digests(version: Version, chapter: str, copy: Path, reads: dict) -> dict[str, str]:
    """Fingerprints of the version's files a run read, so that the working tree can reuse it
    while they are unchanged (files the run wrote, such as figure data, are left out)."""
    names = {chapter, *reads["opened"], *reads["modules"]} & version.files
    return {name: file_digest(copy / name) for name in sorted(names)}


def store(version: Version, chapter: str, copy: Path, run: dict) -> None:
    """Cache one run; the record of reads is written last, so it marks a complete entry."""
    where = f"{chapter} at {version.label}"
    if "error" in run:
        raise ChangesError(f"{where} failed to run:\n{run['error']}")
    notebook_path, reads_path = cached_paths(version, chapter)
    reads = reads_inside(copy, run, where)
    reads["digests"] = digests(version, chapter, copy, reads)
    notebook_path.parent.mkdir(parents=True, exist_ok=True)
    for path, text in ((notebook_path, run["notebook"]), (reads_path, json.dumps(reads))):
        partial = path.with_name(path.name + ".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)


def execute_missing(versions: list[Version], timeout: int, rerun: bool) -> None:
    """Run every chapter not yet cached, all versions at once, one kernel per chapter."""
    unique = {v.cache_key: v for v in versions}.values()  # a ref compared with itself: once
    missing = [(v, c) for v in unique for c in v.chapters if rerun or cached_run(v, c) is None]
    if not missing:
        return
    with ExitStack() as stack:
        copies = {}
        for v in {v.cache_key: v for v, _ in missing}.values():
            copies[v.cache_key] = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            v.export(copies[v.cache_key])
        pool = stack.enter_context(ProcessPoolExecutor(min(len(missing), os.cpu_count() or 1)))
        print(f"executing {len(missing)} chapter notebook(s) ...", file=sys.stderr)
        runs = [
            (v, c, pool.submit(run_in_copy, c, str(copies[v.cache_key]), timeout))
            for v, c in missing
        ]
        try:
            for v, c, future in runs:
                store(v, c, copies[v.cache_key], future.result())
                print(f"ran {c} at {v.label}", file=sys.stderr)
        except BaseException:
            pool.shutdown(cancel_futures=True)  # a failure ends the comparison: run no more
            raise


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


# --- The report ----------------------------------------------------------------------------


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


def chart_summary(change: Change) -> str:
    """What differs in a changed chart: its data rows, the rest of its specification, or both."""
    old_rows, new_rows = chart_rows(change.old.text), chart_rows(change.new.text)
    parts = []
    if old_rows != new_rows:
        differ = max(sum((old_rows - new_rows).values()), sum((new_rows - old_rows).values()))
        parts.append(f"its data ({differ} of {sum(new_rows.values())} rows differ)")
    design = [json.loads(c.text) for c in (change.old, change.new)]
    for spec in design:
        spec.pop("datasets", None)
    if design[0] != design[1]:
        parts.append("its encoding, text or controls")
    return "the chart changed: " + (" and ".join(parts) or "its specification") + "."


def value_lines(change: Change) -> list[str]:
    """The old and new value: inline when both are one line, else a diff block."""
    if change.value.kind == CHART and change.status == CHANGED:
        return [chart_summary(change)]
    old, new = (c.shown if c else "" for c in (change.old, change.new))
    if "\n" not in old + new:
        if change.status == ADDED:
            return [f"added: {code(new)}."]
        if change.status == REMOVED:
            return [f"removed (was {code(old)})."]
        return [f"{code(old)} → {code(new)}."]
    diff = difflib.unified_diff(old.splitlines(), new.splitlines(), "old", "new", lineterm="")
    return [f"{change.status}:", "", "  ```diff", *(f"  {line}" for line in diff), "  ```", ""]


def why_value_changed(
    change: Change, data: list[DataDifference], changelog: Changelog, reads_changed: bool
) -> str:
    """The data change(s) a value's change is, with the changelog's reason; else what the
    record allows to be said."""
    ties = value_ties(change, data)
    if len(ties) == 1:
        tie = ties[0]
        row = " / ".join(tie.key)
        where = f"`{tie.resource}` row {code(row)}, field `{tie.field}`"
        return f"Why: the data change in {where}. {why_data_changed(tie, changelog)}"
    if ties:
        names = ", ".join(sorted({f"`{tie.resource}`" for tie in ties}))
        return (
            f"Why: {len(ties)} data changes in the rows it shows ({names}); their reasons are "
            "under Data changes."
        )
    if reads_changed:
        return (
            "Why: not tied to one data change; it may follow from the changed data this "
            "chapter reads (named above) or from its code or text."
        )
    return f"Why: {NO_DATA_CHANGE}."


def change_lines(change: Change, why: str) -> list[str]:
    value = change.value
    if value.kind == PRINTED:
        name = f"printed output of the solution to `{value.exercise}`"
    elif value.exercise:
        name = f"`{value.name}` (solution to `{value.exercise}`)"
    else:
        name = f"`{value.name}`"
    lines = value_lines(change)
    lines[0] = f"- {name}: {lines[0]}"
    return lines + ([f"  {why}"] if why else [])


SECTIONS = (
    ("Glued values", lambda v: v.kind in (GLUE, CHART) and not v.exercise),
    ("Worked solutions", lambda v: v.kind in (GLUE, CHART, PRINTED) and bool(v.exercise)),
    ("Self-check answer keys", lambda v: v.kind == QUESTION),
)


@dataclass
class ChapterChanges:
    changes: list[Change]
    datasets: set[str]  # read by either version's run
    presence: str = CHANGED  # ADDED or REMOVED for a chapter only one version has


def compare_chapters(old: dict[str, Chapter], new: dict[str, Chapter]) -> dict:
    """Per chapter in either version: its changes and the datasets either run read."""
    empty = Chapter({}, set())
    compared = {}
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name, empty), new.get(name, empty)
        presence = ADDED if name not in old else REMOVED if name not in new else CHANGED
        changes = compare(before.values, after.values)
        compared[name] = ChapterChanges(changes, before.datasets | after.datasets, presence)
    return compared


def chapter_section(
    name: str, chapter: ChapterChanges, data: list[DataDifference], changelog: Changelog
) -> list[str]:
    lines = [f"## {name}", ""]
    if chapter.presence != CHANGED:
        kinds = defaultdict(int)
        for change in chapter.changes:
            kinds[change.value.kind] += 1
        counts = ", ".join(f"{n} {kind}(s)" for kind, n in kinds.items())
        return [*lines, f"The whole chapter was {chapter.presence} ({counts}).", ""]
    changed = sorted({d.resource for d in data} & chapter.datasets)
    if changed:
        names = ", ".join(f"`{name}`" for name in changed)
        lines += [f"This chapter reads data that changed: {names}.", ""]
    for title, belongs in SECTIONS:
        chosen = [c for c in chapter.changes if belongs(c.value)]
        if chosen:
            lines += [f"### {title}", ""]
            for change in chosen:
                why = (
                    ""
                    if change.value.kind == QUESTION
                    else why_value_changed(change, data, changelog, bool(changed))
                )
                lines += change_lines(change, why)
            lines.append("")
    return lines


def row_lines(differences: list[DataDifference], changelog: Changelog) -> tuple[list, str]:
    """One row's (or one dataset's) differences, and their shared reason ('' when the
    reasons differ: each line then carries its own)."""
    reasons = [why_data_changed(d, changelog) for d in differences]
    shared = reasons[0] if len(set(reasons)) == 1 else ""
    first = differences[0]
    if first.key is None:
        return [f"- {describe_change(d, row=False)}." for d in differences], shared
    head = f"- row {code(' / '.join(first.key))}"
    if len(differences) == 1:
        return [f"{head}: {describe_change(first, row=False)}."], shared
    lines = [f"{head}:"]
    for difference, reason in zip(differences, reasons, strict=True):
        end = "" if shared else f" {reason}"
        lines.append(f"  - {describe_change(difference, row=False)}.{end}")
    return lines, shared


def resource_lines(rows: list[list[DataDifference]], changelog: Changelog) -> list[str]:
    """A dataset's rows, consecutive rows with the same reason followed by it once."""
    lines, waiting, reason = [], 0, None
    for differences in rows:
        described, shared = row_lines(differences, changelog)
        if waiting and shared != reason:
            lines.append(reason_line(reason, waiting))
            waiting = 0
        lines += described
        waiting, reason = (waiting + 1, shared) if shared else (0, None)
    return lines + ([reason_line(reason, waiting)] if waiting else [])


def reason_line(reason: str, rows: int) -> str:
    return f"- {reason}" if rows == 1 else f"- For the {rows} rows above: {reason}"


def data_section(data: list[DataDifference], changelog: Changelog) -> list[str]:
    """The data's differences per dataset and row, with the changelog's reasons."""
    since = latest_release(changelog.old)
    lines = [
        "## Data changes",
        "",
        "Every difference between the two versions' data, with the reason from the changelog "
        f"entries made after data release {since or '(none)'}, unreleased ones included.",
        "",
    ]
    if changelog.problem:
        lines += [f"No reasons given: {changelog.problem}.", ""]
    if not data:
        return [*lines, "The data are the same in both versions.", ""]
    by_row = defaultdict(lambda: defaultdict(list))
    for d in data:
        by_row[d.resource][d.key or (d.change, d.field)].append(d)
    for resource, rows in by_row.items():
        lines += [f"### `{resource}`", "", *resource_lines(list(rows.values()), changelog), ""]
    unmatched = [
        (release, entry)
        for release, entry in changelog.entries
        if not any(d.recorded_by(entry) for d in data)
    ]
    if unmatched:
        lines += [
            "Recorded in the changelog between these versions, with no difference in the data:",
            "",
        ]
        lines += [
            f"- {describe_change(e)} ({release_name(r)}). Reason: {e.reason}" for r, e in unmatched
        ]
        lines.append("")
    return lines


def version_line(side: str, version: Version, releases: list[Release]) -> str:
    commit = f"commit {version.commit[:10]}" if version.commit else "uncommitted edits included"
    data = latest_release(releases) or "none"
    pending = " and unreleased changes" if releases and releases[0].version == NEXT else ""
    return f"- {side}: {code(version.label)} ({commit}; data release {data}{pending})"


def render(old: Version, new: Version, compared: dict, data: list, changelog: Changelog) -> str:
    """The Markdown report: per chapter its changes, then the data's, with their reasons."""
    counts = defaultdict(int)
    for chapter in compared.values():
        for change in chapter.changes:
            counts[change.status] += 1
    summary = ", ".join(f"{counts[status]} {status}" for status in (CHANGED, ADDED, REMOVED))
    lines = [
        f"# What changed between {old.label} and {new.label}",
        "",
        version_line("Older", old, changelog.old),
        version_line("Newer", new, changelog.new),
        "",
        f"Glued values, worked-solution values and self-check answer keys: {summary}. "
        f"Differences in the data: {len(data)}.",
        "",
    ]
    for name, chapter in compared.items():
        if chapter.changes:
            lines += chapter_section(name, chapter, data, changelog)
    unchanged = [name for name, chapter in compared.items() if not chapter.changes]
    if unchanged:
        lines += ["Unchanged: " + ", ".join(f"`{name}`" for name in unchanged) + ".", ""]
    return "\n".join(lines + data_section(data, changelog)).rstrip() + "\n"


def report(
    root: Path, old_ref: str, new_ref: str | None = None, timeout: int = 600, rerun: bool = False
) -> str:
    """The Markdown report comparing two versions of the book in the repository at `root`."""
    old, new = version(root, old_ref), version(root, new_ref)
    execute_missing([old, new], timeout, rerun)
    compared = compare_chapters(read_chapters(old), read_chapters(new))
    data = data_differences(version_tables(old), version_tables(new))
    return render(old, new, compared, data, read_changelog_between(old, new))


def report_path(root: Path, old_ref: str, new_ref: str | None) -> Path:
    safe = [re.sub(r"[^A-Za-z0-9._-]+", "-", ref) for ref in (old_ref, new_ref) if ref]
    return root / "_build" / f"changes-since-{'-to-'.join(safe)}.md"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="changes_since.py", description=__doc__.splitlines()[0])
    parser.add_argument("old_ref", help="the older version: a tag, branch or commit")
    parser.add_argument("new_ref", nargs="?", help="the newer version (default: working tree)")
    parser.add_argument("--book", type=Path, default=Path.cwd(), help="a folder in the book")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell")
    parser.add_argument("--rerun", action="store_true", help="execute again, ignoring the cache")
    options = parser.parse_args(argv)
    try:
        root = book_root(options.book)
        text = report(root, options.old_ref, options.new_ref, options.timeout, options.rerun)
    except ChangesError as error:
        print(f"changes_since.py: error: {error}", file=sys.stderr)
        return 2
    target = report_path(root, options.old_ref, options.new_ref)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(text, end="")
    print(f"Written to {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

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
import difflib
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from changes_content import (
    Change,
    Changelog,
    Chapter,
    DataDifference,
    chart_rows,
    code,
    compare,
    data_differences,
    describe_change,
    latest_release,
    read_changelog_between,
    read_chapters,
    release_name,
    value_ties,
    version_tables,
    why_data_changed,
)
from changes_runs import execute_missing
from changes_versions import (
    ADDED,
    CHANGED,
    CHART,
    GLUE,
    NO_DATA_CHANGE,
    PRINTED,
    QUESTION,
    REMOVED,
    ChangesError,
    Version,
    book_root,
    version,
)

from maintenance.data_changelog import (
    NEXT,
    Release,
)

# --- The report ----------------------------------------------------------------------------


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

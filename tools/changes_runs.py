"""Executing a version's chapters in a copy of it, with each run cached by what it read."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from pathlib import Path

from changes_versions import CACHE, ChangesError, Version, file_digest
from execute_notebooks import execute

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

"""The versions `changes_since` compares: a commit, or the working tree, and the files each
holds."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

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

"""What a question-bank item is, and the version of the book it comes from."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml
from markdown_it.common.utils import escapeHtml

from maintenance.data_changelog import NEXT, read_changelog

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_OUT = ROOT / "_build" / "question-bank"
GLUE_FOLDER = Path("_build") / "jupyter_execute"
BANK_TITLE = "Cytokine storm syndromes"


class QuestionBankError(ValueError):
    """The chapters, the glued values or the data cannot make a sound item."""


# ---------------------------------------------------------------------------- what an item is
@dataclass(frozen=True)
class Version:
    """The book's version, its data's latest release (and whether changes are waiting for the
    next one), and the git commit when there is one."""

    book: str
    data_release: str | None = None
    data_unreleased_changes: bool = False
    commit: str | None = None

    @property
    def data(self) -> str | None:
        if self.data_release is None:
            return None
        return self.data_release + ("+unreleased" if self.data_unreleased_changes else "")

    def sentence(self) -> str:
        parts = [f"book version {self.book}"]
        if self.data_release:
            waiting = " with unreleased changes" if self.data_unreleased_changes else ""
            parts.append(f"data release {self.data_release}{waiting}")
        if self.commit:
            parts.append(f"commit {self.commit}")
        return ", ".join(parts)

    def tags(self) -> list[str]:
        """Short tags (Moodle's tags hold at most 50 characters)."""
        tags = [f"book-{self.book}"]
        if self.data:
            tags.append(f"data-{self.data}")
        if self.commit:
            tags.append(f"commit-{self.commit}")
        return tags


@dataclass(frozen=True)
class Source:
    """Where an item comes from: a chapter's self-check, or one row of a dataset."""

    resource: str  # 'chapters/01-terminology.ipynb', or a data resource such as 'recovery-trials'
    row: str  # the self-check's label, or the row's key
    cited: str = ""  # who printed the numbers, as the bibliography names them
    synthetic: bool = False

    def sentence(self) -> str:
        if self.resource.endswith(".ipynb"):
            return f"self-check {self.row} in {self.resource}"
        kind = "synthetic teaching data" if self.synthetic else "data"
        cited = f" ({self.cited})" if self.cited else ""
        return f"{kind} {self.resource}, row {self.row}{cited}"


@dataclass(frozen=True)
class Choice:
    text: str  # inline HTML
    feedback: str  # block HTML
    correct: bool


@dataclass(frozen=True)
class Item:
    identifier: str
    name: str
    chapter: str  # the chapter's title: the item's category
    kind: str  # 'self-check' or 'vignette'
    question: str  # block HTML
    choices: tuple[Choice, ...]  # empty for an essay item
    general_feedback: str  # block HTML (the model answer of an essay item)
    source: Source
    version: Version
    shuffle: bool = True

    @property
    def is_essay(self) -> bool:
        return not self.choices

    @property
    def key(self) -> int:
        """Index of the correct choice."""
        return next(i for i, choice in enumerate(self.choices) if choice.correct)

    def source_html(self) -> str:
        """The provenance paragraph every item ends its general feedback with."""
        return (
            f'<p class="item-source">Source: <span class="source">'
            f"{escapeHtml(self.source.sentence())}</span>; "
            f'<span class="version">{escapeHtml(self.version.sentence())}</span>.</p>'
        )


# ---------------------------------------------------------------------------- versions
def book_version(root: Path = ROOT) -> Version:
    """CITATION.cff's version, the data's latest release (and whether changes are pending),
    and the git commit when the book is a git checkout."""
    cff = yaml.safe_load((root / "CITATION.cff").read_text(encoding="utf-8"))
    if not cff.get("version"):
        raise QuestionBankError(f"{root / 'CITATION.cff'} has no 'version:'")
    return Version(str(cff["version"]), *_data_release(root), commit=_git_commit(root))


def _data_release(root: Path) -> tuple[str | None, bool]:
    """The newest numbered release in data/changelog.yml, and whether changes wait for the next."""
    path = root / "data" / "changelog.yml"
    if not path.is_file():
        return None, False
    releases = read_changelog(path)
    numbered = next((r.version for r in releases if r.version != NEXT), "none")
    return numbered, any(r.version == NEXT and r.changes for r in releases)


def _git_commit(root: Path) -> str | None:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    if result.returncode != 0:
        return None
    return result.stdout.strip() or None

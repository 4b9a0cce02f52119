"""Lint is part of `make test`: ruff (code style and format, notebooks included) and
codespell with the book's British spelling of medical terms. Zero findings is the bar."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BRITISH = ROOT / "tools" / "codespell-british.txt"


def _run(*command: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)


def _codespell(*paths: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    # `-D -` keeps codespell's own dictionary; the second adds the book's spelling rules.
    # (The dictionary cannot sit in pyproject.toml: a value starting with "-" is misread.)
    return _run(str(BIN / "codespell"), "-D", "-", "-D", str(BRITISH), *paths, cwd=cwd)


@pytest.mark.parametrize(
    "command",
    [("check", "."), ("format", "--check", ".")],
    ids=["ruff-check", "ruff-format"],
)
def test_ruff_finds_nothing(command):
    result = _run(str(BIN / "ruff"), *command)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_reads_the_notebooks():
    listed = _run(str(BIN / "ruff"), "check", "--show-files", ".").stdout
    for notebook in sorted((ROOT / "chapters").glob("*.ipynb")):
        assert f"chapters/{notebook.name}" in listed, notebook.name


def test_codespell_finds_nothing():
    result = _codespell()
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_american_spelling_in_the_word_list_is_a_finding(tmp_path):
    rules = [line.split("->") for line in BRITISH.read_text(encoding="utf-8").split()]
    american_terms = {american for american, _ in rules}
    assert {"hemoglobin", "hemophagocytic"} <= american_terms  # codespell:ignore
    page = tmp_path / "page.md"
    page.write_text("\n".join(american for american, _ in rules) + "\n", encoding="utf-8")
    found = _codespell(page.name, cwd=tmp_path).stdout
    for american, british in rules:
        assert f"{american} ==> {british}" in found, american

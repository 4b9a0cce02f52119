"""Test markers are honest: a test that uses the built book must carry the `build` marker."""

from __future__ import annotations

import shutil
import subprocess
import sys

from conftest import ROOT

USES_THE_SITE = """
import pytest

{marker}
def test_reads_the_site(built_site):
    pass
"""


def _collect(tmp_path, marker: str) -> subprocess.CompletedProcess:
    shutil.copy(ROOT / "tests" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_site.py").write_text(USES_THE_SITE.format(marker=marker), "utf-8")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-c", "/dev/null", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )


def test_a_test_using_the_built_site_without_the_marker_stops_the_run(tmp_path):
    result = _collect(tmp_path, marker="")
    assert result.returncode != 0
    assert "test_reads_the_site uses the built book (fixtures: build_result, built_site)" in (
        result.stderr
    )


def test_the_same_test_with_the_marker_is_collected(tmp_path):
    result = _collect(tmp_path, marker="@pytest.mark.build")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 test collected" in result.stdout

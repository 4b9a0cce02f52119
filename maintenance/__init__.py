"""Maintainer tooling the chapters never import: diffing two versions of the data
(`data_changes`), the evidence changelog built from those diffs (`data_changelog`) and data
releases (`data_release`). The build's changelog page and `tools/changes_since.py` use it."""

"""Shared code for the teaching book on cytokine storm syndromes.

The chapters import what they share from here: the sourced datasets (`load_dataset`),
the chart theme (`charts`), and - as chapters are added - clinical scores, effect sizes
and teaching models, each in a module of its own.
"""

from stormbook.datasets import DatasetError, dataset_names, load_dataset

__all__ = ["DatasetError", "dataset_names", "load_dataset"]

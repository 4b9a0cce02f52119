"""The chapter's sentences about what the pharmacokinetic teaching model shows, run at exactly
the settings they name: 400 mg a day as 100 mg boluses every 6 h, one bolus a day or an
infusion, with the small and the large volume."""

from __future__ import annotations

import pytest

from stormbook import load_dataset
from stormbook.pharmacokinetics.chart import ROUTES, window_summary
from stormbook.pharmacokinetics.checks import teaching_parameters

PK = load_dataset("anakinra-pharmacokinetics")
SMALL = teaching_parameters(PK, volume="adult")
LARGE = teaching_parameters(PK, volume="paediatric")


def _day3(params, route, every):
    return window_summary(ROUTES[route], 400, every, params)


@pytest.mark.parametrize("params", [SMALL, LARGE], ids=["small volume", "large volume"])
def test_trough_order_survives_the_change_of_volume(params):
    q6 = _day3(params, "IV bolus", 6)
    q24 = _day3(params, "IV bolus", 24)
    infusion = _day3(params, "Continuous IV infusion", 24)
    assert infusion["lowest"] > q6["lowest"] > q24["lowest"]
    assert q24["peak"] > q6["peak"] > infusion["peak"] * 0.999


def test_trough_size_does_not_survive_the_change_of_volume():
    small = _day3(SMALL, "IV bolus", 6)["lowest"]
    large = _day3(LARGE, "IV bolus", 6)["lowest"]
    assert large > 10 * small


def test_the_one_compartment_half_life_follows_from_the_volume_chosen():
    assert SMALL.elimination_half_life_h < 1 < 3 < LARGE.elimination_half_life_h


@pytest.mark.parametrize("params", [SMALL, LARGE], ids=["small volume", "large volume"])
def test_slower_clearance_raises_every_level(params):
    slow = params.with_clearance_ratio(0.3)
    for route, every in (("Subcutaneous", 24), ("IV bolus", 6), ("Continuous IV infusion", 24)):
        normal, impaired = _day3(params, route, every), _day3(slow, route, every)
        assert impaired["peak"] > normal["peak"] and impaired["lowest"] > normal["lowest"]


def test_the_small_volume_troughs_between_boluses_are_near_zero():
    # "the small-volume model's troughs are near zero": under 1% of the peak on day 3.
    for every in (6, 24):
        day3 = _day3(SMALL, "IV bolus", every)
        assert 0 <= day3["lowest"] < 0.01 * day3["peak"], every

"""UncertaintySettings and Spread: valid values pass, anything else is a ConfigurationError."""

import numpy as np
import pytest

from zenthermo.errors import ConfigurationError
from zenthermo.uncertainty import Spread, UncertaintySettings


def test_defaults_are_both_methods_and_a_95_percent_interval():
    settings = UncertaintySettings()
    assert settings.method == "both"
    assert settings.ci == (2.5, 50.0, 97.5)
    assert settings.resamples_data and settings.averages_eos


@pytest.mark.parametrize("method, resamples, averages",
                         [("bootstrap", True, False), ("eos", False, True)])
def test_methods_say_what_varies(method, resamples, averages):
    settings = UncertaintySettings(method=method)
    assert (settings.resamples_data, settings.averages_eos) == (resamples, averages)


@pytest.mark.parametrize("changes", [
    {"members": 1}, {"members": 2.5}, {"members": True}, {"method": "jackknife"},
    {"ci": (97.5, 50, 2.5)}, {"ci": (0, 50, 100)}, {"ci": (5, 95)}, {"ci": "wide"},
    {"seed": -1}, {"eos_kinds": ("bm4", "bm7")}, {"eos_kinds": ()},
    {"eos_kinds": ("bm4", "bm4")}, {"member_tstep_K": -1.0},
    {"member_tstep_K": float("nan")},
])
def test_bad_settings_are_refused(changes):
    with pytest.raises(ConfigurationError):
        UncertaintySettings(**changes)


def test_ci_is_stored_as_floats():
    assert UncertaintySettings(ci=[5, 50, 95]).ci == (5.0, 50.0, 95.0)


def test_spreads_draw_around_the_centre():
    rng = np.random.default_rng(0)
    normal = np.array([Spread("normal", 0.02).draw(0.617, rng) for _ in range(4000)])
    uniform = np.array([Spread("uniform", 0.05).draw(0.667, rng) for _ in range(4000)])
    assert normal.mean() == pytest.approx(0.617, abs=2e-3)
    assert normal.std() == pytest.approx(0.02, rel=0.05)
    assert uniform.min() >= 0.617 and uniform.max() <= 0.717
    assert Spread("normal", 0.0).draw(0.617, rng) == 0.617


@pytest.mark.parametrize("distribution, width", [("lognormal", 0.1), ("normal", -0.1),
                                                  ("uniform", float("inf"))])
def test_bad_spreads_are_refused(distribution, width):
    with pytest.raises(ConfigurationError):
        Spread(distribution, width)


def test_the_family_holds_the_kinds_no_more_flexible_than_the_plain_one():
    settings = UncertaintySettings()
    assert settings.family_kinds("bm4") == ("bm3", "bm4", "vinet", "murnaghan")
    assert settings.family_kinds("bm3") == ("bm3",)
    assert settings.family_kinds("bm5") == settings.eos_kinds
    flexible = UncertaintySettings(more_flexible_kinds=True)
    assert flexible.family_kinds("bm3") == flexible.eos_kinds

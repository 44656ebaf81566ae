"""Choosing how a free energy known at a few volumes is continued in V (cross-validation)."""

from __future__ import annotations

import numpy as np
import pytest

from zenthermo.errors import ConfigurationError
from zenthermo.physics.grid_free_energy import GridFreeEnergy
from zenthermo.physics.volume_forms import candidate_forms, choose_form, parse_form

VOLUMES = np.linspace(40.0, 52.0, 9)
T = np.linspace(0.0, 1000.0, 11)


def _data(values_of_v):
    """F(V, T) = values(V) (1 + T/1000) + T^2 1e-6 with its T derivatives, shape (n, nT)."""
    f = values_of_v(VOLUMES)[:, None]
    F = f * (1.0 + T / 1000.0) + 1e-6 * T**2
    return [F, f / 1000.0 + 2e-6 * T + 0 * f, 2e-6 + 0 * F]


@pytest.mark.parametrize(("values", "expected"), [
    (lambda V: 0.3 - 0.01 * V, "poly1"),
    (lambda V: 1e-3 * (V - 45.0) ** 2, "poly2"),
    (lambda V: 2.0 * V ** (-2.0 / 3.0) - 30.0 * V ** (-4.0 / 3.0), "strain2"),
    (lambda V: np.exp(-V / 20.0), None),  # no exact form: some degree >= 2
])
def test_auto_finds_the_form_the_data_follow(values, expected):
    choice = choose_form(VOLUMES, _data(values))
    if expected is None:
        assert parse_form(choice.form)[1] >= 2
    else:
        assert choice.form == expected
        assert choice.loo_rms < 1e-12
    scores = dict(choice.scores)
    assert set(scores) == set(candidate_forms(VOLUMES.size))
    assert choice.form in scores


def test_candidates_and_names():
    assert candidate_forms(2) == ("poly1", "strain1")
    assert candidate_forms(5)[-1] == "strain3" and len(candidate_forms(30)) == 12
    assert parse_form("strain4") == ("strain", 4)
    for bad in ("poly7", "spline", "poly0", "strain"):
        with pytest.raises(ConfigurationError, match="unknown volume interpolation"):
            parse_form(bad)


def test_extrapolation_leaves_out_the_end_volumes_too():
    wiggly = _data(lambda V: 0.01 * np.sin(V / 2.0))
    inside = choose_form(VOLUMES, wiggly)
    beyond = choose_form(VOLUMES, wiggly, extrapolates=True)
    assert dict(beyond.scores)["poly6"] > dict(inside.scores)["poly6"]


@pytest.mark.parametrize("form", ["poly3", "strain4"])
def test_derivatives_are_those_of_the_representation(form):
    F, F_T, F_TT = _data(lambda V: 0.05 * np.log(V) - 1e-3 * V)
    model = GridFreeEnergy.from_arrays(VOLUMES, T, F, F_T, F_TT, interpolation=form)
    assert model.form == form
    V, t, h, k = 45.3, 333.0, 1e-3, 1e-2
    d = model.derivatives(V, t)

    def at(name, v=V, tt=t):
        return float(getattr(model.derivatives(v, tt), name))

    expected = {
        "F_V": (at("F", v=V + h) - at("F", v=V - h)) / (2 * h),
        "F_VV": (at("F_V", v=V + h) - at("F_V", v=V - h)) / (2 * h),
        "F_VVV": (at("F_VV", v=V + h) - at("F_VV", v=V - h)) / (2 * h),
        "F_T": (at("F", tt=t + k) - at("F", tt=t - k)) / (2 * k),
        "F_TT": (at("F_T", tt=t + k) - at("F_T", tt=t - k)) / (2 * k),
        "F_VT": (at("F_V", tt=t + k) - at("F_V", tt=t - k)) / (2 * k),
    }
    for name, value in expected.items():
        np.testing.assert_allclose(getattr(d, name), value, rtol=1e-6, atol=1e-14,
                                   err_msg=name)

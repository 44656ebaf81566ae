"""Every source model computes only the fields asked for, each equal to the full evaluation.

``derivatives(V, T, fields)`` of the physics layer (EOS, Debye-Grueneisen, phonon and
electronic grids in every volume form, whole sources) skips what is not asked for; what it
does compute must be bit-identical to the same field of a full evaluation, for every subset.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from test_heterogeneous_sources import mixed  # noqa: F401  (a fixture)

from zenthermo.landscape.exact import ExactZentropy
from zenthermo.physics.derivatives import DERIVATIVE_FIELDS
from zenthermo.physics.eos import fit_eos
from zenthermo.physics.free_energy import build_source_free_energies
from zenthermo.physics.options import EOS_KINDS

V = np.linspace(43.0, 52.0, 7)[:, None]  # beyond the data at both ends: extrapolation too
T = np.array([0.0, 0.5, 5.0, 40.0, 120.0, 300.0, 900.0, 1500.0])[None, :]
SUBSETS = [c for n in range(1, 8) for c in combinations(DERIVATIVE_FIELDS, n)]


def _assert_subsets_match(model) -> None:
    full = model.derivatives(V, T)
    for subset in SUBSETS:
        part = model.derivatives(V, T, fields=subset)
        for name in DERIVATIVE_FIELDS:
            value = getattr(part, name)
            if name in subset:
                assert np.array_equal(value, getattr(full, name)), (model, subset, name)
            else:
                assert value is None, (model, subset, name)


@pytest.mark.parametrize("eos", sorted(EOS_KINDS))
def test_every_eos_order_equals_the_full_evaluation(eos):
    volumes = np.linspace(44.0, 51.0, 8)
    fit = fit_eos(volumes, -16.0 + 0.6 / 47.5 * (volumes - 47.5) ** 2
                  - 0.4 / 47.5**2 * (volumes - 47.5) ** 3, eos)
    full = fit.energy_derivatives(V)
    for order in range(4):
        part = fit.energy_derivatives(V, order)
        for i in range(4):
            if i <= order:
                assert np.array_equal(part[i], full[i])
            else:
                assert part[i] is None


@pytest.mark.parametrize(("eos", "form"), [("bm4", "auto"), ("bm3", "poly1"), ("bm5", "poly3"),
                                           ("vinet", "strain2"), ("murnaghan", "strain4")])
def test_every_source_model_and_subset_equals_the_full_evaluation(mixed, eos, form):  # noqa: F811
    sources = build_source_free_energies(mixed, eos=eos, phonon_interpolation=form,
                                         electronic_interpolation=form)
    models = {type(s.vibrational_model).__name__ for s in sources}
    assert {"DebyeGrueneisen", "PhononFreeEnergy"} <= models
    assert any(s.electronic_model is not None for s in sources)
    for source in sources:
        _assert_subsets_match(source)
        for model in (source.vibrational_model, source.electronic_model):
            if model is not None:
                _assert_subsets_match(model)


def test_the_exact_landscape_asks_the_sources_only_for_what_the_sum_needs(mixed):  # noqa: F811
    sources = build_source_free_energies(mixed)
    asked: list[frozenset] = []

    class Recording:
        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def derivatives(self, V, T, fields=None):
            asked.append(frozenset(fields or DERIVATIVE_FIELDS))
            return self.inner.derivatives(V, T, fields=fields)

    landscape = ExactZentropy([Recording(s) for s in sources])
    plain = ExactZentropy(sources)
    Vs, Ts = np.linspace(45.0, 50.0, 5)[:, None], np.array([0.0, 300.0, 1200.0])[None, :]
    landscape.derivatives(Vs, Ts, fields=("F_V", "F_VV"))
    assert set(asked) == {frozenset({"F", "F_V", "F_VV"})}
    asked.clear()
    p = landscape.probabilities(Vs, Ts)
    assert set(asked) == {frozenset({"F"})}
    np.testing.assert_array_equal(p, plain.probabilities(Vs, Ts))
    d, p_both = landscape.derivatives_and_probabilities(Vs, Ts, ("F", "F_T"))
    np.testing.assert_array_equal(p_both, p)
    np.testing.assert_array_equal(d.F_T, plain.derivatives(Vs, Ts).F_T)
    assert d.F_VV is None

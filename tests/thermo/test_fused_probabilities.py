"""The isobars' source probabilities come from the Newton polish's last evaluation.

A landscape that gives ``derivatives_and_probabilities`` (the exact one) is not asked for
probabilities a second time: the p_k at each equilibrium are those of the evaluation that
found the root, bit-identical to ``landscape.probabilities`` there. A landscape without it
is asked as before.
"""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import mean_field_sources

from zenthermo.landscape.exact import ExactZentropy
from zenthermo.thermo.isobar import compute_isobars

T_GRID = np.linspace(0.0, 1600.0, 161)
PRESSURES = (0.0, 1.0, 3.0)


class Recording:
    """Forwards to an exact landscape, counting probability calls; ``fused`` says whether
    it offers ``derivatives_and_probabilities``."""

    def __init__(self, inner: ExactZentropy, fused: bool):
        self.inner, self.probability_calls, self.fused_calls = inner, 0, 0
        for name in ("method", "natoms", "source_names", "multiplicities", "volume_domain",
                     "temperature_domain"):
            setattr(self, name, getattr(inner, name))
        if fused:
            self.derivatives_and_probabilities = self._both

    def derivatives(self, V, T, fields=None):
        return self.inner.derivatives(V, T, fields=fields)

    def probabilities(self, V, T):
        self.probability_calls += 1
        return self.inner.probabilities(V, T)

    def _both(self, V, T, fields=None):
        self.fused_calls += 1
        return self.inner.derivatives_and_probabilities(V, T, fields)


@pytest.fixture(scope="module")
def landscape() -> ExactZentropy:
    sources, _ = mean_field_sources()
    return ExactZentropy(sources)


def test_probabilities_come_from_the_root_evaluation_and_equal_a_separate_call(landscape):
    fused = Recording(landscape, fused=True)
    plain = Recording(landscape, fused=False)
    with_fusion = compute_isobars(fused, PRESSURES, T_GRID)
    without = compute_isobars(plain, PRESSURES, T_GRID)
    assert fused.probability_calls == 0 and fused.fused_calls > 0
    assert plain.probability_calls == 1
    for a, b in zip(with_fusion, without, strict=True):
        assert a.probabilities.keys() == b.probabilities.keys() == set(landscape.source_names)
        for name in landscape.source_names:
            np.testing.assert_array_equal(a.probabilities[name], b.probabilities[name])
            np.testing.assert_array_equal(
                a.probabilities[name],
                landscape.probabilities(a.V_A3, a.T_K)[landscape.source_names.index(name)])
        np.testing.assert_array_equal(a.V_A3, b.V_A3)
        np.testing.assert_array_equal(a.G_eV, b.G_eV)
        total = sum(a.probabilities.values())
        np.testing.assert_allclose(total, 1.0, rtol=1e-12)


def test_a_subclass_that_redefines_the_derivatives_is_asked_for_probabilities(landscape):
    """The fused call would bypass a redefined ``derivatives``: such a landscape is polished
    with its own derivatives and asked for the probabilities separately."""
    calls = []

    class Shifted(ExactZentropy):
        def derivatives(self, V, T, fields=None):
            calls.append("derivatives")
            return super().derivatives(V, T, fields=fields)

        def probabilities(self, V, T):
            calls.append("probabilities")
            return super().probabilities(V, T)

    shifted = Shifted(landscape.free_energies)
    isobars = compute_isobars(shifted, PRESSURES, T_GRID)
    assert calls.count("probabilities") == 1 and "derivatives" in calls
    reference = compute_isobars(landscape, PRESSURES, T_GRID)
    for a, b in zip(isobars, reference, strict=True):
        for name in landscape.source_names:
            np.testing.assert_array_equal(a.probabilities[name], b.probabilities[name])

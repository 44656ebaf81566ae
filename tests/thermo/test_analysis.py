"""analyze(): isobars with NTE windows at every pressure, configurations, phase diagram."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from zenthermo.errors import ConfigurationError, DomainError
from zenthermo.physics.derivatives import FreeEnergyDerivatives
from zenthermo.thermo.analysis import (
    analyze,
    composition_of,
    configuration_summary,
    configurations_of,
    temperature_grid,
)
from zenthermo.thermo.results import ConfigurationSummary, CriticalPoint, PhaseDiagram
from zenthermo.thermo.temperatures import choose_temperatures, clipped_note


class NteParabola:
    """F = K/2 (V - V0 - s(T))^2 - d T^2/2, s'(T) = a (T - 200)(T - 500): NTE on 200..500 K."""

    method = "zenn"
    natoms = 12
    source_names = ("AFM", "FM")
    multiplicities = np.array([3.0, 1.0])
    magnetic_orders = ("AFM", "FM")
    volume_domain = (140.0, 160.0)
    temperature_domain = (0.0, 1000.0)
    K, V0, a, d = 0.006, 150.0, 1.5e-8, 1e-6

    def derivatives(self, V, T):
        V, T = np.broadcast_arrays(np.asarray(V, float), np.asarray(T, float))
        s = self.a * (T**3 / 3 - 350.0 * T**2 + 1e5 * T)
        s1 = self.a * (T - 200.0) * (T - 500.0)
        s2 = self.a * (2 * T - 700.0)
        x = V - self.V0 - s
        K = self.K
        return FreeEnergyDerivatives(
            F=K / 2 * x**2 - self.d * T**2 / 2, F_V=K * x, F_VV=np.full_like(V, K),
            F_VVV=np.zeros_like(V), F_T=-K * x * s1 - self.d * T,
            F_TT=K * s1**2 - K * x * s2 - self.d, F_VT=-K * s1,
        )

    def probabilities(self, V, T):
        V, T = np.broadcast_arrays(np.asarray(V, float), np.asarray(T, float))
        p = 1.0 / (1.0 + np.exp(V - 150.0))
        return np.stack([p, 1 - p])


class WithFreeEnergies(NteParabola):
    """The exact path: a landscape that exposes its per-source free energies."""

    method = "exact"

    class _Source:
        def __init__(self, name):
            self.name = name
            self.multiplicity = 3
            self.magnetic_order = "AFM"
            self.composition = {"Fe": 9, "Pt": 3}
            self.eos_fit = types.SimpleNamespace(e0_eV=-100.0, v0_A3=150.0, b0_GPa=180.0,
                                                 b0_prime=5.0)

    free_energies = (_Source("config_0"), _Source("config_22"))


T = np.arange(0.0, 1001.0, 1.0)


def test_every_pressure_gets_an_isobar_with_its_nte_window():
    analysis = analyze(NteParabola(), [-2.0, 0.0, 2.0], T, phase_diagram=False)
    assert [i.P_GPa for i in analysis.isobars] == [-2.0, 0.0, 2.0]
    for isobar in analysis.isobars:
        (window,) = isobar.nte_windows
        assert window.T_start_K == pytest.approx(200.0, abs=1e-6)
        assert window.T_end_K == pytest.approx(500.0, abs=1e-6)
        assert window.T_alpha_min_K == pytest.approx(350.0, abs=0.1)  # V(T) shifts it a bit
    assert analysis.isobar(0.0).V_A3[0] == pytest.approx(150.0, abs=1e-9)
    assert analysis.method == "zenn" and analysis.natoms == 12
    assert analysis.volume_domain == (140.0, 160.0)
    assert analysis.temperature_domain == (0.0, 1000.0)
    assert analysis.phase_diagram == PhaseDiagram(computed=False)  # skipped, not "none"


def test_configurations_without_free_energies_come_from_names_and_multiplicities():
    analysis = analyze(NteParabola(), [0.0], T[:10], phase_diagram=False)
    assert analysis.configurations == (
        ConfigurationSummary("AFM", 3.0, "AFM"),
        ConfigurationSummary("FM", 1.0, "FM"),
    )
    assert analysis.configurations[0].E0_eV is None
    assert analysis.composition == {}


def test_the_exact_path_reports_each_sources_eos_summary_and_composition():
    landscape = WithFreeEnergies()
    assert configurations_of(landscape)[0] == ConfigurationSummary(
        "config_0", 3.0, "AFM", -100.0, 150.0, 180.0, 5.0)
    assert composition_of(landscape) == {"Fe": 9, "Pt": 3}
    analysis = analyze(landscape, 0.0, T[:5], phase_diagram=False)
    assert [c.name for c in analysis.configurations] == ["config_0", "config_22"]
    assert analysis.composition == {"Fe": 9, "Pt": 3}


def test_a_configuration_summary_is_the_static_eos_fit_of_a_source_free_energy():
    from zenthermo.physics.free_energy import build_source_free_energies
    from zenthermo.sources import Source, SourceSet, VolumePoint

    volumes = np.linspace(43.2, 52.8, 9)
    energies = -32.0 + 0.5 / 48.0 * (volumes - 48.0) ** 2
    points = tuple(VolumePoint(label=f"vol_{i}", volume=float(v), energy=float(e), natoms=4,
                               composition={"Fe": 3, "Pt": 1})
                   for i, (v, e) in enumerate(zip(volumes, energies, strict=True)))
    source = Source(name="fm", multiplicity=2.0, natoms=4, composition={"Fe": 3, "Pt": 1},
                    points=points, magnetic_order="FM", label="FM")
    (fm,) = build_source_free_energies(SourceSet(sources=(source,)))
    summary = configuration_summary(fm)
    fit = fm.eos_fit
    assert summary == ConfigurationSummary("fm", 2.0, "FM", fit.e0_eV, fit.v0_A3, fit.b0_GPa,
                                           fit.b0_prime, label="FM")
    np.testing.assert_allclose([fit.v0_A3, fit.e0_eV, fit.b0_GPa], [48.0, -32.0, 160.2],
                               rtol=0.02)
    no_minimum = types.SimpleNamespace(name="x", multiplicity=1, magnetic_order="NM",
                                       eos_fit=types.SimpleNamespace(
                                           e0_eV=np.nan, v0_A3=np.nan, b0_GPa=np.nan,
                                           b0_prime=np.nan))
    assert configuration_summary(no_minimum) == ConfigurationSummary("x", 1.0, "NM")


def test_given_configurations_and_composition_are_passed_through():
    given = (ConfigurationSummary("x", 2.0, "FM", 1.0, 2.0, 3.0, 4.0),)
    analysis = analyze(NteParabola(), [0.0], T[:5], configurations=given,
                       composition={"Si": 8}, phase_diagram=False)
    assert analysis.configurations == given and analysis.composition == {"Si": 8}


def test_the_phase_diagram_comes_from_compute_phase_diagram(monkeypatch):
    diagram = PhaseDiagram(critical_point=CriticalPoint(T_K=400.0, P_GPa=1.0, V_A3=150.0))
    calls = []
    fake = types.ModuleType("zenthermo.thermo.phase_diagram")

    def compute_phase_diagram(landscape, progress=None):
        calls.append(landscape)
        return diagram

    fake.compute_phase_diagram = compute_phase_diagram
    monkeypatch.setitem(sys.modules, "zenthermo.thermo.phase_diagram", fake)
    landscape = NteParabola()
    analysis = analyze(landscape, [0.0], T[:5])
    assert calls == [landscape] and analysis.phase_diagram is diagram


@pytest.mark.parametrize("pressures", [[], [0.0, 0.0]])
def test_no_or_duplicate_pressures_are_rejected(pressures):
    with pytest.raises(ConfigurationError):
        analyze(NteParabola(), pressures, T, phase_diagram=False)


def test_temperatures_outside_the_domain_are_rejected_before_any_work():
    with pytest.raises(DomainError, match="temperature domain"):
        analyze(NteParabola(), [0.0], np.arange(0.0, 1100.0), phase_diagram=False)


def test_temperature_choice_defaults_to_0_to_1000_K_lowered_to_the_domain():
    np.testing.assert_array_equal(choose_temperatures((0.0, np.inf)), np.arange(0.0, 1001.0))
    grid = choose_temperatures((5.0, 300.0), tstep_K=10.0)
    assert grid[0] == 5.0 and grid[-1] == 295.0
    assert "295 K" in clipped_note(grid, None)
    assert clipped_note(grid, 295.0) is None  # asked for: nothing was lowered
    assert clipped_note(choose_temperatures((0.0, 2000.0)), None) is None
    with pytest.raises(DomainError):
        choose_temperatures((5.0, 300.0), tmin_K=0.0, tstep_K=10.0)
    with pytest.raises(DomainError):
        choose_temperatures((0.0, 700.0), tmax_K=900.0)  # an explicit tmax is never lowered


def test_analyze_defaults_to_zero_pressure_and_the_default_temperatures():
    analysis = analyze(NteParabola(), phase_diagram=False)
    assert [i.P_GPa for i in analysis.isobars] == [0.0]
    np.testing.assert_array_equal(analysis.isobars[0].T_K, np.arange(0.0, 1001.0))


def test_temperature_grid_includes_tmax_when_it_falls_on_the_grid():
    grid = temperature_grid(0, 1000, 1)
    assert grid.size == 1001 and grid[0] == 0.0 and grid[-1] == 1000.0
    np.testing.assert_array_equal(temperature_grid(10, 20, 2.5), [10, 12.5, 15, 17.5, 20])
    np.testing.assert_array_equal(temperature_grid(0, 1, 0.3), [0, 0.3, 0.6, 0.8999999999999999])
    assert temperature_grid(0.1, 0.7, 0.1)[-1] == 0.7  # no floating-point loss of tmax


@pytest.mark.parametrize(
    "tmin, tmax, tstep, error",
    [(10, 10, 1, ConfigurationError), (20, 10, 1, ConfigurationError),
     (0, 10, 0, ConfigurationError), (0, 10, -1, ConfigurationError),
     (0, float("nan"), 1, ConfigurationError), (0, 1500, 1, DomainError),
     (-10, 100, 1, ConfigurationError)],
)
def test_temperature_grid_validates_its_arguments(tmin, tmax, tstep, error):
    with pytest.raises(error):
        temperature_grid(tmin, tmax, tstep, temperature_domain=(0.0, 1000.0))


def test_mean_field_zentropy_isobar_jumps_at_coexistence_and_the_diagram_matches_closed_forms():
    from synthetic import mean_field_sources

    from zenthermo.landscape.exact import ExactZentropy

    sources, answer = mean_field_sources(g1=1.0, g2=3.0)
    landscape = ExactZentropy(sources)
    T = np.arange(100.0, 801.0, 1.0)
    # the coexistence pressure at 400 K: below it the large-volume well wins, above it the small
    V_low, V_high, P_coex = answer.coexistence(400.0)
    analysis = analyze(landscape, [P_coex - 0.05, P_coex + 0.05], T)
    below, above = analysis.isobars
    i400 = int(np.searchsorted(T, 400.0))
    assert below.V_A3[i400] == pytest.approx(V_high, abs=0.2)
    assert above.V_A3[i400] == pytest.approx(V_low, abs=0.2)
    # each isobar's other well is the metastable branch at 400 K
    k = int(np.searchsorted(above.metastable.T_K, 400.0))
    assert above.metastable.T_K[k] == 400.0
    assert above.metastable.V_A3[k] == pytest.approx(V_high, abs=0.2)
    assert np.all(np.isfinite(above.alpha_per_K)) and np.all(above.B_GPa > 0)
    np.testing.assert_allclose(above.probabilities["low"] + above.probabilities["high"], 1.0)
    cp = analysis.phase_diagram.critical_point
    t_c = cp.T_K
    assert t_c == pytest.approx(answer.T_c, rel=1e-6)
    assert cp.P_GPa == pytest.approx(answer.P_c_GPa, abs=1e-6)
    assert [c.name for c in analysis.configurations] == ["low", "high"]

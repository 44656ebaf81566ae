"""Phonon free energies from grids, and the single-source QHA against phonopy-qha (Si)."""

from __future__ import annotations

import numpy as np
import pytest

from zenthermo.errors import ConfigurationError, DomainError
from zenthermo.physics.debye import DebyeGrueneisen
from zenthermo.physics.free_energy import build_source_free_energies
from zenthermo.physics.phonons import PhononFreeEnergy
from zenthermo.sources import VibrationalGrid
from zenthermo.units import EV_PER_A3_IN_GPA, J_PER_K_MOL_IN_EV_PER_K, KJ_PER_MOL_IN_EV

TEMPERATURES = np.arange(0.0, 1501.0, 10.0)
VOLUMES = np.linspace(44.0, 51.0, 7)


def _grid_from(model, volume: float, temperatures=TEMPERATURES) -> VibrationalGrid:
    d = model.derivatives(volume, temperatures)
    return VibrationalGrid(temperatures, d.F, -d.F_T, -temperatures * d.F_TT)


class _QuadraticInV:
    """F = a(T) + b(T) V + c(T) V^2 with Debye-like a, b, c: exactly a polynomial in V."""

    def __init__(self) -> None:
        self.debye = DebyeGrueneisen.from_parameters(4, 47.2, 140.0, 5.0, 63.546)

    def derivatives(self, V, T):
        base = self.debye.derivatives(47.2, T)
        V = np.asarray(V, dtype=np.float64)
        factor = 1.0 + 0.01 * (V - 47.2) + 0.002 * (V - 47.2) ** 2
        return type(base)(
            F=base.F * factor, F_V=0 * V, F_VV=0 * V, F_VVV=0 * V,
            F_T=base.F_T * factor, F_TT=base.F_TT * factor, F_VT=0 * V,
        )


@pytest.fixture(scope="module")
def debye_model() -> DebyeGrueneisen:
    return DebyeGrueneisen.from_parameters(4, 47.2, 140.0, 5.0, 63.546)


def test_nodes_reproduce_f_s_and_cv_when_v_fit_is_exact():
    model = _QuadraticInV()
    grids = [_grid_from(model, v) for v in VOLUMES]
    phonons = PhononFreeEnergy.from_grids(VOLUMES, grids, degree=2)
    assert phonons.max_residual_eV < 1e-13
    d = phonons.derivatives(VOLUMES[:, None], TEMPERATURES[None, :])
    np.testing.assert_allclose(d.F, np.stack([g.free_energy for g in grids]), atol=1e-13)
    np.testing.assert_allclose(-d.F_T, np.stack([g.entropy for g in grids]), atol=1e-15)
    np.testing.assert_allclose(-TEMPERATURES * d.F_TT, np.stack([g.heat_capacity for g in grids]),
                               atol=1e-15)


def test_interpolation_between_nodes_follows_a_smooth_model(debye_model):
    grids = [_grid_from(debye_model, v) for v in VOLUMES]
    phonons = PhononFreeEnergy.from_grids(VOLUMES, grids, degree=4)
    V = np.array([45.3, 47.9, 50.2])[:, None]
    T = np.array([55.0, 305.0, 1234.5])
    ours, truth = phonons.derivatives(V, T), debye_model.derivatives(V, T)
    for name, rtol in (("F", 1e-5), ("F_V", 1e-4), ("F_VV", 1e-2), ("F_T", 1e-5),
                       ("F_TT", 1e-4), ("F_VT", 1e-4)):
        np.testing.assert_allclose(getattr(ours, name), getattr(truth, name), rtol=rtol,
                                   err_msg=name)


def test_derivatives_are_those_of_the_representation(debye_model):
    phonons = PhononFreeEnergy.from_grids(VOLUMES, [_grid_from(debye_model, v) for v in VOLUMES])
    V, T, h, k = 47.3, 333.0, 1e-3, 1e-2
    d = phonons.derivatives(V, T)

    def at(name, v=V, t=T):
        return float(getattr(phonons.derivatives(v, t), name))

    expected = {
        "F_V": (at("F", v=V + h) - at("F", v=V - h)) / (2 * h),
        "F_VV": (at("F_V", v=V + h) - at("F_V", v=V - h)) / (2 * h),
        "F_VVV": (at("F_VV", v=V + h) - at("F_VV", v=V - h)) / (2 * h),
        "F_T": (at("F", t=T + k) - at("F", t=T - k)) / (2 * k),
        "F_TT": (at("F_T", t=T + k) - at("F_T", t=T - k)) / (2 * k),
        "F_VT": (at("F_V", t=T + k) - at("F_V", t=T - k)) / (2 * k),
    }
    for name, value in expected.items():
        np.testing.assert_allclose(getattr(d, name), value, rtol=1e-6, err_msg=name)


def test_second_temperature_derivative_is_continuous_across_nodes(debye_model):
    phonons = PhononFreeEnergy.from_grids(VOLUMES, [_grid_from(debye_model, v) for v in VOLUMES])
    node, eps = 300.0, 1e-7
    left, right = phonons.derivatives(47.0, node - eps), phonons.derivatives(47.0, node + eps)
    np.testing.assert_allclose(left.F_TT, right.F_TT, rtol=1e-6)
    np.testing.assert_allclose(left.F_VT, right.F_VT, rtol=1e-6)


def test_degree_is_capped_by_the_number_of_volumes(debye_model):
    three = PhononFreeEnergy.from_grids(VOLUMES[:3], [_grid_from(debye_model, v)
                                                      for v in VOLUMES[:3]], degree=3)
    assert three.degree == 1


def test_temperatures_outside_the_grid_are_refused(debye_model):
    phonons = PhononFreeEnergy.from_grids(VOLUMES, [_grid_from(debye_model, v) for v in VOLUMES])
    assert phonons.temperature_domain == (0.0, 1500.0)
    with pytest.raises(DomainError, match="outside the phonon grid"):
        phonons.derivatives(47.0, 1600.0)


def test_mismatched_temperature_grids_are_a_configuration_error(debye_model):
    grids = [_grid_from(debye_model, v) for v in VOLUMES]
    grids[2] = _grid_from(debye_model, VOLUMES[2], np.arange(0.0, 1001.0, 10.0))
    with pytest.raises(ConfigurationError, match="temperature grid"):
        PhononFreeEnergy.from_grids(VOLUMES, grids, name="cfg")


# --- single-source QHA against phonopy-qha on the Si example -------------------------------

def _si_source_set(si_qha_dir):
    from zenthermo.io.phonopy_files import read_phonopy_qha

    yamls = [si_qha_dir / f"thermal_properties.yaml-{i}" for i in range(-5, 6)]
    return read_phonopy_qha(si_qha_dir / "e-v.dat", yamls)


def _equilibrium(free_energy, T: float) -> tuple[float, float, float]:
    """V(T), B_T (GPa) and alpha (1/K) at P = 0 from the analytic derivatives (Newton)."""
    V = free_energy.eos_fit.v0_A3
    for _ in range(60):
        d = free_energy.derivatives(V, T)
        V -= float(d.F_V / d.F_VV)
    d = free_energy.derivatives(V, T)
    return V, float(V * d.F_VV * EV_PER_A3_IN_GPA), float(-d.F_VT / (V * d.F_VV))


def _phonopy_qha_reference(source):
    import warnings

    from phonopy.api_qha import PhonopyQHA

    grids = [p.vibrations for p in source.points]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        qha = PhonopyQHA(
            source.volumes, source.energies, eos="vinet", temperatures=grids[0].temperatures,
            free_energy=np.array([g.free_energy for g in grids]).T / KJ_PER_MOL_IN_EV,
            cv=np.array([g.heat_capacity for g in grids]).T / J_PER_K_MOL_IN_EV_PER_K,
            entropy=np.array([g.entropy for g in grids]).T / J_PER_K_MOL_IN_EV_PER_K,
            t_max=1000, verbose=False,
        )
        return (np.asarray(qha.volume_temperature), np.asarray(qha.bulk_modulus_temperature),
                np.asarray(qha.thermal_expansion))


# (interpolation, V rtol, B_T rtol, alpha rtol at >= 300 K, |alpha - ref| / alpha(300 K) at
# 100 K). poly3 is the fixed cubic in V of earlier versions; "auto" (the form chosen by
# leave-one-out cross-validation: a polynomial in V^(-2/3)) follows the phonon data more
# closely (see the tests below), which moves alpha by a few per cent from phonopy-qha's
# one-vinet-per-temperature model, most visibly at 100 K near alpha's sign change.
QHA_CASES = [("poly3", 1e-3, 0.02, 0.05, 0.02), ("auto", 5e-4, 0.01, 0.05, 0.05)]


@pytest.mark.parametrize(("interpolation", "v_rtol", "b_rtol", "a_rtol", "a_100"), QHA_CASES)
def test_single_source_qha_reproduces_phonopy_qha_on_si(si_qha_dir, interpolation, v_rtol,
                                                        b_rtol, a_rtol, a_100):
    source_set = _si_source_set(si_qha_dir)
    (si,) = build_source_free_energies(source_set, eos="vinet", vibrations="auto",
                                       phonon_interpolation=interpolation)
    assert si.vibrations == "phonopy" and si.temperature_domain == (0.0, 2100.0)
    assert si.phonon_volume_range == (140.03, 189.07) and si.warnings == ()
    temperatures = source_set[0].points[0].vibrations.temperatures
    ref_volume, ref_bulk, ref_alpha = _phonopy_qha_reference(source_set[0])

    alpha_scale = None
    for T in (300.0, 600.0, 100.0):
        i = int(np.argmin(np.abs(temperatures - T)))
        volume, bulk, alpha = _equilibrium(si, T)
        assert volume == pytest.approx(ref_volume[i], rel=v_rtol), T
        assert bulk == pytest.approx(ref_bulk[i], rel=b_rtol), T
        # phonopy's alpha is a central difference of V(T) over the 10 K grid: compare ours both
        # analytically and taken the same way.
        v_minus, v_plus = _equilibrium(si, T - 10.0)[0], _equilibrium(si, T + 10.0)[0]
        alpha_fd = (v_plus - v_minus) / 20.0 / volume
        if T >= 300.0:
            assert alpha == pytest.approx(ref_alpha[i], rel=a_rtol), T
            assert alpha_fd == pytest.approx(ref_alpha[i], rel=a_rtol), T
            alpha_scale = alpha if alpha_scale is None else alpha_scale
        else:
            # At 100 K alpha is near its sign change (Si NTE): compare on the 300 K scale.
            assert abs(alpha - ref_alpha[i]) < a_100 * alpha_scale
            assert alpha < 0 and ref_alpha[i] < 0


def test_auto_interpolation_follows_si_phonon_data_where_a_cubic_in_v_misses_it(si_qha_dir):
    """The issue's case: at 20 K the cubic in V puts C_V 8 % below both neighbouring volumes'
    own C_V; the cross-validated form lands between them (within 1 % of the linear
    interpolation), and its dS/dV (which sets alpha) matches a local cubic through the four
    nearest volumes' entropies better than the global cubic at 100, 300 and 600 K."""
    source_set = _si_source_set(si_qha_dir)
    source = source_set[0]
    auto = PhononFreeEnergy.from_source(source)
    cubic = PhononFreeEnergy.from_source(source, interpolation="poly3")
    assert auto.form == "strain6" and dict(auto.form_scores)["poly3"] > 5 * dict(
        auto.form_scores)["strain6"]
    assert auto.loo_rms_eV < 0.4e-3 < 3e-3 < cubic.loo_rms_eV

    (si,) = build_source_free_energies(source_set, eos="vinet")
    V = _equilibrium(si, 20.0)[0]
    grids = [p.vibrations for p in source.points]
    j = int(np.flatnonzero(grids[0].temperatures == 20.0)[0])
    k = int(np.searchsorted(source.volumes, V))
    neighbours = np.array([grids[k - 1].heat_capacity[j], grids[k].heat_capacity[j]])
    between = np.interp(V, source.volumes[k - 1:k + 1], neighbours)
    c_auto = -20.0 * float(auto.derivatives(V, 20.0).F_TT)
    c_cubic = -20.0 * float(cubic.derivatives(V, 20.0).F_TT)
    assert c_cubic < 0.95 * neighbours.min()  # the miss the issue reports (7.7 %)
    assert c_auto == pytest.approx(between, rel=0.01)

    S = np.stack([g.entropy for g in grids])
    for T, rtol in ((100.0, 0.10), (300.0, 0.02), (600.0, 0.02)):
        j = int(np.flatnonzero(grids[0].temperatures == T)[0])
        near = np.arange(k - 2, k + 2)
        local = np.polyval(np.polyder(np.polyfit(source.volumes[near], S[near, j], 3)), V)
        ours = -float(auto.derivatives(V, T).F_VT)
        theirs = -float(cubic.derivatives(V, T).F_VT)
        assert ours == pytest.approx(local, rel=rtol), T
        assert abs(ours - local) < abs(theirs - local), T

"""Thermal electronic free energy of one DOS: Sommerfeld limit, thermodynamic consistency,
electron-count conservation, gapped and real DOS, and the F_el(V, T) model of a source."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.special import expit

from zenthermo.errors import ConfigurationError, DomainError, FitError
from zenthermo.physics.electronic import ElectronLevels, electronic_thermodynamics
from zenthermo.physics.electronic_free_energy import ElectronicFreeEnergy
from zenthermo.sources import ElectronicDos, ElectronicFreeEnergyGrid, Source, VolumePoint
from zenthermo.units import KB_EV_PER_K

ENERGIES = np.linspace(-10.0, 10.0, 20001)  # 1 meV spacing
T_GRID = np.arange(0.0, 2001.0, 10.0)


def free_electron_dos(scale: float = 0.5, bottom: float = -8.0) -> np.ndarray:
    """n(E) = scale sqrt(E - bottom): smooth at E_F = 0 (states/eV per cell)."""
    return scale * np.sqrt(np.clip(ENERGIES - bottom, 0.0, None))


def test_low_temperature_free_energy_is_the_sommerfeld_limit():
    n = free_electron_dos()
    result = electronic_thermodynamics(ENERGIES, n, T_GRID)
    n_fermi = 0.5 * np.sqrt(8.0)
    sommerfeld = -(np.pi**2 / 6.0) * (KB_EV_PER_K * T_GRID) ** 2 * n_fermi
    # The level mesh is accurate to ~3e-5; the next order of the expansion is
    # (k_B T / 8 eV)^2 relative, 1e-4 at 1000 K.
    for T, rtol in ((10.0, 1e-4), (100.0, 1e-4), (300.0, 1e-4), (1000.0, 5e-4)):
        i = int(np.flatnonzero(T_GRID == T)[0])
        assert result.free_energy[i] == pytest.approx(sommerfeld[i], rel=rtol), T
    gamma = (np.pi**2 / 3.0) * KB_EV_PER_K**2 * n_fermi  # C = gamma T
    assert result.heat_capacity[10] == pytest.approx(gamma * 100.0, rel=1e-5)
    assert result.free_energy_tt[0] == pytest.approx(-gamma, rel=1e-12)


def test_entropy_and_heat_capacity_are_the_temperature_derivatives():
    n = free_electron_dos() * (1.0 + 0.3 * np.sin(ENERGIES))  # structured, still smooth
    centres = np.array([7.0, 45.0, 300.0, 1234.5, 2900.0])
    h = 1e-3 * centres
    T = np.concatenate([centres - h, centres, centres + h])
    result = electronic_thermodynamics(ENERGIES, n, T)
    F, S, C = (getattr(result, name).reshape(3, -1) for name in
               ("free_energy", "entropy", "heat_capacity"))
    # S = -dF/dT and C = T dS/dT, by central differences (error ~ (h/T)^2 = 1e-6).
    np.testing.assert_allclose(-(F[2] - F[0]) / (2 * h), S[1], rtol=1e-5)
    np.testing.assert_allclose(centres * (S[2] - S[0]) / (2 * h), C[1], rtol=1e-5)
    np.testing.assert_allclose(result.free_energy_tt, -result.heat_capacity / T)


def test_chemical_potential_keeps_the_electron_count():
    n = free_electron_dos() * (1.0 + 0.3 * np.sin(3.0 * ENERGIES))
    T = np.array([0.0, 1.0, 50.0, 700.0, 2500.0, 6000.0])
    result = electronic_thermodynamics(ENERGIES, n, T)
    fine = np.linspace(-10.0, 10.0, 400001)  # holds E_F = 0 as a node
    n_fine = np.interp(fine, ENERGIES, n)
    n0 = np.trapezoid(n_fine[fine <= 0], fine[fine <= 0])
    assert result.electron_count == pytest.approx(n0, rel=1e-7)
    assert result.chemical_potential[0] == 0.0
    for T_K, mu in zip(T[2:], result.chemical_potential[2:], strict=True):
        occupation = expit(-(fine - mu) / (KB_EV_PER_K * T_K))
        assert np.trapezoid(n_fine * occupation, fine) == pytest.approx(n0, rel=1e-7)


def test_zero_temperature_is_exactly_zero_and_tiny_temperatures_do_not_overflow():
    result = electronic_thermodynamics(ENERGIES, free_electron_dos(), [0.0, 1e-3, 1.0])
    assert result.free_energy[0] == 0.0 and result.entropy[0] == 0.0
    assert result.heat_capacity[0] == 0.0
    assert all(np.isfinite(getattr(result, f)).all() for f in
               ("free_energy", "entropy", "heat_capacity", "chemical_potential"))
    assert result.free_energy[1] < 0.0 and abs(result.free_energy[1]) < 1e-12


def test_a_gapped_dos_puts_mu_in_the_gap_and_f_el_is_negligible():
    bands = np.where(ENERGIES < 0.0, 1.0, 0.0) + np.where(ENERGIES > 3.0, 1.0, 0.0)
    bands[ENERGIES < -6.0] = 0.0
    result = electronic_thermodynamics(ENERGIES, bands, [300.0, 1500.0, 4000.0])
    assert 1.0 < result.chemical_potential[-1] < 2.0  # mid-gap, 1.5 eV, at high T
    # Carriers across a 3 eV gap are e^-58 at 300 K: F_el is zero to the count tolerance.
    assert abs(result.free_energy[0]) < 1e-10
    assert result.free_energy[-1] < -1e-6


def test_levels_integrate_the_piecewise_linear_dos_exactly_and_are_fine_at_e_f():
    levels = ElectronLevels([-2.0, -1.0, 1.0, 2.0], [0.0, 2.0, 2.0, 0.0], 10.0)
    assert levels.electron_count == pytest.approx(3.0, rel=1e-14)  # 1 + 2 below E_F
    assert levels.weights.sum() == pytest.approx(6.0, rel=1e-14)
    at_fermi = int(np.flatnonzero(levels.levels == 0.0)[0])
    assert levels.filled[at_fermi] == 0.5
    spacing = np.diff(levels.levels)[at_fermi]
    assert spacing <= 0.01 * KB_EV_PER_K * 10.0 * 1.0001
    kT = KB_EV_PER_K * 300.0  # within 20 k_B T of E_F the gaps are about k_B T / 4 at most
    near = np.abs(levels.levels[1:]) < 20 * kT
    assert np.diff(levels.levels)[near].max() <= 0.26 * kT


@pytest.mark.parametrize("bad", [dict(temperatures=[-1.0]), dict(temperatures=[np.nan]),
                                 dict(energies=[0.0, 0.0, 1.0])])
def test_bad_input_is_refused(bad):
    arguments = {"energies": [-1.0, 0.5, 1.0], "dos": [1.0, 1.0, 1.0], "temperatures": [300.0]}
    arguments.update(bad)
    with pytest.raises((DomainError, FitError)):
        electronic_thermodynamics(**arguments)


def test_real_dos_of_fcc_al_from_dfttk(fixtures_dir):
    path = fixtures_dir / "al-dfttk" / "config_Al" / "elec_4" / "total_dos.dat"
    if not path.exists():
        pytest.skip(f"{path} is not present")
    table = np.loadtxt(path)
    result = electronic_thermodynamics(table[:, 0], table[:, 1], T_GRID)
    assert result.electron_count == pytest.approx(12.0, abs=1e-3)
    # Sommerfeld: C_el = gamma T with gamma = (pi^2/3) k_B^2 n(E_F); n(E_F) = 1.84 states/eV
    # per 4 atoms gives 1.09 mJ/(mol K^2) per atom (1.35 measured, with the electron-phonon
    # enhancement that DFT leaves out).
    gamma = (np.pi**2 / 3.0) * KB_EV_PER_K**2 * np.interp(0.0, table[:, 0], table[:, 1])
    np.testing.assert_allclose(result.heat_capacity[1:4] / T_GRID[1:4], gamma, rtol=0.01)
    assert np.all(np.diff(result.free_energy) < 0) and np.all(result.entropy[1:] > 0)


def _source_with_dos(volumes, scale_of, name="metal"):
    points = tuple(
        VolumePoint(label=f"v{i}", volume=float(v), energy=0.0, natoms=2,
                    composition={"X": 2},
                    electronic=ElectronicDos(ENERGIES, free_electron_dos(scale_of(v))))
        for i, v in enumerate(volumes)
    )
    return Source(name=name, multiplicity=1.0, natoms=2, composition={"X": 2}, points=points)


def test_source_model_interpolates_in_volume_with_analytic_derivatives():
    volumes = np.linspace(30.0, 40.0, 6)
    source = _source_with_dos(volumes, lambda v: 0.5 * (v / 35.0) ** 1.5)
    model = ElectronicFreeEnergy.from_source(source, np.arange(0.0, 1001.0, 10.0))
    assert model.volume_range == (30.0, 40.0) and model.temperature_domain == (0.0, 1000.0)
    # F_el = -(pi^2/6) (k_B T)^2 n_F(V), n_F ~ V^1.5: compare away from the nodes.
    V, T = np.array([31.3, 36.7])[:, None], np.array([123.4, 777.7])
    n_fermi = 0.5 * (V / 35.0) ** 1.5 * np.sqrt(8.0)
    d = model.derivatives(V, T)
    k2 = (np.pi**2 / 6.0) * KB_EV_PER_K**2
    np.testing.assert_allclose(d.F, -k2 * T**2 * n_fermi, rtol=5e-4)
    np.testing.assert_allclose(d.F_V, -k2 * T**2 * 1.5 * n_fermi / V, rtol=5e-3)
    np.testing.assert_allclose(d.F_VT, -2 * k2 * T * 1.5 * n_fermi / V, rtol=5e-3)
    np.testing.assert_allclose(d.F_TT, -2 * k2 * n_fermi + 0 * T, rtol=5e-4)
    h = 1e-3
    upper, lower = model.derivatives(V + h, T), model.derivatives(V - h, T)
    np.testing.assert_allclose(d.F_VV, (upper.F_V - lower.F_V) / (2 * h), rtol=1e-5)
    np.testing.assert_allclose(d.F_VVV, (upper.F_VV - lower.F_VV) / (2 * h), rtol=1e-4,
                               atol=1e-14)


def test_source_model_from_f_el_grids_and_its_errors():
    T = np.arange(0.0, 501.0, 25.0)
    volumes = [30.0, 33.0, 36.0, 39.0]
    points = tuple(
        VolumePoint(label=f"v{i}", volume=v, energy=0.0, natoms=1, composition={"X": 1},
                    electronic=ElectronicFreeEnergyGrid(T, -1e-8 * v * T**2))
        for i, v in enumerate(volumes)
    )
    source = Source(name="grid", multiplicity=1.0, natoms=1, composition={"X": 1},
                    points=points)
    model = ElectronicFreeEnergy.from_source(source)
    d = model.derivatives(34.0, 310.0)
    assert float(d.F) == pytest.approx(-1e-8 * 34.0 * 310.0**2, rel=1e-10)
    assert float(d.F_T) == pytest.approx(-2e-8 * 34.0 * 310.0, rel=1e-10)
    assert float(d.F_V) == pytest.approx(-1e-8 * 310.0**2, rel=1e-8)
    with pytest.raises(ConfigurationError, match="mixes"):
        mixed = (points[0], points[1].__class__(**{**points[1].__dict__, "electronic":
                                                   ElectronicDos(ENERGIES,
                                                                 free_electron_dos())}))
        ElectronicFreeEnergy.from_source(Source(name="m", multiplicity=1.0, natoms=1,
                                                composition={"X": 1}, points=mixed))
    with pytest.raises(ConfigurationError, match="at 1 volume"):
        ElectronicFreeEnergy.from_source(Source(name="one", multiplicity=1.0, natoms=1,
                                                composition={"X": 1}, points=points[:1]))


def test_real_vasprun_of_an_insulator(ase_vasp_data: Path):
    from zenthermo.io.electronic_dos import read_vasprun_dos

    dos = read_vasprun_dos(ase_vasp_data / "vasprun_dfpt.xml")  # NaCl, gap ~4.7 eV
    result = electronic_thermodynamics(dos.energies, dos.dos, [300.0, 3000.0])
    assert 2.0 < result.chemical_potential[-1] < 3.0  # mid-gap
    assert abs(result.free_energy[0]) < 1e-9

"""Phonon DOS files (phonopy total_dos.dat, YPHON vdos/volph) as vibrational grids."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from zenthermo.errors import InputError
from zenthermo.io.phonon_dos import (
    DEFAULT_TEMPERATURES,
    harmonic_thermodynamics,
    read_phonopy_dos,
    read_yphon_dos,
)
from zenthermo.physics.debye import DebyeGrueneisen
from zenthermo.units import KB_EV_PER_K, THZ_IN_EV

THETA = 400.0  # K
NU_D = KB_EV_PER_K * THETA / THZ_IN_EV  # Debye frequency, THz


def _debye_dos(natoms: int, n: int = 8001, below: float = 0.0):
    """g(nu) = 9 N nu^2 / nu_D^3 up to nu_D (3N modes), on a grid from -below to nu_D."""
    nu = np.linspace(0.0, NU_D, n)
    if below:
        nu = np.concatenate([np.linspace(-below, 0.0, 400)[:-1], nu])
    return nu, np.where(nu > 0, 9.0 * natoms * nu**2 / NU_D**3, 0.0)


def _write(path: Path, columns, header: str = "# Sigma = 0.1\n") -> Path:
    rows = "".join(" ".join(f"{v:.12e}" for v in row) + "\n" for row in zip(*columns,
                                                                          strict=True))
    path.write_text(header + rows)
    return path


def test_harmonic_integrals_of_a_debye_dos_are_the_debye_model(tmp_path):
    """F, S, C_V from a Debye-shaped DOS against the Debye functions of physics/debye.py."""
    nu, g = _debye_dos(natoms=2)
    reading = read_phonopy_dos(_write(tmp_path / "total_dos.dat", (nu, g)), natoms=2,
                               temperatures=np.arange(0.0, 2001.0, 50.0))
    grid = reading.grid
    model = DebyeGrueneisen(natoms=2, v0_A3=40.0, theta0_K=THETA, gamma=2.0, b0_GPa=100.0,
                            b0_prime=4.0, mass_amu=50.0)
    exact = model.derivatives(40.0, grid.temperatures)
    np.testing.assert_allclose(grid.free_energy, exact.F, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(grid.entropy, -exact.F_T, rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(grid.heat_capacity[1:], -grid.temperatures[1:] * exact.F_TT[1:],
                               rtol=1e-5, atol=1e-12)
    assert grid.free_energy[0] == pytest.approx(9.0 / 8.0 * 2 * KB_EV_PER_K * THETA, rel=1e-7)
    assert grid.origin == "phonon_dos" and grid.num_modes == 6
    assert grid.imaginary_fraction == 0.0 and reading.warnings == ()
    default = read_phonopy_dos(tmp_path / "total_dos.dat", natoms=2).grid
    np.testing.assert_array_equal(default.temperatures, DEFAULT_TEMPERATURES)


def test_phonopy_dos_of_a_primitive_cell_is_scaled_to_the_source_cell(tmp_path):
    nu, g = _debye_dos(natoms=2)
    path = _write(tmp_path / "total_dos.dat", (nu, g))
    primitive = read_phonopy_dos(path, natoms=2, temperatures=[0.0, 300.0])
    conventional = read_phonopy_dos(path, natoms=8, temperatures=[0.0, 300.0])
    np.testing.assert_allclose(conventional.grid.free_energy, 4 * primitive.grid.free_energy)
    assert conventional.grid.num_modes == 24
    assert conventional.mode_count == pytest.approx(24, rel=1e-7)
    with pytest.raises(InputError, match="cell of 2 atoms.*does not divide the 3-atom cell"):
        read_phonopy_dos(path, natoms=3)


def test_mode_count_is_renormalised_within_tolerance_and_refused_beyond(tmp_path):
    nu, g = _debye_dos(natoms=1)
    near = read_phonopy_dos(_write(tmp_path / "a.dat", (nu, 1.01 * g)), natoms=1,
                            temperatures=[0.0, 500.0])
    exact = read_phonopy_dos(_write(tmp_path / "b.dat", (nu, g)), natoms=1,
                             temperatures=[0.0, 500.0])
    assert near.mode_count == pytest.approx(3.03, rel=1e-7)
    np.testing.assert_allclose(near.grid.free_energy, exact.grid.free_energy, rtol=1e-12)
    with pytest.raises(InputError, match=r"integrates to 3\.15 modes, not 3 .*a\.dat|"
                                         r"integrates to 3\.15 modes, not 3"):
        read_yphon_dos(_write(tmp_path / "vdos", (nu * 1e12, 1.05 * g * 1e-12), ""),
                       _write_volume(tmp_path / "volph", 10.0), natoms=4)


def _write_volume(path: Path, value: float) -> Path:
    path.write_text(f"{value}")
    return path


def test_imaginary_weight_is_dropped_when_small_and_refused_when_large(tmp_path):
    nu, g = _debye_dos(natoms=1, below=0.5)
    bump = np.where((nu > -0.4) & (nu < -0.1), 1.0, 0.0)
    bump *= 3.0 / np.trapezoid(bump, nu)  # 3 modes at imaginary frequencies

    def mixed(fraction):  # 3 modes in all, ``fraction`` of them imaginary
        return (1.0 - fraction) * g + fraction * bump

    reading = read_phonopy_dos(_write(tmp_path / "small.dat", (nu, mixed(0.005))), natoms=1,
                               temperatures=[0.0, 300.0])
    real = read_phonopy_dos(_write(tmp_path / "real.dat", (nu, g)), natoms=1,
                            temperatures=[0.0, 300.0])
    assert reading.grid.imaginary_fraction == pytest.approx(0.005, rel=1e-3)
    np.testing.assert_allclose(reading.grid.free_energy, 0.995 * real.grid.free_energy,
                               rtol=1e-6)  # dropped, as phonopy does, not redistributed
    assert "0.50% of the phonon modes" in reading.warnings[0]
    assert "small.dat" in reading.warnings[0]
    with pytest.raises(InputError, match="5.0% of the phonon modes.*dynamically unstable") as e:
        read_phonopy_dos(_write(tmp_path / "large.dat", (nu, mixed(0.05))), natoms=1)
    assert "large.dat" in str(e.value)


@pytest.mark.parametrize(("text", "message"), [
    ("0.0\n1.0\n2.0\n", "line 1: expected 2 columns"),
    ("0.0 0.0\n1.0 nan\n2.0 0.0\n", "NaN or infinite value at DOS point 2"),
    ("0.0 0.0\n2.0 1.0\n1.0 0.0\n", "frequencies are not strictly ascending"),
    ("0.0 0.0\n", "fewer than two DOS points"),
])
def test_bad_phonon_dos_files(tmp_path, text, message):
    path = tmp_path / "total_dos.dat"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as error:
        read_phonopy_dos(path, natoms=1)
    assert str(path) in str(error.value)


def test_yphon_dos_of_dfttk_al(al_dfttk_dir):
    folder = al_dfttk_dir / "YPHON_results"
    reading = read_yphon_dos(folder / "vdos_4", folder / "volph_4", natoms=4,
                             recorded_as=("YPHON_results/vdos_4", "YPHON_results/volph_4"))
    grid = reading.grid
    assert reading.volume == pytest.approx(66.0) and grid.volume == pytest.approx(66.0)
    assert reading.mode_count == pytest.approx(12.0, rel=2e-4)  # 2.9997 modes per atom
    assert [r.path for r in grid.provenance] == ["YPHON_results/vdos_4",
                                                 "YPHON_results/volph_4"]
    assert grid.num_modes == 12 and grid.imaginary_fraction == 0.0
    # fcc Al: zero-point energy ~ 9/8 k_B theta_D with theta_D ~ 400 K per atom, C_V near the
    # Dulong-Petit 3 k_B per atom at 600 K.
    assert 0.03 < grid.free_energy[0] / 4 < 0.045
    i600 = int(np.flatnonzero(grid.temperatures == 600.0)[0])
    assert grid.heat_capacity[i600] / (4 * 3 * KB_EV_PER_K) == pytest.approx(0.97, abs=0.02)


def test_yphon_volume_file_must_hold_one_positive_number(al_dfttk_dir, tmp_path):
    folder = al_dfttk_dir / "YPHON_results"
    for text, message in (("18.5 17.0", "one number"), ("-3", "not positive")):
        volph = tmp_path / "volph_0"
        volph.write_text(text)
        with pytest.raises(InputError, match=message):
            read_yphon_dos(folder / "vdos_0", volph, natoms=4)


def test_harmonic_thermodynamics_is_finite_at_zero_and_tiny_temperatures():
    nu, g = _debye_dos(natoms=1)
    F, S, C = harmonic_thermodynamics(nu, g, [0.0, 1e-3, 1.0])
    assert np.isfinite(F).all() and np.isfinite(S).all() and np.isfinite(C).all()
    assert S[0] == C[0] == 0.0 and F[1] == pytest.approx(F[0], rel=1e-12)

"""fcc Al from DFTTK's files: E + F_vib(phonon DOS) + F_el(electronic DOS) through the exact
landscape and the analysis, against an independent textbook calculation on the same files.

The reference, written here in a few lines of numpy/scipy and sharing no code with
zenthermo's physics: at each temperature, F_vib by trapezoid integrals of YPHON's phonon DOS
(normalised to 3 modes per atom), F_el with Fermi-Dirac occupation and mu(T) by brentq on
the DOS table's own grid (trapezoid integrals), and a BM4 (cubic in V^(-2/3)) fitted to
E + F_vib + F_el over the eight volumes; V(T) is its minimum and alpha its central
difference over +-1 K.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.polynomial import Polynomial
from scipy.optimize import brentq

from zenthermo.landscape.exact import ExactZentropy
from zenthermo.physics.free_energy import build_source_free_energies
from zenthermo.thermo.analysis import analyze

K_B = 8.617333262e-5  # eV/K
H_EV_S = 4.135667696e-15  # eV s
CHECKED = (300.0, 600.0)

pytestmark = pytest.mark.slow  # reads 24 real files and builds two landscapes (~10 s)
STEP = 1.0  # K, the reference's central difference for alpha


def read_al_dfttk(root):
    """The Al source: VASP static points, YPHON phonon DOS and DOS tables, by volume."""
    from zenthermo.io.electronic_dos import read_dos_table
    from zenthermo.io.layout import volume_folder
    from zenthermo.io.phonon_dos import read_yphon_dos
    from zenthermo.io.vasp import read_volume
    from zenthermo.io.volume_matching import attach_by_volume
    from zenthermo.sources import Source, SourceSet, VolumePoint

    points = []
    for i in range(8):
        reading = read_volume(volume_folder(root / f"vol_{i}"), root)
        points.append(VolumePoint(
            label=reading.label, volume=reading.volume, energy=reading.energy,
            natoms=reading.natoms, composition=reading.composition,
            provenance=reading.provenance))
    source = Source(name="Al", multiplicity=1, natoms=4, composition={"Al": 4},
                    points=tuple(points))
    phonons = [read_yphon_dos(root / "YPHON_results" / f"vdos_{i}",
                              root / "YPHON_results" / f"volph_{i}", natoms=4)
               for i in range(8)]
    electrons = [read_dos_table(root / f"elec_{i}" / "total_dos.dat") for i in range(8)]
    source, excluded = attach_by_volume(
        source,
        vibrations=[(None, p.grid, f"vdos_{i}") for i, p in enumerate(phonons)],
        electronic=[(p.volume, e, f"elec_{i}") for i, (p, e) in
                    enumerate(zip(phonons, electrons, strict=True))],
    )
    assert excluded == ()
    return SourceSet(sources=(source,), root=str(root))


def textbook_reference(root, with_electrons: bool) -> dict[float, tuple[float, float]]:
    """{T: (V at 0 GPa in A^3, volumetric alpha in 1/K)} for T in CHECKED."""
    volumes = np.array([4 * float((root / "YPHON_results" / f"volph_{i}").read_text())
                        for i in range(8)])
    from zenthermo.io.layout import volume_folder
    from zenthermo.io.vasp import read_volume

    energies = np.array([read_volume(volume_folder(root / f"vol_{i}"), root).energy
                         for i in range(8)])

    def f_vib(i, T):
        nu, g = np.loadtxt(root / "YPHON_results" / f"vdos_{i}", unpack=True)
        g = g * 3.0 / np.trapezoid(g, nu)
        e = H_EV_S * nu[1:]  # nu[0] = 0
        integrand = g[1:] * (e / 2 + K_B * T * np.log(-np.expm1(-e / (K_B * T))))
        return 4 * np.trapezoid(np.concatenate([[0.0], integrand]), nu)

    def f_el(i, T):
        E, n = np.loadtxt(root / f"elec_{i}" / "total_dos.dat", unpack=True)
        below = E <= 0
        n0, u0 = np.trapezoid(n[below], E[below]), np.trapezoid((n * E)[below], E[below])

        def fermi(mu):
            return 0.5 * (1.0 - np.tanh((E - mu) / (2 * K_B * T)))

        mu = brentq(lambda m: np.trapezoid(n * fermi(m), E) - n0, -2.0, 2.0, xtol=1e-13)
        f = fermi(mu)
        with np.errstate(divide="ignore", invalid="ignore"):
            mixing = np.nan_to_num(f * np.log(f)) + np.nan_to_num((1 - f) * np.log(1 - f))
        return np.trapezoid(n * E * f, E) - u0 + T * K_B * np.trapezoid(n * mixing, E)

    def volume(T):
        free = energies + np.array([f_vib(i, T) + (f_el(i, T) if with_electrons else 0.0)
                                    for i in range(8)])
        bm4 = Polynomial.fit(volumes ** (-2.0 / 3.0), free, 3)
        roots = bm4.deriv().roots()
        x = [r.real for r in roots if abs(r.imag) < 1e-12 and bm4.deriv(2)(r.real) > 0]
        return min(v for v in np.asarray(x) ** -1.5 if 55.0 < v < 80.0)

    result = {}
    for T in CHECKED:
        lower, middle, upper = (volume(t) for t in (T - STEP, T, T + STEP))
        result[T] = (middle, (upper - lower) / (2 * STEP) / middle)
    return result


@pytest.fixture(scope="module")
def al(al_dfttk_dir):
    return read_al_dfttk(al_dfttk_dir)


@pytest.fixture(scope="module")
def isobars(al):
    temperatures = np.arange(0.0, 1001.0, 50.0)
    found = {}
    for electronic in ("on", "off"):
        landscape = ExactZentropy(build_source_free_energies(al, electronic=electronic))
        isobar = analyze(landscape, [0.0], temperatures, phase_diagram=False).isobars[0]
        found[electronic] = {T: (float(isobar.V_A3[isobar.T_K == T][0]),
                                 float(isobar.alpha_per_K[isobar.T_K == T][0]))
                             for T in CHECKED}
    return found


@pytest.fixture(scope="module")
def references(al_dfttk_dir):
    return {"on": textbook_reference(al_dfttk_dir, True),
            "off": textbook_reference(al_dfttk_dir, False)}


def test_al_source_has_every_kind_of_data_and_the_models_say_so(al):
    (source,) = al.sources
    assert len(source.points) == 8 and source.phonon_volume_count == 8
    assert source.electronic_volume_count == 8
    (free_energy,) = build_source_free_energies(al)
    assert (free_energy.vibrations, free_energy.phonon_data, free_energy.electronic) == (
        "phonopy", "phonon_dos", "dos")
    assert free_energy.phonon_volume_range == pytest.approx((60.0, 74.0))
    assert free_energy.warnings == () and free_energy.temperature_domain == (0.0, 2000.0)
    assert free_energy.phonon_loo_rms_eV < 1e-3 and free_energy.electronic_loo_rms_eV < 1e-4


@pytest.mark.parametrize("electronic", ["on", "off"])
def test_volume_and_expansion_reproduce_the_textbook_calculation(isobars, references,
                                                                 electronic):
    for T in CHECKED:
        volume, alpha = isobars[electronic][T]
        ref_volume, ref_alpha = references[electronic][T]
        assert volume == pytest.approx(ref_volume, rel=1e-3), T
        assert alpha == pytest.approx(ref_alpha, rel=0.03), T


def test_the_electronic_part_moves_v_600_as_the_reference_says(isobars, references):
    ours = isobars["on"][600.0][0] - isobars["off"][600.0][0]
    theirs = references["on"][600.0][0] - references["off"][600.0][0]
    assert theirs > 0.005  # A^3: F_el softens the lattice, V grows
    assert ours == pytest.approx(theirs, rel=0.3)

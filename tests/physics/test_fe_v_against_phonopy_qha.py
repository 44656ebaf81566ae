"""phonopy-qha's electronic free energies (``--efe fe-v.dat``) give what phonopy-qha gives.

The Si example of phonopy with an ``fe-v.dat`` written for this test in phonopy-vasp-efe's
layout (static energy plus a Sommerfeld-like F_el = -(pi^2/6) (k_B T)^2 n_F(V)); phonopy-qha
itself reads it (``read_efe``) and adds it as its electronic energies.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest

from zenthermo.io.electronic_free_energy import electronic_grids, read_fe_v
from zenthermo.physics.free_energy import build_source_free_energies
from zenthermo.sources import SourceSet
from zenthermo.units import EV_PER_A3_IN_GPA, J_PER_K_MOL_IN_EV_PER_K, KB_EV_PER_K, KJ_PER_MOL_IN_EV


def _fe_v(path, volumes, energies, temperatures):
    n_fermi = 3.0 * (volumes / volumes.mean()) ** 2  # states/eV per cell, grows with V
    f_el = -(np.pi**2 / 6) * (KB_EV_PER_K * temperatures[:, None]) ** 2 * n_fermi
    lines = ["# volume:  " + " ".join(f"{v:15.8f}" for v in volumes),
             "# integration: written for this test", "#    T(K)     Free energies"]
    lines += [f"{t:10.4f} " + " ".join(f"{e:15.8f}" for e in row)
              for t, row in zip(temperatures, energies + f_el, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _equilibrium(free_energy, T):
    V = free_energy.eos_fit.v0_A3
    for _ in range(60):
        d = free_energy.derivatives(V, T)
        V -= float(d.F_V / d.F_VV)
    d = free_energy.derivatives(V, T)
    return V, float(V * d.F_VV * EV_PER_A3_IN_GPA), float(-d.F_VT / (V * d.F_VV))


def test_si_with_fe_v_dat_agrees_with_phonopy_qha(si_qha_dir, tmp_path):
    from phonopy.api_qha import PhonopyQHA
    from phonopy.file_IO import read_efe

    from zenthermo.io.phonopy_files import read_phonopy_qha

    yamls = [si_qha_dir / f"thermal_properties.yaml-{i}" for i in range(-5, 6)]
    plain = read_phonopy_qha(si_qha_dir / "e-v.dat", yamls)
    source = plain[0]
    grids = [p.vibrations for p in source.points]
    temperatures = grids[0].temperatures
    path = _fe_v(tmp_path / "fe-v.dat", source.volumes, source.energies, temperatures)

    table = read_fe_v(path)
    electronic = electronic_grids(table, static_energies=source.energies)
    points = tuple(dataclasses.replace(p, electronic=g)
                   for p, g in zip(source.points, electronic, strict=True))
    with_el = SourceSet(sources=(dataclasses.replace(source, points=points),))
    (ours,) = build_source_free_energies(with_el, eos="vinet")
    (ours_off,) = build_source_free_energies(plain, eos="vinet")
    assert ours.electronic == "free_energy" and ours.temperature_domain == (0.0, 2100.0)

    def phonopy_qha(electronic_energies):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return PhonopyQHA(
                source.volumes, electronic_energies, eos="vinet", temperatures=temperatures,
                free_energy=np.array([g.free_energy for g in grids]).T / KJ_PER_MOL_IN_EV,
                cv=np.array([g.heat_capacity for g in grids]).T / J_PER_K_MOL_IN_EV_PER_K,
                entropy=np.array([g.entropy for g in grids]).T / J_PER_K_MOL_IN_EV_PER_K,
                t_max=1000, verbose=False)

    _, efe = read_efe(path)  # phonopy's own reader of the same file
    qha, qha_off = phonopy_qha(efe), phonopy_qha(source.energies)
    for T in (300.0, 600.0):
        i = int(np.flatnonzero(temperatures == T)[0])
        volume, bulk, alpha = _equilibrium(ours, T)
        assert volume == pytest.approx(qha.volume_temperature[i], rel=5e-4), T
        assert bulk == pytest.approx(qha.bulk_modulus_temperature[i], rel=0.01), T
        assert alpha == pytest.approx(qha.thermal_expansion[i], rel=0.05), T
        shift = volume - _equilibrium(ours_off, T)[0]
        reference = qha.volume_temperature[i] - qha_off.volume_temperature[i]
        assert reference > 0.01  # A^3: the electrons expand the cell here
        assert shift == pytest.approx(reference, rel=0.05), T

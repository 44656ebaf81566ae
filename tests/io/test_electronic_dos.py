"""Reading electronic DOS (DOS tables, vasprun.xml) and phonopy-qha's fe-v.dat."""

from __future__ import annotations

import gzip
import lzma
from pathlib import Path

import numpy as np
import pytest

from zenthermo.errors import InputError
from zenthermo.io.electronic_dos import read_dos_table, read_electronic_dos, read_vasprun_dos
from zenthermo.io.electronic_free_energy import electronic_grids, read_fe_v


def _table(path: Path, energies, dos, header: str = "# E - E_F (eV)  DOS\n") -> Path:
    lines = [header] + [f"{e:.6f} {d:.6e}\n" for e, d in zip(energies, dos, strict=True)]
    path.write_text("".join(lines))
    return path


E = np.linspace(-5.0, 5.0, 1001)
FLAT = np.full(E.size, 1.2)  # 6 electrons below E_F


def test_dfttk_total_dos_table(al_dfttk_dir):
    path = al_dfttk_dir / "elec_0" / "total_dos.dat"
    dos = read_dos_table(path, recorded_as="elec_0/total_dos.dat")
    assert dos.energies.size == dos.dos.size == 10001 and dos.volume is None
    assert dos.electron_count == pytest.approx(12.0, abs=1e-3)
    assert dos.provenance[0].path == "elec_0/total_dos.dat"
    assert len(dos.provenance[0].sha256) == 64
    assert read_electronic_dos(path) == read_dos_table(path)


def test_real_vasprun_files_any_compression(ase_vasp_data, tmp_path):
    nacl = read_vasprun_dos(ase_vasp_data / "vasprun_dfpt.xml")
    assert nacl.electron_count == pytest.approx(8.0, abs=1e-5)
    assert nacl.volume == pytest.approx(40.5765, rel=1e-5) and nacl.energies.size == 301
    carbon = read_electronic_dos(ase_vasp_data / "vasprun_pstress.xml")
    assert carbon.electron_count == pytest.approx(8.0, abs=0.05)  # coarse 0.14 eV DOS
    raw = (ase_vasp_data / "vasprun_dfpt.xml").read_bytes()
    # Compression is recognised by content, whatever the name says.
    (tmp_path / "vasprun.xml").write_bytes(gzip.compress(raw))
    (tmp_path / "vasprun.xml.elec_dos.gz").write_bytes(lzma.compress(raw))
    for name in ("vasprun.xml", "vasprun.xml.elec_dos.gz"):
        packed = read_electronic_dos(tmp_path / name)
        np.testing.assert_array_equal(packed.dos, nacl.dos)
        np.testing.assert_array_equal(packed.energies, nacl.energies)
        assert packed.provenance[0].sha256 != nacl.provenance[0].sha256


def test_vasprun_whose_dos_misses_electrons_is_refused(ase_vasp_data, tmp_path):
    text = (ase_vasp_data / "vasprun_dfpt.xml").read_text()
    edited = text.replace('<i name="NELECT">      8.00000000</i>',
                          '<i name="NELECT">     10.00000000</i>')
    assert edited != text
    (tmp_path / "vasprun.xml").write_text(edited)
    with pytest.raises(InputError, match="8.0000 electrons.*NELECT = 10"):
        read_vasprun_dos(tmp_path / "vasprun.xml")
    (tmp_path / "vasprun_broken.xml").write_text(text[: len(text) // 2])
    with pytest.raises(InputError, match="vasprun_broken.xml"):
        read_vasprun_dos(tmp_path / "vasprun_broken.xml")


@pytest.mark.parametrize(("energies", "dos", "message"), [
    (E, -FLAT, "integrates to -6.0000 electrons.*must be positive"),
    (E, 1.1 * FLAT, "integrates to 6.6000 electrons.*not a whole number"),
    (E, np.where(E == E[500], np.nan, FLAT), "NaN or infinite value at DOS point 501"),
    (E[::-1], FLAT, "not strictly ascending"),
    (E + 6.0, FLAT, "do not enclose the Fermi level"),
])
def test_bad_dos_tables_are_refused_naming_the_file(tmp_path, energies, dos, message):
    path = _table(tmp_path / "total_dos.dat", energies, dos)
    with pytest.raises(InputError, match=message) as error:
        read_dos_table(path)
    assert str(path) in str(error.value)


def test_a_single_column_table_is_refused_with_its_line(tmp_path):
    path = tmp_path / "dos.dat"
    path.write_text("# energies only\n-1.0\n0.0\n1.0\n")
    with pytest.raises(InputError, match="line 2: expected 2 columns.*found 1") as error:
        read_dos_table(path)
    assert str(path) in str(error.value)
    path.write_text("-1.0 2.0\n0.0 abc\n")
    with pytest.raises(InputError, match="line 2: not a number"):
        read_dos_table(path)


def test_count_tolerance_is_an_option(tmp_path):
    path = _table(tmp_path / "dos.dat", E, 1.01 * FLAT)  # 6.06 electrons
    with pytest.raises(InputError, match="not a whole number"):
        read_dos_table(path)
    assert read_dos_table(path, tolerance=0.1).electron_count == pytest.approx(6.06)


# --- fe-v.dat -------------------------------------------------------------------------------

FE_V = """# volume:       140.03000000     149.06000000     158.47000000
# integration: linear tetrahedron method
#    T(K)     Free energies
    0.0000     -42.10000000     -43.00000000     -42.50000000
   10.0000     -42.10010000     -43.00012000     -42.50014000
   20.0000     -42.10040000     -43.00048000     -42.50056000
   30.0000     -42.10090000     -43.00108000     -42.50126000  # trailing comment
"""


def test_fe_v_dat_reads_like_phonopy_and_gives_f_el_per_volume(tmp_path):
    from phonopy.file_IO import read_efe

    path = tmp_path / "fe-v.dat"
    path.write_text(FE_V)
    table = read_fe_v(path)
    temperatures, energies = read_efe(path)
    np.testing.assert_array_equal(table.temperatures, temperatures)
    np.testing.assert_array_equal(table.free_energies, energies)
    np.testing.assert_array_equal(table.volumes, [140.03, 149.06, 158.47])
    grids = electronic_grids(table, static_energies=[-42.1, -43.0, -42.5])
    assert [g.volume for g in grids] == [140.03, 149.06, 158.47]
    np.testing.assert_allclose(grids[1].free_energy, [0.0, -1.2e-4, -4.8e-4, -1.08e-3],
                               atol=1e-12)
    assert grids[0].provenance == (table.record,)


def test_fe_v_dat_errors(tmp_path):
    path = tmp_path / "fe-v.dat"
    path.write_text(FE_V)
    with pytest.raises(InputError, match="column 2.*differs from e-v.dat"):
        electronic_grids(read_fe_v(path), static_energies=[-42.1, -43.1, -42.5])
    with pytest.raises(InputError, match="3 free-energy columns but 2"):
        electronic_grids(read_fe_v(path), static_energies=[-42.1, -43.0])
    no_zero = tmp_path / "fe-v-10K.dat"
    no_zero.write_text("\n".join(FE_V.splitlines()[:3] + FE_V.splitlines()[4:]) + "\n")
    with pytest.raises(InputError, match="no 0 K row"):
        electronic_grids(read_fe_v(no_zero))
    shifted = electronic_grids(read_fe_v(no_zero), static_energies=[-42.1, -43.0, -42.5])
    assert shifted[0].temperatures[0] == 10.0
    ragged = tmp_path / "ragged.dat"
    ragged.write_text("0 1.0 2.0\n10 1.0\n")
    with pytest.raises(InputError, match="line 2: 1 free energies, the first row had 2"):
        read_fe_v(ragged)
    backwards = tmp_path / "backwards.dat"
    backwards.write_text("10 1.0\n0 1.0\n")
    with pytest.raises(InputError, match="strictly ascending"):
        read_fe_v(backwards)

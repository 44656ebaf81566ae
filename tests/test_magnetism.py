"""Spin patterns, magnetic order and multiplicities on cells whose answers are counted by hand."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from pymatgen.core import Lattice, Structure

from zenthermo.magnetism import (
    analyze_patterns,
    classify_order,
    format_pattern,
    multiplicity,
    pattern_orbit,
    same_orbit,
    spin_pattern,
    structure_permutations,
)


def _cubic(sites: list[tuple[float, float, float]], species: list[str], abc=(3.0, 3.0, 3.0)):
    return Structure(Lattice.orthorhombic(*abc), species, sites)


def fe3pt_l12_1x1x3() -> Structure:
    """L1_2 Fe3Pt tripled along z: Pt at the cube corners, Fe on the faces (12 atoms)."""
    sites, species = [], []
    for layer in range(3):
        z0 = layer / 3
        for x, y, z, element in [(0, 0, 0, "Pt"), (0.5, 0.5, 0, "Fe"),
                                 (0.5, 0, 0.5, "Fe"), (0, 0.5, 0.5, "Fe")]:
            sites.append((x, y, z0 + z / 3))
            species.append(element)
    return Structure(Lattice.tetragonal(3.7, 3 * 3.7), species, sites)


def test_spin_pattern_zeroes_small_moments():
    assert spin_pattern([2.5, -2.4, 0.3, -0.49, 0.5], 0.5).tolist() == [1, -1, 0, 0, 1]


@pytest.mark.parametrize(
    ("moments", "species", "order"),
    [
        ([0.1, -0.2, 0.0], ["Fe", "Fe", "Pt"], "NM"),
        ([2.2, 2.1, 0.3], ["Fe", "Fe", "Pt"], "FM"),
        ([2.2, -2.2, 0.0], ["Fe", "Fe", "Pt"], "AFM"),
        ([3.0, -1.5, 0.0], ["Fe", "Co", "Pt"], "FiM"),
        ([2.2, 2.2, -2.2, 0.1], ["Fe", "Fe", "Fe", "Pt"], "SF"),
        ([2.2, -2.2, 1.0, -1.0], ["Fe", "Fe", "Co", "Co"], "AFM"),
    ],
)
def test_classify_order(moments, species, order):
    assert classify_order(moments, species, 0.5) == order


def test_two_site_bcc_cell_has_g_2_for_both_ferro_and_antiferro():
    # Conventional bcc cell: the centring translation (1/2,1/2,1/2) swaps the two sites.
    perms = structure_permutations(_cubic([(0, 0, 0), (0.5, 0.5, 0.5)], ["Fe", "Fe"]))
    assert perms.shape == (96, 2)  # 48 point operations x 2 translations
    assert multiplicity([1, 1], perms) == 2  # {++, --}
    assert multiplicity([1, -1], perms) == 2  # {+-, -+}
    assert pattern_orbit([1, -1], perms) == {(1, -1), (-1, 1)}


def test_two_species_cell_cannot_swap_sites():
    perms = structure_permutations(_cubic([(0, 0, 0), (0.5, 0.5, 0.5)], ["Fe", "Co"]))
    assert sorted(set(map(tuple, perms.tolist()))) == [(0, 1)]
    assert multiplicity([1, 0], perms) == 2  # {+0, -0}
    assert not same_orbit([1, 0], [0, 1], perms)


def test_simple_cubic_2x2x1_supercell_orbits_counted_by_hand():
    sites = [(0, 0, 0), (0.5, 0, 0), (0, 0.5, 0), (0.5, 0.5, 0)]
    perms = structure_permutations(_cubic(sites, ["Fe"] * 4, abc=(6.0, 6.0, 3.0)))
    assert multiplicity([1, 1, 1, 1], perms) == 2  # ferromagnet
    assert multiplicity([-1, 1, 1, 1], perms) == 8  # 4 places for the odd spin, x2 flip
    assert multiplicity([1, 1, -1, -1], perms) == 4  # stripes along x or y, x2 flip
    assert multiplicity([1, -1, -1, 1], perms) == 2  # checkerboard
    # The orbits partition all 2**4 collinear patterns.
    orbits = {pattern_orbit(p, perms) for p in itertools.product((1, -1), repeat=4)}
    assert sum(len(o) for o in orbits) == 16
    assert same_orbit([1, 1, -1, -1], [1, -1, 1, -1], perms)  # x stripes ~ y stripes


def test_supercell_translations_make_flipped_layers_equivalent():
    perms = structure_permutations(fe3pt_l12_1x1x3())
    # 16 tetragonal operations x 3 translations by c/3.
    assert len(perms) == 48
    species = [site.specie.symbol for site in fe3pt_l12_1x1x3()]
    fm = np.array([0 if s == "Pt" else 1 for s in species])
    assert multiplicity(fm, perms) == 2
    one_corner_fe = fm.copy()
    one_corner_fe[1] = -1  # the (1/2,1/2,0) Fe of the first cube: 3 layers, x2 flip
    assert multiplicity(one_corner_fe, perms) == 6
    one_face_fe = fm.copy()
    one_face_fe[2] = -1  # (1/2,0,z) Fe: 3 layers x 2 (the 4-fold axis swaps x and y), x2
    assert multiplicity(one_face_fe, perms) == 12
    # Summed over all orbits of the 9 Fe spins: 2**9 patterns.
    fe = np.flatnonzero(fm)
    orbits = set()
    for signs in itertools.product((1, -1), repeat=9):
        pattern = fm.copy()
        pattern[fe] = signs
        orbits.add(pattern_orbit(pattern, perms))
    assert sum(len(o) for o in orbits) == 2**9


def test_relaxed_cell_with_broken_symmetry_raises_or_counts_more():
    ideal = fe3pt_l12_1x1x3()
    distorted = ideal.copy()
    distorted.translate_sites([0], [0, 0, 0.02])  # one Pt moved: translations lost
    assert len(structure_permutations(distorted)) < len(structure_permutations(ideal))


def test_analyze_patterns_uses_magmom_signs_not_magnitudes():
    species = ["Fe", "Fe", "Pt"]
    perms = np.array([[0, 1, 2], [1, 0, 2]])
    finals = [np.array([2.5, -2.5, 0.3]), np.array([2.4, -2.4, 0.2]), np.array([2.3, 2.3, 0.3])]
    initials = [np.array([5.0, -5.0, 0.6])] * 3  # guessed magnitudes: Pt 0.6 > threshold
    result = analyze_patterns(finals, initials, species, perms, 0.5)
    assert format_pattern(result.reference) == "+-0"
    assert list(result.flips) == [2]  # the third volume went ferromagnetic
    assert "++0" in result.flips[2] and "+-0" in result.flips[2]
    assert result.order == "AFM"
    assert result.multiplicity == 2


def test_analyze_patterns_without_magmom_takes_majority_of_final_patterns():
    species = ["Fe", "Fe"]
    perms = np.array([[0, 1]])
    finals = [np.array([2.0, 2.0]), np.array([-2.0, -2.1]), np.array([2.0, -2.0])]
    result = analyze_patterns(finals, [None, None, None], species, perms, 0.5)
    assert format_pattern(result.reference) == "++"  # ++ and -- are one orbit
    assert list(result.flips) == [2]
    assert result.order == "FM"


def test_analyze_patterns_without_moments_is_unknown():
    result = analyze_patterns([None], [None], ["Fe"], None, 0.5)
    assert result.reference is None and result.order == "unknown" and result.multiplicity is None


def test_moment_crossing_the_threshold_is_not_a_spin_flip():
    species = ["Fe", "Fe", "Pt"]
    perms = np.array([[0, 1, 2]])
    finals = [np.array([2.5, -2.5, 0.3]), np.array([2.4, -2.4, 0.3]), np.array([2.0, -2.0, 0.1])]
    result = analyze_patterns(finals, [None] * 3, species, perms, 0.2)
    assert format_pattern(result.reference) == "+-+"
    assert result.flips == {} and list(result.crossings) == [2]


def test_symmetry_comes_from_spglibs_public_api_with_the_same_operations():
    # The permutations equal those made from spglib.get_symmetry called directly (public
    # API), so nothing depends on pymatgen's private _get_symmetry.
    import spglib

    from zenthermo.magnetism import site_permutations

    cell = fe3pt_l12_1x1x3()
    numbers = [site.specie.Z for site in cell]
    direct = spglib.get_symmetry((cell.lattice.matrix, cell.frac_coords, numbers), symprec=0.01)
    expected = site_permutations(cell.frac_coords, [s.specie.symbol for s in cell],
                                 direct["rotations"], direct["translations"], cell.lattice.matrix)
    ours = structure_permutations(cell, 0.01)
    assert ours.shape == (48, 12)
    assert {tuple(p) for p in ours} == {tuple(p) for p in expected}


def test_no_private_attribute_of_another_library_is_used():
    """``SomeLibraryObject(...)._private`` or ``library_module._private`` in the readers and
    here: such calls break silently when the library changes."""
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parents[1] / "zenthermo"
    offenders = []
    for path in [package / "magnetism.py", *sorted((package / "io").glob("*.py"))]:
        tree = ast.parse(path.read_text())
        foreign = {alias.asname or alias.name.split(".")[0]
                   for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
                   and not (getattr(node, "module", None) or "").startswith("zenthermo")
                   and not (isinstance(node, ast.ImportFrom) and node.level)
                   for alias in node.names}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                    and not node.attr.startswith("__")):
                continue
            base = node.value
            if isinstance(base, ast.Call) or (isinstance(base, ast.Name) and base.id in foreign):
                offenders.append(f"{path.name}:{node.lineno}: .{node.attr}")
    assert offenders == []

"""Collinear spin patterns: magnetic order, symmetry orbits and multiplicities (no I/O).

A *spin pattern* is one integer per site: +1 (moment up), -1 (down) or 0 (non-magnetic,
``|m| < threshold``). The multiplicity g_k of a configuration is the size of the orbit of its
pattern under the group ``G x {1, -1}``, where ``G`` is the space group of the non-magnetic
cell *as given* (all its operations, including the pure translations of a smaller primitive
cell inside a supercell) acting on sites as permutations, and ``-1`` is the global spin
reversal. For a ferromagnet the orbit is {all up, all down}: g = 2. Summing the orbits of all
distinct patterns of ``n`` magnetic sites gives ``2**n``.

Magnetic orders (:func:`classify_order`), with ``threshold`` on the site moments and the net
moment ``M = sum_i m_i`` over all sites:

``NM``
    every ``|m_i| < threshold``.
``FM``
    every magnetic site (``|m_i| >= threshold``) has the same sign.
``AFM``
    magnetic sites of both signs and ``|M| < net_tolerance`` (compensated).
``FiM``
    both signs, ``|M| >= net_tolerance``, and the magnetic sites of each element share one
    sign (elements antiparallel to each other, e.g. ferrimagnetic spinels).
``SF``
    ("spin flip") both signs, ``|M| >= net_tolerance``, and some element has magnetic sites
    of both signs (some spins of a ferromagnet flipped; the non-collinear-free analogue of
    partial disorder, as in the Fe3Pt configurations of zentropy work).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Default moment below which a site counts as non-magnetic, mu_B.
DEFAULT_MOMENT_THRESHOLD = 0.5

#: Default symmetry tolerance for spglib, Angstrom.
DEFAULT_SYMPREC = 0.01


def spin_pattern(moments: Sequence[float] | np.ndarray, threshold: float) -> np.ndarray:
    """Signs of the site moments with small moments set to zero.

    Parameters
    ----------
    moments : array_like, shape (n,)
        Site moments, mu_B.
    threshold : float
        Sites with ``|m| < threshold`` (mu_B) are non-magnetic (0).

    Returns
    -------
    ndarray of int8, shape (n,)
        +1, -1 or 0 per site.
    """
    m = np.asarray(moments, dtype=np.float64)
    pattern = np.sign(m).astype(np.int8)
    pattern[np.abs(m) < threshold] = 0
    return pattern


def classify_order(
    moments: Sequence[float] | np.ndarray,
    species: Sequence[str],
    threshold: float = DEFAULT_MOMENT_THRESHOLD,
    net_tolerance: float | None = None,
) -> str:
    """Magnetic order NM/FM/AFM/FiM/SF of a collinear configuration (see module docstring).

    Parameters
    ----------
    moments : array_like, shape (n,)
        Final site moments, mu_B.
    species : sequence of str, length n
        Element of each site.
    threshold : float
        Site moment below which a site is non-magnetic, mu_B.
    net_tolerance : float, optional
        Net moment of the cell below which it counts as compensated, mu_B; defaults to
        ``threshold``.
    """
    m = np.asarray(moments, dtype=np.float64)
    if len(species) != m.size:
        raise ValueError(f"{m.size} moments but {len(species)} species")
    tolerance = threshold if net_tolerance is None else net_tolerance
    pattern = spin_pattern(m, threshold)
    signs = set(pattern[pattern != 0].tolist())
    if not signs:
        return "NM"
    if len(signs) == 1:
        return "FM"
    if abs(float(m.sum())) < tolerance:
        return "AFM"
    species_arr = np.asarray(species)
    for element in np.unique(species_arr):
        element_signs = set(pattern[(species_arr == element) & (pattern != 0)].tolist())
        if len(element_signs) > 1:
            return "SF"
    return "FiM"


def site_permutations(
    fractional_coords: np.ndarray,
    species: Sequence[str],
    rotations: np.ndarray,
    translations: np.ndarray,
    lattice: np.ndarray,
    tolerance: float = DEFAULT_SYMPREC * 5,
) -> np.ndarray:
    """Site permutations induced by space-group operations of one cell.

    Parameters
    ----------
    fractional_coords : ndarray, shape (n, 3)
    species : sequence of str, length n
    rotations : ndarray of int, shape (nops, 3, 3)
        Rotations acting on fractional coordinates (spglib convention ``x' = R x + t``).
    translations : ndarray, shape (nops, 3)
    lattice : ndarray, shape (3, 3)
        Lattice vectors as rows, Angstrom (to measure distances).
    tolerance : float
        Largest distance (Angstrom) between an image and the site it maps to.

    Returns
    -------
    ndarray of int, shape (nops, n)
        ``perm[o, i]`` is the site that operation ``o`` sends site ``i`` to.

    Raises
    ------
    ValueError
        If an operation does not map the sites onto sites of the same element.
    """
    frac = np.asarray(fractional_coords, dtype=np.float64)
    species_arr = np.asarray(species)
    lattice = np.asarray(lattice, dtype=np.float64)
    n = frac.shape[0]
    perms = np.empty((len(rotations), n), dtype=np.int64)
    for o, (rot, trans) in enumerate(zip(rotations, translations, strict=True)):
        images = frac @ np.asarray(rot, dtype=np.float64).T + trans
        delta = images[:, None, :] - frac[None, :, :]
        delta -= np.round(delta)
        distance = np.linalg.norm(delta @ lattice, axis=-1)
        target = np.argmin(distance, axis=1)
        if (
            np.any(distance[np.arange(n), target] > tolerance)
            or len(set(target.tolist())) != n
            or np.any(species_arr[target] != species_arr)
        ):
            raise ValueError(f"symmetry operation {o} does not map the sites onto themselves")
        perms[o] = target
    return perms


def structure_permutations(structure, symprec: float = DEFAULT_SYMPREC) -> np.ndarray:
    """Site permutations of all space-group operations of a pymatgen ``Structure``.

    Moments and other site properties are ignored: the group is that of the non-magnetic
    cell as given (spglib via the public ``SpacegroupAnalyzer.get_symmetry_operations`` of
    pymatgen, in fractional coordinates), pure translations of a smaller primitive cell
    included.

    Returns
    -------
    ndarray of int, shape (nops, natoms)
    """
    from pymatgen.core import Structure
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

    bare = Structure(structure.lattice, structure.species, structure.frac_coords)
    operations = SpacegroupAnalyzer(bare, symprec=symprec).get_symmetry_operations(
        cartesian=False
    )
    rotations = np.array([np.rint(op.rotation_matrix) for op in operations], dtype=np.int64)
    translations = np.array([op.translation_vector for op in operations], dtype=np.float64)
    return site_permutations(
        bare.frac_coords,
        [site.specie.symbol for site in bare],
        rotations,
        translations,
        bare.lattice.matrix,
        tolerance=max(5 * symprec, 1e-3),
    )


def pattern_orbit(
    pattern: Sequence[int] | np.ndarray, permutations: np.ndarray, include_flip: bool = True
) -> frozenset[tuple[int, ...]]:
    """All patterns equivalent to ``pattern`` under the permutations (and global flip).

    Parameters
    ----------
    pattern : array_like of int, shape (n,)
    permutations : ndarray of int, shape (nops, n)
        As from :func:`site_permutations`; ``new[perm[i]] = old[i]``.
    include_flip : bool
        Also apply the global spin reversal.
    """
    p = np.asarray(pattern, dtype=np.int8)
    perms = np.asarray(permutations)
    images = np.empty((perms.shape[0], p.size), dtype=np.int8)
    images[np.arange(perms.shape[0])[:, None], perms] = p[None, :]
    orbit = {tuple(row.tolist()) for row in images}
    if include_flip:
        orbit |= {tuple((-row).tolist()) for row in images}
    return frozenset(orbit)


def multiplicity(pattern: Sequence[int] | np.ndarray, permutations: np.ndarray) -> int:
    """Number of spin patterns symmetry-equivalent to ``pattern``, global flip included."""
    return len(pattern_orbit(pattern, permutations, include_flip=True))


def same_orbit(
    pattern_a: Sequence[int] | np.ndarray,
    pattern_b: Sequence[int] | np.ndarray,
    permutations: np.ndarray,
) -> bool:
    """True when the two patterns are equivalent up to symmetry and global spin reversal."""
    b = tuple(np.asarray(pattern_b, dtype=np.int8).tolist())
    return b in pattern_orbit(pattern_a, permutations, include_flip=True)


def canonical_pattern(
    pattern: Sequence[int] | np.ndarray, permutations: np.ndarray
) -> tuple[int, ...]:
    """A fixed representative of the orbit of ``pattern`` (the largest tuple)."""
    return max(pattern_orbit(pattern, permutations, include_flip=True))


def format_pattern(pattern: Sequence[int] | np.ndarray) -> str:
    """A compact text form of a pattern: ``+`` up, ``-`` down, ``0`` non-magnetic."""
    return "".join({1: "+", -1: "-", 0: "0"}[int(s)] for s in np.asarray(pattern))


@dataclass(frozen=True)
class PatternAnalysis:
    """The spin pattern of one configuration judged over its volumes.

    Attributes
    ----------
    reference : ndarray of int8, shape (n,) or None
        The configuration's pattern (None when no volume has site moments).
    flips : dict
        Index of a volume with a spin flip -> reason: its final pattern has, against every
        pattern of the reference orbit, some site of opposite sign.
    crossings : dict
        Index of a volume whose pattern is outside the orbit only because moments crossed
        the threshold (magnetic <-> non-magnetic, no opposite signs) -> note. Kept.
    order : str
        Magnetic order (majority over the volumes in the reference orbit).
    multiplicity : int or None
        Orbit size of the reference under the permutations with global flip (None without
        permutations or reference).
    """

    reference: np.ndarray | None
    flips: dict[int, str]
    crossings: dict[int, str]
    order: str
    multiplicity: int | None


def analyze_patterns(
    final_moments: Sequence[np.ndarray | None],
    initial_moments: Sequence[np.ndarray | None],
    species: Sequence[str],
    permutations: np.ndarray | None,
    threshold: float = DEFAULT_MOMENT_THRESHOLD,
) -> PatternAnalysis:
    """Reference pattern, spin flips, order and multiplicity of one configuration.

    The intended pattern of a volume is the sign of its initial moment (INCAR MAGMOM) on the
    sites that are magnetic in its final moments (so guessed MAGMOM magnitudes do not
    matter), or its final pattern when it has no MAGMOM. The reference is the most common
    intended pattern, patterns being counted up to symmetry and global flip. A volume whose
    final pattern is outside the reference orbit is a spin flip when some site has the
    opposite sign against every equivalent pattern; otherwise only moments crossed the
    threshold (noted, not a flip).

    Parameters
    ----------
    final_moments, initial_moments : sequences of ndarray (n,) or None, one per volume
        mu_B.
    species : sequence of str, length n
    permutations : ndarray of int, shape (nops, n), or None
        Site permutations of the non-magnetic cell; None compares patterns literally
        (global flip still allowed).
    threshold : float
        mu_B.
    """
    perms = permutations
    if perms is None:
        perms = np.arange(len(species))[None, :]
    finals = [None if m is None else spin_pattern(m, threshold) for m in final_moments]
    intended = []
    for final, initial in zip(finals, initial_moments, strict=True):
        if final is None:
            continue
        if initial is not None and len(initial) == len(final):
            masked = np.sign(np.asarray(initial, dtype=np.float64)).astype(np.int8)
            masked[final == 0] = 0
            intended.append(masked)
        else:
            intended.append(final)
    if not intended:
        return PatternAnalysis(None, {}, {}, "unknown", None)
    counts = Counter(canonical_pattern(p, perms) for p in intended)
    top = counts.most_common(1)[0][0]
    reference = next(p for p in intended if canonical_pattern(p, perms) == top)
    orbit = pattern_orbit(reference, perms)
    images = np.array(sorted(orbit), dtype=np.int8)
    flips: dict[int, str] = {}
    crossings: dict[int, str] = {}
    orders = []
    for index, (final, moments) in enumerate(zip(finals, final_moments, strict=True)):
        if final is None:
            continue
        assert moments is not None  # final is None exactly where moments is
        if tuple(final.tolist()) not in orbit:
            # No opposite signs against some equivalent pattern: only moments that crossed
            # the threshold (e.g. a small induced moment), not a flip.
            if np.any(np.all(images * final[None, :] >= 0, axis=1)):
                crossings[index] = (
                    f"final pattern {format_pattern(final)} differs from "
                    f"{format_pattern(reference)} only by moments crossing {threshold:g} mu_B"
                )
            else:
                flips[index] = (
                    f"spin flip: final pattern {format_pattern(final)} is not equivalent to the "
                    f"configuration's pattern {format_pattern(reference)} "
                    f"(+ up, - down, 0 below {threshold:g} mu_B)"
                )
                continue
        orders.append(classify_order(moments, species, threshold))
    order = Counter(orders).most_common(1)[0][0] if orders else "unknown"
    return PatternAnalysis(
        reference=reference,
        flips=flips,
        crossings=crossings,
        order=order,
        multiplicity=None if permutations is None else len(orbit),
    )

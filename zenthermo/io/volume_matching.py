"""Attach per-volume phonon and electronic data to a source's static points, matched by volume.

Phonon and electronic DOS runs are separate calculations (DFTTK's ``phonon_<i>``,
``YPHON_results``, ``elec_<i>``); each belongs to the static point of the same volume.
:func:`attach_by_volume` pairs every datum with the point whose volume matches within a
relative tolerance, keeps the datum's own volume on it where it has one (so that F_vib and
F_el are interpolated at the volumes they were computed at), and accounts for every datum
that matches no point (or a point already taken), and every pair of data with byte-identical
files (a DOS copied between volumes), as an :class:`~zenthermo.sources.Exclusion`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import numpy as np

from zenthermo.sources import ElectronicData, Exclusion, Source, VibrationalGrid, VolumePoint

#: Relative tolerance for a datum's volume to match a static point's volume.
VOLUME_MATCH_RTOL = 2e-3


def attach_by_volume(
    source: Source,
    vibrations: Iterable[tuple[float | None, VibrationalGrid, str]] = (),
    electronic: Iterable[tuple[float | None, ElectronicData, str]] = (),
    rtol: float = VOLUME_MATCH_RTOL,
) -> tuple[Source, tuple[Exclusion, ...]]:
    """A copy of ``source`` with the data attached to the points of matching volume.

    Parameters
    ----------
    source : Source
    vibrations, electronic : iterable of (volume, data, path)
        The cell volume of each calculation (A^3; None: the datum's own ``volume``), the
        datum, and the file or folder it was read from (named in exclusions).
    rtol : float
        Relative volume tolerance.

    Returns
    -------
    (Source, tuple of Exclusion)
        Points that already carried data of a kind keep it unless a datum replaces it; the
        exclusions name every datum that was not attached and why.
    """
    points = list(source.points)
    excluded: list[Exclusion] = []
    for field, items in (("vibrations", vibrations), ("electronic", electronic)):
        taken: dict[int, str] = {}
        for volume, datum, path in _without_copies(list(items), field, rtol, excluded):
            own = volume if volume is not None else datum.volume
            if own is None:
                excluded.append(Exclusion(field, path, "its cell volume is not known"))
                continue
            index = _nearest(points, float(own), rtol)
            what = "phonon" if field == "vibrations" else "electronic"
            if index is None:
                excluded.append(Exclusion(
                    f"{what} data", path, f"its volume {own:.4f} A^3 matches no static "
                    f"volume of {source.name!r} within {rtol:.1%}", float(own)))
                continue
            if index in taken:
                excluded.append(Exclusion(
                    f"{what} data", path, f"volume {own:.4f} A^3 already has {what} data "
                    f"from {taken[index]}", float(own)))
                continue
            taken[index] = path
            if datum.volume is None or volume is not None:
                datum = dataclasses.replace(datum, volume=float(own))
            update: dict[str, Any] = {field: datum}  # field names a VolumePoint field
            points[index] = dataclasses.replace(points[index], **update)
    return dataclasses.replace(source, points=tuple(points)), tuple(excluded)


def _without_copies(items: list[tuple[float | None, Any, str]], field: str, rtol: float,
                    excluded: list[Exclusion]) -> list[tuple[float | None, Any, str]]:
    """The data whose file content no datum of another volume shares; the copies excluded.

    Two calculations at different volumes cannot give byte-identical DOS files: one was
    copied over the other, and which one is the calculation's own is unknown, so neither is
    used. Compared by the SHA-256 of the first file of each datum's provenance, between
    data read from different paths (one table, as fe-v.dat, serves every volume). Copies at
    one volume, a duplicated folder, are left to the first-come rule of the caller.
    """
    what = "phonon" if field == "vibrations" else "electronic"
    groups: dict[str, list[tuple[float | None, str, str]]] = {}
    for volume, datum, path in items:
        if datum.provenance:
            own = volume if volume is not None else datum.volume
            record = datum.provenance[0]
            groups.setdefault(record.sha256, []).append((own, path, record.path))
    copied: dict[str, tuple[float | None, list[str]]] = {}
    for group in groups.values():
        volumes = [v for v, _, _ in group if v is not None]
        files = {file for _, _, file in group}  # one file may serve every volume (fe-v.dat)
        if len(files) > 1 and volumes and max(volumes) - min(volumes) > rtol * min(volumes):
            copied.update({path: (own, [p for _, p, _ in group if p != path])
                           for own, path, _ in group})
    for path, (own, twins) in copied.items():
        excluded.append(Exclusion(f"{what} data", path, (
            f"the same content as {', '.join(twins)} (SHA-256) at another volume: two volumes "
            f"cannot have the same {what} DOS, and which one is this volume's own is unknown"),
            None if own is None else float(own)))
    return [item for item in items if item[2] not in copied]


def _nearest(points: list[VolumePoint], volume: float, rtol: float) -> int | None:
    if not points:
        return None
    volumes = np.array([p.volume for p in points])
    index = int(np.argmin(np.abs(volumes - volume)))
    return index if abs(volumes[index] - volume) <= rtol * volume else None

"""DFTTK's result layout: one configuration folder holding every calculation of it.

A DFTTK configuration folder (as ``../shared/fixtures/al-dfttk/config_Al``) holds:

* ``vol_<i>/``: the static energy-volume points (read as volume folders by
  :mod:`zenthermo.io.ingest`);
* ``elec_<i>/``: the dense-k-mesh electronic DOS runs: ``total_dos.dat`` (E - E_F, states/eV
  per cell) or ``vasprun.xml.elec_dos`` (pymatgen), the cell in ``CONTCAR.elec_dos``;
* ``phonon_<i>/``: the phonon runs: phonopy force constants, a phonopy ``total_dos.dat``,
  or (as in DFTTK's repository) only their inputs;
* ``YPHON_results/``: YPHON's phonon DOS of each phonon volume, ``vdos_<i>`` with
  ``volph_<i>`` (A^3 per atom).

:func:`attach_configuration_data` reads all of these, and the electronic and phonon files
inside the static volume folders themselves (:func:`zenthermo.io.point_extras.read_folder_data`),
and attaches each datum to the static point of matching volume
(:func:`zenthermo.io.volume_matching.attach_by_volume`). Any folder of another layout that
holds such data works the same way. Folders without usable data are reported (an
:class:`~zenthermo.sources.Exclusion` with the reason, replacing "no VASP output"), never
fatal; so is every datum that matches no static volume.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from zenthermo.errors import InputError
from zenthermo.io import layout
from zenthermo.io.paths import relative_path
from zenthermo.io.point_extras import FolderData, read_folder_data
from zenthermo.io.volume_matching import attach_by_volume
from zenthermo.sources import Exclusion, Source

#: The folder of YPHON's phonon DOS files in a DFTTK configuration folder.
YPHON_FOLDER = "YPHON_results"
_NO_VASP_OUTPUT = "no VASP output"


def read_yphon_results(folder: Path, natoms: int, root: Path) -> FolderData:
    """Every ``vdos_<i>`` + ``volph_<i>`` pair of a ``YPHON_results`` folder."""
    from zenthermo.io.phonon_dos import read_yphon_dos

    found = FolderData()
    try:
        entries = {p.name: p for p in folder.iterdir() if p.is_file()}
    except OSError as error:
        found.problems.append((relative_path(folder, root), f"cannot list it ({error})"))
        return found
    for name in layout.natural_sorted(Path(n) for n in entries if re.fullmatch(r"vdos_.+", n)):
        vdos = entries[name.name]
        volph = entries.get("volph_" + name.name[len("vdos_"):])
        shown = relative_path(vdos, root)
        if volph is None:
            found.problems.append((shown, f"no volph_{name.name[5:]} beside it (the volume)"))
            continue
        try:
            reading = read_yphon_dos(vdos, volph, natoms,
                                     recorded_as=(shown, relative_path(volph, root)))
        except InputError as error:
            found.problems.append((relative_path(error.path or vdos, root), error.reason))
            continue
        found.vibrations.append((reading.volume, reading.grid, shown))
        found.notes += list(reading.warnings)
    return found


def attach_configuration_data(folder: Path, root: Path, name: str, source: Source) -> Source:
    """``source`` with the electronic and phonon data of its configuration folder attached.

    Parameters
    ----------
    folder : Path
        The configuration folder.
    root : Path
        Paths in exclusions and provenance are relative to it.
    name : str
        The configuration's name (exclusion items are ``name/<folder>``).
    source : Source
        As built from the static volume folders; its points' labels are their folder names.
    """
    excluded = list(source.excluded)
    notes: list[str] = []
    vibrations: list = []
    electronic: list = []
    items: dict[str, str] = {}  # datum's path -> the folder it came from, as an item
    labels = {p.label for p in source.points}
    static = {p.label: p for p in source.points}
    for sub in layout.subfolders(folder):
        if sub.name in labels:
            point = static[sub.name]
            found = read_folder_data(sub, source.natoms, root, volume=point.volume,
                                     static_vasprun=True)
            if point.vibrations is not None:  # a thermal_properties.yaml already attached
                found.vibrations = []
        elif _excluded_for_no_output(excluded, name, sub.name):
            found = (read_yphon_results(sub, source.natoms, root) if sub.name == YPHON_FOLDER
                     else read_folder_data(sub, source.natoms, root))
            _account(excluded, name, sub, root, found)
        else:
            continue
        vibrations += found.vibrations
        electronic += found.electronic
        items.update({path: f"{name}/{sub.name}" for _, _, path in
                      (*found.vibrations, *found.electronic)})
        notes += found.notes
        # a static folder's point stays: the item names the file that was not used
        excluded += [Exclusion(f"{name}/{sub.name}" + (f"/{Path(path).name}"
                                                       if sub.name in labels else ""),
                               path, reason) for path, reason in found.problems]
    if not (vibrations or electronic):
        return dataclasses.replace(source, excluded=tuple(excluded),
                                   warnings=(*source.warnings, *notes))
    attached, unmatched = attach_by_volume(source, vibrations, electronic)
    with_phonons = attached.phonon_volume_count
    if 0 < with_phonons < len(attached.points) and vibrations:
        notes.append(f"phonon data for {with_phonons} of {len(attached.points)} volumes")
    unmatched = tuple(dataclasses.replace(e, item=items.get(e.path, e.item)) for e in unmatched)
    return dataclasses.replace(attached, excluded=(*excluded, *unmatched),
                               warnings=(*source.warnings, *notes))


def _excluded_for_no_output(excluded: list[Exclusion], name: str, folder: str) -> bool:
    item = f"{name}/{folder}"
    return any(e.item == item and e.reason.startswith(_NO_VASP_OUTPUT) for e in excluded)


def _account(excluded: list[Exclusion], name: str, sub: Path, root: Path,
             found: FolderData) -> None:
    """Replace a data folder's "no VASP output" by what it gave or why it gave nothing."""
    item = f"{name}/{sub.name}"
    index = next(i for i, e in enumerate(excluded) if e.item == item)
    if found.vibrations or found.electronic:
        del excluded[index]  # used: its data are on the points (or listed as unmatched)
    elif not found.problems:
        reason = _empty_reason(sub)
        if reason is not None:  # otherwise the reader's own reason stands
            excluded[index] = Exclusion(item, relative_path(sub, root), reason)
    else:
        del excluded[index]  # its problems are listed, naming the files


def _empty_reason(sub: Path) -> str | None:
    if sub.name.lower().startswith("phonon"):
        return ("phonon calculation without results (no force constants, FORCE_SETS, "
                "phonopy_params.yaml or phonon total_dos.dat): not used")
    if sub.name.lower().startswith("elec"):
        return ("electronic DOS calculation without a DOS (no total_dos.dat or vasprun.xml "
                "with a <dos> block): not used")
    return None


__all__ = ["YPHON_FOLDER", "attach_configuration_data", "read_yphon_results"]

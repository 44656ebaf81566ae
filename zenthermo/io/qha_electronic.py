"""phonopy-qha's ``fe-v.dat`` beside its other inputs: the electronic part of that source.

``phonopy-qha --efe fe-v.dat e-v.dat tp-*.yaml`` adds the thermal electronic free energy of
``fe-v.dat`` (:mod:`zenthermo.io.electronic_free_energy`). :func:`split_fe_v` takes it out
of the paths given to ingestion (the file itself, or the one in a phonopy-qha folder), and
:func:`attach_fe_v` puts its columns, in ``e-v.dat``'s row order, on the points of the
source read from the other files, matched by volume.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path, PurePosixPath

from zenthermo.errors import InputError
from zenthermo.io.electronic_free_energy import electronic_grids, read_fe_v
from zenthermo.io.paths import relative_path
from zenthermo.io.volume_matching import attach_by_volume
from zenthermo.sources import SourceSet

_FE_V = re.compile(r"fe-v.*\.dat")


def is_fe_v_name(name: str) -> bool:
    """True for phonopy-vasp-efe's file name (``fe-v.dat``, ``fe-v-xxx.dat``)."""
    return _FE_V.fullmatch(name) is not None


def split_fe_v(paths: list[Path]) -> tuple[list[Path], Path | None]:
    """(the paths less an ``fe-v.dat`` file, that file or the one in a single given folder).

    Raises
    ------
    InputError
        More than one ``fe-v.dat``.
    """
    files = [p for p in paths if p.is_file() and is_fe_v_name(p.name)]
    rest = [p for p in paths if p not in files]
    if len(rest) == 1 and rest[0].is_dir() and not files:
        try:
            files = [p for p in rest[0].iterdir() if p.is_file() and is_fe_v_name(p.name)]
        except OSError:
            files = []
    if len(files) > 1:
        names = ", ".join(p.name for p in files)
        raise InputError(f"{len(files)} fe-v.dat files given ({names})", files[1],
                         "give one electronic free-energy file per source")
    return rest, (files[0] if files else None)


def attach_fe_v(source_set: SourceSet, fe_v: Path, ev_path: Path) -> SourceSet:
    """``source_set`` (one phonopy-qha source) with ``fe-v.dat``'s F_el grids on its points.

    Columns are paired with ``e-v.dat``'s rows in order (as phonopy-qha pairs them); each
    grid carries the volume of its row (or of the file's ``# volume:`` header). Columns of
    volumes that were left out (imaginary phonons, outliers) are dropped with the points.

    Raises
    ------
    InputError
        Naming ``fe-v.dat``: unreadable, another number of columns than e-v.dat rows, or a
        0 K row that is not e-v.dat's energies.
    """
    from zenthermo.io.phonopy_files import read_energy_volume

    volumes, energies = read_energy_volume(ev_path)
    shown = _recorded_path(source_set, fe_v, ev_path)
    table = read_fe_v(fe_v, recorded_as=shown)
    grids = electronic_grids(table, static_energies=energies, path=str(fe_v))
    (source,) = source_set.sources
    left_out = {e.volume for e in source.excluded if e.volume is not None}
    items = [(float(grid.volume if grid.volume is not None else volumes[j]), grid,
              f"{shown} column {j + 1}") for j, grid in enumerate(grids)]
    source, unmatched = attach_by_volume(
        source, electronic=[item for item in items if item[0] not in left_out])
    source = dataclasses.replace(source, excluded=(*source.excluded, *unmatched))
    metadata = dict(source_set.metadata)
    metadata["files"] = {**dict(metadata.get("files", {})), "fe-v": shown}
    return dataclasses.replace(source_set, sources=(source,), metadata=metadata)


def _recorded_path(source_set: SourceSet, fe_v: Path, ev_path: Path) -> str:
    """fe-v.dat named as e-v.dat is in the records: relative to the same root."""
    beside = relative_path(fe_v, ev_path.parent)
    ev_record = str(dict(source_set.metadata.get("files", {})).get("e-v", ""))
    if ev_record and not Path(beside).is_absolute():
        return (PurePosixPath(ev_record).parent / beside).as_posix()
    return relative_path(fe_v, source_set.root or fe_v.parent)


def refuse_fe_v(fe_v: Path) -> None:
    """An ``fe-v.dat`` beside anything but phonopy-qha inputs: say where it belongs."""
    raise InputError(
        "fe-v.dat (phonopy-qha's --efe file) goes with phonopy-qha inputs: e-v.dat and the "
        "thermal_properties.yaml files", fe_v,
        "give it with e-v.dat and the yaml files, or put the electronic DOS (total_dos.dat "
        "or vasprun.xml) in the volume folders of a VASP tree",
    )


__all__ = ["attach_fe_v", "is_fe_v_name", "refuse_fe_v", "split_fe_v"]

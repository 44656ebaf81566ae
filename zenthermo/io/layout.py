"""Where the files are: VASP result trees, run stages and compressed names.

Understood layouts of one volume folder (names may end in ``.gz``, ``.bz2``, ``.xz``,
``.lzma`` or ``.Z``; the files are decompressed by content, see
:mod:`zenthermo.io.compressed`):

* plain: ``OUTCAR``, ``OSZICAR``, ``CONTCAR``, ``INCAR``, ``KPOINTS``, ``vasprun.xml``;
* DFTTK-style stages as suffixes: ``OSZICAR.3static``, ``CONTCAR.1relax``, ...;
* custodian/atomate-style: ``OUTCAR.relax1``, ``OUTCAR.relax2``, ``OUTCAR.static``, and the
  last run unsuffixed.

The stage used is the final static one: a stage whose tag contains ``static`` (the highest
numbered if several), else the unsuffixed files, else the highest numbered other stage.
A stage qualifies only if it holds an energy file (``vasprun.xml``, ``OSZICAR`` or
``OUTCAR``) and is not a DOS run (a tag containing ``dos``, as DFTTK's ``elec_dos``: its
DOS is electronic data, see :mod:`zenthermo.io.dfttk`).

A results tree is a folder of configuration folders, each a folder of volume folders; a
configuration folder can also be given directly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from zenthermo.errors import InputError
from zenthermo.io.compressed import COMPRESSION_SUFFIXES, strip_compression_suffix

#: File kinds recognised in a volume folder (longest names first for prefix matching).
KINDS = (
    "thermal_properties.yaml",
    "vasprun.xml",
    "OSZICAR",
    "CONTCAR",
    "KPOINTS",
    "OUTCAR",
    "POSCAR",
    "POTCAR",
    "INCAR",
)
#: Kinds that carry a total energy; a stage without one of these is not a calculation.
ENERGY_KINDS = ("vasprun.xml", "OSZICAR", "OUTCAR")
#: Stage tags that are backups of inputs, never results.
IGNORED_STAGES = frozenset({"orig", "bak", "old", "backup"})


def split_name(name: str) -> tuple[str, str] | None:
    """Split a file name into (kind, stage tag), or None if it is not a known kind.

    >>> split_name("OUTCAR.3static.gz")
    ('OUTCAR', '3static')
    >>> split_name("vasprun.xml")
    ('vasprun.xml', '')
    """
    base = name
    for suffix in COMPRESSION_SUFFIXES:
        if base.lower().endswith(suffix) and len(base) > len(suffix):
            base = base[: -len(suffix)]
            break
    for kind in KINDS:
        if base == kind:
            return kind, ""
        if base.startswith(kind) and len(base) > len(kind) + 1 and base[len(kind)] in ".-_":
            return kind, base[len(kind) + 1 :]
    return None


def is_dos_stage(stage: str) -> bool:
    """True for the stage of a DOS run (DFTTK's ``elec_dos``): its energy is no static point."""
    return "dos" in stage.lower()


def stage_rank(stage: str) -> tuple[int, int, int]:
    """Sort key of a stage tag: static stages last (highest), then plain, then others."""
    number_match = re.search(r"\d+", stage)
    number = int(number_match.group()) if number_match else 0
    if "static" in stage.lower():
        return (2, number, 0)
    if stage == "":
        return (1, 0, 0)
    return (0, number, 0)


@dataclass(frozen=True)
class VolumeFolder:
    """The files of the chosen stage of one volume folder.

    Attributes
    ----------
    path : Path
        The volume folder.
    stage : str
        Stage tag chosen ("" for unsuffixed files).
    files : dict
        Kind (see :data:`KINDS`) -> file of that stage.
    phonons : Path or None
        A ``thermal_properties.yaml`` in the folder, any stage or compression.
    """

    path: Path
    stage: str
    files: dict[str, Path] = field(default_factory=dict)
    phonons: Path | None = None

    @property
    def name(self) -> str:
        return self.path.name


def _natural_key(text: str) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def natural_sorted(paths: Iterable[Path]) -> list[Path]:
    """Paths sorted by name with numbers compared as numbers (vol_2 before vol_10)."""
    return sorted(paths, key=lambda p: _natural_key(p.name))


def _entries(folder: Path) -> list[Path]:
    """The entries of ``folder``; an unreadable folder is an InputError naming it."""
    try:
        return list(folder.iterdir())
    except OSError as error:
        raise InputError(f"cannot list the folder ({error.strerror or error})", folder,
                         hint="check its permissions") from error


def _stages(folder: Path) -> dict[str, dict[str, Path]]:
    stages: dict[str, dict[str, Path]] = {}
    for entry in _entries(folder):
        if not entry.is_file():
            continue
        parsed = split_name(entry.name)
        if parsed is None:
            continue
        kind, stage = parsed
        if stage.lower() in IGNORED_STAGES:
            continue
        files = stages.setdefault(stage, {})
        # Prefer the uncompressed file when both exist.
        if kind not in files or files[kind].name > entry.name:
            files[kind] = entry
    return stages


def stage_tags(folder: Path) -> list[str]:
    """Tags of the stages present in ``folder`` (any known file kind; backups left out)."""
    return list(_stages(folder))


def has_results(folder: Path) -> bool:
    """True when ``folder`` directly holds a VASP energy file of some stage."""
    try:
        return any(
            kind in ENERGY_KINDS
            for files in _stages(folder).values()
            for kind in files
        )
    except InputError:
        return False


def volume_folder(folder: Path) -> VolumeFolder | None:
    """The final static stage of a volume folder, or None if it holds no VASP results.

    Raises
    ------
    InputError
        When the folder cannot be listed (permission denied).
    """
    stages = _stages(folder)
    phonons = None
    for files in stages.values():
        if "thermal_properties.yaml" in files:
            phonons = files["thermal_properties.yaml"]
    candidates = [s for s, files in stages.items() if any(k in files for k in ENERGY_KINDS)
                  and not is_dos_stage(s)]
    if not candidates:
        return None
    stage = max(candidates, key=stage_rank)
    return VolumeFolder(path=folder, stage=stage, files=dict(stages[stage]), phonons=phonons)


def subfolders(folder: Path) -> list[Path]:
    """Visible sub-folders of ``folder``, naturally sorted (InputError if unreadable)."""
    return natural_sorted(p for p in _entries(folder)
                          if p.is_dir() and not p.name.startswith("."))


def is_configuration_folder(folder: Path) -> bool:
    """True when some sub-folder of ``folder`` holds VASP results."""
    return any(has_results(sub) for sub in subfolders(folder))


def find_configuration_folders(root: Path) -> list[Path]:
    """Configuration folders of a results tree (or ``[root]`` if root is one itself)."""
    if is_configuration_folder(root):
        return [root]
    return [sub for sub in subfolders(root) if is_configuration_folder(sub)]


def find_file(folder: Path, kind: str) -> Path | None:
    """A file of ``kind`` directly in ``folder`` (plain name preferred, any compression)."""
    stages = _stages(folder) if folder.is_dir() else {}
    for stage in sorted(stages, key=lambda s: (s != "", stage_rank(s))):
        if kind in stages[stage]:
            return stages[stage][kind]
    return None


def earliest_stage_file(folder: Path, kind: str) -> Path | None:
    """The file of ``kind`` of the earliest stage in ``folder`` (e.g. the input POSCAR)."""
    stages = _stages(folder)
    present = [s for s, files in stages.items() if kind in files]
    if not present:
        return None
    return stages[min(present, key=stage_rank)][kind]


def phonopy_qha_inputs(paths: list[Path]) -> tuple[Path, list[Path]] | None:
    """(e-v file, thermal_properties files) when ``paths`` are phonopy-qha inputs, else None.

    Either the files themselves (``e-v.dat`` plus ``thermal_properties.yaml*``, or yaml files
    of any name, ``tp-1.yaml``, as phonopy-qha's command line takes them) or one folder
    holding ``e-v.dat`` and no VASP results, with ``thermal_properties.yaml*`` beside it or
    one in each of its sub-folders (``vol_-5/thermal_properties.yaml``, ...). The yaml files
    keep the order given; from a folder they are sorted by their trailing integer (the
    reader pairs them by number, see :mod:`zenthermo.io.phonopy_qha`).
    """
    if len(paths) == 1 and paths[0].is_dir():
        folder = paths[0]
        ev = [p for p in _entries(folder) if p.is_file() and _is_ev_name(p.name)]
        yamls = [p for p in _entries(folder) if p.is_file() and _is_thermal_name(p.name)]
        subs = subfolders(folder)
        if len(ev) == 1 and not yamls and subs and not has_results(folder):
            nested = [[p for p in _entries(sub) if p.is_file() and _is_thermal_name(p.name)]
                      for sub in subs]
            if all(len(found) == 1 for found in nested) \
                    and not any(has_results(sub) for sub in subs):
                return ev[0], [found[0] for found in nested]
        if len(ev) == 1 and yamls and not subs and not has_results(folder):
            return ev[0], sorted(yamls, key=_trailing_integer)
        return None
    if len(paths) < 2 or not all(p.is_file() for p in paths):
        return None
    # as phonopy-qha's own command line: e-v.dat and yaml files of any name (tp-1.yaml, ...)
    yamls = [p for p in paths if _is_thermal_name(p.name) or yaml_stem(p.name) is not None]
    ev = [p for p in paths if p not in yamls]
    if len(ev) == 1 and yamls:
        return ev[0], yamls
    return None


def yaml_stem(name: str) -> str | None:
    """``tp_10`` of ``tp_10.yaml`` (or ``.yml``, any case, compressed or not); None where the
    name is no yaml file's."""
    match = re.fullmatch(r"(.*)\.ya?ml", strip_compression_suffix(name), re.IGNORECASE)
    return None if match is None else match.group(1)


def _is_thermal_name(name: str) -> bool:
    parsed = split_name(name)
    return parsed is not None and parsed[0] == "thermal_properties.yaml"


def _is_ev_name(name: str) -> bool:
    return re.fullmatch(r"e-v.*\.dat", name) is not None


def _trailing_integer(path: Path) -> tuple[int, str]:
    match = re.search(r"(-?\d+)$", parts[1] if (parts := split_name(path.name)) else "")
    return (int(match.group(1)) if match else 0, path.name)

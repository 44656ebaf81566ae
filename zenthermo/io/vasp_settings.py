"""The settings a VASP run was made with, from every file that states them.

A setting can be stated by several files of one volume folder: the run's own output (the
OUTCAR's parameter block and INCAR echo, vasprun.xml's ``<parameters>``; the OSZICAR shows
whether the run was spin-polarised by its ``mag=`` column) and its inputs (INCAR, KPOINTS).
What the output files state wins: they say what the run did, and a missing or damaged input
file changes nothing. The inputs fill in what no output states. Where two files of one run
disagree on ENCUT, ISPIN, the functional, LDA+U or the k-mesh, the disagreement is a
:class:`SettingConflict` (treated like mixed settings across volumes); on other tags it is
a note.

INCAR values are read leniently (``ENCUT = 520 eV``, ``ISPIN = 2 # spin``,
``MAGMOM = 9*2.5 3*0.3``, ``LDAU = .TRUE.``); a value that cannot be understood is ignored
with a note naming the file and tag.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from zenthermo.errors import InputError
from zenthermo.io.library_warnings import captured

#: VASP defaults used when no file states them.
DEFAULT_NELM = 60
DEFAULT_ISPIN = 1

_GGA_NAMES = {"PE": "PBE", "PS": "PBEsol", "91": "PW91", "RP": "RPBE", "AM": "AM05",
              "CA": "LDA", "B3": "B3LYP", "OR": "optPBE", "BO": "optB88", "MK": "optB86b"}
_UNSET = {"", "--", "F", "FALSE", ".FALSE.", "NONE"}
_TRUE = {"T", "TRUE", ".TRUE.", "1"}
_FALSE = {"F", "FALSE", ".FALSE.", "0"}
#: Tag -> the setting it decides (disagreements on these are conflicts, not notes).
CONFLICT_TAGS = {"ENCUT": "encut", "ISPIN": "ispin", "GGA": "functional",
                 "METAGGA": "functional", "LHFCALC": "functional", "LDAU": "ldau"}


@dataclass(frozen=True)
class Statement:
    """The (normalised) tags one file states about a run."""

    path: Path
    tags: dict[str, Any]


@dataclass(frozen=True)
class SettingConflict:
    """Two files of one run that disagree on a setting (``path`` is the one that lost)."""

    key: str
    tag: str
    value: Any
    path: Path
    winning_value: Any
    winning_path: Path


@dataclass(frozen=True)
class ResolvedTags:
    """Tags of a run after resolution: values, the file each came from, disagreements."""

    tags: dict[str, Any]
    origin: dict[str, Path]
    conflicts: tuple[SettingConflict, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def get(self, tag: str, default: Any = None) -> Any:
        return self.tags.get(tag, default)


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    number = float(value) if isinstance(value, str) else value
    if isinstance(number, float):
        if not number.is_integer():
            raise ValueError(value)
        return int(number)
    return int(number)


def _to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(value)
    number = float(str(value).split()[0]) if isinstance(value, str) else float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().upper()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(value)


def _to_name(value: Any) -> str | None:
    text = str(value).strip().upper()
    return None if text in _UNSET else text


def _to_moments(value: Any) -> list[float]:
    values = np.asarray(value, dtype=np.float64).reshape(-1)
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError(value)
    return values.tolist()


_CONVERTERS = {
    "ISPIN": _to_int, "NELM": _to_int, "NSW": _to_int, "IBRION": _to_int,
    "ENCUT": _to_float, "EDIFF": _to_float, "HFSCREEN": _to_float,
    "GGA": _to_name, "METAGGA": _to_name, "LHFCALC": _to_bool, "LDAU": _to_bool,
    "MAGMOM": _to_moments,
}


def normalise_tags(raw: Mapping[str, Any], path: Path, notes: list[str]) -> dict[str, Any]:
    """The tags zenthermo uses, converted; a value that is not understood is noted, dropped."""
    tags: dict[str, Any] = {}
    upper = {str(k).upper(): v for k, v in raw.items()}
    if "ENCUT" not in upper and "ENMAX" in upper:  # vasprun.xml's name for it
        upper["ENCUT"] = upper["ENMAX"]
    for tag, convert in _CONVERTERS.items():
        if tag not in upper or upper[tag] is None:
            continue
        try:
            tags[tag] = convert(upper[tag])
        except (TypeError, ValueError):
            notes.append(f"{path.name}: {tag} = {upper[tag]!r} is not understood; ignored")
            continue
        if tag == "ISPIN" and tags[tag] not in (1, 2):
            notes.append(f"{path.name}: ISPIN = {tags.pop(tag)} is not 1 or 2; ignored")
    return tags


def read_incar_text(text: str, path: Path, notes: list[str]) -> dict[str, Any]:
    """INCAR text (pymatgen's ``Incar``) as normalised tags; an unparsable INCAR is noted
    and gives no tags (the run's output files then tell the settings)."""
    from pymatgen.io.vasp.inputs import Incar

    try:
        with captured(notes, path.name, "pymatgen"):
            raw = dict(Incar.from_str(text))
    except Exception as error:  # noqa: BLE001 - pymatgen raises many kinds on bad INCARs
        notes.append(f"{path.name}: cannot parse INCAR ({type(error).__name__}: {error}); "
                     "settings taken from the output files")
        return {}
    return normalise_tags(raw, path, notes)


def _same(tag: str, a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-9)
    if tag == "MAGMOM":
        return len(a) == len(b) and np.allclose(a, b, atol=1e-3)
    return a == b


def resolve(statements: list[Statement]) -> ResolvedTags:
    """Merge statements, the first (highest precedence) stating a tag winning."""
    tags: dict[str, Any] = {}
    origin: dict[str, Path] = {}
    conflicts: list[SettingConflict] = []
    notes: list[str] = []
    for statement in statements:
        for tag, value in statement.tags.items():
            if tag not in tags:
                tags[tag], origin[tag] = value, statement.path
                continue
            if _same(tag, tags[tag], value):
                continue
            if tag in CONFLICT_TAGS:
                conflicts.append(SettingConflict(CONFLICT_TAGS[tag], tag, value, statement.path,
                                                 tags[tag], origin[tag]))
            else:
                notes.append(f"{statement.path.name} has {tag} = {_show(value)} but the run "
                             f"used {_show(tags[tag])} ({origin[tag].name}); the latter is used")
    return ResolvedTags(tags, origin, tuple(conflicts), tuple(notes))


def _show(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(f"{v:g}" for v in value)
    return str(value)


def functional(tags: ResolvedTags, potcar_functional: str | None) -> str:
    """Exchange-correlation functional: METAGGA, hybrid, GGA tag, else the POTCAR set."""
    metagga = tags.get("METAGGA")
    if metagga:
        return {"SCAN": "SCAN", "R2SCAN": "r2SCAN", "RSCAN": "rSCAN"}.get(metagga, metagga)
    if tags.get("LHFCALC"):
        return "HSE" if tags.get("HFSCREEN") else "hybrid"
    gga = tags.get("GGA")
    if gga:
        return _GGA_NAMES.get(gga, gga)
    return potcar_functional or "unknown"


def kpoints_setting(path: Path, text: str,
                    notes: list[str] | None = None) -> tuple[list[int] | str, str]:
    """(mesh or description, style) of a KPOINTS file (pymatgen's ``Kpoints``); pymatgen's
    warnings go to ``notes``."""
    from pymatgen.io.vasp.inputs import Kpoints

    try:
        with captured([] if notes is None else notes, path.name, "pymatgen"):
            kpoints = Kpoints.from_str(text)
    except Exception as error:  # noqa: BLE001 - pymatgen raises many kinds on bad files
        raise InputError(f"cannot parse KPOINTS ({type(error).__name__}: {error})",
                         path) from error
    style = kpoints.style.name if hasattr(kpoints.style, "name") else str(kpoints.style)
    if style in ("Gamma", "Monkhorst") and kpoints.kpts:
        return [int(k) for k in kpoints.kpts[0]], style
    if kpoints.num_kpts == 0 and kpoints.kpts:
        return f"auto {kpoints.kpts[0][0]:g}", style
    return f"{len(kpoints.kpts)} explicit k-points", style


def mesh_style(mesh: tuple[int, int, int], shift: tuple[float, float, float] | None) -> str | None:
    """``Gamma`` or ``Monkhorst`` from the shift VASP reports, None when it cannot tell
    (all subdivisions odd: the two are the same mesh) or the shift is another one."""
    if shift is None or all(n % 2 for n in mesh):
        return None
    if all(abs(s) < 1e-6 for s in shift):
        return "Gamma"
    if all(abs(s - (0.5 if n % 2 == 0 else 0.0)) < 1e-6 for n, s in zip(mesh, shift, strict=True)):
        return "Monkhorst"
    return None


def expand_magmom(magmom: Any, natoms: int) -> np.ndarray | None:
    """MAGMOM as one float per site (pymatgen already expands ``n*value``), or None."""
    if magmom is None:
        return None
    values = np.asarray(magmom, dtype=np.float64).reshape(-1)
    if values.size != natoms:  # non-collinear or inconsistent: not a collinear pattern
        return None
    return values


def _kpoints(folder, recorder, outcar, run_kpoints):
    """(mesh, style, file of the mesh, file of the style, conflicts) of a run."""
    kpath = folder.files.get("KPOINTS")
    file_mesh = file_style = None
    if kpath is not None:
        try:
            file_mesh, file_style = kpoints_setting(kpath, recorder.text(kpath), recorder.notes)
        except InputError as error:  # an input file: the output files still tell the mesh
            recorder.notes.append(f"{kpath.name}: {error.reason}; k-mesh taken from the "
                                  "output files")
    run_mesh = run_style = run_file = None
    if outcar is not None and outcar.kpoint_mesh is not None:
        run_mesh, run_file = list(outcar.kpoint_mesh), folder.files.get("OUTCAR")
        run_style = mesh_style(outcar.kpoint_mesh, outcar.kpoint_shift)
    elif run_kpoints is not None:
        (run_mesh, run_style), run_file = run_kpoints, folder.files.get("vasprun.xml")
    conflicts: tuple[SettingConflict, ...] = ()
    if isinstance(file_mesh, list) and run_mesh is not None and file_mesh != run_mesh:
        assert run_file is not None  # the run's mesh was read from this file
        conflicts = (SettingConflict("kpoints", "KPOINTS", file_mesh, kpath, run_mesh,
                                     run_file),)
    mesh = run_mesh if run_mesh is not None else file_mesh
    style = file_style or run_style
    return (mesh, style, run_file if run_mesh is not None else kpath,
            kpath if file_style else run_file, conflicts)


def settings_dict(tags: ResolvedTags, folder, recorder, outcar, vasp_version: str | None = None,
                  run_kpoints: tuple[list[int], str] | None = None):
    """The recorded settings of a run, the file each came from, and k-mesh conflicts.

    Returns
    -------
    settings : dict
        ``encut`` (eV or None), ``functional``, ``ispin``, ``ldau``, ``vasp_version``,
        ``stage``, ``kpoints`` (mesh, description or None) and, when known,
        ``kpoints_style``.
    files : dict
        Setting name -> the file that stated it (for messages).
    conflicts : tuple of SettingConflict
    """
    potcar_functional = outcar.potcar_functional if outcar is not None else None
    settings: dict[str, Any] = {
        "encut": tags.get("ENCUT"),
        "functional": functional(tags, potcar_functional),
        "ispin": int(tags.get("ISPIN", DEFAULT_ISPIN)),
        "ldau": bool(tags.get("LDAU", False)),
        "vasp_version": (outcar.vasp_version if outcar is not None else None) or vasp_version,
        "stage": folder.stage,
    }
    mesh, style, mesh_file, style_file, conflicts = _kpoints(folder, recorder, outcar,
                                                            run_kpoints)
    settings["kpoints"] = mesh
    if style is not None:
        settings["kpoints_style"] = style
    decider = next((t for t in ("METAGGA", "LHFCALC", "GGA") if tags.get(t)), None)
    files = {
        "encut": tags.origin.get("ENCUT"),
        "ispin": tags.origin.get("ISPIN"),
        "ldau": tags.origin.get("LDAU"),
        "functional": tags.origin.get(decider) if decider else folder.files.get("OUTCAR"),
        "kpoints": mesh_file,
        "kpoints_style": style_file,
    }
    return settings, {k: v for k, v in files.items() if v is not None}, conflicts

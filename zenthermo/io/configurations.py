"""Which folders are the configurations of a results tree, and which are reported instead.

* Without a manifest naming configurations: the configuration folders of each path given
  (:func:`zenthermo.io.layout.find_configuration_folders`).
* With one: the folders it names, plus every other configuration folder beside them, read
  with the defaults and said so in a warning, unless the manifest's top-level ``exclude``
  leaves it out (recorded as an exclusion with the reason).
* A configuration folder whose volume folders sit one level deeper is read there when it
  holds exactly one such folder (:func:`resolve_configuration_folder`), with a warning.
* Folders that hold VASP inputs but no finished run, or volume folders one level deeper in
  several sub-folders (ambiguous), are reported as exclusions of the set
  (:func:`why_not_configuration`), never skipped silently; so is a folder named like the
  configurations (``config_99`` beside ``config_0``) that holds no files at all.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from zenthermo.errors import InputError
from zenthermo.io import layout
from zenthermo.io.manifest import ConfigurationEntry, Manifest
from zenthermo.io.paths import relative_path
from zenthermo.io.vasp_checks import Configuration
from zenthermo.sources import Exclusion

__all__ = ["find_configurations", "resolve_configuration_folder", "why_not_configuration"]

_INPUT_KINDS = ("INCAR", "POSCAR", "KPOINTS", "POTCAR")


def resolve_configuration_folder(folder: Path) -> tuple[Path, str | None] | None:
    """Where the volume folders of ``folder`` are: ``(folder, None)`` when they are its
    sub-folders, ``(folder/sub, note)`` when they sit one level deeper in its only such
    sub-folder, None when neither (none, or several candidates: ambiguous)."""
    if layout.is_configuration_folder(folder):
        return folder, None
    deeper = [sub for sub in layout.subfolders(folder) if layout.is_configuration_folder(sub)]
    if len(deeper) == 1:
        return deeper[0], (f"its volume folders sit one level deeper, in {deeper[0].name}/: "
                           "read from there")
    return None


def _holds_inputs(folder: Path) -> bool:
    try:
        return any((parts := layout.split_name(p.name)) is not None
                   and parts[0] in _INPUT_KINDS
                   for p in folder.iterdir() if p.is_file())
    except OSError:
        return False


def why_not_configuration(folder: Path) -> str | None:
    """Why a folder that looks like VASP work is not a configuration (None: not VASP work)."""
    try:
        subs = layout.subfolders(folder)
    except InputError as error:
        return error.reason
    deeper = [sub.name for sub in subs if layout.is_configuration_folder(sub)]
    if len(deeper) > 1:
        return (f"volume folders one level deeper in several sub-folders ({', '.join(deeper)}): "
                "ambiguous, not read; give those folders as paths")
    if any(_holds_inputs(sub) for sub in subs) or _holds_inputs(folder):
        return ("no finished run: its folders hold VASP inputs but no OSZICAR, OUTCAR or "
                "vasprun.xml")
    return None


def find_configurations(given: list[Path], manifest: Manifest | None, excluded: list[Exclusion],
                    warnings: list[str]) -> list[Configuration]:
    """The configurations to read (see module docstring); folders not read go to
    ``excluded`` with the reason, notes to ``warnings`` (both lists are extended).

    Raises
    ------
    InputError
        A folder named in the manifest that does not exist, a file given as a tree, no
        configuration at all, or two configurations with the same name.
    """
    found: list[tuple[Path, Path, ConfigurationEntry | None]] = []
    entry: ConfigurationEntry | None
    roots: list[Path] = []
    named = manifest is not None and bool(manifest.configurations)
    if manifest is not None and named:
        for entry in manifest.configurations:
            if not entry.path.is_dir():
                raise InputError(
                    f"configuration '{entry.name}' named in the manifest is not a folder",
                    entry.path,
                )
            found.append((entry.path, _root_for(entry.path, given, manifest), entry))
            roots.append(entry.path.parent)
        roots += [p for p in given if p.is_dir()]
    for path in given if not named else ():
        if path.is_file():
            raise InputError(
                "is a file; give a results folder (or e-v.dat plus thermal_properties.yaml "
                "files)",
                path,
            )
        folders = layout.find_configuration_folders(path)
        if not folders and resolve_configuration_folder(path) is not None:
            folders = [path]
        roots.append(path)
        root = path.parent if folders == [path] else path
        found += [(folder, root, None) for folder in folders]
    found = _once_each(found, warnings)
    skip = dict(manifest.exclude) if manifest is not None else {}
    _unnamed(found, roots, skip, named, excluded, warnings)
    if not found:
        raise InputError(
            "holds no VASP results (expected configuration folders containing volume "
            "folders with OSZICAR, OUTCAR or vasprun.xml)", given[0],
            "; ".join(f"{e.item}: {e.reason}" for e in excluded[:2]) or None,
        )
    names = Counter(folder.name for folder, _, _ in found)
    configurations = []
    for folder, root, entry in found:
        name = entry.name if entry else folder.name
        if entry is None and names[folder.name] > 1:
            name = f"{folder.parent.name}/{folder.name}"
        resolved = resolve_configuration_folder(folder)
        if resolved is None or resolved[1] is None:
            configurations.append(Configuration(name, folder, root, entry, [], [], []))
        else:
            configurations.append(Configuration(name, resolved[0], root, entry, [], [],
                                                [resolved[1]], outer=folder))
    if len({c.name for c in configurations}) != len(configurations):
        raise InputError("two configuration folders have the same name", given[0],
                         hint="name them in a manifest (zenthermo.toml)")
    return configurations


def _unnamed(found: list, roots: list[Path], skip: dict[str, str], named: bool,
             excluded: list[Exclusion], warnings: list[str]) -> None:
    """Apply the manifest's ``exclude`` and add the configuration folders beside ``found``
    that it does not name (or report why a folder is none), in place."""
    for folder, root, entry in list(found):
        if folder.name in skip and entry is None:
            excluded.append(Exclusion(folder.name, relative_path(folder, root),
                                      f"excluded by the manifest: {skip[folder.name]}"))
            found.remove((folder, root, entry))
        elif entry is not None and entry.name in skip:
            raise InputError(f"the manifest both names and excludes '{entry.name}'", entry.path)
    taken = {folder.resolve() for folder, _, _ in found}
    taken |= {Path(root, e.path).resolve() for root in roots for e in excluded}
    for root in dict.fromkeys(roots):
        if not root.is_dir() or root.resolve() in taken:
            continue
        for folder in layout.subfolders(root):
            if folder.resolve() in taken:
                continue
            if folder.name in skip:
                excluded.append(Exclusion(folder.name, relative_path(folder, root),
                                          f"excluded by the manifest: {skip[folder.name]}"))
            elif resolve_configuration_folder(folder) is not None:
                found.append((folder, root, None))
                if named:
                    warnings.append(
                        f"{folder.name}: not named in the manifest: read with the defaults "
                        f"(to leave it out, add exclude = [\"{folder.name}\"] to it)")
            elif (reason := why_not_configuration(folder)) is not None:
                excluded.append(Exclusion(folder.name, relative_path(folder, root), reason))
            elif _named_like(folder, found) and not _holds_any_file(folder):
                excluded.append(Exclusion(folder.name, relative_path(folder, root),
                                          "named like the configurations but holds no files: "
                                          "no run yet?"))
            taken.add(folder.resolve())
    for name in sorted(set(skip) - {e.item for e in excluded}):
        warnings.append(f"the manifest excludes '{name}', which is no configuration folder here")


def _once_each(found: list, warnings: list[str]) -> list:
    """Each folder once: given twice, or given and inside a tree also given, it is one
    configuration (read once, said so), never two with the same data. (A symbolic link
    to a folder is another path: the duplicate check of the sources names both.)"""
    first: dict[str, Path] = {}
    kept = []
    for item in found:
        key = os.path.normpath(os.path.abspath(item[0]))
        if key in first:
            also = "" if str(first[key]) == str(item[0]) else f" (also as {first[key]})"
            warnings.append(f"{item[0]}: given more than once{also}: read once")
            continue
        first[key] = item[0]
        kept.append(item)
    return kept


def _named_like(folder: Path, found: list) -> bool:
    """``config_99`` beside ``config_0``: the same name up to its trailing digits."""
    stem = folder.name.rstrip("0123456789")
    return stem != folder.name and any(f.name != f.name.rstrip("0123456789")
                                       and f.name.rstrip("0123456789") == stem
                                       for f, _, _ in found)


def _holds_any_file(folder: Path) -> bool:
    try:
        return any(p.is_file() for p in folder.rglob("*"))
    except OSError:
        return True  # unreadable: not known to be empty


def _root_for(folder: Path, given: list[Path], manifest: Manifest) -> Path:
    """The folder provenance is relative to: a given path or the manifest's folder above it."""
    for candidate in [*given, manifest.path.parent]:
        if candidate.is_dir() and folder.resolve().is_relative_to(candidate.resolve()):
            return candidate
    return folder.parent

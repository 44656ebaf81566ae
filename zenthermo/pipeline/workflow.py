"""Declarative workflow files (TOML) that ``zenthermo run`` accepts in place of options.

A workflow maps onto :class:`zenthermo.pipeline.config.RunConfig`
(:func:`workflow_config`); every key is optional::

    [inputs]
    paths = ["fe3pt/sources.json"]      # files, folders or glob patterns
    manifest = "zenthermo.toml"

    [physics]
    eos = "bm4"                  # bm3 bm4 bm5 vinet murnaghan
    vibrations = "auto"          # auto phonopy debye none
    debye_scaling = 0.617
    debye_x = 0.6667
    electronic = "auto"          # auto on off: thermal electronic free energy from the DOS
    phonon_interpolation = "auto"  # auto poly1..poly6 strain1..strain6

    [analysis]
    pressures_GPa = [0, 2, 4]
    tmin_K = 0
    tmax_K = 1000
    tstep_K = 1
    phase_diagram = true

    [methods]
    run = ["exact", "zenn"]
    seed = 0
    ensemble = 1                 # ZENN networks (seeds seed, seed+1, ...); >1: their mean

    [zenn]                       # TrainingSettings overrides, e.g.
    adam_epochs = 1500
    lbfgs_iterations = 300

    [uncertainty]                # error bars of the exact analysis (seed: [methods] seed)
    members = 100
    method = "both"              # bootstrap eos both
    ci = [2.5, 50, 97.5]

    [references]
    paths = ["measured_lcte.csv"]

    [calphad]
    tdb = "COST507.tdb"
    phase = "DIAMOND_A4"
    components = ["SI"]

    [output]
    dir = "zenthermo-out"
    title = "Fe3Pt Invar"

Paths: a relative input, manifest, reference or TDB path is resolved against the folder of
the workflow file; where nothing exists there, against the current working directory. Glob
patterns (``*``, ``?``, ``[``) are expanded (sorted; phonopy ``thermal_properties.yaml-<n>``
files in numeric order of n). The output folder is relative to the current working
directory. Unknown tables or keys are errors that name the file.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any

from zenthermo.errors import ConfigurationError, InputError
from zenthermo.io.tomlfile import read_toml
from zenthermo.pipeline.config import RunConfig

__all__ = ["FREE_TABLES", "SCHEMA", "read_workflow", "workflow_config"]

#: Table -> key -> (RunConfig field, expected Python types).
SCHEMA: dict[str, dict[str, tuple[str, tuple[type, ...]]]] = {
    "inputs": {"paths": ("inputs", (list,)), "manifest": ("manifest", (str,))},
    "physics": {"eos": ("eos", (str,)), "vibrations": ("vibrations", (str,)),
                "debye_scaling": ("debye_scaling", (int, float)),
                "debye_x": ("debye_x", (int, float)),
                "debye_volume": ("debye_volume", (str,)),
                "electronic": ("electronic", (str,)),
                "phonon_interpolation": ("phonon_interpolation", (str,))},
    "analysis": {"pressures_GPa": ("pressures_GPa", (list,)), "tmin_K": ("tmin_K", (int, float)),
                 "tmax_K": ("tmax_K", (int, float)), "tstep_K": ("tstep_K", (int, float)),
                 "phase_diagram": ("phase_diagram", (bool,))},
    "methods": {"run": ("methods", (list,)), "seed": ("seed", (int,)),
                "ensemble": ("zenn_ensemble", (int,))},
    "references": {"paths": ("references", (list,))},
    "calphad": {"tdb": ("tdb", (str,)), "phase": ("phase", (str,)),
                "components": ("components", (list,))},
    "output": {"dir": ("output_dir", (str,)), "title": ("title", (str,))},
    "uncertainty": {"members": ("uncertainty_members", (int,)),
                    "method": ("uncertainty_method", (str,)),
                    "ci": ("uncertainty_ci", (list,))},
}
#: Tables whose keys pass through (checked by the consumer).
FREE_TABLES = {"zenn": "zenn_settings"}


def read_workflow(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a workflow file into keyword arguments of :class:`RunConfig`.

    Returns only the fields the file sets (so that command-line options can override them).

    Raises
    ------
    InputError
        Missing or malformed file, unknown table or key, a value of the wrong type, a path
        that exists neither beside the workflow nor in the working directory.
    """
    file = Path(path)
    document = read_toml(file, "workflow")
    known = sorted([*SCHEMA, *FREE_TABLES])
    fields: dict[str, Any] = {}
    for table, values in document.items():
        if table in FREE_TABLES and isinstance(values, dict):
            fields[FREE_TABLES[table]] = _free_table(values, table, file)
            continue
        if table not in SCHEMA:
            raise InputError(f"unknown table [{table}]", file,
                             hint=f"known tables: {', '.join(known)}")
        if not isinstance(values, dict):
            raise InputError(f"[{table}] must be a table", file)
        for key, value in values.items():
            if key not in SCHEMA[table]:
                raise InputError(f"unknown key {key!r} in [{table}]", file,
                                 hint=f"known keys: {', '.join(SCHEMA[table])}")
            name, types = SCHEMA[table][key]
            if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
                raise InputError(f"[{table}] {key} has the wrong type ({type(value).__name__})",
                                 file, hint=f"expected {' or '.join(t.__name__ for t in types)}")
            fields[name] = value
    return _resolve(fields, file)


def _free_table(values: dict, table: str, file: Path) -> dict[str, Any]:
    from dataclasses import fields

    from zenthermo.landscape.settings import TrainingSettings

    allowed = {f.name for f in fields(TrainingSettings)} - {"seed", "device"}
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise InputError(f"unknown key(s) {unknown} in [{table}]", file,
                         hint=f"known keys: {', '.join(sorted(allowed))}")
    settings: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                                for k, v in values.items()}
    try:  # every value checked now, before any work
        TrainingSettings(**settings)
    except ConfigurationError as error:
        raise InputError(f"[{table}] {error.reason}", file, hint=error.hint) from None
    return settings


def _resolve(fields: dict[str, Any], file: Path) -> dict[str, Any]:
    base = file.resolve().parent
    if "inputs" in fields:
        fields["inputs"] = tuple(_expand(_strings(fields["inputs"], "inputs.paths", file),
                                         base, file))
    if "references" in fields:
        fields["references"] = tuple(
            _expand(_strings(fields["references"], "references.paths", file), base, file))
    for key in ("manifest", "tdb"):
        if key in fields:
            fields[key] = _expand([fields[key]], base, file)[0]
    if "pressures_GPa" in fields:
        values = fields["pressures_GPa"]
        if not values or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                 for v in values):
            raise InputError("[analysis] pressures_GPa must be a non-empty list of numbers",
                             file)
        fields["pressures_GPa"] = tuple(float(v) for v in values)
    for key, where in (("methods", "methods.run"), ("components", "calphad.components")):
        if key in fields:
            fields[key] = tuple(_strings(fields[key], where, file))
    if "uncertainty_ci" in fields:
        values = fields["uncertainty_ci"]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            raise InputError("[uncertainty] ci must be a list of three numbers", file)
        fields["uncertainty_ci"] = tuple(float(v) for v in values)
    for key in ("tmin_K", "tmax_K", "tstep_K", "debye_scaling", "debye_x"):
        if key in fields:
            fields[key] = float(fields[key])
    return fields


def _strings(values: list, where: str, file: Path) -> list[str]:
    if not all(isinstance(v, str) for v in values):
        raise InputError(f"{where} must be a list of strings", file)
    return list(values)


def _expand(patterns: list[str], base: Path, file: Path) -> list[str]:
    paths: list[str] = []
    for pattern in patterns:
        expanded = Path(pattern).expanduser()
        candidates = [expanded] if expanded.is_absolute() else [base / expanded, expanded]
        found: list[str] = []
        for candidate in candidates:
            if glob.has_magic(str(candidate)):
                found = sorted(glob.glob(str(candidate)))
            elif candidate.exists():
                found = [str(candidate)]
            if found:
                break
        if not found:
            tried = " or ".join(str(c) for c in candidates)
            raise InputError(f"path {pattern!r} matches nothing (tried {tried})", file,
                             hint="relative paths are resolved against the workflow's folder, "
                                  "then the current directory")
        paths += found  # the phonopy-qha reader pairs files by number
    return paths


def workflow_config(path: str | os.PathLike[str], **overrides: Any) -> RunConfig:
    """A :class:`RunConfig` from a workflow file and explicit overrides.

    Parameters
    ----------
    path : path-like
        The workflow file (TOML; see the module docstring).
    **overrides
        RunConfig fields that win over the file's values; a None value is ignored (so that
        unset command-line options leave the file's value).

    Returns
    -------
    RunConfig

    Raises
    ------
    InputError
        A missing or malformed file (see :func:`read_workflow`).
    ConfigurationError
        Values that RunConfig refuses, naming the file.
    """
    fields = read_workflow(path)
    fields.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return RunConfig(**fields)
    except ConfigurationError as error:
        raise ConfigurationError(error.reason, path, error.hint) from None

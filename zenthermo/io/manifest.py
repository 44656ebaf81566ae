"""The optional ingestion manifest ``zenthermo.toml`` (TOML, read with :mod:`tomllib`).

It sits at the root of a results tree (or is given with ``--manifest FILE``). Every key is
optional; unknown keys are an error naming the manifest file. Paths are relative to the
folder of the manifest.

Top level:

``moment_threshold`` (float, mu_B, default 0.5)
    Site moment below which a site counts as non-magnetic.
``symprec`` (float, Angstrom, default 0.01)
    Symmetry tolerance for the multiplicity.
``min_volumes`` (int, default 5)
    Fewest kept volumes a source may have (an equation of state needs five).
``allow_relaxation_energy``, ``merge_duplicates`` (bool, default false)
    As the ``ingest`` options of the same names (either turns the option on).
``exclude`` (list of folder names, or table: folder name -> reason)
    Configuration folders of the tree to leave out; each is recorded in the output as
    excluded, with the reason.
``[configurations.<name>]`` (tables)
    When present, these folders are the first configurations (sources), in this order,
    with the settings below. Every other configuration folder beside them is read too,
    with the defaults, and named in a warning, unless the top-level ``exclude`` leaves it
    out: naming some configurations never drops the others silently. Keys of each:

    ``path`` (str, default ``<name>``)
        The configuration folder.
    ``label`` (str)
        Name shown in reports.
    ``multiplicity`` (number > 0)
        g_k; replaces the one computed from symmetry (origin ``"manifest"``).
    ``moment_threshold`` (float, mu_B)
        Per-source threshold.
    ``structure`` (str)
        The ideal (unrelaxed, non-magnetic) cell whose space group defines the
        multiplicity; default: a POSCAR in the configuration folder, else the input
        POSCAR of the first volume, else its final CONTCAR.
    ``exclude`` (table: volume folder name -> reason)
        Volumes to leave out, with the reason recorded.

Example (``config_28``, not named, is read with the defaults)::

    moment_threshold = 0.5
    [configurations.config_0]
    label = "FM"
    [configurations.config_22]
    multiplicity = 12
    exclude = { vol_11 = "suspicious k-point convergence" }

To read only the named configurations, say so: ``exclude = ["config_28"]`` (or
``exclude = { config_28 = "not converged in k-points" }``) at the top.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zenthermo.errors import InputError
from zenthermo.io.tomlfile import read_toml

_TOP_KEYS = {"moment_threshold", "symprec", "min_volumes", "configurations", "exclude",
             "allow_relaxation_energy", "merge_duplicates"}
_CONFIG_KEYS = {"path", "label", "multiplicity", "moment_threshold", "structure", "exclude"}

MANIFEST_NAME = "zenthermo.toml"


@dataclass(frozen=True)
class ConfigurationEntry:
    """One ``[configurations.<name>]`` table, paths resolved."""

    name: str
    path: Path
    label: str | None = None
    multiplicity: float | None = None
    moment_threshold: float | None = None
    structure: Path | None = None
    exclude: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Manifest:
    """A parsed manifest (see module docstring)."""

    path: Path
    moment_threshold: float | None = None
    symprec: float | None = None
    min_volumes: int | None = None
    configurations: tuple[ConfigurationEntry, ...] = ()
    exclude: dict[str, str] = field(default_factory=dict)
    allow_relaxation_energy: bool = False
    merge_duplicates: bool = False

    def entry(self, name: str) -> ConfigurationEntry | None:
        for entry in self.configurations:
            if entry.name == name:
                return entry
        return None


def _number(value: Any, key: str, path: Path, positive: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"'{key}' must be a number, not {value!r}", path)
    if positive and not value > 0:
        raise InputError(f"'{key}' must be > 0, not {value!r}", path)
    return float(value)


def _string(value: Any, key: str, path: Path) -> str:
    if not isinstance(value, str) or not value:
        raise InputError(f"'{key}' must be a non-empty string, not {value!r}", path)
    return value


def _check_keys(table: dict, allowed: set[str], what: str, path: Path) -> None:
    unknown = set(table) - allowed
    if unknown:
        raise InputError(what.format(keys=", ".join(sorted(unknown))), path,
                         hint=f"allowed keys: {', '.join(sorted(allowed))}")


def _flag(data: dict, key: str, path: Path) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise InputError(f"'{key}' must be true or false, not {value!r}", path)
    return value


def _excluded_configurations(value: Any, path: Path) -> dict[str, str]:
    """The top-level ``exclude``: folder name -> reason."""
    if isinstance(value, list) and all(isinstance(v, str) and v for v in value):
        return {name: "listed in the manifest's exclude" for name in value}
    if isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in value.items()
    ):
        return dict(value)
    raise InputError(
        f"'exclude' must be a list of configuration folder names or a table of name = "
        f"\"reason\", not {value!r}", path)


def read_manifest(path: str | Path) -> Manifest:
    """Parse and check a manifest file.

    Raises
    ------
    InputError
        If the file is missing, not TOML, or has unknown keys or wrong types.
    """
    path = Path(path)
    data = read_toml(path, "manifest")
    _check_keys(data, _TOP_KEYS, "unknown manifest key(s) {keys}", path)
    base = path.parent
    threshold = data.get("moment_threshold")
    symprec = data.get("symprec")
    min_volumes = data.get("min_volumes")
    if min_volumes is not None and (
        isinstance(min_volumes, bool) or not isinstance(min_volumes, int) or min_volumes < 1
    ):
        raise InputError(f"'min_volumes' must be a positive integer, not {min_volumes!r}", path)
    configurations = data.get("configurations", {})
    if not isinstance(configurations, dict):
        raise InputError("'configurations' must be a table of tables", path)
    entries = []
    for name, table in configurations.items():
        if not isinstance(table, dict):
            raise InputError(f"'configurations.{name}' must be a table", path)
        _check_keys(table, _CONFIG_KEYS, f"unknown key(s) {{keys}} in [configurations.{name}]",
                    path)
        exclude = table.get("exclude", {})
        if not isinstance(exclude, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in exclude.items()
        ):
            raise InputError(
                f"'configurations.{name}.exclude' must map volume folder names to reasons", path
            )
        entries.append(
            ConfigurationEntry(
                name=name,
                path=base / _string(table.get("path", name), "path", path),
                label=_string(table["label"], "label", path) if "label" in table else None,
                multiplicity=(
                    _number(table["multiplicity"], "multiplicity", path)
                    if "multiplicity" in table else None
                ),
                moment_threshold=(
                    _number(table["moment_threshold"], "moment_threshold", path)
                    if "moment_threshold" in table else None
                ),
                structure=(
                    base / _string(table["structure"], "structure", path)
                    if "structure" in table else None
                ),
                exclude=dict(exclude),
            )
        )
    return Manifest(
        path=path,
        moment_threshold=(
            None if threshold is None else _number(threshold, "moment_threshold", path)
        ),
        symprec=None if symprec is None else _number(symprec, "symprec", path),
        min_volumes=min_volumes,
        configurations=tuple(entries),
        exclude=_excluded_configurations(data.get("exclude", []), path),
        allow_relaxation_energy=_flag(data, "allow_relaxation_energy", path),
        merge_duplicates=_flag(data, "merge_duplicates", path),
    )

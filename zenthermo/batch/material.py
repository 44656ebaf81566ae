"""One material of a batch: a name and the :class:`~zenthermo.pipeline.RunConfig` of its run.

A batch entry is a workflow (the tables and keys of ``workflows/README.md``) plus a name.
This module is the one place where the batch uses the workflow reader: an entry's tables
are checked, resolved and turned into a RunConfig by exactly the code that reads a workflow
file, so that a material runs as ``zenthermo run`` runs the same tables.
"""

from __future__ import annotations

import glob
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from zenthermo.errors import ConfigurationError, InputError, ZenthermoError
from zenthermo.pipeline import RunConfig

#: A material name is its folder name in OUT_DIR.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
#: Names that would collide with the batch's own outputs.
RESERVED_NAMES = frozenset({"batch.csv", "batch.parquet", "index.html"})
#: (table, key) of the workflow values that are paths (one string or a list of strings).
PATH_KEYS = (("inputs", "paths"), ("inputs", "manifest"), ("references", "paths"),
             ("calphad", "tdb"))


@dataclass(frozen=True)
class Material:
    """A batch entry, ready to run (``config``) or already known to fail (``error``).

    Attributes
    ----------
    name : str
        Folder name of its outputs (``OUT_DIR/<name>/``), unique in the batch.
    config : RunConfig or None
        The run; ``config.output_dir`` is ``OUT_DIR/<name>`` (absolute).
    error : str or None
        Why the entry cannot run (a bad key, a missing input path), in one line.
    """

    name: str
    config: RunConfig | None
    error: str | None = None

    @classmethod
    def from_config(cls, name: str, config: RunConfig) -> Material:
        """A material from a RunConfig built in Python (its output_dir is replaced later)."""
        check_name(name)
        return cls(name=name, config=config)

    def placed_in(self, out_dir: str | os.PathLike[str]) -> Material:
        """This material with its output folder set to ``out_dir/<name>`` (absolute)."""
        if self.config is None:
            return self
        target = str(Path(out_dir).resolve() / self.name)
        return replace(self, config=replace(self.config, output_dir=target))


def check_name(name: Any, origin: str | os.PathLike[str] | None = None) -> str:
    """``name`` if it can be a material's folder name, else a ConfigurationError."""
    if not isinstance(name, str) or not NAME_PATTERN.match(name) or name in RESERVED_NAMES:
        raise ConfigurationError(
            f"bad material name {name!r}", origin,
            hint="letters, digits and . _ + - (not first), not batch.csv/index.html")
    return name


def one_line(error: BaseException) -> str:
    """The reason of ``error`` on one line (a zenthermo error: file, reason and hint)."""
    if isinstance(error, ZenthermoError):
        text = f"{error.path}: {error.reason}" if error.path else error.reason
        return f"{text} (hint: {error.hint})" if error.hint else text
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


def material_from_tables(name: str, tables: Mapping[str, Any], base_dir: Path,
                         origin: str | os.PathLike[str] | None = None) -> Material:
    """A Material from workflow tables; a problem with them makes a failed Material.

    Relative paths resolve against ``base_dir`` (the batch file's folder), then against the
    current directory, as the paths of a workflow file resolve against its folder.
    """
    try:
        return Material(name=name, config=config_from_tables(name, tables, base_dir, origin))
    except ZenthermoError as error:
        return Material(name=name, config=None, error=one_line(error))


def config_from_tables(name: str, tables: Mapping[str, Any], base_dir: Path,
                       origin: str | os.PathLike[str] | None = None) -> RunConfig:
    """The RunConfig of workflow ``tables`` (output folder left at the default).

    Raises
    ------
    InputError, ConfigurationError
        What the workflow reader raises for the same tables in a workflow file, with the
        batch file (``origin``) and the material named instead of a workflow file.
    """
    import tomli_w

    from zenthermo.pipeline.workflow import read_workflow  # the one import of the workflow reader

    if "dir" in dict(tables.get("output") or {}):
        raise ConfigurationError(f"material {name!r}: [output] dir cannot be set in a batch",
                                 origin, hint="its outputs go to OUT_DIR/<name>")
    document = _absolute_paths(tables, base_dir)
    with tempfile.TemporaryDirectory(prefix="zenthermo-batch-") as folder:
        file = Path(folder) / f"{name}.toml"
        try:
            file.write_text(tomli_w.dumps(document), encoding="utf-8")
        except (TypeError, ValueError) as error:
            raise InputError(f"material {name!r}: a value is not a workflow value ({error})",
                             origin) from None
        try:
            fields = read_workflow(file)
            return RunConfig(**fields)
        except ZenthermoError as error:
            raise type(error)(f"material {name!r}: {error.reason}", origin,
                              error.hint) from None


def _absolute_paths(tables: Mapping[str, Any], base_dir: Path) -> dict[str, Any]:
    """A copy of ``tables`` whose relative paths are absolute (beside first, then cwd)."""
    document = {table: dict(values) if isinstance(values, Mapping) else values
                for table, values in tables.items()}
    for table, key in PATH_KEYS:
        values = document.get(table)
        if not isinstance(values, dict) or key not in values:
            continue
        value = values[key]
        if isinstance(value, str):
            values[key] = _absolute(value, base_dir)
        elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            values[key] = [_absolute(v, base_dir) for v in value]
    return document


def _absolute(pattern: str, base_dir: Path) -> str:
    path = Path(pattern).expanduser()
    if path.is_absolute():
        return str(path)
    beside, here = base_dir.resolve() / path, Path.cwd() / path
    for candidate in (beside, here):
        if glob.glob(str(candidate)) if glob.has_magic(str(candidate)) else candidate.exists():
            return str(candidate)
    return str(beside)


__all__ = ["Material", "check_name", "config_from_tables", "material_from_tables", "one_line"]

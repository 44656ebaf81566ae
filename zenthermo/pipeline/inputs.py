"""The inputs of a run: what the user pointed at, read into one :class:`SourceSet`.

A sources file is loaded as it is; result folders and phonopy-qha files are ingested (the
``thermal_properties.yaml-<n>`` files put in the numeric order phonopy pairs them in); no
input means the embedded Fe3Pt default. :func:`choose_methods` then says which landscapes
the sources allow.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zenthermo.data import load_default_sources
from zenthermo.errors import ConfigurationError, InputError
from zenthermo.io.schema import file_schema
from zenthermo.pipeline.config import METHODS, RunConfig
from zenthermo.progress import SILENT, Progress
from zenthermo.sources import SourceSet

__all__ = ["choose_methods", "load_inputs", "order_phonopy_inputs"]

_YAML_SUFFIX = re.compile(r"^thermal_properties\.yaml(?P<suffix>.*?)(\.(gz|bz2|xz))?$")


def order_phonopy_inputs(paths: Sequence[str]) -> list[str]:
    """Put ``thermal_properties.yaml-<n>`` files in numeric order of ``n`` after the others.

    The shell sorts ``thermal_properties.yaml-*`` as ``--1 --2 ... -0 -1 ...``; phonopy's
    documented command pairs ``e-v.dat`` rows with ``-5 ... -1, 0 ... 5``. Files without a
    numeric suffix keep their order; the ingestion checks the pairing against the volumes.
    """
    def key(item: tuple[int, str]) -> tuple[int, float, int]:
        index, path = item
        match = _YAML_SUFFIX.match(Path(path).name)
        if match is None:
            return (0, 0.0, index)
        suffix = match.group("suffix")
        number = suffix[1:] if suffix.startswith("-") else suffix
        try:
            return (1, float(number), index)
        except ValueError:
            return (1, float("inf"), index)

    return [path for _, path in sorted(enumerate(paths), key=key)]


def load_inputs(inputs: Sequence[str], manifest: str | None = None,
                progress: Progress | None = None, **options: Any) -> SourceSet:
    """A SourceSet from a sources file, result folders or phonopy-qha files.

    Parameters
    ----------
    inputs : sequence of str
        One sources file, or result folders / phonopy-qha files to ingest; empty: the
        embedded default :data:`~zenthermo.pipeline.config.DEFAULT_SOURCES`.
    manifest : str, optional
        A ``zenthermo.toml`` for the ingestion.
    progress : Progress, optional
    **options
        Passed to :func:`zenthermo.io.ingest.ingest` (``allow_relaxation_energy``,
        ``merge_duplicates``).

    Raises
    ------
    InputError
        A path that does not exist, or any error of the ingestion.
    """
    from zenthermo.io.sourcefile import load_sources

    progress = SILENT if progress is None else progress
    if not inputs:
        return load_default_sources()
    for path in inputs:
        if not Path(path).exists():
            raise InputError("input not found", path)
    if len(inputs) == 1 and Path(inputs[0]).is_file() \
            and file_schema(inputs[0]).startswith("zenthermo.sources"):
        return load_sources(inputs[0])
    from zenthermo.io.ingest import ingest

    return ingest(*order_phonopy_inputs(list(inputs)), manifest=manifest, progress=progress,
                  **options)


def choose_methods(config: RunConfig, source_set: SourceSet) -> tuple[tuple[str, ...], list[str]]:
    """The methods to run and notes on any left out (ZENN needs two volumes per source).

    Raises
    ------
    ConfigurationError
        ZENN asked for explicitly, but a source has fewer than two volumes.
    """
    notes: list[str] = []
    zenn_possible = all(len(s.points) >= 2 for s in source_set)
    if config.methods is None:
        methods = ["exact"]
        if zenn_possible:
            methods.append("zenn")
        else:
            notes.append("ZENN left out: a source has fewer than two volumes")
        return tuple(methods), notes
    if "zenn" in config.methods and not zenn_possible:
        raise ConfigurationError("ZENN needs at least two volumes in every source",
                                 hint="run with --methods exact")
    return tuple(m for m in METHODS if m in config.methods), notes

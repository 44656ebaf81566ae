"""The inputs of a run: what the user pointed at, read into one :class:`SourceSet`.

A sources file is loaded as it is; result folders and phonopy-qha files are ingested (the
reader pairs ``thermal_properties.yaml-<n>`` files with e-v.dat rows by number); no
input means the embedded Fe3Pt default. :func:`choose_methods` then says which landscapes
the sources allow.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from zenthermo.data import load_default_sources
from zenthermo.errors import ConfigurationError, InputError
from zenthermo.io.schema import file_schema
from zenthermo.pipeline.config import METHODS, RunConfig
from zenthermo.progress import SILENT, Progress
from zenthermo.sources import SourceSet

__all__ = ["choose_methods", "load_inputs"]

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

    return ingest(*inputs, manifest=manifest, progress=progress,
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

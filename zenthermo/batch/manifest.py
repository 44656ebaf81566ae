"""What a material's outputs were made from, so that an unchanged material is not re-run.

Every finished material folder holds ``batch-manifest.json`` (written last, atomically)::

    {"schema": "zenthermo.batch-manifest/1", "name": ..., "fingerprint": sha256,
     "options": {...RunConfig fields other than paths...},
     "inputs": [{"role": "inputs", "given": path, "files": {relative path: sha256}}, ...],
     "outputs": {relative path: size in bytes}, "rows": [headline rows], "wall_s": ...}

The fingerprint covers the content (sha256) of every file under every input, reference,
manifest and TDB path (the embedded default sources where no input is given), the options
and the zenthermo version; paths themselves are not in it, so a results tree that moves
keeps its fingerprint. A material is *up to date* when the manifest's fingerprint equals
the current one and every output it lists is there with its size.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from zenthermo.io.atomic import write_text_atomic
from zenthermo.io.compressed import file_sha256, sha256_hex
from zenthermo.pipeline import RunConfig

MANIFEST_NAME = "batch-manifest.json"
SCHEMA = "zenthermo.batch-manifest/1"
#: RunConfig fields holding paths: hashed by content, not by name.
PATH_FIELDS = ("inputs", "references", "manifest", "tdb")


def tree_hashes(path: str | os.PathLike[str]) -> dict[str, str]:
    """sha256 of a file (keyed by its name) or of every file under a folder (relative path)."""
    root = Path(path)
    if root.is_file():
        return {root.name: file_sha256(root)}
    hashes = {}
    for folder, subfolders, files in os.walk(root):
        subfolders.sort()
        for name in sorted(files):
            file = Path(folder) / name
            hashes[file.relative_to(root).as_posix()] = file_sha256(file)
    return hashes


#: The ``given`` of the input record of a run on the embedded default sources.
EMBEDDED_INPUT = "<embedded default sources>"


def embedded_input_record() -> dict[str, Any]:
    """The record of the embedded default sources (read by a run given no inputs)."""
    from zenthermo.data import default_sources_path

    resource = default_sources_path()
    files = {resource.name: sha256_hex(resource.read_bytes())} if resource.is_file() else {}
    return {"role": "inputs", "given": EMBEDDED_INPUT, "files": files}


def input_record(config: RunConfig) -> list[dict[str, Any]]:
    """Every path the run reads, with the content hash of each file under it."""
    record = [] if config.inputs else [embedded_input_record()]
    for role in PATH_FIELDS:
        value = getattr(config, role)
        paths = [value] if isinstance(value, str) else list(value or ())
        record += [{"role": role, "given": str(p), "files": tree_hashes(p)} for p in paths]
    return record


def options_record(config: RunConfig) -> dict[str, Any]:
    """The RunConfig fields that change results, JSON-ready (paths and output folder out)."""
    options = {}
    for item in dataclasses.fields(config):
        if item.name in PATH_FIELDS or item.name == "output_dir":
            continue
        value = getattr(config, item.name)
        options[item.name] = dict(value) if isinstance(value, Mapping) else value
    return json.loads(json.dumps(options, default=list))


def fingerprint(options: Mapping[str, Any], inputs: Sequence[Mapping[str, Any]]) -> str:
    """sha256 of the options, the input file contents and the zenthermo version."""
    from zenthermo import __version__

    content = {"zenthermo": __version__, "options": options,
               "inputs": [{"role": i["role"], "files": i["files"]} for i in inputs]}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return sha256_hex(text.encode("utf-8"))


def output_sizes(folder: str | os.PathLike[str]) -> dict[str, int]:
    """Size of every file under ``folder`` (relative path -> bytes), the manifest left out."""
    root = Path(folder)
    sizes = {}
    for file in sorted(root.rglob("*")):
        if file.is_file() and file.name != MANIFEST_NAME:
            sizes[file.relative_to(root).as_posix()] = file.stat().st_size
    return sizes


def read_manifest(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The manifest of a material folder, None where there is none or it is unreadable."""
    try:
        document = json.loads((Path(folder) / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) and document.get("schema") == SCHEMA else None


def is_up_to_date(folder: str | os.PathLike[str], current_fingerprint: str) -> dict | None:
    """The manifest if the folder was made from the same inputs and is complete, else None."""
    manifest = read_manifest(folder)
    if manifest is None or manifest.get("fingerprint") != current_fingerprint:
        return None
    outputs = manifest.get("outputs")
    if not isinstance(outputs, dict) or not outputs:
        return None
    root = Path(folder)
    for relative, size in outputs.items():
        file = root / relative
        if not file.is_file() or file.stat().st_size != size:
            return None
    return manifest


def write_manifest(folder: str | os.PathLike[str], name: str, options: Mapping[str, Any],
                   inputs: Sequence[Mapping[str, Any]], rows: Sequence[Mapping[str, Any]],
                   wall_s: float) -> Path:
    """Write the manifest of a finished material folder (atomically, after its outputs)."""
    document = {"schema": SCHEMA, "name": name, "fingerprint": fingerprint(options, inputs),
                "options": dict(options), "inputs": list(inputs),
                "outputs": output_sizes(folder), "rows": list(rows), "wall_s": wall_s}
    path = Path(folder) / MANIFEST_NAME
    write_text_atomic(path, json.dumps(document, indent=1, allow_nan=False) + "\n")
    return path


__all__ = ["EMBEDDED_INPUT", "MANIFEST_NAME", "SCHEMA", "embedded_input_record",
           "file_sha256", "fingerprint", "input_record", "is_up_to_date",
           "options_record", "output_sizes", "read_manifest", "tree_hashes", "write_manifest"]

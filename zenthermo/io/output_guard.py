"""The output rule: an output never destroys an input or a file zenthermo did not write.

Every command that writes (``-o``) checks its destination with one of these functions
before any work starts, so that a refusal costs nothing:

* an output may not equal, contain or sit inside any input (symbolic links resolved);
* an output *folder* is replaced as a whole only when it is absent, empty, or carries
  the marker file :data:`MARKER` that zenthermo writes into every folder it makes (so
  ``-o .``, the folder holding the user's files, is refused unless zenthermo made it);
* an output *file* replaces only a file zenthermo wrote (its first bytes name zenthermo:
  sources files, model files, TDB exports, tables); a folder is never overwritten by a
  file, a file never turned into a folder;
* the destination must be writable (checked up front, not after a long fit).

A refusal is a :class:`~zenthermo.errors.ConfigurationError` naming the path.
"""

from __future__ import annotations

import glob
import gzip
import os
from collections.abc import Iterable
from pathlib import Path

from zenthermo.errors import ConfigurationError

__all__ = ["MARKER", "check_output_file", "check_output_folder", "is_zenthermo_folder",
           "mark_output_folder", "written_by_zenthermo"]

#: The marker file in every folder zenthermo writes as a whole (hidden; a few bytes).
MARKER = ".zenthermo-output"
#: Bytes of a file read to tell whether zenthermo wrote it.
_SNIFF_BYTES = 65536
_WILDCARDS = ("*", "?", "[")

PathLike = str | os.PathLike[str]


def mark_output_folder(folder: PathLike) -> Path:
    """Write :data:`MARKER` into ``folder`` (which must exist); returns the marker's path."""
    from zenthermo import __version__

    marker = Path(folder) / MARKER
    marker.write_text(f"written by zenthermo {__version__}; zenthermo may replace this "
                      "folder as a whole\n", encoding="utf-8")
    return marker


def is_zenthermo_folder(folder: PathLike) -> bool:
    """True when ``folder`` carries :data:`MARKER` (zenthermo wrote it)."""
    return (Path(folder) / MARKER).is_file()


def written_by_zenthermo(path: PathLike) -> bool:
    """True when the file's first bytes (gzip read through) name zenthermo."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF_BYTES)
        if head[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as handle:
                head = handle.read(_SNIFF_BYTES)
    except (OSError, EOFError):
        return False
    return b"zenthermo" in head.lower()


def check_output_folder(output: PathLike, inputs: Iterable[PathLike | None] = (),
                        option: str = "-o") -> Path:
    """Refuse an output folder that zenthermo may not (re)place as a whole.

    Parameters
    ----------
    output : path
        The folder to be written (replaced as a whole).
    inputs : iterable of path
        Every file or folder the command reads (None entries are skipped; a glob pattern
        stands for the folder above its first wildcard).
    option : str
        The option that named ``output`` (for the message).

    Returns
    -------
    Path
        ``output`` with symbolic links resolved.

    Raises
    ------
    ConfigurationError
        The folder overlaps an input, is a file, holds files zenthermo did not write, or
        cannot be written.
    """
    given = Path(output)
    out = _resolved(given)
    _check_apart(out, given, inputs, option)
    if out.exists():
        if not out.is_dir():
            raise ConfigurationError(
                f"{option} names a file, not a folder; zenthermo will not replace a file by a "
                "folder", path=given, hint="choose a new folder name")
        if not is_zenthermo_folder(out) and any(out.iterdir()):
            where = " (the current folder)" if out == Path.cwd().resolve() else ""
            raise ConfigurationError(
                f"{option} names a folder{where} that holds files zenthermo did not write; "
                f"it would be replaced as a whole", path=given,
                hint="choose a new or empty folder (zenthermo marks its own output folders "
                f"with {MARKER})")
        _check_writable(out, given, option)
    _check_writable(_existing_parent(out.parent, given, option), given, option)
    return out


def check_output_file(output: PathLike, inputs: Iterable[PathLike | None] = (),
                      option: str = "-o") -> Path:
    """Refuse an output file that would overwrite an input, a folder or a foreign file.

    Same parameters and return value as :func:`check_output_folder`. An existing file is
    replaced only when zenthermo wrote it (:func:`written_by_zenthermo`).
    """
    given = Path(output)
    out = _resolved(given)
    _check_apart(out, given, inputs, option)
    if out.is_dir():
        raise ConfigurationError(f"{option} names a folder; this command writes a file",
                                 path=given, hint="give a file name, e.g. inside that folder")
    if out.exists():
        if not written_by_zenthermo(out):
            raise ConfigurationError(
                f"{option} names an existing file that zenthermo did not write; it would be "
                "overwritten", path=given, hint="choose a new file name or remove it yourself")
        _check_writable(out, given, option)
    _check_writable(_existing_parent(out.parent, given, option), given, option)
    return out


def _resolved(path: Path) -> Path:
    return Path(os.path.abspath(path)).resolve(strict=False)


def _input_paths(given: PathLike) -> list[Path]:
    """An input as resolved paths: a glob pattern stands for the files it matches."""
    text = os.fspath(given)
    if os.path.lexists(text) or not any(w in text for w in _WILDCARDS):
        return [_resolved(Path(text))]
    return [_resolved(Path(match)) for match in glob.glob(text)]


def _check_apart(out: Path, given: Path, inputs: Iterable[PathLike | None], option: str) -> None:
    for item in inputs:
        if item is None or str(item) == "":
            continue
        for source in _input_paths(item):
            _check_one(out, given, item, source, option)


def _check_one(out: Path, given: Path, item: PathLike, source: Path, option: str) -> None:
    if out == source:
        relation = "is the input"
    elif out.is_relative_to(source):
        relation = "sits inside the input"
    elif source.is_relative_to(out):
        relation = "contains the input"
    else:
        return
    raise ConfigurationError(f"{option} {relation} {item}; outputs never touch inputs",
                             path=given, hint="write the output outside every input")


def _existing_parent(folder: Path, given: Path, option: str) -> Path:
    """The nearest existing ancestor of ``folder`` (it must be a folder)."""
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise ConfigurationError(f"{option} lies below {folder}, which is a file, not a folder",
                                 path=given, hint="choose an output outside that file")
    return folder


def _check_writable(path: Path, given: Path, option: str) -> None:
    mode = os.W_OK | (os.X_OK if path.is_dir() else 0)
    if not os.access(path, mode):
        where = "" if path == _resolved(given) else f" ({path} is not writable)"
        raise ConfigurationError(f"{option} destination is read-only or not writable{where}",
                                 path=given, hint="choose a folder you can write to")

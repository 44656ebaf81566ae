"""Every input file is read here: decompression by content, text checks and the one hasher.

A file may be compressed with gzip, bzip2, xz or legacy lzma, or Unix ``compress`` (``.Z``):
the format is recognised from the first bytes of the file, never from its name, so an
``OUTCAR.gz`` that is plain text and an ``OSZICAR`` that is gzip are both read correctly.
Provenance records the SHA-256 of the bytes *as stored* (compressed bytes for a compressed
file), computed by :func:`sha256_hex` only.

Libraries that open files themselves (pymatgen's ``Vasprun`` and ``Oszicar``, ase's OUTCAR
reader) are handed a decompressed temporary copy by :func:`plain_copy` whenever the file
on disk is compressed or its name carries a compression suffix (which those libraries would
trust).
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import os
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from zenthermo.errors import InputError
from zenthermo.io import unix_compress
from zenthermo.sources import FileRecord

#: Name endings that mean "compressed" (case-insensitive); the content still decides.
COMPRESSION_SUFFIXES = (".gz", ".bz2", ".xz", ".lzma", ".z")

_BINARY_PROBE = 65536


def sha256_hex(data: bytes) -> str:
    """Hex SHA-256 of ``data``: the one hash of every provenance record."""
    return hashlib.sha256(data).hexdigest()


def compression_of(head: bytes) -> str | None:
    """The compression format that ``head`` (the first bytes of a file) starts, or None.

    >>> compression_of(b"\\x1f\\x8b\\x08")
    'gzip'
    >>> compression_of(b"vasp.6.4.3") is None
    True
    """
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    if head[:3] == b"BZh":
        return "bzip2"
    if head[:6] == b"\xfd7zXZ\x00":
        return "xz"
    if head[:2] == unix_compress.MAGIC:
        return "compress"
    if head[:1] == b"\x5d" and head[1:3] == b"\x00\x00":  # lzma-alone, default properties
        return "lzma"
    return None


def _decompress(raw: bytes, kind: str) -> bytes:
    if kind == "gzip":
        return gzip.decompress(raw)
    if kind == "bzip2":
        return bz2.decompress(raw)
    if kind in ("xz", "lzma"):
        return lzma.decompress(raw)
    return unix_compress.decompress(raw)


def strip_compression_suffix(name: str) -> str:
    """``name`` without a compression suffix (``OUTCAR.3static.gz`` -> ``OUTCAR.3static``)."""
    for suffix in COMPRESSION_SUFFIXES:
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Turn the OS errors of reading ``path`` into one-line InputErrors naming it."""
    try:
        yield
    except FileNotFoundError as error:
        raise InputError("file not found", path) from error
    except IsADirectoryError as error:
        raise InputError("is a folder, not a file", path) from error
    except OSError as error:
        raise InputError(f"cannot read the file ({error.strerror or error})", path) from error


def _raw_bytes(path: Path) -> bytes:
    with _reading(path):
        return path.read_bytes()


@dataclass(frozen=True)
class FileContent:
    """One file as read: its decompressed bytes, the SHA-256 of its stored bytes, and the
    compression found in it (None when stored plain)."""

    data: bytes
    sha256: str
    compression: str | None


def read_content(path: str | os.PathLike[str]) -> FileContent:
    """Read and decompress a file (see the module docstring).

    Raises
    ------
    InputError
        Missing or unreadable file (permission denied, a folder), or a compressed stream
        that is damaged or truncated.
    """
    file_path = Path(path)
    raw = _raw_bytes(file_path)
    digest = sha256_hex(raw)
    kind = compression_of(raw[:8])
    if kind is None:
        return FileContent(raw, digest, None)
    try:
        return FileContent(_decompress(raw, kind), digest, kind)
    except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError) as error:
        raise InputError(
            f"{kind}-compressed file is damaged or truncated ({error})", file_path,
            hint="copy the file again from where the calculation ran",
        ) from error


def read_bytes(path: str | os.PathLike[str]) -> tuple[bytes, str]:
    """The decompressed bytes of a file and the SHA-256 of its stored bytes."""
    content = read_content(path)
    return content.data, content.sha256


def decode_text(data: bytes, path: str | os.PathLike[str]) -> str:
    """``data`` as text: UTF-8, undecodable bytes replaced (VASP writes Latin-1 comments).

    Raises
    ------
    InputError
        When ``data`` is empty or blank, or binary (NUL bytes).
    """
    if not data or data.isspace():
        raise InputError("is empty", path)
    if b"\x00" in data[:_BINARY_PROBE]:
        raise InputError("is a binary file, not text", path)
    return data.decode("utf-8", errors="replace")


def read_text(path: str | os.PathLike[str]) -> tuple[str, str]:
    """Decompressed text of a file and the SHA-256 of its stored bytes.

    Raises
    ------
    InputError
        As :func:`read_content`, or when the file is empty or binary (:func:`decode_text`).
    """
    content = read_content(path)
    return decode_text(content.data, path), content.sha256


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of the stored bytes of ``path`` (as :func:`sha256_hex`), read in blocks.

    Raises
    ------
    InputError
        The file is missing, a folder or unreadable.
    """
    path = Path(path)
    with _reading(path), open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def file_record(path: str | os.PathLike[str], recorded_as: str | None = None) -> FileRecord:
    """Path and SHA-256 of the bytes of ``path`` as stored on disk (compressed if it is)."""
    return FileRecord(path=recorded_as if recorded_as is not None else str(path),
                      sha256=file_sha256(path))


@contextmanager
def plain_copy(path: Path, content: FileContent, name: str | None = None) -> Iterator[Path]:
    """A path holding the decompressed ``content`` of ``path``, for libraries that open
    files by name and trust the name's suffix.

    ``path`` itself when it is stored plain under a name without compression suffix;
    otherwise a copy in a private temporary folder (named ``name``, default the file's
    name without compression suffix), removed on exit.
    """
    if content.compression is None and strip_compression_suffix(path.name) == path.name:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="zenthermo-") as folder:
        copy = Path(folder) / (name or strip_compression_suffix(path.name))
        copy.write_bytes(content.data)
        yield copy

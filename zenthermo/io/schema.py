"""Which of zenthermo's own files a path holds, told by the ``schema`` near its start.

Sources files (``zenthermo.sources/...``) and summaries (``zenthermo.summary/...``) are JSON
that name their schema in the first few hundred bytes, plain or gzip-compressed (told by
the content, not the suffix), so a command can route a path without parsing the whole file.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

from zenthermo.errors import InputError

__all__ = ["file_schema"]

_GZIP_MAGIC = b"\x1f\x8b"
_HEAD_BYTES = 4096


def file_schema(path: str | os.PathLike[str]) -> str:
    """The ``schema`` string of a zenthermo JSON file, or ``""`` when it names none.

    Raises
    ------
    InputError
        The file cannot be read.
    """
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(_HEAD_BYTES)
        if head.startswith(_GZIP_MAGIC):
            with gzip.open(path, "rb") as handle:
                head = handle.read(_HEAD_BYTES)
    except (OSError, EOFError) as error:
        raise InputError(f"cannot read the file ({error})", path) from error
    text = head.decode("utf-8", errors="replace")
    marker = text.find('"schema"')
    if marker >= 0:
        rest = text[marker + len('"schema"'):].lstrip(" :\t\r\n")
        if rest.startswith('"'):
            return rest[1:].split('"', 1)[0]
    try:
        return str(json.loads(text).get("schema", ""))
    except (ValueError, AttributeError):
        return ""

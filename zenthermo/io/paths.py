"""Paths as zenthermo records them: relative to the folder that was read, in POSIX form.

Provenance (every file read, in sources files and exclusion records) names a file relative
to the root the user gave, so that a results tree can be moved or shared without its
records pointing into someone's home folder.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["relative_path"]


def relative_path(path: str | os.PathLike[str] | None, root: str | os.PathLike[str]) -> str:
    """``path`` relative to ``root`` (POSIX form), or as given when it is outside ``root``.

    Symbolic links and ``..`` are resolved before giving up; ``None`` gives ``""`` (no file).
    """
    if path is None:
        return ""
    path, root = Path(path), Path(root)
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        pass
    try:  # resolved only when needed: resolve() costs a system call per path component
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()

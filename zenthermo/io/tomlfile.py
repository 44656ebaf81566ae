"""zenthermo's own TOML inputs (manifests, workflow files) read with one set of error messages."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from zenthermo.errors import InputError

__all__ = ["read_toml"]


def read_toml(path: str | os.PathLike[str], kind: str) -> dict[str, Any]:
    """The parsed TOML document in ``path``.

    Parameters
    ----------
    path : path-like
    kind : str
        What the file is, for the messages (``"manifest"``, ``"workflow"``).

    Raises
    ------
    InputError
        The file does not exist, cannot be read, or is not valid TOML (naming the file).
    """
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise InputError(f"{kind} file does not exist", path) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the {kind} ({error})", path) from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"the {kind} is not valid TOML ({error})", path) from None

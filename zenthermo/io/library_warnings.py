"""Warnings of the libraries that read files (pymatgen, ase, spglib) as zenthermo notes.

Those libraries report doubtful input through Python warnings, which would otherwise reach
the terminal unformatted, once, and without saying which file they are about. The readers
run them inside :func:`captured` and keep what concerns the data as notes naming the file;
warnings about the libraries' own future (deprecations) are not about the data and are
dropped.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

_NOT_ABOUT_DATA = (DeprecationWarning, PendingDeprecationWarning, FutureWarning,
                   ImportWarning, ResourceWarning)


@contextmanager
def captured(notes: list[str], about: str, library: str) -> Iterator[list[str]]:
    """Record the warnings raised inside the block; append ``about: library: message``
    to ``notes`` for each distinct one that concerns the data.

    The yielded list receives the plain messages too, for callers that act on one.
    """
    messages: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield messages
        finally:
            for warning in caught:
                if issubclass(warning.category, _NOT_ABOUT_DATA):
                    continue
                message = " ".join(str(warning.message).split())
                if message not in messages:
                    messages.append(message)
    for message in messages:
        notes.append(f"{about}: {library}: {message}")

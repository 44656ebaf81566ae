"""Errors raised by zenthermo.

Every error that comes from bad input names the file (or object) at fault, the reason,
and, where there is one, what the user can do about it. The CLI prints ``str(error)`` in
one or two lines and exits non-zero.
"""

from __future__ import annotations

from os import PathLike


class ZenthermoError(Exception):
    """Base class of all zenthermo errors.

    Parameters
    ----------
    reason
        What is wrong, in one sentence.
    path
        The file or folder at fault, if any.
    hint
        What to do about it, if there is something to do.
    """

    def __init__(
        self, reason: str, path: str | PathLike[str] | None = None, hint: str | None = None
    ) -> None:
        self.reason = reason
        self.path = None if path is None else str(path)
        self.hint = hint
        super().__init__(self._message())

    def _message(self) -> str:
        head = f"{self.path}: {self.reason}" if self.path else self.reason
        return f"{head}\n  hint: {self.hint}" if self.hint else head


class InputError(ZenthermoError):
    """An input file or folder is missing, unreadable, truncated or inconsistent."""


class ConfigurationError(ZenthermoError):
    """Options or settings that contradict each other or are out of range."""


class DomainError(ZenthermoError):
    """A request falls outside the volume or temperature domain of a landscape or data."""


class FitError(ZenthermoError):
    """A fit (equation of state, network, polynomial) failed or is not trustworthy."""


class SchemaError(InputError):
    """A zenthermo file has an unknown or incompatible schema version."""

"""Lazy package attributes (PEP 562): a name is imported from its module on first use.

A package ``__init__`` lists what it offers and where each name lives; importing the
package then costs nothing, and ``from package import name`` still works::

    __getattr__, __dir__ = lazy_exports(__name__, {"fit_eos": "zenthermo.physics.eos"})
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, str],
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Module ``__getattr__`` and ``__dir__`` for ``package`` serving ``exports``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : mapping
        Public name -> the module that defines it (imported on first access; the value is
        then cached in the package's namespace).

    Returns
    -------
    (__getattr__, __dir__)
    """
    exports = dict(exports)

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook of PEP 562
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(exports[name]), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:  # noqa: N807 - the module hook of PEP 562
        return sorted({*vars(sys.modules[package]), *exports})

    return __getattr__, __dir__

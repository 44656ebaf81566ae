"""What the value of a numeric option must be: one table for the command line and workflows.

The command line (:func:`zenthermo.cli._options.check_option_values`) and a
:class:`~zenthermo.pipeline.config.RunConfig` built from a workflow file check the same
quantity by the same rule, each naming it in its own words (``--tstep`` or ``tstep_K``).
Imports nothing heavy, so that ``--help`` and option errors stay instant.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

__all__ = ["RULES", "finite", "integer", "non_negative", "positive", "problem"]


def _number(x: Any) -> bool:
    """A real number (Python's or numpy's), not a bool."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def finite(x: Any) -> bool:
    """A finite real number."""
    return _number(x) and math.isfinite(x)


def positive(x: Any) -> bool:
    """A finite real number > 0."""
    return finite(x) and x > 0


def non_negative(x: Any) -> bool:
    """A finite real number >= 0."""
    return finite(x) and x >= 0


def integer(x: Any) -> bool:
    """An integer (Python's or numpy's), not a bool."""
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _at_least_one(n: Any) -> bool:
    return _number(n) and n >= 1


#: quantity -> (test, what the value must be).
RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "pressure": (finite, "a finite pressure in GPa"),
    "tmin": (non_negative, "a temperature >= 0 K"),
    "tmax": (positive, "a temperature > 0 K"),
    "tstep": (positive, "a positive temperature step in K"),
    "debye_scaling": (positive, "a positive number"),
    "debye_x": (finite, "a finite number"),
    "moment_threshold": (positive, "a positive moment in mu_B"),
    "epochs": (_at_least_one, "at least 1"),
    "lbfgs": (non_negative, "0 or more"),
    "natoms": (_at_least_one, "at least 1"),
    "n_sources": (_at_least_one, "at least 1"),
    "seed": (non_negative, "0 or more"),
}


def problem(quantity: str, value: Any) -> str | None:
    """What ``value`` must be if it breaks the rule of ``quantity`` (a key of :data:`RULES`),
    else None."""
    test, wanted = RULES[quantity]
    return None if test(value) else wanted

"""Command-line options shared by several sub-commands (one definition, one parser each).

The physics options select the per-source recipe of
:func:`zenthermo.physics.free_energy.build_source_free_energies`; ``physics_options(args)``
turns the parsed values back into its keyword arguments. The choices and defaults come
from :mod:`zenthermo.physics.options`, which imports nothing heavy.

Values that may start with a minus sign (``--pressures -2,0,2``) are joined to their option
before parsing (``--pressures=-2,0,2``, argparse's documented spelling for such values) by
:func:`join_negative_values`, so they are never taken for unknown options.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from typing import Any

from zenthermo.errors import ConfigurationError
from zenthermo.option_rules import problem
from zenthermo.physics.options import (
    DEFAULT_DEBYE_VOLUME,
    DEFAULT_ELECTRONIC,
    DEFAULT_EOS,
    DEFAULT_INTERPOLATION,
    DEFAULT_SCALING,
    DEFAULT_VIBRATIONS,
    DEFAULT_X,
    ELECTRONIC_MODELS,
    EOS_KINDS,
    INTERPOLATION_FORMS,
    VIBRATION_MODELS,
    VOLUME_CONVENTIONS,
)

#: Options whose value may be a negative number or a comma-separated list of numbers.
NUMERIC_LIST_OPTIONS = ("--pressures",)
_NUMBER_LIST = re.compile(r"^-\.?\d[\d.,eE+-]*$")

#: (argparse dest, default, flag, help) of each physics option.
_PHYSICS = (
    ("eos", DEFAULT_EOS, "--eos", "equation of state for the static energies"),
    ("vibrations", DEFAULT_VIBRATIONS, "--vibrations",
     "vibrational free energy: phonopy where every point has phonons, else Debye (auto)"),
    ("debye_scaling", DEFAULT_SCALING, "--debye-scaling", "Debye-Grueneisen scaling s"),
    ("debye_x", DEFAULT_X, "--debye-x", "Debye-Grueneisen x in gamma = (1+B')/2 - x"),
    ("debye_volume", DEFAULT_DEBYE_VOLUME, "--debye-volume",
     "volume in the Debye-temperature prefactor: cell (as DFTTK) or atom (Moruzzi)"),
    ("electronic", DEFAULT_ELECTRONIC, "--electronic",
     "thermal electronic free energy from the electronic DOS: auto (where a source has it), "
     "on (every source must), off"),
    ("phonon_interpolation", DEFAULT_INTERPOLATION, "--phonon-interpolation",
     "F_vib between phonon volumes: auto (best at predicting left-out volumes), poly<d> "
     "(degree d in V) or strain<d> (in V^(-2/3)), d = 1..6"),
)
_CHOICES = {"eos": tuple(EOS_KINDS), "vibrations": VIBRATION_MODELS,
            "debye_volume": VOLUME_CONVENTIONS, "electronic": ELECTRONIC_MODELS,
            "phonon_interpolation": INTERPOLATION_FORMS}


def join_negative_values(argv: Sequence[str]) -> list[str]:
    """``["--pressures", "-2,0,2"]`` -> ``["--pressures=-2,0,2"]`` for the numeric options.

    argparse reads a token that starts with ``-`` and is not a plain number as an option;
    the ``--option=value`` form is always read as a value.
    """
    joined: list[str] = []
    tokens = list(argv)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if token in NUMERIC_LIST_OPTIONS and following is not None \
                and _NUMBER_LIST.match(following):
            joined.append(f"{token}={following}")
            index += 2
            continue
        joined.append(token)
        index += 1
    return joined


def parse_pressures(text: str) -> list[float]:
    """``"-2,0,2.5"`` -> [-2.0, 0.0, 2.5] (GPa); for argparse ``type=``."""
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"pressures must be comma-separated numbers in GPa, got {text!r}") from None
    if not values:
        raise argparse.ArgumentTypeError("no pressure given")
    if any(v != v or v in (float("inf"), float("-inf")) for v in values):
        raise argparse.ArgumentTypeError(f"pressures must be finite, got {text!r}")
    return values


def add_physics_options(parser: argparse.ArgumentParser, with_defaults: bool = True) -> None:
    """Add --eos, --vibrations, --debye-scaling, --debye-x, --debye-volume, --electronic,
    --phonon-interpolation.

    With ``with_defaults=False`` unset options stay None (so that a workflow file can
    supply them); the help text still names the default.
    """
    for dest, default, flag, text in _PHYSICS:
        kind = float if isinstance(default, float) else str
        parser.add_argument(flag, dest=dest, type=kind, choices=_CHOICES.get(dest),
                            default=default if with_defaults else None,
                            help=f"{text} ({default:.4g})" if kind is float
                            else f"{text} ({default})")


def physics_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments of ``build_source_free_energies`` given on the command line."""
    values = {dest: getattr(args, dest) for dest, *_ in _PHYSICS}
    return {key: value for key, value in values.items() if value is not None}


#: argparse dest -> (flag, quantity of :data:`zenthermo.option_rules.RULES`) for
#: :func:`check_option_values`.
_VALUE_RULES = {
    "debye_scaling": ("--debye-scaling", "debye_scaling"),
    "debye_x": ("--debye-x", "debye_x"),
    "tmin": ("--tmin", "tmin"),
    "tmax": ("--tmax", "tmax"),
    "tstep": ("--tstep", "tstep"),
    "moment_threshold": ("--moment-threshold", "moment_threshold"),
    "zenn_epochs": ("--zenn-epochs", "epochs"),
    "epochs": ("--epochs", "epochs"),
    "lbfgs": ("--lbfgs", "lbfgs"),
    "natoms": ("--natoms", "natoms"),
    "n_sources": ("--sources", "n_sources"),
    "seed": ("--seed", "seed"),
}


def check_option_values(args: argparse.Namespace) -> None:
    """Refuse option values that cannot be used, before any work (one line, naming the option).

    Checks every option of :data:`_VALUE_RULES` that the command has and that was given
    (None means "not given"), and that ``--tmin`` lies below ``--tmax``.

    Raises
    ------
    ConfigurationError
        E.g. ``--debye-scaling must be a positive number, got -1``.
    """
    for dest, (flag, quantity) in _VALUE_RULES.items():
        value = getattr(args, dest, None)
        wanted = None if value is None else problem(quantity, value)
        if wanted is not None:
            raise ConfigurationError(f"{flag} must be {wanted}, got {value:g}")
    tmin, tmax = getattr(args, "tmin", None), getattr(args, "tmax", None)
    if tmin is not None and tmax is not None and not tmin < tmax:
        raise ConfigurationError(f"--tmin ({tmin:g} K) must be below --tmax ({tmax:g} K)")


# -- error bars (zenthermo.uncertainty) ------------------------------------------------------
#: Uncertainty methods and the default percentiles, kept here so that --help imports nothing
#: of zenthermo.uncertainty (which loads the physics).
UNCERTAINTY_METHODS = ("bootstrap", "eos", "both")
DEFAULT_CI_TEXT = "2.5,50,97.5"


def parse_ci(text: str) -> tuple[float, float, float]:
    """``"2.5,50,97.5"`` -> (2.5, 50.0, 97.5): three ascending percentiles in (0, 100)."""
    try:
        values = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--ci must be three comma-separated percentiles, got {text!r}") from None
    if len(values) != 3 or not all(0.0 < v < 100.0 for v in values) \
            or not values[0] < values[1] < values[2]:
        raise argparse.ArgumentTypeError(
            f"--ci must be three ascending percentiles between 0 and 100, got {text!r} "
            "(e.g. 2.5,50,97.5)")
    return values[0], values[1], values[2]


def _members(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--uncertainty takes a number of members, got "
                                         f"{text!r}") from None
    if value < 2:
        raise argparse.ArgumentTypeError(f"--uncertainty needs at least 2 members, got {value} "
                                         "(use 100 or more for 95 % intervals)")
    return value


def add_uncertainty_options(parser: argparse.ArgumentParser, with_defaults: bool = True,
                            seed: bool = True) -> None:
    """Add --uncertainty N, --uncertainty-method, --ci (and --seed where ``seed``).

    With ``with_defaults=False`` unset options stay None (so that a workflow file can
    supply them); the help text still names the default.
    """
    parser.add_argument("--uncertainty", type=_members, default=None, metavar="N",
                        help="error bars from N resampled members of the exact analysis "
                        "(100 or more for 95 %% intervals; default: none)")
    parser.add_argument("--uncertainty-method", choices=UNCERTAINTY_METHODS,
                        default="both" if with_defaults else None,
                        help="what varies between members: bootstrap (the data's residuals), "
                        "eos (the equation of state, by Akaike weight) or both (both)")
    parser.add_argument("--ci", type=parse_ci, default=None, metavar="LO,MID,HI",
                        help=f"percentiles of the members reported ({DEFAULT_CI_TEXT})")
    if seed:
        parser.add_argument("--seed", type=int, default=0 if with_defaults else None,
                            help="seed of the members' random draws (0)")

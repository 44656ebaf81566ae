"""Command-line options shared by several sub-commands (one definition, one parser each).

The physics options select the per-source recipe of
:func:`zenthermo.physics.free_energy.build_source_free_energies`; ``physics_options(args)``
turns the parsed values back into its keyword arguments.
"""

from __future__ import annotations

import argparse
import re
from typing import Any

from zenthermo.physics.debye import DEFAULT_SCALING, DEFAULT_X, VOLUME_CONVENTIONS
from zenthermo.physics.eos import EOS_KINDS

VIBRATION_CHOICES = ("auto", "debye", "phonopy", "none")

#: (argparse dest, default, flag, help) of each physics option.
_PHYSICS = (
    ("eos", "bm4", "--eos", "equation of state for the static energies"),
    ("vibrations", "auto", "--vibrations",
     "vibrational free energy: phonopy where every point has phonons, else Debye (auto)"),
    ("debye_scaling", DEFAULT_SCALING, "--debye-scaling", "Debye-Grueneisen scaling s"),
    ("debye_x", DEFAULT_X, "--debye-x", "Debye-Grueneisen x in gamma = (1+B')/2 - x"),
    ("debye_volume", "cell", "--debye-volume",
     "volume in the Debye-temperature prefactor: cell (as DFTTK) or atom (Moruzzi)"),
)
_CHOICES = {"eos": tuple(EOS_KINDS), "vibrations": VIBRATION_CHOICES,
            "debye_volume": VOLUME_CONVENTIONS}


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


def allow_negative_values(parser: argparse.ArgumentParser) -> None:
    """Let ``--pressures -2,0,2`` through as a value instead of an unknown option."""
    parser._negative_number_matcher = re.compile(r"^-\.?\d[\d.,eE+-]*$")


def add_physics_options(parser: argparse.ArgumentParser, with_defaults: bool = True) -> None:
    """Add --eos, --vibrations, --debye-scaling, --debye-x, --debye-volume.

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

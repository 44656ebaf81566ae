"""A landscape from a file: a sources file (exact zentropy) or a trained model file.

    landscape = load_landscape("fe3pt.json")                 # ExactZentropy, default physics
    landscape = load_landscape("fe3pt.json", eos="vinet")    # physics options of the F_k
    landscape = load_landscape("zenn.pt")                    # a trained ZENN or DNN

Telling the two apart reads four bytes (a model file is torch's zip format, a sources file
JSON text), so loading a sources file never imports torch.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from zenthermo.errors import ConfigurationError, InputError

__all__ = ["LANDSCAPE_METHODS", "is_model_file", "landscape_notes", "load_landscape"]

#: The kinds of landscape: exact zentropy from sources, or a trained model.
LANDSCAPE_METHODS = ("exact", "zenn", "dnn")
_ZIP_MAGIC = b"PK\x03\x04"


def is_model_file(path: str | os.PathLike[str]) -> bool:
    """True if ``path`` is a file in torch's zip format (what ``save_model`` writes).

    Cheap: reads four bytes. zenthermo's other files (sources, summaries) are JSON text.
    A truncated model file still answers True, so that ``load_model`` reports it.
    """
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == _ZIP_MAGIC
    except OSError:
        return False


def load_landscape(path: str | os.PathLike[str], method: str | None = None,
                   **physics_options: Any) -> Any:
    """The landscape stored in ``path``.

    Parameters
    ----------
    path : path-like
        A sources file (``zenthermo ingest``, ``SourceSet.save``): the exact zentropy of its
        sources; or a model file (``zenthermo fit``, ``save_model``): the trained landscape.
    method : {"exact", "zenn", "dnn"}, optional
        The kind expected; None accepts what the file holds.
    **physics_options
        For a sources file: keyword arguments of
        :func:`~zenthermo.physics.free_energy.build_source_free_energies` (``eos``,
        ``vibrations``, ``debye_scaling``, ``debye_x``, ``debye_volume``). A model file
        brings its own physics and takes none.

    Returns
    -------
    Landscape
        :class:`~zenthermo.landscape.exact.ExactZentropy`, ``ZennLandscape`` or
        ``DnnLandscape``.

    Raises
    ------
    InputError
        Missing file, or neither a sources nor a model file.
    ConfigurationError
        ``method`` does not match the file, or physics options given for a model file.
    """
    path = Path(path)
    if method is not None and method not in LANDSCAPE_METHODS:
        raise ConfigurationError(f"unknown landscape method {method!r}",
                                 hint=f"choose one of {', '.join(LANDSCAPE_METHODS)}")
    if not path.exists():
        raise InputError("file not found", path=path)
    if is_model_file(path):
        from zenthermo.landscape.model_file import load_model

        landscape = load_model(path)
        if method is not None and method != landscape.method:
            raise ConfigurationError(
                f"method {method} asked for, but the model file holds a {landscape.method} "
                "model", path=path, hint="leave the method out for a model file")
        if physics_options:
            raise ConfigurationError(
                f"physics options ({', '.join(sorted(physics_options))}) apply to a sources "
                "file, not to a trained model", path=path)
        return landscape
    if method not in (None, "exact"):
        raise ConfigurationError(
            f"method {method} needs a trained model file, and this is not one",
            path=path, hint=f"train one with 'zenthermo fit --method {method}' first")
    from zenthermo.io.sourcefile import load_sources
    from zenthermo.landscape.exact import ExactZentropy

    return ExactZentropy.from_sources(load_sources(path), **physics_options)


def landscape_notes(landscape: Any) -> list[str]:
    """What a user must know about a landscape's numbers before reading them.

    Today: a model trained on a volume density knows F only up to a constant per
    temperature (its ``history["system_target"]`` is ``"density"``).
    """
    notes = []
    if getattr(landscape, "history", {}).get("system_target") == "density":
        notes.append("this model was trained on a volume density: its F is known only up to "
                     "a constant per temperature, so V(T), alpha, B_T, the transition and the "
                     "critical point are meaningful, absolute F, G, S and C_P are not")
    return notes

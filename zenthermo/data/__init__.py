"""The embedded default inputs, shipped inside the package as package data.

``fe3pt/sources.json`` is the Fe3Pt SourceSet (three magnetic configurations of a 12-atom
Fe9Pt3 cell, VASP/PBE) that ``zenthermo run`` analyses when it is given no inputs; the
``README.md`` beside it names its source and licence. The files are found with
:mod:`importlib.resources`, so they are there wherever zenthermo is installed (a wheel, an
editable install or a checkout)::

    from zenthermo.data import load_default_sources
    sources = load_default_sources()
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zenthermo.sources import SourceSet

#: Location of the default sources file inside this package (folder, file name).
DEFAULT_SOURCES_PARTS = ("fe3pt", "sources.json")


def default_sources_path() -> Traversable:
    """The embedded Fe3Pt sources file.

    Returns
    -------
    importlib.resources.abc.Traversable
        A :class:`pathlib.Path` for every ordinary installation (wheel, editable, checkout);
        only a package imported from a zip archive gives another Traversable, which
        :func:`load_default_sources` still reads.
    """
    return resources.files(__name__).joinpath(*DEFAULT_SOURCES_PARTS)


def load_default_sources() -> SourceSet:
    """Load the embedded Fe3Pt :class:`~zenthermo.sources.SourceSet`.

    Raises
    ------
    InputError
        The package data are missing (a broken installation).
    """
    from zenthermo.errors import InputError
    from zenthermo.io.sourcefile import load_sources

    resource = default_sources_path()
    if not resource.is_file():
        raise InputError("the embedded default data are missing", str(resource),
                         hint="reinstall zenthermo (the wheel ships them), or give input paths")
    with resources.as_file(resource) as path:
        return load_sources(path)


__all__ = ["DEFAULT_SOURCES_PARTS", "default_sources_path", "load_default_sources"]

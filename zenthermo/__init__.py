"""zenthermo: Helmholtz energy landscapes F(V,T) from first-principles configurations.

The top-level API::

    import zenthermo
    sources = zenthermo.ingest("results/")          # VASP / phonopy result folders -> SourceSet
    sources = zenthermo.load_sources("fe3pt.json")  # a saved SourceSet
"""

from __future__ import annotations

__version__ = "0.1.0"

from zenthermo.errors import ZenthermoError
from zenthermo.sources import Source, SourceSet, VolumePoint


def ingest(*paths, manifest=None, **options):
    """Read VASP and/or phonopy results into a checked :class:`SourceSet`.

    See :func:`zenthermo.io.ingest.ingest` for the layouts understood and the options.
    """
    from zenthermo.io.ingest import ingest as _ingest

    return _ingest(*paths, manifest=manifest, **options)


def load_sources(path):
    """Load a :class:`SourceSet` written by ``SourceSet.save`` or ``zenthermo ingest``."""
    from zenthermo.io.sourcefile import load_sources as _load

    return _load(path)


__all__ = [
    "Source",
    "SourceSet",
    "VolumePoint",
    "ZenthermoError",
    "__version__",
    "ingest",
    "load_sources",
]

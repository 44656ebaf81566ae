"""zenthermo: Helmholtz energy landscapes F(V,T) from first-principles configurations.

The top-level API (everything a notebook needs)::

    import zenthermo
    sources = zenthermo.ingest("results/")          # VASP / phonopy result folders -> SourceSet
    sources = zenthermo.load_sources("fe3pt.json")  # a saved SourceSet
    exact = zenthermo.ExactZentropy.from_sources(sources)
    analysis = zenthermo.analyze(exact, [0.0, 2.0])  # isobars, NTE windows, phase diagram
    zenn = zenthermo.ZennFitter(seed=0).fit(sources).landscape_
    landscape = zenthermo.load_landscape("fe3pt.json")   # or a model file: zenn.pt
    model = zenthermo.load_model("zenn.pt")

Names are imported on first use: ``import zenthermo`` loads neither torch nor pymatgen,
phonopy, matplotlib or pycalphad; ``ZennFitter`` and ``load_model`` bring torch in when
they are touched.
"""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING

from zenthermo._lazy import lazy_exports

if TYPE_CHECKING:
    from zenthermo.errors import ZenthermoError
    from zenthermo.sources import Source, SourceSet, VolumePoint

#: Public name -> the module that defines it (imported on first use: ``import zenthermo``
#: imports nothing else, so the console script's Ctrl-C handling starts at once).
_EXPORTS = {
    "Source": "zenthermo.sources",
    "SourceSet": "zenthermo.sources",
    "VolumePoint": "zenthermo.sources",
    "ZenthermoError": "zenthermo.errors",
    "ingest": "zenthermo.io.ingest",
    "load_sources": "zenthermo.io.sourcefile",
    "ExactZentropy": "zenthermo.landscape.exact",
    "analyze": "zenthermo.thermo.analysis",
    "ZennFitter": "zenthermo.landscape.train",
    "load_model": "zenthermo.landscape.model_file",
    "load_landscape": "zenthermo.landscape.loading",
}

__all__ = [
    "ExactZentropy",
    "Source",
    "SourceSet",
    "VolumePoint",
    "ZennFitter",
    "ZenthermoError",
    "__version__",
    "analyze",
    "ingest",
    "load_landscape",
    "load_model",
    "load_sources",
]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

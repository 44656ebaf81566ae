"""Free-energy landscapes F(V,T): exact zentropy, ZENN and a plain-DNN baseline.

Names are imported on first use: the exact landscape needs numpy only, the trained ones
(``ZennLandscape``, ``ZennFitter``, ``load_model``) bring torch in when they are touched.
"""

from __future__ import annotations

from zenthermo._lazy import lazy_exports

_EXPORTS = {
    "Landscape": "zenthermo.landscape.base",
    "FreeEnergyDerivatives": "zenthermo.landscape.base",
    "ExactZentropy": "zenthermo.landscape.exact",
    "load_landscape": "zenthermo.landscape.loading",
    "TrainingSettings": "zenthermo.landscape.settings",
    "ZennFitter": "zenthermo.landscape.train",
    "DnnFitter": "zenthermo.landscape.train",
    "ZennLandscape": "zenthermo.landscape.zenn",
    "DnnLandscape": "zenthermo.landscape.dnn",
    "load_model": "zenthermo.landscape.model_file",
    "save_model": "zenthermo.landscape.model_file",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

"""The trained-model file: one ``torch.save`` of plain data (schema ``zenthermo.model/2``).

It holds the weights and normalisation (the network's state dict), the architecture, the
training settings, source names and multiplicities (learned ones in system mode), natoms,
composition, the training domain and a training-history summary. Everything in it is a
tensor or a plain Python value, so it loads with ``torch.load(..., weights_only=True)``:
opening a model file never runs code from it.

A deep ensemble (:class:`~zenthermo.landscape.ensemble.EnsembleLandscape`) is one file whose
``ensemble`` key lists one such payload per member; it loads back as the ensemble.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np
import torch

from zenthermo.errors import InputError, SchemaError
from zenthermo.io.atomic import atomic_path
from zenthermo.landscape.dnn import DnnLandscape, DnnNetwork, make_dnn_normalisation
from zenthermo.landscape.ensemble import EnsembleLandscape
from zenthermo.landscape.features import Normalisation
from zenthermo.landscape.loading import is_model_file
from zenthermo.landscape.mlp import DTYPE
from zenthermo.landscape.zenn import ZennLandscape, ZennNetwork

__all__ = ["SCHEMA", "is_model_file", "load_model", "save_model"]

SCHEMA = "zenthermo.model/2"


def _plain(value):
    """Convert numpy scalars/arrays and tuples to plain Python values, recursively."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def save_model(landscape: ZennLandscape | DnnLandscape | EnsembleLandscape,
               path: str | os.PathLike[str]) -> None:
    """Write a trained landscape (or an ensemble of them) to ``path`` atomically (never a
    half-written file)."""
    from zenthermo import __version__

    if isinstance(landscape, EnsembleLandscape):
        payload = {"schema": SCHEMA, "zenthermo_version": __version__,
                   "method": landscape.method,
                   "ensemble": [_payload(member, __version__) for member in landscape.members]}
    else:
        payload = _payload(landscape, __version__)
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def _payload(landscape: ZennLandscape | DnnLandscape, version: str) -> dict:
    network = landscape.network
    if isinstance(network, ZennNetwork):  # a ZENN landscape
        architecture = {
            "n_sources": network.n_sources,
            "hidden": [int(w.shape[2]) for w in network.mlp.weights[:-1]],
            "activation": network.mlp.activation,
            "learn_multiplicities": isinstance(network.log_g, torch.nn.Parameter),
            "entropy_fluctuation_gamma": network.entropy_fluctuation_gamma,
        }
    else:
        architecture = {
            "hidden": [int(w.shape[2]) for w in network.mlp.weights[:-1]],
            "activation": network.mlp.activation,
        }
    return {
        "schema": SCHEMA,
        "zenthermo_version": version,
        "method": landscape.method,
        "mode": landscape.mode,
        "architecture": architecture,
        "state_dict": {k: v.detach().cpu().clone() for k, v in network.state_dict().items()},
        "settings": _plain(landscape.settings),
        "source_names": list(getattr(landscape, "source_names", ())),
        "trained_on": list(getattr(landscape, "trained_on", ())),
        "multiplicities": _plain(landscape.multiplicities),
        "natoms": int(landscape.natoms),
        "composition": _plain(landscape.composition),
        "volume_domain": list(map(float, landscape.volume_domain)),
        "temperature_domain": list(map(float, landscape.temperature_domain)),
        "history": _plain(landscape.history),
    }


def load_model(path: str | os.PathLike[str]) -> ZennLandscape | DnnLandscape | EnsembleLandscape:
    """Read a model file written by :func:`save_model` (on the CPU).

    Raises
    ------
    InputError
        Missing, truncated or not a zenthermo model file.
    SchemaError
        A model file of another schema version.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("model file not found", path=path)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError) as error:
        kind = "truncated or corrupt" if is_model_file(path) else "not a zenthermo model file"
        raise InputError(f"cannot read the model file: {kind} ({error.__class__.__name__})",
                         path=path, hint="re-create it with zenthermo fit") from None
    except Exception as error:  # noqa: BLE001 - unpickling refused: not our content
        raise InputError(f"not a zenthermo model file ({error.__class__.__name__})",
                         path=path) from None
    if not isinstance(payload, dict) or "schema" not in payload:
        raise InputError("not a zenthermo model file (no schema)", path=path)
    if payload["schema"] != SCHEMA:
        raise SchemaError(f"model file schema {payload['schema']!r} is not {SCHEMA!r}",
                          path=path, hint="re-create it with this version of zenthermo fit")
    try:
        if "ensemble" in payload:
            return EnsembleLandscape([_build(member) for member in payload["ensemble"]])
        return _build(payload)
    except (KeyError, RuntimeError, TypeError, ValueError) as error:
        raise InputError(f"inconsistent model file ({error.__class__.__name__}: {error})",
                         path=path) from None


def _build(payload: dict) -> ZennLandscape | DnnLandscape:
    arch = payload["architecture"]
    state = payload["state_dict"]
    common = {
        "natoms": payload["natoms"],
        "volume_domain": tuple(payload["volume_domain"]),
        "temperature_domain": tuple(payload["temperature_domain"]),
        "composition": payload["composition"],
        "mode": payload["mode"],
        "settings": payload["settings"],
        "history": payload["history"],
    }
    if payload["method"] == "zenn":
        k = int(arch["n_sources"])
        # t_low decides the number of network inputs, so it is read before building.
        norm = Normalisation(0.0, 1.0, 1.0, torch.zeros(k, 7, dtype=DTYPE),
                             torch.ones(k, dtype=DTYPE), torch.ones(k, dtype=DTYPE), 0.0,
                             float(state.get("norm.t_low", 0.0)))
        network = ZennNetwork(norm, torch.zeros(k, dtype=DTYPE), tuple(arch["hidden"]),
                              arch["activation"], bool(arch["learn_multiplicities"]),
                              arch["entropy_fluctuation_gamma"])
        network.load_state_dict(state, strict=True)
        return ZennLandscape(network, source_names=tuple(payload["source_names"]), **common)
    if payload["method"] == "dnn":
        norm = make_dnn_normalisation(0.0, 1.0, 1.0, torch.zeros(7, dtype=DTYPE), 1.0)
        dnn = DnnNetwork(norm, tuple(arch["hidden"]), arch["activation"])
        dnn.load_state_dict(state, strict=True)
        return DnnLandscape(dnn, trained_on=tuple(payload.get("trained_on", ())), **common)
    raise ValueError(f"unknown method {payload['method']!r}")

"""The ``uncertainty`` object of summary.json (schema ``zenthermo.summary/2``) and back.

    {"method": "both", "members": 100, "failed_members": 0, "ci": [2.5, 50, 97.5],
     "seed": 0,
     "critical_point": {"T_K": [lo, mid, hi], "P_GPa": [...], "V_A3": [...],
                        "present_fraction": f, "lost_members": n, "gained_members": n},
     "isobars": [{"P_GPa": P, "T_K": [...],
                  "V_A3": [[lo...], [mid...], [hi...]], "alpha_per_K": [[...] x 3],
                  "lcte_per_K": [[...] x 3], "B_GPa": ..., "Cp_eV_per_K": ...,
                  "probabilities": {"source": [[...] x 3]},
                  "nte_windows": [{"T_start_K": [lo, mid, hi], "T_end_K": [...],
                                   "alpha_min_per_K": [...], "present_fraction": f}],
                  "unmatched_window_fraction": f}],
     "coexistence": {"T_K": [...], "P_GPa": [[...] x 3], "present_fraction": [...]},
     "failures": {"reason": count}, "eos_weights": {"source": {"kind": w}},
     "eos_kind_counts": {"source": {"kind": n}}, "debye_spreads": {...},
     "warnings": ["..."]}

``critical_point`` is null when no phase diagram was asked for, ``coexistence`` null
without a coexistence line. Non-finite numbers are written as null and read back as NaN
(strict JSON, as the rest of summary.json). ``lcte_per_K`` is written for readers; it is
alpha / 3 and is not read back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from zenthermo.errors import SchemaError
from zenthermo.uncertainty.results import (
    CoexistenceInterval,
    CriticalPointInterval,
    IsobarIntervals,
    NteWindowInterval,
    UncertaintyResult,
)

__all__ = ["uncertainty_from_dict", "uncertainty_to_dict"]


def _number(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _numbers(values: Any) -> list:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 0:
        return _number(array)  # type: ignore[return-value]
    return [_numbers(row) for row in array] if array.ndim > 1 else [
        _number(v) for v in array]


def uncertainty_to_dict(result: UncertaintyResult) -> dict[str, Any]:
    """The JSON-ready ``uncertainty`` object (NaN already replaced by None)."""
    cp = result.critical_point
    return {
        "method": result.method,
        "members": int(result.members),
        "failed_members": int(result.failed_members),
        "ci": [float(c) for c in result.ci],
        "seed": int(result.seed),
        "critical_point": None if cp is None else {
            "T_K": _numbers(cp.T_K), "P_GPa": _numbers(cp.P_GPa), "V_A3": _numbers(cp.V_A3),
            "present_fraction": float(cp.present_fraction),
            "lost_members": int(cp.lost_members), "gained_members": int(cp.gained_members),
        },
        "isobars": [_isobar(i) for i in result.isobars],
        "coexistence": None if result.coexistence is None else {
            "T_K": _numbers(result.coexistence.T_K),
            "P_GPa": _numbers(result.coexistence.P_GPa),
            "present_fraction": _numbers(result.coexistence.present_fraction),
        },
        "failures": {str(k): int(v) for k, v in result.failures.items()},
        "eos_weights": {s: {k: float(w) for k, w in kinds.items()}
                        for s, kinds in result.eos_weights.items()},
        "eos_kind_counts": {s: {k: int(c) for k, c in kinds.items()}
                            for s, kinds in result.eos_kind_counts.items()},
        "debye_spreads": {name: dict(spread) for name, spread in result.debye_spreads.items()},
        "warnings": [str(w) for w in result.warnings],
    }


def _isobar(isobar: IsobarIntervals) -> dict[str, Any]:
    return {
        "P_GPa": float(isobar.P_GPa),
        "T_K": _numbers(isobar.T_K),
        "V_A3": _numbers(isobar.V_A3),
        "alpha_per_K": _numbers(isobar.alpha_per_K),
        "lcte_per_K": _numbers(isobar.lcte_per_K),
        "B_GPa": _numbers(isobar.B_GPa),
        "Cp_eV_per_K": _numbers(isobar.Cp_eV_per_K),
        "probabilities": {name: _numbers(p) for name, p in isobar.probabilities.items()},
        "nte_windows": [
            {"T_start_K": _numbers(w.T_start_K), "T_end_K": _numbers(w.T_end_K),
             "alpha_min_per_K": _numbers(w.alpha_min_per_K),
             "present_fraction": float(w.present_fraction)}
            for w in isobar.nte_windows
        ],
        "unmatched_window_fraction": float(isobar.unmatched_window_fraction),
    }


class _Reader:
    """Typed access to the decoded JSON with errors that say where the problem is."""

    def __init__(self, path: str | None) -> None:
        self.path = path

    def fail(self, where: str, what: str) -> SchemaError:
        return SchemaError(f"uncertainty object: {where}: {what}", path=self.path,
                           hint="the file is not a summary written by zenthermo (or damaged)")

    def get(self, obj: Any, key: str, where: str) -> Any:
        if not isinstance(obj, Mapping) or key not in obj:
            raise self.fail(where, f"missing key {key!r}")
        return obj[key]

    def array(self, obj: Any, key: str, where: str, shape: tuple[int | None, ...]) -> np.ndarray:
        raw = self.get(obj, key, where)
        try:
            array = np.array(_nan_for_none(raw), dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise self.fail(where, f"{key!r} is not an array of numbers") from error
        if array.ndim != len(shape) or any(
                want is not None and got != want
                for got, want in zip(array.shape, shape, strict=True)):
            raise self.fail(where, f"{key!r} has shape {array.shape}, expected {shape}")
        return array

    def number(self, obj: Any, key: str, where: str) -> float:
        value = self.get(obj, key, where)
        if value is None:
            return float("nan")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(where, f"{key!r} is not a number")
        return float(value)


def _nan_for_none(value: Any) -> Any:
    if value is None:
        return float("nan")
    if isinstance(value, list):
        return [_nan_for_none(v) for v in value]
    return value


def uncertainty_from_dict(data: Mapping[str, Any], path: str | None = None) -> UncertaintyResult:
    """Read an ``uncertainty`` object (from :func:`uncertainty_to_dict`) back.

    Raises
    ------
    SchemaError
        A missing key, or a value of the wrong type or shape (naming ``path``).
    """
    r = _Reader(path)
    ci = r.array(data, "ci", "top level", (3,))
    cp_data = r.get(data, "critical_point", "top level")
    critical = None
    if cp_data is not None:
        critical = CriticalPointInterval(
            T_K=r.array(cp_data, "T_K", "critical_point", (3,)),
            P_GPa=r.array(cp_data, "P_GPa", "critical_point", (3,)),
            V_A3=r.array(cp_data, "V_A3", "critical_point", (3,)),
            present_fraction=r.number(cp_data, "present_fraction", "critical_point"),
            lost_members=int(cp_data.get("lost_members", 0)),
            gained_members=int(cp_data.get("gained_members", 0)),
        )
    isobars = tuple(_read_isobar(r, entry, k)
                    for k, entry in enumerate(r.get(data, "isobars", "top level")))
    coexistence = None
    coex = data.get("coexistence")
    if coex is not None:
        T = r.array(coex, "T_K", "coexistence", (None,))
        coexistence = CoexistenceInterval(
            T_K=T, P_GPa=r.array(coex, "P_GPa", "coexistence", (3, T.size)),
            present_fraction=r.array(coex, "present_fraction", "coexistence", (T.size,)))
    return UncertaintyResult(
        method=str(r.get(data, "method", "top level")),
        members=int(r.number(data, "members", "top level")),
        failed_members=int(r.number(data, "failed_members", "top level")),
        ci=(float(ci[0]), float(ci[1]), float(ci[2])),
        seed=int(data.get("seed", 0)),
        critical_point=critical,
        isobars=isobars,
        coexistence=coexistence,
        failures={str(k): int(v) for k, v in dict(data.get("failures", {})).items()},
        eos_weights={s: {k: float(w) for k, w in dict(kinds).items()}
                     for s, kinds in dict(data.get("eos_weights", {})).items()},
        eos_kind_counts={s: {k: int(c) for k, c in dict(kinds).items()}
                         for s, kinds in dict(data.get("eos_kind_counts", {})).items()},
        debye_spreads={name: dict(spread)
                       for name, spread in dict(data.get("debye_spreads", {})).items()},
        warnings=tuple(str(w) for w in data.get("warnings", [])),
    )


def _read_isobar(r: _Reader, entry: Mapping[str, Any], k: int) -> IsobarIntervals:
    where = f"isobars[{k}]"
    T = r.array(entry, "T_K", where, (None,))
    band = (3, T.size)
    windows = tuple(
        NteWindowInterval(
            T_start_K=r.array(w, "T_start_K", f"{where}.nte_windows[{j}]", (3,)),
            T_end_K=r.array(w, "T_end_K", f"{where}.nte_windows[{j}]", (3,)),
            alpha_min_per_K=r.array(w, "alpha_min_per_K", f"{where}.nte_windows[{j}]", (3,)),
            present_fraction=r.number(w, "present_fraction", f"{where}.nte_windows[{j}]"),
        )
        for j, w in enumerate(r.get(entry, "nte_windows", where))
    )
    probabilities = {
        str(name): r.array(entry["probabilities"], name, f"{where}.probabilities", band)
        for name in dict(entry.get("probabilities", {}))
    }
    return IsobarIntervals(
        P_GPa=r.number(entry, "P_GPa", where), T_K=T,
        V_A3=r.array(entry, "V_A3", where, band),
        alpha_per_K=r.array(entry, "alpha_per_K", where, band),
        B_GPa=r.array(entry, "B_GPa", where, band),
        Cp_eV_per_K=r.array(entry, "Cp_eV_per_K", where, band),
        probabilities=probabilities, nte_windows=windows,
        unmatched_window_fraction=float(entry.get("unmatched_window_fraction", 0.0)),
    )

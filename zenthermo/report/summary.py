"""summary.json (schema ``zenthermo.summary/2``): every number of an :class:`Analysis`.

summary.json holds everything needed to rebuild the Analysis losslessly
(:func:`read_summary`); the CSV tables for spreadsheets and plotting programs are written by
:mod:`zenthermo.report.tables`. Both sit with the report layer: they write (and read back)
results of the analysis, so they may import :mod:`zenthermo.thermo`.

Layout of summary.json (units in the key names; energies and volumes per cell)::

    schema, zenthermo_version, method, natoms, composition, volume_domain,
    temperature_domain,
    configurations: [{name, label, multiplicity, magnetic_order, E0_eV, V0_A3, B0_GPa,
                      B0_prime}],
    isobars: [{P_GPa, T_K, V_A3, G_eV, F_eV, S_eV_per_K, H_eV, Cp_eV_per_K, Cv_eV_per_K,
               B_GPa, alpha_per_K (volumetric), lcte_per_K, extrapolated,
               near_edge (optional; within the last data spacing of an end),
               probabilities: {name: [...]},
               nte_windows: [{T_start_K, T_end_K, alpha_min_per_K, T_alpha_min_K,
                              open_start, open_end}],
               metastable: {T_K, V_A3, G_eV} | null}],
    phase_diagram_computed (optional, default true; false with --no-phase-diagram),
    critical_point: {T_K, P_GPa, V_A3} | null,
    coexistence: {T_K, P_GPa, V_low_A3, V_high_A3},
    spinodal: {T_K, V_A3, P_GPa,                       # one closed dome path
               T_branches_K, V_low_A3, V_high_A3, P_low_GPa, P_high_GPa},  # per T
    uncertainty: {method, members, failed_members, ci, critical_point, isobars, ...} | null

Schema ``/2`` adds ``uncertainty``: the error bars of the analysis
(:mod:`zenthermo.uncertainty.encoding` lists its keys), null without them. Every other key
holds the plain (non-resampled) analysis, as in ``/1``. :func:`read_summary` reads both
``zenthermo.summary/1`` and ``/2`` files; :func:`read_uncertainty` gives the error bars
(None for a ``/1`` file or a ``/2`` file without them).

Conventions:

* Without a first-order transition ``critical_point`` is null and ``coexistence`` and
  ``spinodal`` are objects whose lists are all empty (the keys are always there); an
  empty list reads back as None in the :class:`PhaseDiagram`.
* The spinodal dome path runs up the low-volume branch in increasing T, through the
  critical point (when there is one above the last spinodal temperature), and back down
  the high-volume branch; the per-T branch arrays are what :func:`read_summary` rebuilds
  the :class:`Spinodal` from.
* Non-finite numbers (NaN, and infinities) are written as JSON ``null`` and read back as
  NaN; the file is strict JSON. In ``volume_domain`` and ``temperature_domain`` a null
  is an unbounded end (read back as -inf / +inf), e.g. the Debye model's T up to infinity.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from zenthermo.errors import InputError, SchemaError
from zenthermo.io.atomic import write_text_atomic
from zenthermo.thermo.results import (
    Analysis,
    Coexistence,
    ConfigurationSummary,
    CriticalPoint,
    Isobar,
    MetastableBranch,
    NteWindow,
    PhaseDiagram,
    Spinodal,
)

__all__ = ["ISOBAR_ARRAYS", "READABLE_SCHEMAS", "SCHEMA", "read_summary", "read_uncertainty",
           "summary_dict", "write_summary"]

SCHEMA = "zenthermo.summary/2"
#: Schemas :func:`read_summary` reads: /1 (before error bars) and /2.
READABLE_SCHEMAS = ("zenthermo.summary/1", SCHEMA)

#: Isobar arrays written as numbers, in this order (also the CSV column order after T_K).
ISOBAR_ARRAYS = ("V_A3", "G_eV", "F_eV", "S_eV_per_K", "H_eV", "Cp_eV_per_K", "Cv_eV_per_K",
                 "B_GPa", "alpha_per_K")


# ----------------------------------------------------------------------------- writing
def _number(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _numbers(values: Any) -> list[float | None]:
    return [_number(v) for v in np.asarray(values, dtype=np.float64).ravel()]


def summary_dict(analysis: Analysis, uncertainty: Any = None) -> dict[str, Any]:
    """The JSON-ready content of summary.json (NaN already replaced by None).

    ``uncertainty`` (a :class:`~zenthermo.uncertainty.UncertaintyResult` of ``analysis``,
    or None) becomes the top-level ``uncertainty`` object; the other keys stay the plain
    analysis.
    """
    from zenthermo import __version__

    error_bars = None
    if uncertainty is not None:
        from zenthermo.uncertainty.encoding import uncertainty_to_dict

        error_bars = uncertainty_to_dict(uncertainty)

    return {
        "schema": SCHEMA,
        "zenthermo_version": __version__,
        "method": analysis.method,
        "natoms": int(analysis.natoms),
        "composition": {str(k): int(v) for k, v in dict(analysis.composition).items()},
        "volume_domain": _numbers(analysis.volume_domain),
        "temperature_domain": _numbers(analysis.temperature_domain),  # unbounded end: null
        "configurations": [_configuration(c) for c in analysis.configurations],
        "isobars": [_isobar(i) for i in analysis.isobars],
        **_phase_diagram(analysis.phase_diagram),
        "uncertainty": error_bars,
    }


def _configuration(c: ConfigurationSummary) -> dict[str, Any]:
    return {
        "name": c.name, "label": c.label, "multiplicity": _number(c.multiplicity),
        "magnetic_order": c.magnetic_order, "E0_eV": _number(c.E0_eV),
        "V0_A3": _number(c.V0_A3), "B0_GPa": _number(c.B0_GPa),
        "B0_prime": _number(c.B0_prime),
    }


def _isobar(isobar: Isobar) -> dict[str, Any]:
    entry: dict[str, Any] = {"P_GPa": float(isobar.P_GPa), "T_K": _numbers(isobar.T_K)}
    entry.update({name: _numbers(getattr(isobar, name)) for name in ISOBAR_ARRAYS})
    entry["lcte_per_K"] = _numbers(isobar.lcte_per_K)
    entry["extrapolated"] = [bool(x) for x in np.asarray(isobar.extrapolated).ravel()]
    entry["near_edge"] = [bool(x) for x in np.asarray(isobar.near_edge).ravel()]
    entry["probabilities"] = {str(k): _numbers(v) for k, v in isobar.probabilities.items()}
    entry["nte_windows"] = [
        {"T_start_K": _number(w.T_start_K), "T_end_K": _number(w.T_end_K),
         "alpha_min_per_K": _number(w.alpha_min_per_K),
         "T_alpha_min_K": _number(w.T_alpha_min_K),
         "open_start": bool(w.open_start), "open_end": bool(w.open_end)}
        for w in isobar.nte_windows
    ]
    m = isobar.metastable
    entry["metastable"] = None if m is None else {
        "T_K": _numbers(m.T_K), "V_A3": _numbers(m.V_A3), "G_eV": _numbers(m.G_eV)}
    return entry


def _phase_diagram(diagram: PhaseDiagram) -> dict[str, Any]:
    cp = diagram.critical_point
    critical = None if cp is None else {
        "T_K": _number(cp.T_K), "P_GPa": _number(cp.P_GPa), "V_A3": _number(cp.V_A3)}
    co = diagram.coexistence
    coexistence: dict[str, list[float | None]] = {
        key: [] for key in ("T_K", "P_GPa", "V_low_A3", "V_high_A3")}
    if co is not None:
        coexistence = {"T_K": _numbers(co.T_K), "P_GPa": _numbers(co.P_GPa),
                       "V_low_A3": _numbers(co.V_low_A3), "V_high_A3": _numbers(co.V_high_A3)}
    return {"phase_diagram_computed": bool(diagram.computed),
            "critical_point": critical, "coexistence": coexistence,
            "spinodal": _spinodal(diagram.spinodal, cp)}


def _spinodal(sp: Spinodal | None, cp: CriticalPoint | None) -> dict[str, Any]:
    keys = ("T_K", "V_A3", "P_GPa", "T_branches_K", "V_low_A3", "V_high_A3", "P_low_GPa",
            "P_high_GPa")
    if sp is None:
        return {key: [] for key in keys}
    T = np.asarray(sp.T_K, dtype=np.float64)
    order = np.argsort(T, kind="stable")
    path_T = [T[order], T[order][::-1]]
    path_V = [np.asarray(sp.V_low_A3)[order], np.asarray(sp.V_high_A3)[order][::-1]]
    path_P = [np.asarray(sp.P_low_GPa)[order], np.asarray(sp.P_high_GPa)[order][::-1]]
    if cp is not None and (T.size == 0 or np.nanmax(T) < cp.T_K):
        path_T.insert(1, np.array([cp.T_K]))
        path_V.insert(1, np.array([cp.V_A3]))
        path_P.insert(1, np.array([cp.P_GPa]))
    return {
        "T_K": _numbers(np.concatenate(path_T)), "V_A3": _numbers(np.concatenate(path_V)),
        "P_GPa": _numbers(np.concatenate(path_P)),
        "T_branches_K": _numbers(sp.T_K), "V_low_A3": _numbers(sp.V_low_A3),
        "V_high_A3": _numbers(sp.V_high_A3), "P_low_GPa": _numbers(sp.P_low_GPa),
        "P_high_GPa": _numbers(sp.P_high_GPa),
    }


def write_summary(analysis: Analysis, path: str | os.PathLike[str],
                  uncertainty: Any = None) -> Path:
    """Write ``analysis`` (and its error bars ``uncertainty``, optional) as summary.json
    (strict JSON, atomically); returns the path."""
    text = json.dumps(summary_dict(analysis, uncertainty), indent=1, allow_nan=False)
    write_text_atomic(path, text + "\n")
    return Path(path)


# ----------------------------------------------------------------------------- reading
class _Reader:
    """Checked access to the parsed JSON, naming the file and the key path on error."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def get(self, obj: Mapping[str, Any], key: str, where: str) -> Any:
        if not isinstance(obj, Mapping) or key not in obj:
            raise SchemaError(f"summary file lacks '{key}' in {where}", path=self.path,
                              hint="write it again with this version of zenthermo")
        return obj[key]

    def array(self, obj: Mapping[str, Any], key: str, where: str) -> np.ndarray:
        values = self.get(obj, key, where)
        if not isinstance(values, list):
            raise SchemaError(f"'{key}' in {where} is not a list", path=self.path)
        try:
            return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise SchemaError(f"'{key}' in {where} holds a non-number: {error}",
                              path=self.path) from None

    def number(self, obj: Mapping[str, Any], key: str, where: str) -> float:
        value = self.get(obj, key, where)
        return float("nan") if value is None else float(value)

    def optional_number(self, obj: Mapping[str, Any], key: str) -> float | None:
        value = obj.get(key)
        return None if value is None else float(value)


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("summary file not found", path=path) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"cannot read summary file: {error}", path=path) from None
    schema = data.get("schema") if isinstance(data, dict) else None
    if schema not in READABLE_SCHEMAS:
        raise SchemaError(f"schema is {schema!r}, expected one of {list(READABLE_SCHEMAS)}",
                          path=path, hint="this file was not written by this version of "
                                          "zenthermo")
    return data


def read_uncertainty(path: str | os.PathLike[str]) -> Any:
    """The error bars (:class:`~zenthermo.uncertainty.UncertaintyResult`) in a summary file,
    None where it has none (a ``/1`` file, or ``"uncertainty": null``).

    Raises
    ------
    InputError, SchemaError
        As :func:`read_summary`; a malformed ``uncertainty`` object is a SchemaError.
    """
    path = Path(path)
    data = _load(path).get("uncertainty")
    if data is None:
        return None
    from zenthermo.uncertainty.encoding import uncertainty_from_dict

    return uncertainty_from_dict(data, path=str(path))


def read_summary(path: str | os.PathLike[str]) -> Analysis:
    """Rebuild the :class:`Analysis` written by :func:`write_summary` (schema /1 or /2).

    Raises
    ------
    InputError
        The file is missing or not JSON.
    SchemaError
        Another schema, or a key missing.
    """
    path = Path(path)
    data = _load(path)
    r = _Reader(path)
    configurations = tuple(
        ConfigurationSummary(
            name=str(r.get(c, "name", "configurations")),
            multiplicity=r.number(c, "multiplicity", "configurations"),
            magnetic_order=str(r.get(c, "magnetic_order", "configurations")),
            E0_eV=r.optional_number(c, "E0_eV"), V0_A3=r.optional_number(c, "V0_A3"),
            B0_GPa=r.optional_number(c, "B0_GPa"), B0_prime=r.optional_number(c, "B0_prime"),
            label=str(c.get("label", "")),
        )
        for c in r.get(data, "configurations", "the file")
    )
    isobars = tuple(_read_isobar(r, entry, n) for n, entry in
                    enumerate(r.get(data, "isobars", "the file")))
    volume = _domain(r.array(data, "volume_domain", "the file"))
    temperature = _domain(r.array(data, "temperature_domain", "the file"))
    return Analysis(
        method=str(r.get(data, "method", "the file")),
        natoms=int(r.get(data, "natoms", "the file")),
        configurations=configurations,
        isobars=isobars,
        phase_diagram=_read_phase_diagram(r, data),
        volume_domain=(float(volume[0]), float(volume[1])),
        temperature_domain=(float(temperature[0]), float(temperature[1])),
        composition={str(k): int(v) for k, v in dict(data.get("composition") or {}).items()},
    )


def _domain(values: np.ndarray) -> np.ndarray:
    """A domain [low, high] where null (read as NaN) stands for an unbounded end."""
    low = -np.inf if np.isnan(values[0]) else values[0]
    high = np.inf if np.isnan(values[1]) else values[1]
    return np.array([low, high])


def _read_isobar(r: _Reader, entry: Mapping[str, Any], n: int) -> Isobar:
    where = f"isobars[{n}]"
    arrays = {name: r.array(entry, name, where) for name in ("T_K", *ISOBAR_ARRAYS)}
    probabilities = {str(k): r.array(r.get(entry, "probabilities", where), k, where)
                     for k in r.get(entry, "probabilities", where)}
    windows = tuple(
        NteWindow(
            T_start_K=r.number(w, "T_start_K", where), T_end_K=r.number(w, "T_end_K", where),
            alpha_min_per_K=r.number(w, "alpha_min_per_K", where),
            T_alpha_min_K=r.number(w, "T_alpha_min_K", where),
            open_start=bool(w.get("open_start", False)), open_end=bool(w.get("open_end", False)),
        )
        for w in r.get(entry, "nte_windows", where)
    )
    m = entry.get("metastable")
    metastable = None if m is None else MetastableBranch(
        T_K=r.array(m, "T_K", where), V_A3=r.array(m, "V_A3", where),
        G_eV=r.array(m, "G_eV", where))
    return Isobar(
        P_GPa=float(r.get(entry, "P_GPa", where)),
        extrapolated=np.array(r.get(entry, "extrapolated", where), dtype=bool),
        near_edge=np.array(entry.get("near_edge", []), dtype=bool),
        probabilities=probabilities, nte_windows=windows, metastable=metastable, **arrays,
    )


def _read_phase_diagram(r: _Reader, data: Mapping[str, Any]) -> PhaseDiagram:
    cp = r.get(data, "critical_point", "the file")
    critical = None if cp is None else CriticalPoint(
        T_K=r.number(cp, "T_K", "critical_point"), P_GPa=r.number(cp, "P_GPa", "critical_point"),
        V_A3=r.number(cp, "V_A3", "critical_point"))
    co = r.get(data, "coexistence", "the file")
    coexistence = None
    if co is not None and len(r.get(co, "T_K", "coexistence")) > 0:
        coexistence = Coexistence(**{k: r.array(co, k, "coexistence")
                                     for k in ("T_K", "P_GPa", "V_low_A3", "V_high_A3")})
    sp = r.get(data, "spinodal", "the file")
    spinodal = None
    if sp is not None and len(r.get(sp, "T_branches_K", "spinodal")) > 0:
        spinodal = Spinodal(
            T_K=r.array(sp, "T_branches_K", "spinodal"),
            **{k: r.array(sp, k, "spinodal")
               for k in ("V_low_A3", "V_high_A3", "P_low_GPa", "P_high_GPa")})
    return PhaseDiagram(critical_point=critical, spinodal=spinodal, coexistence=coexistence,
                        computed=bool(data.get("phase_diagram_computed", True)))

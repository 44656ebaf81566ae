"""What a saved SourceSet holds, as plain rows: one per source, per exclusion, per warning.

Plain data -> rows of strings (:func:`source_rows`, :func:`exclusion_rows`,
:func:`warning_rows`) and their renderings as text (:func:`render_plain`) and JSON-ready data
(:func:`summary_document`); ``zenthermo inspect`` prints them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from zenthermo.sources import Source, SourceSet

__all__ = ["EXCLUSION_COLUMNS", "MODEL_COLUMNS", "SOURCE_COLUMNS", "WARNING_COLUMNS",
           "SourceSummary", "model_rows",
           "exclusion_rows", "format_plain_table", "header_lines", "render_plain",
           "sections", "source_rows", "summarize_source", "summary_document", "warning_rows"]

#: Column titles of the per-source table (units in the titles).
SOURCE_COLUMNS = ("source", "label", "g (origin)", "magnetic", "volumes kept/excl.",
                  "V range (A^3)", "E_min (eV/cell)", "V at E_min (A^3)", "phonons",
                  "warnings")
EXCLUSION_COLUMNS = ("where", "item", "V (A^3)", "reason")
WARNING_COLUMNS = ("where", "warning")
#: Column titles of the per-source models table (:func:`model_rows`).
MODEL_COLUMNS = ("source", "static", "vibrations", "F_vib in V (LOO meV)", "electronic",
                 "F_el in V (LOO meV)", "extrapolated in V")


@dataclass(frozen=True)
class SourceSummary:
    """The numbers shown for one source (``None`` where the source has no kept points).

    Attributes
    ----------
    volume_min_A3, volume_max_A3 : float or None
        Range of the kept volumes, A^3 per cell.
    energy_min_eV : float or None
        Lowest static energy among the kept points, eV per cell.
    volume_at_energy_min_A3 : float or None
        Volume of that point, A^3 per cell.
    phonon_points : int
        Kept points that carry a vibrational grid.
    """

    name: str
    label: str
    multiplicity: float
    multiplicity_origin: str
    magnetic_order: str
    natoms: int
    formula: str
    kept: int
    excluded: int
    volume_min_A3: float | None
    volume_max_A3: float | None
    energy_min_eV: float | None
    volume_at_energy_min_A3: float | None
    phonon_points: int
    warnings: tuple[str, ...]


def _formula(composition) -> str:
    return "".join(f"{el}{n if n != 1 else ''}" for el, n in composition.items())


def summarize_source(source: Source) -> SourceSummary:
    """Reduce one source to the numbers :func:`source_rows` shows."""
    volumes, energies = source.volumes, source.energies
    lowest = int(np.argmin(energies)) if len(energies) else None
    return SourceSummary(
        name=source.name, label=source.label, multiplicity=float(source.multiplicity),
        multiplicity_origin=source.multiplicity_origin, magnetic_order=source.magnetic_order,
        natoms=source.natoms, formula=_formula(source.composition),
        kept=len(source.points), excluded=len(source.excluded),
        volume_min_A3=float(volumes.min()) if len(volumes) else None,
        volume_max_A3=float(volumes.max()) if len(volumes) else None,
        energy_min_eV=None if lowest is None else float(energies[lowest]),
        volume_at_energy_min_A3=None if lowest is None else float(volumes[lowest]),
        phonon_points=sum(p.vibrations is not None for p in source.points),
        warnings=tuple(source.warnings),
    )


def _number(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def _phonons(summary: SourceSummary) -> str:
    if summary.phonon_points == 0:
        return "no"
    if summary.phonon_points == summary.kept:
        return "yes"
    return f"partial ({summary.phonon_points}/{summary.kept})"


def source_rows(source_set: SourceSet) -> list[tuple[str, ...]]:
    """One row of strings per source, in the order of :data:`SOURCE_COLUMNS`."""
    rows: list[tuple[str, ...]] = []
    for summary in map(summarize_source, source_set):
        volume_range = (
            "-" if summary.volume_min_A3 is None
            else f"{summary.volume_min_A3:.3f}-{summary.volume_max_A3:.3f}"
        )
        rows.append((
            summary.name,
            summary.label if summary.label != summary.name else "",
            f"{summary.multiplicity:g} ({summary.multiplicity_origin})",
            summary.magnetic_order,
            f"{summary.kept}/{summary.excluded}",
            volume_range,
            _number(summary.energy_min_eV, ".6f"),
            _number(summary.volume_at_energy_min_A3, ".3f"),
            _phonons(summary),
            str(len(summary.warnings)),
        ))
    return rows


def model_rows(free_energies) -> list[tuple[str, ...]]:
    """One row per source of the models its free energy uses, :data:`MODEL_COLUMNS` order.

    ``free_energies``: the :class:`~zenthermo.physics.free_energy.SourceFreeEnergy` of each
    source. Vibrations name the model and what its data were (phonon DOS, force constants,
    phonopy's thermal properties); the volume forms come with their leave-one-out error of F;
    "extrapolated in V" says whether the static volumes reach beyond the phonon or
    electronic data volumes.
    """
    rows: list[tuple[str, ...]] = []
    for fe in free_energies:
        vibrations = {"phonopy": f"phonons ({fe.phonon_data or 'grids'})",
                      "debye": "Debye-Grueneisen", "none": "none"}.get(fe.vibrations,
                                                                      fe.vibrations)
        electronic = {"dos": "on (electronic DOS)", "free_energy": "on (F_el grids)",
                      "none": "off"}.get(fe.electronic, fe.electronic)
        edges = np.asarray(fe.volume_domain, dtype=np.float64)
        outside = bool(np.any(fe.extrapolated(edges)))
        rows.append((
            fe.name, fe.eos_fit.kind, vibrations,
            _form(fe.vibrational_model, fe.phonon_volume_range) if fe.vibrations == "phonopy"
            else "-",
            electronic,
            _form(fe.electronic_model, fe.electronic_volume_range)
            if fe.electronic != "none" else "-",
            "yes" if outside else "no",
        ))
    return rows


def _form(model, span) -> str:
    loo = float(getattr(model, "loo_rms_eV", float("nan")))
    text = str(getattr(model, "form", "")) or "-"
    if np.isfinite(loo):
        text += f" ({loo * 1e3:.2g})"
    if span is not None:
        text += f", {span[0]:.4g}-{span[1]:.4g} A^3"
    return text


def exclusion_rows(source_set: SourceSet) -> list[tuple[str, ...]]:
    """Every excluded item with its reason: the set's first, then each source's."""
    rows: list[tuple[str, ...]] = [("(set)", e.item, _number(e.volume, ".3f"), e.reason)
                                   for e in source_set.excluded]
    for source in source_set:
        rows += [(source.name, e.item, _number(e.volume, ".3f"), e.reason)
                 for e in source.excluded]
    return rows


def warning_rows(source_set: SourceSet) -> list[tuple[str, str]]:
    """Every warning: the set's first, then each source's."""
    rows = [("(set)", w) for w in source_set.warnings]
    for source in source_set:
        rows += [(source.name, w) for w in source.warnings]
    return rows


def header_lines(source_set: SourceSet, path: str) -> list[str]:
    """What the file is: path, root, cell, and the ingestion metadata that is there."""
    lines = [f"Sources file: {path}"]
    if source_set.root:
        lines.append(f"Ingested from: {source_set.root}")
    if len(source_set):
        lines.append(f"Cell: {_formula(source_set.composition)} ({source_set.natoms} atoms), "
                     f"{len(source_set)} source(s)")
    else:
        lines.append("No sources.")
    for key in ("reader", "zenthermo_version", "created", "created_utc"):
        if key in source_set.metadata:
            lines.append(f"{key.replace('_', ' ').capitalize()}: {source_set.metadata[key]}")
    return lines


def format_plain_table(columns: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """A fixed-width text table (for pipes and files)."""
    widths = [max([len(c), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]

    def line(cells) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

    out = [line(columns), line(["-" * w for w in widths]), *(line(r) for r in rows)]
    return "\n".join(text.rstrip() for text in out)


def sections(source_set: SourceSet, models: list[tuple[str, ...]] | None = None):
    """(title, columns, rows) of each table; ``models``: :func:`model_rows`, if computed."""
    yield "Sources", SOURCE_COLUMNS, source_rows(source_set)
    if models:
        yield "Models", MODEL_COLUMNS, models
    excluded = exclusion_rows(source_set)
    if excluded:
        yield "Excluded", EXCLUSION_COLUMNS, excluded
    warnings = warning_rows(source_set)
    if warnings:
        yield "Warnings", WARNING_COLUMNS, warnings


def render_plain(source_set: SourceSet, path: str,
                 models: list[tuple[str, ...]] | None = None) -> str:
    """The whole report as plain text."""
    parts = ["\n".join(header_lines(source_set, path))]
    for title, columns, rows in sections(source_set, models):
        parts.append(f"{title}\n{format_plain_table(columns, rows)}")
    return "\n\n".join(parts) + "\n"


def summary_document(source_set: SourceSet, path: str,
                     models: list[tuple[str, ...]] | None = None) -> dict:
    """The same content as JSON-ready data (``zenthermo inspect --json``)."""
    document = {
        "path": path,
        "root": source_set.root,
        "sources": [asdict(summarize_source(s)) for s in source_set],
        "excluded": [dict(zip(EXCLUSION_COLUMNS, r, strict=True))
                     for r in exclusion_rows(source_set)],
        "warnings": [dict(zip(WARNING_COLUMNS, r, strict=True))
                     for r in warning_rows(source_set)],
    }
    if models:
        document["models"] = [dict(zip(MODEL_COLUMNS, r, strict=True)) for r in models]
    return document

"""``zenthermo ingest PATH... -o SOURCES_FILE``: result folders -> a checked SourceSet file.

The output is written (atomically, by ``SourceSet.save``) only after every check passed;
on bad input nothing is written and the exit status is non-zero.
"""

from __future__ import annotations

import argparse
import sys

from zenthermo.errors import ConfigurationError


def register(subparsers, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "ingest",
        parents=[common],
        help="read VASP / phonopy result folders into a sources file",
        description=(
            "Read a VASP results tree (one folder per configuration, one folder per volume), "
            "configuration folders, or phonopy-qha inputs (e-v.dat plus "
            "thermal_properties.yaml files, and fe-v.dat if any), or an ASE database "
            "(results.db: rows with config=, optional multiplicity=, volume_index=, "
            "ideal=True for the ideal cell), check them, and write one SourceSet file. "
            "Electronic DOS (total_dos.dat, vasprun.xml), phonon DOS (phonopy total_dos.dat, "
            "YPHON vdos/volph) and phonopy force constants found in the volume folders or "
            "beside them (DFTTK's elec_*, phonon_*, YPHON_results) are attached by volume."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="results tree, folders or files")
    parser.add_argument("-o", "--output", required=True, metavar="SOURCES_FILE",
                        help="the SourceSet file to write (JSON)")
    parser.add_argument("--manifest", metavar="M",
                        help="manifest TOML (default: zenthermo.toml at the tree root)")
    parser.add_argument("--allow-mixed-settings", action="store_true",
                        help="accept different ENCUT, functional or k-mesh (with a warning)")
    parser.add_argument("--keep-spin-flips", action="store_true",
                        help="keep volumes whose spins flipped (with a warning)")
    parser.add_argument("--moment-threshold", type=float, default=0.5, metavar="MU_B",
                        help="site moment below which a site is non-magnetic (default 0.5)")
    add_accounting_options(parser)
    parser.set_defaults(handler=run)


def add_accounting_options(parser: argparse.ArgumentParser) -> None:
    """``--allow-relaxation-energy`` and ``--merge-duplicates`` (shared with ``run``)."""
    parser.add_argument("--allow-relaxation-energy", action="store_true",
                        help="use a relaxation stage's energy where a volume has no final "
                        "static stage (with a warning; default: exclude the volume)")
    parser.add_argument("--merge-duplicates", action="store_true",
                        help="count a configuration that duplicates another once (with a "
                        "warning; default: stop with an error naming both folders)")


def accounting_options(args: argparse.Namespace) -> dict[str, bool]:
    """The ingest keyword arguments of :func:`add_accounting_options` that were given."""
    return {key: True for key in ("allow_relaxation_energy", "merge_duplicates")
            if getattr(args, key, False)}


def run(args: argparse.Namespace, progress) -> int:
    from zenthermo.io.ingest import ingest
    from zenthermo.io.output_guard import check_output_file

    check_output_file(args.output, [*args.paths, args.manifest])
    if not args.moment_threshold > 0:
        raise ConfigurationError(f"--moment-threshold must be > 0, not {args.moment_threshold}")
    source_set = ingest(
        *args.paths,
        manifest=args.manifest,
        allow_mixed_settings=args.allow_mixed_settings,
        keep_spin_flips=args.keep_spin_flips,
        moment_threshold=args.moment_threshold,
        progress=progress,
        **accounting_options(args),
    )
    source_set.save(args.output)
    print(summary(source_set, args.output))
    for line in problems(source_set):
        print(f"zenthermo ingest: {line}", file=sys.stderr)
    return 0


def summary(source_set, output) -> str:
    """A short text summary of what was kept: one line per source."""
    lines = [f"wrote {output}: {len(source_set)} source(s)"]
    for source in source_set:
        volumes = source.volumes
        span = f"{volumes.min():.2f}-{volumes.max():.2f} A^3" if volumes.size else "-"
        lines.append(
            f"  {source.name}: {len(source.points)} volumes ({span}), {source.natoms} atoms, "
            f"{source.magnetic_order}, g = {source.multiplicity:g} ({source.multiplicity_origin})"
            + (f", {len(source.excluded)} excluded" if source.excluded else "")
        )
    return "\n".join(lines)


def problems(source_set) -> list[str]:
    """One line per excluded item (naming its file and the reason) and per warning (of the
    set, and of each source where the set does not repeat it)."""
    excluded = list(source_set.excluded) + [e for s in source_set for e in s.excluded]
    lines = [f"excluded {e.item}: {e.path}: {e.reason}" for e in excluded]
    warnings = list(source_set.warnings)
    warnings += [f"{s.name}: {w}" for s in source_set for w in s.warnings
                 if f"{s.name}: {w}" not in source_set.warnings]
    return lines + [f"warning: {w}" for w in warnings]

"""``zenthermo calphad``: compare with a TDB database, or export a TDB phase."""

from __future__ import annotations

import argparse

from zenthermo.errors import ConfigurationError


def register(subparsers, common) -> None:
    parser = subparsers.add_parser(
        "calphad", parents=[common], help="compare with a CALPHAD database or export a TDB",
        description="Compare zenthermo's C_P, S, H - H298 and G - G298 with a CALPHAD phase, "
        "or export G(T) at P = 0 as a TDB phase.",
    )
    actions = parser.add_subparsers(dest="calphad_action", metavar="ACTION", required=True)

    compare = actions.add_parser(
        "compare", parents=[common], help="compare with a phase of a TDB database",
        description="Compare the P = 0 isobar with a CALPHAD phase (pycalphad, 1 atm).",
    )
    compare.add_argument("analysis", metavar="ANALYSIS_OR_SOURCES",
                         help="summary.json, an analysis output folder, or a sources file")
    compare.add_argument("--tdb", required=True, help="the TDB database")
    compare.add_argument("--phase", required=True, help="phase name, e.g. DIAMOND_A4")
    compare.add_argument("--components", required=True,
                         help="comma-separated components, e.g. SI or AL,VA")
    compare.add_argument("--tmin", type=float, help="lowest temperature compared, K")
    compare.add_argument("--tmax", type=float, help="highest temperature compared, K")
    compare.add_argument("--ranges", help="temperature ranges for the table, e.g. 300:800,800:1200")
    compare.add_argument("-o", "--out-dir", help="write the table (CSV, markdown) and figure here")
    compare.set_defaults(handler=run_compare)

    export = actions.add_parser(
        "export", parents=[common], help="export G(T) at P = 0 as a TDB phase",
        description="Fit G(T) at P = 0 per mole of atoms to the SGTE polynomial (G, S and "
        "C_P continuous at the breakpoints) and write it as a TDB phase.",
    )
    export.add_argument("analysis", metavar="ANALYSIS",
                        help="summary.json, an analysis output folder, or a sources file")
    export.add_argument("-o", "--output", required=True, help="the TDB file to write")
    export.add_argument("--phase-name", required=True, help="name of the phase in the TDB")
    export.add_argument("--breakpoints", default="",
                        help="comma-separated breakpoint temperatures, K (e.g. 800)")
    export.add_argument("--tmin", type=float, help="start of the fitted range, K")
    export.add_argument("--tmax", type=float, help="end of the fitted range, K")
    export.set_defaults(handler=run_export)


def _floats(text: str, option: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ConfigurationError(f"{option} {text!r} is not a comma-separated list of K") from None


def run_compare(args: argparse.Namespace, progress) -> int:
    from zenthermo.calphad import (
        compare_with_calphad,
        deviation_rows,
        deviation_stats,
        format_table,
        load_database,
        parse_ranges,
    )
    from zenthermo.calphad.compare import default_temperatures
    from zenthermo.calphad.database import describe_phase
    from zenthermo.calphad.inputs import load_analysis
    from zenthermo.io.output_guard import check_output_folder

    if args.out_dir:
        check_output_folder(args.out_dir, [args.analysis, args.tdb], option="-o/--out-dir")
    ranges = parse_ranges(args.ranges)
    with progress.stage("reading the TDB database"):
        database = load_database(args.tdb)
    info = describe_phase(database, args.phase, args.components)
    with progress.stage("loading the analysis"):
        analysis = load_analysis(args.analysis, progress)
    temperatures = default_temperatures(analysis, args.tmin, args.tmax,
                                        phase_range_K=info.temperature_range_K)
    with progress.stage(f"evaluating {info.name} with pycalphad"):
        comparison = compare_with_calphad(analysis, database, info.name, info.components,
                                          temperatures=temperatures)
    T = comparison.T_K
    stats = deviation_stats(comparison, [(float(T[0]), float(T[-1])), *ranges])
    rows = deviation_rows(stats)
    print(f"zenthermo (P = 0) vs {comparison.database} {comparison.phase} "
          f"({comparison.method}), {T[0]:g}-{T[-1]:g} K; deviation = zenthermo - CALPHAD")
    print(format_table(rows))
    if comparison.extrapolated.any():
        print(f"note: at {int(comparison.extrapolated.sum())} temperature(s) the equilibrium "
              "volume sits on the edge of the volume domain")
    if database.warnings:
        print(f"note: pycalphad reported {len(database.warnings)} parser warning(s) for "
              f"{database.name} (listed in the output folder, if one is given)")
    if args.out_dir:
        from zenthermo.calphad import write_comparison_outputs

        written = write_comparison_outputs(args.out_dir, comparison, rows, database.warnings)
        print(f"wrote {', '.join(str(path) for path in written)}")
    return 0


def run_export(args: argparse.Namespace, progress) -> int:
    from zenthermo.calphad import export_tdb
    from zenthermo.calphad.inputs import load_analysis
    from zenthermo.io.output_guard import check_output_file

    check_output_file(args.output, [args.analysis])
    breakpoints = _floats(args.breakpoints, "--breakpoints")
    with progress.stage("loading the analysis"):
        analysis = load_analysis(args.analysis, progress)
    with progress.stage("fitting the SGTE polynomial"):
        result = export_tdb(analysis, args.output, args.phase_name, breakpoints,
                            args.tmin, args.tmax, source=str(args.analysis))
    fit = result.fit
    print(f"wrote {result.path}: phase {result.phase_name}, function {result.function_name}, "
          f"{fit.bounds_K[0]:.2f}-{fit.bounds_K[-1]:.2f} K, breakpoints "
          + (", ".join(f"{b:g}" for b in fit.bounds_K[1:-1]) or "none"))
    print("fit error       RMSE        max")
    for key, unit in (("G", "J/mol"), ("S", "J/(K mol)"), ("Cp", "J/(K mol)")):
        print(f"  {key:<3} {unit:<10} {fit.rmse[key]:<11.4g} {fit.max_abs[key]:.4g}")
    return 0

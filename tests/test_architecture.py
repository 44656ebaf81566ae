"""The house rules that code review cannot keep by itself: layers import one way, modules stay
small, and a command pays at start-up only for what it uses.

Each import check runs in a fresh interpreter (a subprocess), because the test session has
imported everything already.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import zenthermo

PACKAGE = Path(zenthermo.__file__).resolve().parent
#: A module longer than this holds two jobs (DESIGN.md); the house limit.
MAX_MODULE_LINES = 450
#: Packages whose import costs seconds and that a command must load only when it uses them.
HEAVY = ("torch", "pymatgen", "phonopy", "matplotlib", "pycalphad")


def _modules(package: str) -> list[str]:
    """Every module of a zenthermo sub-package (the package itself first)."""
    path = PACKAGE / package.removeprefix("zenthermo.").replace(".", "/")
    return [package] + [f"{package}.{info.name}" for info in pkgutil.iter_modules([str(path)])]


def _loaded_after(code: str) -> set[str]:
    """The modules loaded by running ``code`` in a fresh interpreter."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def _of(loaded: set[str], *packages: str) -> list[str]:
    return sorted(m for m in loaded for p in packages if m == p or m.startswith(p + "."))


def test_physics_imports_nothing_of_the_layers_above_it():
    imports = "\n".join(f"import {m}" for m in _modules("zenthermo.physics"))
    loaded = _loaded_after(imports)
    assert "zenthermo.physics.free_energy" in loaded
    assert _of(loaded, "zenthermo.thermo", "zenthermo.report", "zenthermo.pipeline",
               "zenthermo.landscape", "zenthermo.cli") == []


def test_io_imports_nothing_of_thermo_landscape_or_pipeline():
    imports = "\n".join(f"import {m}" for m in _modules("zenthermo.io"))
    loaded = _loaded_after(imports)
    assert "zenthermo.io.ingest" in loaded and "zenthermo.io.sourcefile" in loaded
    assert _of(loaded, "zenthermo.thermo", "zenthermo.landscape", "zenthermo.pipeline",
               "zenthermo.report", "zenthermo.physics", "zenthermo.cli") == []


def test_thermo_works_on_any_landscape_without_importing_one():
    imports = "\n".join(f"import {m}" for m in _modules("zenthermo.thermo"))
    loaded = _loaded_after(imports)
    assert _of(loaded, "zenthermo.landscape", "zenthermo.report", "zenthermo.pipeline",
               "zenthermo.cli") == []


def test_the_exact_landscape_and_its_zentropy_sum_need_no_torch():
    loaded = _loaded_after("import zenthermo.landscape.exact, zenthermo.landscape.loading\n"
                           "import zenthermo.landscape.settings")
    assert _of(loaded, "torch") == []


def test_import_zenthermo_is_light_and_gives_the_notebook_api():
    loaded = _loaded_after("import zenthermo\n"
                           "assert callable(zenthermo.ingest) and callable(zenthermo.analyze)")
    assert _of(loaded, *HEAVY) == []
    for name in ("ingest", "load_sources", "ExactZentropy", "analyze", "ZennFitter",
                 "load_model", "load_landscape"):
        assert name in zenthermo.__all__ and getattr(zenthermo, name) is not None
    assert zenthermo.analyze is zenthermo.thermo.analysis.analyze


def test_no_module_is_over_the_house_limit():
    long = {str(path.relative_to(PACKAGE.parent)): n for path in PACKAGE.rglob("*.py")
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert long == {}, f"split these modules (over {MAX_MODULE_LINES} lines): {long}"


# -- start-up: a command loads only what it uses ----------------------------------------------

def _run_cli(argv: list[str]) -> tuple[int, set[str]]:
    """Run ``zenthermo argv`` in a fresh interpreter; its exit status and loaded modules."""
    code = (
        "import json, sys\n"
        "import zenthermo.cli as cli\n"
        "try:\n"
        f"    status = cli.main({argv!r})\n"
        "except SystemExit as stop:\n"
        "    status = stop.code\n"
        "print(json.dumps([status, sorted(sys.modules)]))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    status, modules = json.loads(result.stdout.strip().splitlines()[-1])
    return status, set(modules)


@pytest.fixture(scope="module")
def sources_file() -> Path:
    from zenthermo.pipeline import DEFAULT_SOURCES

    return Path(DEFAULT_SOURCES)


def test_help_loads_no_command_implementation():
    status, loaded = _run_cli(["--help"])
    assert status == 0
    assert _of(loaded, *HEAVY, "scipy", "pandas", "zenthermo.physics.eos",
               "zenthermo.landscape.exact", "zenthermo.thermo.analysis") == []


def test_the_exact_path_and_a_calphad_export_import_no_torch(sources_file, tmp_path):
    out = tmp_path / "analysis"
    status, loaded = _run_cli(["analyze", str(sources_file), "-o", str(out), "--quiet",
                               "--tstep", "20", "--no-phase-diagram"])
    assert status == 0 and (out / "summary.json").is_file()
    assert _of(loaded, "torch", "matplotlib", "pycalphad", "pandas") == []
    status, loaded = _run_cli(["calphad", "export", str(out / "summary.json"), "-o",
                               str(tmp_path / "x.tdb"), "--phase-name", "FE3PT_ZT",
                               "--tmax", "800", "--quiet"])
    assert status == 0 and (tmp_path / "x.tdb").is_file()
    assert _of(loaded, "torch") == []  # pycalphad checks the TDB (and brings matplotlib)


def test_inspect_imports_no_torch_and_no_physics(sources_file):
    status, loaded = _run_cli(["inspect", str(sources_file)])
    assert status == 0
    assert _of(loaded, *HEAVY, "scipy", "zenthermo.physics.eos") == []


@pytest.mark.slow
def test_ingest_imports_no_torch(fe3pt_vasp_dir, tmp_path):
    status, loaded = _run_cli(["ingest", str(fe3pt_vasp_dir), "-o", str(tmp_path / "s.json"),
                               "--quiet"])
    assert status == 0 and (tmp_path / "s.json").is_file()
    assert _of(loaded, "torch", "matplotlib", "pycalphad") == []

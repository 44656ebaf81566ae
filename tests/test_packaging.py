"""The package as a user installs it: one version, declared dependencies, licence, package data.

The slow test builds the wheel from a copy of the checkout, installs it into a fresh virtual
environment (without downloads: the environment sees this one's site-packages for the
dependencies) and runs ``zenthermo run`` from a folder outside the repository.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

import zenthermo
from zenthermo.data import default_sources_path, load_default_sources

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "zenthermo"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    return _normalise(re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0))


def _imported_top_level_modules() -> set[str]:
    """Top-level names of every absolute import in the package, lazy imports included."""
    names: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.partition(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.partition(".")[0])
    return names


# -- one version --------------------------------------------------------------------------


def test_the_version_is_written_once_and_read_everywhere():
    assert "version" not in PYPROJECT["project"]
    assert "version" in PYPROJECT["project"]["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "zenthermo.__version__"}
    assert importlib.metadata.version("zenthermo") == zenthermo.__version__


def test_citation_and_changelog_record_the_current_version():
    citation = (REPO / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(r'^cff-version: 1\.2\.0$', citation, re.MULTILINE)
    assert re.search(rf'^version: "{re.escape(zenthermo.__version__)}"$', citation,
                     re.MULTILINE), "bump CITATION.cff's version with zenthermo.__version__"
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in changelog
    assert f"## [{zenthermo.__version__}]" in changelog, "add the release to CHANGELOG.md"


def test_the_cli_reports_the_version(capsys):
    from zenthermo.cli import main

    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"zenthermo {zenthermo.__version__}"


# -- dependencies and licence ---------------------------------------------------------------


def test_every_third_party_import_is_a_declared_dependency():
    """Imported by the package -> in [project] dependencies, or in a feature extra (an
    optional import such as a cluster back end); the dev and docs extras do not count."""
    optional = PYPROJECT["project"].get("optional-dependencies", {})
    requirements = list(PYPROJECT["project"]["dependencies"]) + [
        r for group, listed in optional.items() if group not in ("dev", "docs") for r in listed]
    declared = {_requirement_name(r) for r in requirements}
    distributions = importlib.metadata.packages_distributions()
    third_party = sorted(_imported_top_level_modules() - set(sys.stdlib_module_names)
                         - {"zenthermo", "__future__"})
    assert {"numpy", "torch", "yaml"} <= set(third_party)  # the scan sees real imports
    undeclared = {}
    for module in third_party:
        owners = {_normalise(d) for d in distributions.get(module, [module])}
        if not owners & declared:
            undeclared[module] = sorted(owners)
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


def test_license_is_mit_with_a_notice_for_the_shipped_data():
    assert PYPROJECT["project"]["license"] == "MIT"
    assert PYPROJECT["project"]["license-files"] == ["LICENSE"]
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n\nCopyright (c) 2026 zenthermo developers\n")
    assert "zenthermo/data/fe3pt/sources.json" in text
    assert "Copyright (c) 2026 Nigel Lee En Hew" in text


def test_license_reproduces_the_licence_of_the_data_word_for_word(fe3pt_vasp_dir):
    notice = (Path(fe3pt_vasp_dir) / "LICENSE.txt").read_text(encoding="utf-8")
    assert notice.strip() in (REPO / "LICENSE").read_text(encoding="utf-8")


# -- the embedded default data ----------------------------------------------------------------


def test_the_default_data_are_package_data_not_a_repository_file():
    path = Path(str(default_sources_path()))
    assert path.is_file() and PACKAGE in path.resolve().parents
    assert path.resolve() == (PACKAGE / "data" / "fe3pt" / "sources.json").resolve()
    assert not (REPO / "data" / "fe3pt" / "sources.json").exists()  # no second copy
    package_data = PYPROJECT["tool"]["setuptools"]["package-data"]["zenthermo.data"]
    assert "fe3pt/*.json" in package_data and "README.md" in package_data
    readme = (PACKAGE / "data" / "README.md").read_text(encoding="utf-8")
    assert "MIT" in readme and "pyzentropy" in readme


def test_load_default_sources_gives_the_three_fe3pt_configurations():
    sources = load_default_sources()
    assert [s.name for s in sources] == ["config_0", "config_22", "config_28"]
    assert dict(sources.composition) == {"Fe": 9, "Pt": 3}
    assert sources == zenthermo.load_sources(Path(str(default_sources_path())))


def test_the_pipeline_reads_the_embedded_default_when_given_no_inputs():
    from zenthermo.pipeline import DEFAULT_SOURCES, load_inputs

    assert Path(str(DEFAULT_SOURCES)) == Path(str(default_sources_path()))
    assert load_inputs(()) == load_default_sources()


# -- the wheel, installed elsewhere -----------------------------------------------------------

_NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "site", "build", "dist", "*.egg-info",
                                     "__pycache__", ".*_cache", ".hypothesis", "zenthermo-out",
                                     "out", ".ipynb_checkpoints")


def _run(command, cwd, env=None):
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=900, check=False)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.slow
def test_wheel_installs_and_runs_the_default_outside_the_repository(tmp_path):
    checkout = tmp_path / "checkout"
    shutil.copytree(REPO, checkout, ignore=_NOT_SOURCE)
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
          "--no-cache-dir", "-q", "-w", str(wheels), str(checkout)], cwd=tmp_path)
    (wheel,) = wheels.glob("zenthermo-*.whl")
    assert wheel.name.startswith(f"zenthermo-{zenthermo.__version__}-")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        dist_info = f"zenthermo-{zenthermo.__version__}.dist-info"
        assert {"zenthermo/data/fe3pt/sources.json", "zenthermo/data/README.md",
                "zenthermo/data/__init__.py", f"{dist_info}/licenses/LICENSE"} <= names
        assert not any(n.startswith(("tests/", "data/", "benchmarks/")) for n in names)
        metadata = archive.read(f"{dist_info}/METADATA").decode()
        shipped = archive.read("zenthermo/data/fe3pt/sources.json")
    assert "License-Expression: MIT" in metadata
    assert f"Version: {zenthermo.__version__}" in metadata
    assert shipped == (REPO / "zenthermo" / "data" / "fe3pt" / "sources.json").read_bytes()

    # A fresh environment that finds the dependencies in this one (no downloads).
    venv = tmp_path / "fresh"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path)
    python = venv / "bin" / "python"
    fresh_site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_path("
                                               "'purelib'))"], cwd=tmp_path).stdout.strip())
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (fresh_site / "test-deps.pth").write_text("\n".join(sorted(ours)) + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
          "--no-index", "-q", str(wheel)], cwd=tmp_path)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["MPLBACKEND"] = "Agg"
    where = _run([str(python), "-c", "import zenthermo.data as d; print(d.__file__); "
                                     "print(d.default_sources_path())"], elsewhere, env)
    module_file, data_file = where.stdout.split()
    assert Path(module_file).resolve().is_relative_to(venv.resolve())
    assert Path(data_file).resolve().is_relative_to(venv.resolve())
    assert (fresh_site / dist_info / "licenses" / "LICENSE").is_file()
    zenthermo_cli = str(venv / "bin" / "zenthermo")
    version = _run([zenthermo_cli, "--version"], elsewhere, env).stdout.strip()
    assert version == f"zenthermo {zenthermo.__version__}"

    _run([zenthermo_cli, "run", "--methods", "exact", "-o", "out", "--quiet"], elsewhere, env)
    out = elsewhere / "out"
    assert (out / "report.html").is_file()
    summary = json.loads((out / "exact" / "summary.json").read_text(encoding="utf-8"))
    assert summary["zenthermo_version"] == zenthermo.__version__
    saved = json.loads((out / "sources.json").read_text(encoding="utf-8"))
    assert saved["zenthermo_version"] == zenthermo.__version__
    assert [s["name"] for s in saved["sources"]] == ["config_0", "config_22", "config_28"]
    assert f"zenthermo {zenthermo.__version__}" in (out / "report.html").read_text("utf-8")

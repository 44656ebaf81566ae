"""Batch files over the shared fixtures, for the tests that run real Dask clusters."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

#: Every material of the test batches: exact path only, a coarse grid, two pressures.
DEFAULTS = """
[defaults.analysis]
pressures_GPa = [0.0, 2.0]
tstep_K = 20
[defaults.methods]
run = ["exact"]
"""
#: The command-line options that make a lone `zenthermo run` use the same settings.
LONE_OPTIONS = ["--methods", "exact", "--pressures", "0,2", "--tstep", "20", "--quiet"]


def material(name: str, paths: list[str] | None = None, extra: str = "") -> str:
    inputs = "" if paths is None else "inputs = { paths = [" + ", ".join(
        f'"{p}"' for p in paths) + "] }\n"
    return f'\n[[material]]\nname = "{name}"\n{inputs}{extra}'


@pytest.fixture(scope="module")
def study(tmp_path_factory, fe3pt_vasp_dir, si_qha_dir) -> Path:
    """A folder with batch.toml: the Fe3Pt tree, Si phonopy-qha (Vinet), the embedded Fe3Pt
    sources (no inputs) and a Si copy whose e-v.dat is broken; paths relative to the file."""
    folder = tmp_path_factory.mktemp("study")
    broken = folder / "si-broken"
    shutil.copytree(si_qha_dir, broken)
    lines = (broken / "e-v.dat").read_text().splitlines()
    lines[3] = "149.06 not-a-number"
    (broken / "e-v.dat").write_text("\n".join(lines) + "\n")
    tree = os.path.relpath(fe3pt_vasp_dir, folder)
    si = os.path.relpath(si_qha_dir, folder)
    text = (DEFAULTS
            + material("fe3pt-tree", [tree])
            + material("si", [f"{si}/e-v.dat", f"{si}/thermal_properties.yaml-*"],
                       'physics = { eos = "vinet" }\n')
            + material("fe3pt-embedded")
            + material("si-broken", ["si-broken/e-v.dat", "si-broken/thermal_properties.yaml-*"]))
    (folder / "batch.toml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def lone_arguments(fe3pt_vasp_dir, si_qha_dir) -> dict[str, list[str]]:
    """`zenthermo run` arguments that run each good material of :func:`study` alone."""
    yamls = sorted(str(p) for p in si_qha_dir.glob("thermal_properties.yaml-*"))
    return {"fe3pt-tree": [str(fe3pt_vasp_dir)],
            "si": [str(si_qha_dir / "e-v.dat"), *yamls, "--eos", "vinet"],
            "fe3pt-embedded": []}

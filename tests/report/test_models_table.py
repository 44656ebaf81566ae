"""Each source's models, named in ``zenthermo inspect`` and the report: vibrations and their
data, the electronic part, the volume forms with their leave-one-out error, extrapolation."""

from __future__ import annotations

import dataclasses
import json

import pytest

import zenthermo
from zenthermo.cli import main
from zenthermo.physics.free_energy import build_source_free_energies
from zenthermo.report.sources_table import MODEL_COLUMNS, model_rows
from zenthermo.sources import SourceSet


@pytest.fixture(scope="module")
def al(al_dfttk_dir):
    return zenthermo.ingest(al_dfttk_dir.parent)


def _stripped(source, name, keep=lambda i: False):
    """A copy of ``source`` whose points keep phonon and electronic data only where keep(i)."""
    points = tuple(p if keep(i) else dataclasses.replace(p, vibrations=None, electronic=None)
                   for i, p in enumerate(source.points))
    return dataclasses.replace(source, name=name, label=name, points=points)


def test_mixed_sources_each_name_their_own_models(al):
    (full,) = al.sources
    mixed = SourceSet(sources=(full, _stripped(full, "static_only"),
                               _stripped(full, "inner", keep=lambda i: 1 <= i <= 6)))
    rows = {r[0]: dict(zip(MODEL_COLUMNS, r, strict=True))
            for r in model_rows(build_source_free_energies(mixed))}
    assert rows["config_Al"]["vibrations"] == "phonons (phonon_dos)"
    assert rows["config_Al"]["electronic"] == "on (electronic DOS)"
    assert rows["config_Al"]["F_vib in V (LOO meV)"].startswith("poly")
    assert "60-74 A^3" in rows["config_Al"]["F_el in V (LOO meV)"]
    assert rows["config_Al"]["extrapolated in V"] == "no"
    assert (rows["static_only"]["vibrations"], rows["static_only"]["electronic"]) == (
        "Debye-Grueneisen", "off")
    assert rows["static_only"]["F_vib in V (LOO meV)"] == "-"
    assert rows["inner"]["extrapolated in V"] == "yes"  # data 62-72 A^3, static 60-74


def test_inspect_prints_the_models_for_the_options_given(al, tmp_path, capsys):
    path = tmp_path / "al.json"
    al.save(path)
    assert main(["inspect", str(path)]) == 0
    assert "Models" not in capsys.readouterr().out  # inspect alone loads no physics
    assert main(["inspect", str(path), "--models"]) == 0
    text = capsys.readouterr().out
    assert "Models" in text and "phonons (phonon_dos)" in text and "on (electronic DOS)" in text
    assert main(["inspect", str(path), "--models", "--json", "--electronic", "off",
                 "--vibrations", "debye"]) == 0
    (model,) = json.loads(capsys.readouterr().out)["models"]
    assert (model["vibrations"], model["electronic"]) == ("Debye-Grueneisen", "off")


@pytest.mark.slow  # a tiny ZENN fit beside the exact landscape, figures, report
def test_a_mixed_set_runs_with_both_methods_and_the_report_names_each_model(al, tmp_path):
    """Phonons and electronic DOS, static energies only (Debye), phonons at fewer volumes:
    one landscape, both methods, each source's models in the report."""
    from zenthermo.pipeline import RunConfig, run_pipeline

    (full,) = al.sources
    mixed = SourceSet(sources=(full, _stripped(full, "static_only"),
                               _stripped(full, "inner", keep=lambda i: 1 <= i <= 6)),
                      root=al.root)
    sources = tmp_path / "mixed.json"
    mixed.save(sources)
    out = tmp_path / "out"
    result = run_pipeline(RunConfig(
        inputs=(str(sources),), output_dir=str(out), pressures_GPa=(0.0,), tstep_K=100.0,
        tmax_K=600.0, phase_diagram=False,
        zenn_settings={"adam_epochs": 10, "lbfgs_iterations": 2}))
    assert set(result.analyses) == {"exact", "zenn"}
    html = (out / "report.html").read_text(encoding="utf-8")
    table = html[html.index("Free-energy models per configuration"):]
    table = table[:table.index("</table>")]
    for name, model in (("config_Al", "phonons (phonon_dos)"),
                        ("static_only", "Debye-Grueneisen"), ("inner", "on (electronic DOS)")):
        assert name in table and model in table

"""The task of one material, run in this process: it says where its time went (input
hashes and the up-to-date check, the pipeline and its stages, the manifest), so that the
batch's overhead against a lone run can be accounted stage by stage; the batch times its
own stages too."""

from __future__ import annotations

import pytest

from zenthermo.batch import execute_batch, materials_from_mappings
from zenthermo.batch.task import run_material


@pytest.mark.slow
def test_a_task_times_its_stages_and_a_skipped_one_only_its_check(tmp_path, si_qha_dir):
    entry = {"name": "si", "methods": {"run": ["exact"]}, "analysis": {"tstep_K": 20},
             "inputs": {"paths": [str(si_qha_dir / "e-v.dat"),
                                  str(si_qha_dir / "thermal_properties.yaml-*")]}}
    material = materials_from_mappings([entry])[0].placed_in(tmp_path)

    done = run_material(material)
    assert done.status == "ok", done.error
    assert set(done.timings_s) == {"check", "pipeline", "manifest"}
    assert all(seconds >= 0 for seconds in done.timings_s.values())
    assert sum(done.timings_s.values()) <= done.wall_s + 0.05  # the manifest's write is last
    assert {"load inputs", "figures", "report"} <= set(done.stages_s)
    assert sum(done.stages_s.values()) <= done.timings_s["pipeline"]
    assert 0 < done.cpu_s <= done.wall_s + 0.05  # one thread: no more CPU than wall time

    again = run_material(material)
    assert again.status == "skipped"
    assert set(again.timings_s) == {"check"} and again.stages_s == {}


def test_a_batch_times_its_own_stages(tmp_path):
    entry = {"name": "gone", "inputs": {"paths": ["no-such-results-tree"]}}
    run = execute_batch([entry], tmp_path / "out", base_dir=str(tmp_path))
    assert [o.status for o in run.outcomes] == ["failed"]
    assert set(run.timings_s) == {"materials", "batch table and index"}  # no cluster started
    assert all(seconds >= 0 for seconds in run.timings_s.values())

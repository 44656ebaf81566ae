"""Error bars on a Dask cluster: `zenthermo analyze --uncertainty N --scheduler` sends the
members to the scheduler, and `zenthermo run --scheduler` (the job itself a Dask task, on a
worker that may not start processes of its own) runs its members as tasks of the same
cluster; both give what a local run gives."""

from __future__ import annotations

import json

import numpy as np
import pytest

from zenthermo import engine
from zenthermo.batch.single import run_on_scheduler
from zenthermo.cli import main
from zenthermo.data import default_sources_path
from zenthermo.pipeline import RunConfig
from zenthermo.report.summary import read_uncertainty

pytestmark = pytest.mark.slow

OPTIONS = ["--pressures", "0", "--tstep", "50", "--uncertainty", "4", "--seed", "1",
           "--no-phase-diagram", "--quiet"]


def test_members_run_on_the_cluster_and_match_a_local_run(tmp_path):
    local = tmp_path / "local"
    assert main(["analyze", str(default_sources_path()), "-o", str(local), *OPTIONS]) == 0
    with engine.client(workers=2) as client:
        address = client.scheduler.address
        remote = tmp_path / "remote"
        assert main(["analyze", str(default_sources_path()), "-o", str(remote), *OPTIONS,
                     "--scheduler", address]) == 0
        config = RunConfig(output_dir=str(tmp_path / "run"), pressures_GPa=(0.0,),
                           tstep_K=50.0, methods=("exact",), phase_diagram=False,
                           uncertainty_members=4, seed=1)
        result = run_on_scheduler(config, address)
    same = read_uncertainty(local / "summary.json"), read_uncertainty(remote / "summary.json")
    np.testing.assert_array_equal(same[0].isobars[0].V_A3, same[1].isobars[0].V_A3)
    assert result.uncertainty.members == 4 and result.uncertainty.failed_members == 0
    np.testing.assert_array_equal(result.uncertainty.isobars[0].V_A3, same[0].isobars[0].V_A3)
    written = json.loads((tmp_path / "run" / "exact" / "summary.json").read_text())
    assert written["uncertainty"]["members"] == 4
    assert "Error bars (exact)" in (tmp_path / "run" / "report.html").read_text()

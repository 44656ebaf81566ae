"""System mode from a table of total F ends with an L-BFGS polish in float64: at the
default 2000 iterations the system fit was not converged (its T_c wandered by several
kelvin between checkpoints), and float32 gradients stalled a fresh L-BFGS history. The
polish never loses the best weights and leaves per-source and density fits (and the DNN
baseline) alone."""

from __future__ import annotations

import numpy as np
import torch

from zenthermo.io.free_energy_table import FreeEnergyTable
from zenthermo.landscape.settings import TrainingSettings
from zenthermo.landscape.system_data import system_training_data
from zenthermo.landscape.train import ZennFitter

QUICK = dict(hidden=(6, 6), adam_epochs=10, lbfgs_iterations=10, evaluate_every=10,
             collocation_points=(4, 3))


def double_well_table():
    """A small F table with a non-convex region (two volumes coexist at low T)."""
    V, T = (a.ravel() for a in np.meshgrid(np.linspace(140.0, 160.0, 9),
                                           np.linspace(100.0, 1000.0, 8), indexing="ij"))
    x = (V - 150.0) / 5.0
    F = 0.02 * (x ** 4 - 2 * x ** 2) * (1 - T / 1500.0) + 1e-4 * x * T - 3e-4 * T
    return FreeEnergyTable(V, T, F)


def test_only_a_system_table_of_total_F_gets_the_polish():
    s = TrainingSettings(lbfgs_iterations=2000)
    assert s.polish_iterations("system", "F") == 1000  # system_polish = 0.5 by default
    assert s.polish_iterations("per-source", "") == 0
    assert s.polish_iterations("system", "density") == 0
    assert TrainingSettings(lbfgs_iterations=2000, system_polish=0.0).polish_iterations(
        "system", "F") == 0


def test_the_polish_runs_in_float64_and_never_loses_the_best_weights():
    torch.set_num_threads(1)
    data = system_training_data(double_well_table(), 2, natoms=4)
    plain = ZennFitter(**QUICK, system_polish=0.0, training_precision="float64").fit(data)
    polished = ZennFitter(**QUICK, system_polish=2.0).fit(data)
    assert "polish_iterations" not in plain.history_
    assert 0 < polished.history_["polish_iterations"] <= 20 + 5
    assert polished._arithmetic["dtype"] == torch.float64
    # up to the polish both ran the same steps (float64 end to end: bit-identical), so the
    # polished fit's best validation loss can only be lower or equal
    same = ZennFitter(**QUICK, system_polish=2.0, training_precision="float64").fit(data)
    assert same.history_["best_validation_loss"] <= plain.history_["best_validation_loss"]


def test_the_dnn_baseline_gets_no_polish():
    from zenthermo.landscape.train import DnnFitter

    data = system_training_data(double_well_table(), 2, natoms=4)
    fitter = DnnFitter(**QUICK, dnn_hidden=(6, 6)).fit(data)
    assert "polish_iterations" not in fitter.history_


def test_per_source_fits_are_untouched_by_the_polish_setting():
    from synthetic import three_source_set

    from zenthermo.landscape.train_data import per_source_training_data

    torch.set_num_threads(1)
    data = per_source_training_data(three_source_set(), [np.linspace(140, 165, 6)] * 3,
                                    [np.linspace(0, 1000, 6)] * 3, natoms=12)
    a = ZennFitter(**QUICK).fit(data)
    b = ZennFitter(**QUICK, system_polish=0.0).fit(data)
    assert "polish_iterations" not in a.history_
    for x, y in zip(a.network_.state_dict().values(), b.network_.state_dict().values(),
                    strict=True):
        assert torch.equal(x, y)


def test_a_stalled_stage_tries_fresh_histories_before_it_stops():
    from zenthermo.landscape.optimise import _lbfgs
    from zenthermo.progress import SILENT

    def chunks(restarts: int) -> tuple[int, float]:
        x = torch.tensor([3.0, -2.0], dtype=torch.float64, requires_grad=True)
        checks: list[int] = []
        _lbfgs([x], lambda: (((x - 1.0) ** 4).sum(), {}), lambda stage, step: checks.append(step),
               1000, 10, SILENT, "test", "polish", restarts)
        return len(checks), float(((x.detach() - 1.0) ** 4).sum())

    (plain, end), (patient, end_patient) = chunks(0), chunks(3)
    # without restarts: two chunks without progress end the stage; with 3, three fresh
    # histories (two chunks each) get their chance first
    assert patient == plain + 3 * 2
    assert end_patient <= end < 1e-9

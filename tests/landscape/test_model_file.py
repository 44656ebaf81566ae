"""The trained-model file: round trip, atomic write, and clear errors for bad files."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from synthetic import three_source_set

from zenthermo.errors import InputError, SchemaError
from zenthermo.io.free_energy_table import FreeEnergyTable
from zenthermo.landscape.model_file import SCHEMA, is_model_file, load_model, save_model
from zenthermo.landscape.system_data import system_training_data
from zenthermo.landscape.train import DnnFitter, TrainingSettings, ZennFitter
from zenthermo.landscape.train_data import per_source_training_data

TINY = TrainingSettings(hidden=(6, 6), dnn_hidden=(6, 6), adam_epochs=5, lbfgs_iterations=0,
                        collocation_points=(4, 3), validation_fraction=0.0)


@pytest.fixture(scope="module")
def data():
    sources = three_source_set()
    return per_source_training_data(sources, [np.linspace(140, 164, 5)] * 3,
                                    [np.linspace(0, 1500, 4)] * 3, natoms=12,
                                    composition={"Fe": 9, "Pt": 3}, validation_fraction=0.0)


def assert_same_landscape(a, b):
    V, T = np.meshgrid(np.linspace(140, 164, 6), np.linspace(0, 1500, 5))
    for name, value in a.derivatives(V, T).as_dict().items():
        np.testing.assert_array_equal(value, b.derivatives(V, T).as_dict()[name], err_msg=name)
    assert a.method == b.method and a.natoms == b.natoms and a.source_names == b.source_names
    assert a.volume_domain == b.volume_domain and a.temperature_domain == b.temperature_domain
    np.testing.assert_array_equal(a.multiplicities, b.multiplicities)


@pytest.mark.parametrize("fitter", [ZennFitter, DnnFitter])
def test_round_trip_gives_the_same_landscape(tmp_path, data, fitter):
    landscape = fitter(TINY).fit(data).landscape_
    path = tmp_path / "model.pt"
    save_model(landscape, path)
    assert is_model_file(path)
    loaded = load_model(path)
    assert_same_landscape(landscape, loaded)
    assert loaded.composition == {"Fe": 9, "Pt": 3}
    assert loaded.settings["hidden"] == [6, 6]
    assert loaded.history["adam_steps"] == 5
    # weights_only-compatible content: plain types and tensors only
    payload = torch.load(path, weights_only=True)
    assert payload["schema"] == SCHEMA
    assert not list(tmp_path.glob("*.part"))


def test_system_mode_model_keeps_learned_multiplicities(tmp_path):
    V, T = np.meshgrid(np.linspace(140, 160, 5), np.linspace(0, 1000, 4))
    F = 0.01 * (V - 150.0) ** 2 - 1e-4 * T
    table = FreeEnergyTable(V.ravel(), T.ravel(), F.ravel())
    data = system_training_data(table, 2, validation_fraction=0.0, natoms=4)
    settings = TrainingSettings(**{**TINY.__dict__, "adam_epochs": 60, "evaluate_every": 10})
    landscape = ZennFitter(settings).fit(data).landscape_
    assert landscape.mode == "system"
    assert landscape.source_names == ("latent_1", "latent_2")
    assert not np.allclose(landscape.multiplicities, 1.0)  # learned
    save_model(landscape, tmp_path / "m.pt")
    assert_same_landscape(landscape, load_model(tmp_path / "m.pt"))


def test_truncated_file_is_reported(tmp_path, data):
    path = tmp_path / "model.pt"
    save_model(ZennFitter(TINY).fit(data).landscape_, path)
    raw = path.read_bytes()
    cut = tmp_path / "cut.pt"
    cut.write_bytes(raw[: len(raw) // 2])
    assert is_model_file(cut)
    with pytest.raises(InputError, match="truncated") as info:
        load_model(cut)
    assert "cut.pt" in str(info.value)


def test_other_files_are_not_model_files(tmp_path):
    text = tmp_path / "sources.json"
    text.write_text('{"schema": "zenthermo.sources/1"}')
    assert not is_model_file(text)
    assert not is_model_file(tmp_path / "missing.pt")
    with pytest.raises(InputError, match="sources.json"):
        load_model(text)
    with pytest.raises(InputError, match="not found"):
        load_model(tmp_path / "missing.pt")
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, other)
    with pytest.raises(InputError, match="no schema"):
        load_model(other)


def test_another_schema_version_is_refused(tmp_path):
    path = tmp_path / "future.pt"
    torch.save({"schema": "zenthermo.model/9"}, path)
    with pytest.raises(SchemaError, match="zenthermo.model/9"):
        load_model(path)

"""Model files written by zenthermo 0.1.0, before the derivatives on demand, the float32
training and the inference pass, load as they are and give the numbers that version gave
(tests/landscape/models_0.1.0/README.md says how they were made)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from zenthermo.landscape.model_file import load_model

FOLDER = Path(__file__).parent / "models_0.1.0"
RECORDED = json.loads((FOLDER / "values.json").read_text())
FIELDS = ("F", "F_V", "F_T", "F_VV", "F_TT", "F_VT", "F_VVV")


@pytest.mark.parametrize("name", sorted(RECORDED["models"]))
def test_an_old_model_file_evaluates_as_it_did(name):
    landscape = load_model(FOLDER / f"{name}.pt")
    V, T = np.array(RECORDED["V"]), np.array(RECORDED["T"])
    recorded = RECORDED["models"][name]
    derivatives = landscape.derivatives(V, T)
    for field in FIELDS:
        expected = np.array(recorded[field])
        np.testing.assert_allclose(getattr(derivatives, field), expected, rtol=0,
                                   atol=1e-13 * np.abs(expected).max(), err_msg=field)
    np.testing.assert_allclose(landscape.probabilities(V, T), recorded["p"], rtol=0,
                               atol=1e-13)


@pytest.mark.parametrize("name", sorted(RECORDED["models"]))
def test_an_old_model_file_answers_only_the_fields_asked_for(name):
    landscape = load_model(FOLDER / f"{name}.pt")
    V, T = np.array(RECORDED["V"]), np.array(RECORDED["T"])
    derivatives = landscape.derivatives(V, T, fields=("F_V", "F_VV"))
    np.testing.assert_allclose(derivatives.F_VV, RECORDED["models"][name]["F_VV"], rtol=1e-12)
    assert derivatives.F_TT is None

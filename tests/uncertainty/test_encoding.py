"""The summary.json ``uncertainty`` object: the keys of issue 12, strict JSON, round trip."""

import json

import numpy as np
import pytest

from zenthermo.errors import SchemaError
from zenthermo.uncertainty import (
    UncertaintySettings,
    analyze_with_uncertainty,
    uncertainty_from_dict,
    uncertainty_to_dict,
)
from zenthermo.uncertainty.calibration import FE3PT_LIKE


@pytest.fixture(scope="module")
def encoded():
    data = FE3PT_LIKE.source_set(5e-4, np.random.default_rng(3))
    settings = UncertaintySettings(members=4, seed=5, ci=(5.0, 50.0, 95.0))
    _, result = analyze_with_uncertainty(data, [0.0], np.arange(0.0, 401.0, 10.0), settings)
    return uncertainty_to_dict(result)


def test_the_object_has_the_keys_of_the_schema(encoded):
    assert {"method", "members", "failed_members", "ci", "critical_point", "isobars"} <= set(
        encoded)
    assert encoded["ci"] == [5.0, 50.0, 95.0]
    assert set(encoded["critical_point"]) >= {"T_K", "P_GPa", "V_A3", "present_fraction"}
    (isobar,) = encoded["isobars"]
    assert {"P_GPa", "T_K", "V_A3", "alpha_per_K", "B_GPa", "Cp_eV_per_K", "nte_windows",
            "lcte_per_K", "probabilities"} <= set(isobar)
    n = len(isobar["T_K"])
    assert [len(row) for row in isobar["V_A3"]] == [n, n, n]
    (window,) = isobar["nte_windows"]
    assert set(window) == {"T_start_K", "T_end_K", "alpha_min_per_K", "present_fraction"}
    assert len(window["T_start_K"]) == 3


def test_it_is_strict_json_and_reads_back_to_the_same_object(encoded):
    text = json.dumps(encoded, allow_nan=False)
    decoded = uncertainty_from_dict(json.loads(text))
    assert uncertainty_to_dict(decoded) == encoded
    np.testing.assert_array_equal(decoded.isobars[0].lcte_per_K,
                                  decoded.isobars[0].alpha_per_K / 3.0)


def test_missing_values_are_null_and_read_back_as_nan(encoded):
    data = json.loads(json.dumps(encoded))
    data["critical_point"]["T_K"] = [None, None, None]
    data["isobars"][0]["alpha_per_K"][0][0] = None
    decoded = uncertainty_from_dict(data)
    assert np.all(np.isnan(decoded.critical_point.T_K))
    assert np.isnan(decoded.isobars[0].alpha_per_K[0, 0])
    assert uncertainty_to_dict(decoded)["critical_point"]["T_K"] == [None, None, None]


def test_no_phase_diagram_is_a_null_critical_point(encoded):
    data = dict(encoded, critical_point=None, coexistence=None)
    decoded = uncertainty_from_dict(data)
    assert decoded.critical_point is None and decoded.coexistence is None


@pytest.mark.parametrize("damage, message", [
    (lambda d: d.pop("isobars"), "missing key 'isobars'"),
    (lambda d: d["isobars"][0]["V_A3"].pop(), r"'V_A3' has shape \(2, "),
    (lambda d: d.__setitem__("ci", [2.5, 97.5]), "'ci' has shape"),
    (lambda d: d["critical_point"].__setitem__("present_fraction", "all"), "not a number"),
    (lambda d: d["isobars"][0]["nte_windows"][0].pop("T_end_K"),
     r"nte_windows\[0\]: missing key 'T_end_K'"),
])
def test_a_damaged_object_is_a_schema_error_that_says_where(encoded, damage, message):
    data = json.loads(json.dumps(encoded))
    damage(data)
    with pytest.raises(SchemaError, match=message) as error:
        uncertainty_from_dict(data, path="out/summary.json")
    assert error.value.path == "out/summary.json"

"""summary.json round trip (schema zenthermo.summary/1) and the CSV tables."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from zenthermo.errors import InputError, SchemaError
from zenthermo.report.summary import SCHEMA, read_summary, write_summary
from zenthermo.report.tables import write_tables
from zenthermo.thermo.results import (
    Analysis,
    Coexistence,
    ConfigurationSummary,
    CriticalPoint,
    Isobar,
    MetastableBranch,
    NteWindow,
    PhaseDiagram,
    Spinodal,
)


def make_isobar(P_GPa: float, n: int = 6, seed: int = 0) -> Isobar:
    rng = np.random.default_rng(seed)
    T = np.linspace(0.0, 500.0, n)

    def values():
        return rng.normal(size=n) * 10.0 ** rng.integers(-6, 3)

    alpha = values()
    alpha[0] = np.nan  # e.g. an undefined value at a point
    return Isobar(
        P_GPa=P_GPa, T_K=T, V_A3=150 + values(), G_eV=values(), F_eV=values(),
        S_eV_per_K=values(), H_eV=values(), Cp_eV_per_K=values(), Cv_eV_per_K=values(),
        B_GPa=values(), alpha_per_K=alpha, extrapolated=np.arange(n) == n - 1,
        probabilities={"config_0": np.full(n, 0.25), "config_22": np.full(n, 0.75)},
        nte_windows=(NteWindow(12.5, 190.25, -1.5e-5, 101.0, open_start=False, open_end=False),
                     NteWindow(400.0, 500.0, -2e-6, 500.0, open_start=False, open_end=True)),
        metastable=MetastableBranch(T_K=T[1:3], V_A3=np.array([160.0, 161.0]),
                                    G_eV=np.array([-99.0, np.nan])),
    )


def make_analysis(with_transition: bool = True) -> Analysis:
    diagram = PhaseDiagram()
    if with_transition:
        diagram = PhaseDiagram(
            critical_point=CriticalPoint(T_K=650.5, P_GPa=-1.25, V_A3=151.0),
            spinodal=Spinodal(T_K=np.array([100.0, 300.0]), V_low_A3=np.array([146.0, 148.0]),
                              V_high_A3=np.array([156.0, 154.0]),
                              P_low_GPa=np.array([3.0, 2.0]), P_high_GPa=np.array([-4.0, -3.0])),
            coexistence=Coexistence(T_K=np.array([100.0, 200.0, 300.0]),
                                    P_GPa=np.array([-0.5, -0.7, np.nan]),
                                    V_low_A3=np.array([145.0, 146.0, 147.0]),
                                    V_high_A3=np.array([157.0, 156.0, 155.0])),
        )
    return Analysis(
        method="exact", natoms=12,
        configurations=(
            ConfigurationSummary("config_0", 1.0, "FM", -100.1, 150.2, 180.5, 5.1, label="FM"),
            ConfigurationSummary("config_22", 3.0, "AFM", None, None, None, None),
        ),
        isobars=(make_isobar(0.0, seed=1), make_isobar(-2.5, seed=2)),
        phase_diagram=diagram, volume_domain=(139.0, 172.0),
        temperature_domain=(0.0, np.inf if with_transition else 1000.0),
        composition={"Fe": 9, "Pt": 3},
    )


def assert_same(a, b, where="analysis"):
    """Deep equality where NaN equals NaN."""
    if dataclasses.is_dataclass(a):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype.kind == b.dtype.kind, where
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key}]")
    elif isinstance(a, tuple):
        assert len(a) == len(b), where
        for n, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{n}]")
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), where
    else:
        assert a == b and type(a) is type(b), f"{where}: {a!r} != {b!r}"


@pytest.mark.parametrize("with_transition", [True, False])
def test_write_then_read_rebuilds_the_analysis_exactly(tmp_path, with_transition):
    analysis = make_analysis(with_transition)
    path = write_summary(analysis, tmp_path / "summary.json")
    assert_same(read_summary(path), analysis)


def test_the_file_is_strict_json_with_the_keys_the_checks_read(tmp_path):
    path = write_summary(make_analysis(), tmp_path / "summary.json")
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    data = json.loads(text)
    assert data["schema"] == SCHEMA and data["method"] == "exact" and data["natoms"] == 12
    assert set(data["configurations"][0]) >= {"name", "multiplicity", "magnetic_order", "E0_eV",
                                              "V0_A3", "B0_GPa", "B0_prime"}
    assert data["configurations"][1]["E0_eV"] is None
    isobar = data["isobars"][1]
    assert isobar["P_GPa"] == -2.5
    assert set(isobar) >= {"T_K", "V_A3", "alpha_per_K", "B_GPa", "Cp_eV_per_K",
                           "probabilities", "extrapolated", "nte_windows", "lcte_per_K"}
    assert isobar["alpha_per_K"][0] is None  # NaN -> null
    assert isobar["lcte_per_K"][1] == pytest.approx(isobar["alpha_per_K"][1] / 3)
    assert isobar["extrapolated"] == [False] * 5 + [True]
    assert isobar["probabilities"]["config_22"] == [0.75] * 6
    assert set(isobar["nte_windows"][0]) >= {"T_start_K", "T_end_K", "alpha_min_per_K",
                                             "T_alpha_min_K"}
    assert data["critical_point"] == {"T_K": 650.5, "P_GPa": -1.25, "V_A3": 151.0}
    assert data["coexistence"]["P_GPa"] == [-0.5, -0.7, None]
    assert set(data["coexistence"]) == {"T_K", "P_GPa", "V_low_A3", "V_high_A3"}
    assert data["composition"] == {"Fe": 9, "Pt": 3}
    assert data["volume_domain"] == [139.0, 172.0] and "zenthermo_version" in data


def test_the_spinodal_is_written_as_one_closed_dome_through_the_critical_point(tmp_path):
    data = json.loads(write_summary(make_analysis(), tmp_path / "s.json").read_text())
    spinodal = data["spinodal"]
    assert spinodal["T_K"] == [100.0, 300.0, 650.5, 300.0, 100.0]
    assert spinodal["V_A3"] == [146.0, 148.0, 151.0, 154.0, 156.0]
    assert spinodal["P_GPa"] == [3.0, 2.0, -1.25, -3.0, -4.0]
    assert spinodal["T_branches_K"] == [100.0, 300.0]
    assert spinodal["P_high_GPa"] == [-4.0, -3.0]


def test_without_a_transition_the_phase_lines_are_empty_lists_and_no_critical_point(tmp_path):
    data = json.loads(write_summary(make_analysis(False), tmp_path / "s.json").read_text())
    assert data["critical_point"] is None
    assert data["coexistence"] == {"T_K": [], "P_GPa": [], "V_low_A3": [], "V_high_A3": []}
    assert data["spinodal"]["T_K"] == [] and data["spinodal"]["V_low_A3"] == []


def test_another_schema_or_a_broken_file_is_refused(tmp_path):
    path = write_summary(make_analysis(), tmp_path / "summary.json")
    data = json.loads(path.read_text())
    data["schema"] = "zenthermo.summary/99"
    path.write_text(json.dumps(data))
    with pytest.raises(SchemaError, match="summary/99"):
        read_summary(path)
    data["schema"] = SCHEMA
    del data["isobars"][0]["V_A3"]
    path.write_text(json.dumps(data))
    with pytest.raises(SchemaError, match="V_A3"):
        read_summary(path)
    path.write_text('{"schema": ')
    with pytest.raises(InputError):
        read_summary(path)
    with pytest.raises(InputError, match="not found"):
        read_summary(tmp_path / "missing.json")


def test_a_failed_write_leaves_no_file(tmp_path):
    bad = dataclasses.replace(make_analysis(), natoms="twelve")
    with pytest.raises(ValueError):
        write_summary(bad, tmp_path / "summary.json")
    assert list(tmp_path.iterdir()) == []


def test_csv_tables_hold_every_column_with_units(tmp_path):
    analysis = make_analysis()
    paths = write_tables(analysis, tmp_path)
    assert sorted(p.name for p in paths) == ["configurations.csv", "isobar_P-2.5GPa.csv",
                                             "isobar_P0GPa.csv", "phase_diagram.csv"]
    table = pd.read_csv(tmp_path / "isobar_P-2.5GPa.csv")
    isobar = analysis.isobar(-2.5)
    assert list(table.columns) == [
        "T_K", "V_A3", "G_eV", "F_eV", "S_eV_per_K", "H_eV", "Cp_eV_per_K", "Cv_eV_per_K",
        "B_GPa", "alpha_per_K", "lcte_per_K", "V_metastable_A3", "G_metastable_eV",
        "p_config_0", "p_config_22", "extrapolated"]
    np.testing.assert_array_equal(table["V_A3"], isobar.V_A3)  # repr floats: exact
    np.testing.assert_array_equal(table["alpha_per_K"], isobar.alpha_per_K)  # NaN -> empty
    np.testing.assert_array_equal(table["extrapolated"], isobar.extrapolated)
    np.testing.assert_array_equal(table["V_metastable_A3"], [np.nan, 160, 161, np.nan, np.nan,
                                                             np.nan])
    diagram = pd.read_csv(tmp_path / "phase_diagram.csv")
    assert list(diagram.columns) == ["piece", "T_K", "P_GPa", "V_A3"]
    assert diagram["piece"].value_counts().to_dict() == {
        "critical_point": 1, "coexistence_low": 3, "coexistence_high": 3, "spinodal_low": 2,
        "spinodal_high": 2}
    high = diagram[diagram["piece"] == "coexistence_high"]
    np.testing.assert_array_equal(high["V_A3"], [157.0, 156.0, 155.0])
    configurations = pd.read_csv(tmp_path / "configurations.csv")
    assert configurations["name"].tolist() == ["config_0", "config_22"]
    assert configurations["B0_GPa"].tolist()[0] == 180.5
    assert np.isnan(configurations["B0_GPa"].tolist()[1])


def test_without_a_transition_the_phase_diagram_table_has_only_its_header(tmp_path):
    write_tables(make_analysis(False), tmp_path)
    assert (tmp_path / "phase_diagram.csv").read_text() == "piece,T_K,P_GPa,V_A3\n"

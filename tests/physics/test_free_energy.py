"""Per-source free energies F_k(V,T): assembly, options, errors, real Fe3Pt sources."""

from __future__ import annotations

import numpy as np
import pytest

from zenthermo.errors import ConfigurationError, DomainError, FitError
from zenthermo.physics.debye import DebyeGrueneisen
from zenthermo.physics.eos import fit_eos
from zenthermo.physics.free_energy import SourceFreeEnergy, build_source_free_energies
from zenthermo.sources import Source, SourceSet, VolumePoint

COMPOSITION = {"Fe": 3, "Pt": 1}


def _source(name: str, v0: float, e0: float, b0_ev_a3: float = 1.0, n: int = 9) -> Source:
    volumes = np.linspace(0.9 * v0, 1.1 * v0, n)
    energies = e0 + 0.5 * b0_ev_a3 / v0 * (volumes - v0) ** 2 - 0.3 * b0_ev_a3 / v0**2 * (
        volumes - v0
    ) ** 3
    points = tuple(
        VolumePoint(label=f"vol_{i}", volume=float(v), energy=float(e), natoms=4,
                    composition=COMPOSITION)
        for i, (v, e) in enumerate(zip(volumes, energies, strict=True))
    )
    return Source(name=name, multiplicity=2.0, natoms=4, composition=COMPOSITION,
                  points=points, magnetic_order="FM", label=name.upper())


@pytest.fixture(scope="module")
def source_set() -> SourceSet:
    return SourceSet(sources=(_source("fm", 48.0, -32.0), _source("afm", 46.5, -31.95, 1.1)))


def test_debye_source_is_eos_plus_debye(source_set):
    fm, afm = build_source_free_energies(source_set)
    assert isinstance(fm, SourceFreeEnergy)
    assert (fm.name, fm.label, fm.multiplicity, fm.magnetic_order, fm.natoms) == (
        "fm", "FM", 2.0, "FM", 4)
    assert fm.vibrations == "debye"
    assert fm.temperature_domain == (0.0, float("inf"))
    assert fm.volume_domain == pytest.approx((0.9 * 48.0, 1.1 * 48.0))
    fit = fit_eos(source_set["fm"].volumes, source_set["fm"].energies, "bm4")
    debye = DebyeGrueneisen.from_eos(fit, COMPOSITION, 4)
    V, T = np.linspace(44, 52, 5)[:, None], np.array([0.0, 300.0, 900.0])
    total, vib = fm.derivatives(V, T), debye.derivatives(V, T)
    static = fit.energy_derivatives(np.broadcast_to(V, (5, 3)))
    for name, s in zip(("F", "F_V", "F_VV", "F_VVV"), static, strict=True):
        np.testing.assert_allclose(getattr(total, name), s + getattr(vib, name), rtol=1e-14)
    for name in ("F_T", "F_TT", "F_VT"):
        np.testing.assert_array_equal(getattr(total, name), getattr(vib, name))
    assert fm.debye_temperature(fit.v0_A3) == pytest.approx(debye.theta0_K)


def test_total_derivatives_are_consistent_with_finite_differences(source_set):
    afm = build_source_free_energies(source_set, eos="vinet")[1]
    V, T, h, k = 47.0, 450.0, 1e-3, 1e-2
    d = afm.derivatives(V, T)

    def f(name, v=V, t=T):
        return float(getattr(afm.derivatives(v, t), name))

    expected = {
        "F_V": (f("F", v=V + h) - f("F", v=V - h)) / (2 * h),
        "F_VV": (f("F_V", v=V + h) - f("F_V", v=V - h)) / (2 * h),
        "F_VVV": (f("F_VV", v=V + h) - f("F_VV", v=V - h)) / (2 * h),
        "F_T": (f("F", t=T + k) - f("F", t=T - k)) / (2 * k),
        "F_TT": (f("F_T", t=T + k) - f("F_T", t=T - k)) / (2 * k),
        "F_VT": (f("F_V", t=T + k) - f("F_V", t=T - k)) / (2 * k),
    }
    for name, value in expected.items():
        np.testing.assert_allclose(getattr(d, name), value, rtol=1e-6, err_msg=name)


def test_no_vibrations_gives_the_static_energy(source_set):
    fm = build_source_free_energies(source_set, vibrations="none")[0]
    d = fm.derivatives(np.array([46.0, 48.0]), 700.0)
    np.testing.assert_allclose(d.F, fm.eos_fit.energy([46.0, 48.0]))
    assert not d.F_T.any() and not d.F_TT.any() and not d.F_VT.any()
    assert fm.vibrations == "none" and fm.debye_temperature(48.0) is None


def test_debye_options_reach_the_model(source_set):
    default = build_source_free_energies(source_set)[0].vibrational_model
    other = build_source_free_energies(
        source_set, debye_scaling=0.7, debye_x=1.0, debye_volume="atom")[0].vibrational_model
    assert other.theta0_K == pytest.approx(default.theta0_K * 0.7 / 0.617 / 4 ** (1 / 6))
    assert other.gamma == pytest.approx(default.gamma - 1.0 / 3.0)


def test_phonopy_without_grids_names_the_source(source_set):
    with pytest.raises(ConfigurationError, match="'fm'.*no phonon grid"):
        build_source_free_energies(source_set, vibrations="phonopy")


@pytest.mark.parametrize("options", [{"eos": "bm9"}, {"vibrations": "einstein"}])
def test_unknown_options_are_configuration_errors(source_set, options):
    with pytest.raises(ConfigurationError):
        build_source_free_energies(source_set, **options)


def test_a_source_with_too_few_points_is_a_fit_error_naming_it():
    ss = SourceSet(sources=(_source("tiny", 48.0, -32.0, n=4),))
    with pytest.raises(FitError, match="tiny"):
        build_source_free_energies(ss)


def test_evaluation_broadcasts_and_rejects_bad_input(source_set):
    fm = build_source_free_energies(source_set)[0]
    rng = np.random.default_rng(7)
    V = rng.uniform(40.0, 56.0, size=(1000, 1000))
    T = rng.uniform(0.0, 1500.0, size=(1000, 1000))
    d = fm.derivatives(V, T)
    assert all(value.shape == (1000, 1000) and np.isfinite(value).all()
               for value in d.as_dict().values())
    assert fm.derivatives(60.0, 300.0).F.shape == ()  # outside the volume domain: allowed
    with pytest.raises(DomainError, match="NaN"):
        fm.derivatives(np.array([47.0, np.nan]), 300.0)
    with pytest.raises(DomainError):
        fm.derivatives(47.0, -5.0)


def test_real_fe3pt_sources(fe3pt_vasp_dir):
    from zenthermo.io.ingest import ingest

    source_set = ingest(fe3pt_vasp_dir)
    energies = build_source_free_energies(source_set)
    per_atom = build_source_free_energies(source_set, debye_volume="atom")
    assert len(energies) == 3
    for f in energies:
        fit = f.eos_fit
        assert f.vibrations == "debye" and f.natoms == 12
        assert 139.0 <= fit.v0_A3 <= 172.0
        assert 120.0 < fit.b0_GPa < 250.0 and 2.0 < fit.b0_prime < 10.0
        assert fit.rms_eV < 5e-3
        # Per atom (Moruzzi's Wigner-Seitz form) theta_D of Fe3Pt is ~320 K; DFTTK's cell
        # convention (the default) is larger by 12^(1/6).
        theta_atom = float(per_atom[energies.index(f)].debye_temperature(fit.v0_A3))
        assert 280.0 < theta_atom < 360.0
        assert float(f.debye_temperature(fit.v0_A3)) == pytest.approx(theta_atom * 12 ** (1 / 6))
        d = f.derivatives(np.linspace(140, 170, 7)[:, None], np.linspace(0, 1200, 5))
        assert all(np.isfinite(value).all() for value in d.as_dict().values())

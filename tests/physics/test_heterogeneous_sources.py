"""Sources that carry different data in one landscape: each gets the models its data allow."""

from __future__ import annotations

import numpy as np
import pytest

from zenthermo.errors import ConfigurationError
from zenthermo.landscape.exact import ExactZentropy
from zenthermo.physics.debye import DebyeGrueneisen
from zenthermo.physics.free_energy import build_source_free_energies
from zenthermo.sources import ElectronicDos, Source, SourceSet, VibrationalGrid, VolumePoint
from zenthermo.thermo.analysis import analyze

COMPOSITION = {"Cu": 4}
VOLUMES = np.linspace(44.0, 51.0, 8)
TEMPERATURES = np.arange(0.0, 1501.0, 10.0)
ENERGIES = np.linspace(-9.0, 6.0, 3001)
DEBYE = DebyeGrueneisen.from_parameters(4, 47.2, 140.0, 5.0, 63.546)


def _grid(volume: float) -> VibrationalGrid:
    d = DEBYE.derivatives(volume, TEMPERATURES)
    return VibrationalGrid(TEMPERATURES, d.F, -d.F_T, -TEMPERATURES * d.F_TT,
                           origin="phonon_dos")


def _dos(volume: float) -> ElectronicDos:
    scale = 0.4 * (volume / 47.0) ** 1.5
    return ElectronicDos(ENERGIES, scale * np.sqrt(np.clip(ENERGIES + 8.0, 0.0, None)))


def _source(name: str, v0: float, e0: float, phonons=(), electrons=()) -> Source:
    points = tuple(
        VolumePoint(label=f"vol_{i}", volume=float(v),
                    energy=float(e0 + 0.6 / v0 * (v - v0) ** 2 - 0.4 / v0**2 * (v - v0) ** 3),
                    natoms=4, composition=COMPOSITION,
                    vibrations=_grid(v) if i in phonons else None,
                    electronic=_dos(v) if i in electrons else None)
        for i, v in enumerate(VOLUMES)
    )
    return Source(name=name, multiplicity=2.0, natoms=4, composition=COMPOSITION,
                  points=points, magnetic_order="FM")


@pytest.fixture(scope="module")
def mixed() -> SourceSet:
    every = range(len(VOLUMES))
    return SourceSet(sources=(
        _source("full", 47.5, -16.00, phonons=every, electrons=every),
        _source("static", 47.0, -15.98),
        _source("few_phonons", 48.0, -15.99, phonons=(3, 4, 5, 6)),
        _source("two_phonons", 47.8, -15.97, phonons=(2, 5)),
        _source("dos_only", 47.3, -15.975, electrons=every),
    ))


@pytest.fixture(scope="module")
def built(mixed):
    return build_source_free_energies(mixed)


def test_auto_gives_each_source_the_models_its_data_allow(built):
    built = {f.name: f for f in built}
    expected = {  # name: (vibrations, electronic, temperature domain top)
        "full": ("phonopy", "dos", 1500.0), "static": ("debye", "none", np.inf),
        "few_phonons": ("phonopy", "none", 1500.0), "two_phonons": ("debye", "none", np.inf),
        "dos_only": ("debye", "dos", 3000.0),
    }
    for name, (vibrations, electronic, top) in expected.items():
        f = built[name]
        assert (f.vibrations, f.electronic, f.temperature_domain) == (
            vibrations, electronic, (0.0, top)), name
    full, few = built["full"], built["few_phonons"]
    assert full.phonon_data == "phonon_dos" and full.warnings == ()
    assert full.phonon_volume_range == full.electronic_volume_range == (44.0, 51.0)
    assert few.phonon_volume_range == pytest.approx((VOLUMES[3], VOLUMES[6]))
    assert "extrapolated" in few.warnings[0] and "few_phonons" in few.warnings[0]
    assert few.extrapolated(np.array([44.5, 48.0, 50.9])).tolist() == [True, False, True]
    assert not full.extrapolated(np.array([44.0, 51.0])).any()
    assert built["static"].describe_models() == "static bm4 + Debye-Grueneisen"
    assert full.describe_models().startswith(
        "static bm4 + phonons (phonon_dos, 44-51 A^3, ") and "electronic (DOS, 44-51" in \
        full.describe_models()
    assert np.isfinite(full.phonon_loo_rms_eV) and np.isfinite(full.electronic_loo_rms_eV)
    assert np.isnan(built["static"].phonon_loo_rms_eV)


def test_the_sum_is_eos_plus_vibrations_plus_electrons(built):
    full = built[0]
    V, T = np.array([45.1, 48.3, 50.2])[:, None], np.array([0.0, 155.0, 1234.0])
    total = full.derivatives(V, T)
    vib = full.vibrational_model.derivatives(V, T)
    el = full.electronic_model.derivatives(V, T)
    static = full.eos_fit.energy_derivatives(np.broadcast_to(V, (3, 3)))
    for k, name in enumerate(("F", "F_V", "F_VV", "F_VVV")):
        np.testing.assert_allclose(getattr(total, name),
                                   static[k] + getattr(vib, name) + getattr(el, name),
                                   rtol=1e-13, atol=1e-16)
    for name in ("F_T", "F_TT", "F_VT"):
        np.testing.assert_allclose(getattr(total, name), getattr(vib, name) + getattr(el, name),
                                   rtol=1e-13, atol=1e-20)
    assert np.all(el.F[:, 0] == 0.0) and np.all(el.F[:, 1:] < 0.0)


def test_the_exact_landscape_takes_the_mixture(mixed, built):
    landscape = ExactZentropy(built)
    assert landscape.temperature_domain == (0.0, 1500.0)  # the phonon grids end there
    result = analyze(landscape, [0.0], np.arange(0.0, 1501.0, 50.0), phase_diagram=False)
    isobar = result.isobars[0]
    assert np.isfinite(isobar.V_A3).all() and np.isfinite(isobar.alpha_per_K).all()
    assert set(isobar.probabilities) == set(mixed.names)
    np.testing.assert_allclose(sum(isobar.probabilities.values()), 1.0, rtol=1e-12)
    assert [c.name for c in result.configurations] == list(mixed.names)


def test_explicit_choices_apply_to_every_source_or_say_which_cannot(mixed):
    with pytest.raises(ConfigurationError, match="electronic='on'.*'static'"):
        build_source_free_energies(mixed, electronic="on")
    off = build_source_free_energies(mixed, electronic="off")
    assert {f.electronic for f in off} == {"none"}
    assert off[0].temperature_domain == (0.0, 1500.0)
    phonopy = build_source_free_energies(SourceSet(sources=mixed.sources[2:4]),
                                         vibrations="phonopy")
    assert [f.vibrations for f in phonopy] == ["phonopy", "phonopy"]  # two volumes suffice
    assert phonopy[1].phonon_interpolation == "poly1"
    with pytest.raises(ConfigurationError, match="'static'.*no phonon grid at 8 of its 8"):
        build_source_free_energies(mixed, vibrations="phonopy")
    forms = build_source_free_energies(SourceSet(sources=mixed.sources[:1]),
                                       phonon_interpolation="strain2",
                                       electronic_interpolation="poly1")[0]
    assert forms.phonon_interpolation == "strain2" and forms.electronic_model.form == "poly1"
    for option in ({"electronic": "maybe"}, {"phonon_interpolation": "spline"},
                   {"electronic_interpolation": "poly9"}):
        with pytest.raises(ConfigurationError):
            build_source_free_energies(mixed, **option)


def test_debye_with_electrons_ends_at_the_electronic_grid_top(mixed):
    dos_only = SourceSet(sources=(mixed["dos_only"],))
    (f,) = build_source_free_energies(dos_only, electronic_tmax=2000.0, electronic_tstep=25.0)
    assert f.temperature_domain == (0.0, 2000.0)
    assert f.electronic_model.temperatures[1] == 25.0

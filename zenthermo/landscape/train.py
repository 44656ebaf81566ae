"""The fitters of ZENN and the plain-DNN baseline (scikit-learn conventions).

Usage (the constructor holds the parameters, ``fit`` learns, learned state ends in ``_``)::

    fitter = ZennFitter(seed=1).fit(source_set)                      # per-source mode
    landscape = fitter.landscape_                                    # a ZennLandscape
    fitter = ZennFitter(n_latent_sources=3).fit(system_training_data(table))  # system mode
    fitter.get_params()["hidden"], fitter.set_params(adam_epochs=100)

The parameters are those of :class:`~zenthermo.landscape.settings.TrainingSettings` (a
ready one may be passed as the first argument). The network's initial state comes from
:mod:`zenthermo.landscape.initialise`, the optimiser loop from
:mod:`zenthermo.landscape.optimise`. Optimisation is full batch: Adam with an
exponentially decaying learning rate, then an L-BFGS polish (strong Wolfe line search). The
loss on the validation rows (held-out volumes and temperatures) is checked every
``evaluate_every`` steps and the best-validation weights are kept. Training is deterministic
for a given seed: the same data and parameters give bit-identical weights (same device and
thread count).
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np
import torch

from zenthermo.errors import FitError
from zenthermo.landscape.dnn import DnnLandscape, DnnNetwork, make_dnn_normalisation
from zenthermo.landscape.entropy_split import teach_initial_entropy
from zenthermo.landscape.features import Normalisation
from zenthermo.landscape.initialise import (
    absorb_initial_misfit,
    domain_normalisation,
    fit_baseline,
    obeys_third_law,
    residual_scale,
)
from zenthermo.landscape.jets import constant_jet
from zenthermo.landscape.losses import (
    GatedLoss,
    Rows,
    data_terms,
    entropy_terms,
    gruneisen_points,
    gruneisen_term,
    own_points,
    padded_source_rows,
    physics_terms,
    residual_scales,
    target_scales,
    weighted_sum,
)
from zenthermo.landscape.mlp import DTYPE, TRAINING_DTYPES
from zenthermo.landscape.optimise import optimise
from zenthermo.landscape.settings import TrainingSettings
from zenthermo.landscape.system_data import system_training_data
from zenthermo.landscape.train_data import TrainingData, training_data_from_sources
from zenthermo.landscape.zenn import ZennLandscape, ZennNetwork
from zenthermo.progress import SILENT
from zenthermo.units import KB_EV_PER_K

__all__ = ["DnnFitter", "TrainingSettings", "ZennFitter", "system_training_data",
           "training_data_from_sources"]


#: The fitters' parameters: the fields of TrainingSettings.
PARAMETERS = tuple(f.name for f in dataclasses.fields(TrainingSettings))


class _Fitter:
    """Shared parameters and fitting; subclasses build the network and the loss.

    scikit-learn conventions: every parameter is a constructor keyword (the fields of
    :class:`~zenthermo.landscape.settings.TrainingSettings`, defaults included) stored as
    an attribute of the same name and read back by :meth:`get_params`; :meth:`set_params`
    changes them; nothing is checked or learned before :meth:`fit`, and what ``fit`` learns
    ends in ``_``. A ready :class:`TrainingSettings` may be given as the first argument
    (keywords then override its values). Randomness comes from a local
    ``torch.Generator`` seeded with ``seed``: torch's global generator is neither used nor
    reseeded, and the same data and parameters give bit-identical weights.
    """

    method = ""
    #: Whether a system fit to a table of F gets the float64 L-BFGS polish (ZENN only).
    polishes = False

    def __init__(self, settings: TrainingSettings | None = None, **params: Any) -> None:
        unknown = sorted(set(params) - set(PARAMETERS))
        if unknown:
            raise TypeError(f"{type(self).__name__} got unknown parameter(s) {unknown}; "
                            f"known: {', '.join(PARAMETERS)}")
        base = TrainingSettings() if settings is None else settings
        for name in PARAMETERS:
            setattr(self, name, params[name] if name in params else getattr(base, name))

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The parameters as a dict (``deep`` is accepted for scikit-learn; no sub-objects)."""
        return {name: getattr(self, name) for name in PARAMETERS}

    def set_params(self, **params: Any) -> _Fitter:
        """Change parameters; returns self.

        Raises
        ------
        ValueError
            An unknown parameter name.
        """
        for name, value in params.items():
            if name not in PARAMETERS:
                raise ValueError(f"invalid parameter {name!r} for {type(self).__name__}; "
                                 f"valid parameters: {', '.join(PARAMETERS)}")
            setattr(self, name, value)
        return self

    @property
    def settings(self) -> TrainingSettings:
        """The parameters as one checked :class:`TrainingSettings`.

        Raises
        ------
        ConfigurationError
            A parameter out of range (e.g. ``device="cuda"`` without a GPU).
        """
        return TrainingSettings(**self.get_params())

    def __repr__(self) -> str:
        default = TrainingSettings()
        changed = ", ".join(f"{name}={getattr(self, name)!r}" for name in PARAMETERS
                            if getattr(self, name) != getattr(default, name))
        return f"{type(self).__name__}({changed})"

    # -- data ---------------------------------------------------------------------------
    def _as_training_data(self, data) -> TrainingData:
        if isinstance(data, TrainingData):
            return data
        s = self.settings
        return training_data_from_sources(data, **s.data_options())

    def fit(self, data, progress=None):
        """Learn from a SourceSet (per-source mode) or a :class:`TrainingData`; returns self."""
        progress = progress or SILENT
        data = self._as_training_data(data)
        s = self.settings
        # CPU kernels are deterministic already (and switching the flag imports torch's
        # compiler stack, seconds); on CUDA ask for deterministic kernels.
        deterministic = torch.are_deterministic_algorithms_enabled()
        if s.device == "cuda":
            torch.use_deterministic_algorithms(True, warn_only=True)
        started = time.perf_counter()
        try:
            generator = torch.Generator().manual_seed(int(s.seed))
            network, loss_fn, val_fn = self._build(data, s, generator)
            polish = s.polish_iterations(data.mode, data.system_target) if self.polishes else 0
            history = optimise(network, loss_fn, val_fn, s, progress, self.method, polish,
                               self._full_precision)
        finally:
            if s.device == "cuda":
                torch.use_deterministic_algorithms(deterministic)
        history["wall_time_s"] = time.perf_counter() - started
        history["n_training_rows"] = int((~data.per_source.validation).sum()
                                         + (~data.combined.validation).sum())
        history["n_validation_rows"] = int(data.per_source.validation.sum()
                                           + data.combined.validation.sum())
        if data.mode == "system":
            # "density": F is known up to a constant per temperature (not absolute F, S, C_P)
            history["system_target"] = data.system_target
        self.data_ = data
        self.history_ = history
        self.network_ = network
        self.landscape_ = self._landscape(network, data, history)
        return self

    def _full_precision(self) -> None:
        """Train on in float64 from now on (the system-mode polish; float32 gradients were
        too noisy for a fresh L-BFGS history there)."""
        arithmetic = getattr(self, "_arithmetic", None)
        if arithmetic is not None:
            arithmetic["dtype"] = DTYPE

    def _build(self, data: TrainingData, s: TrainingSettings,
               generator: torch.Generator):  # pragma: no cover - abstract
        raise NotImplementedError

    def _landscape(self, network, data: TrainingData, history: dict):  # pragma: no cover
        raise NotImplementedError

    @staticmethod
    def _collocation(data: TrainingData, s: TrainingSettings,
                     ) -> tuple[torch.Tensor, torch.Tensor]:
        nv, nt = s.collocation_points
        (v0, v1), (t0, t1) = data.volume_domain, data.temperature_domain
        Vg, Tg = np.meshgrid(np.linspace(v0, v1, nv), np.linspace(t0, t1, nt), indexing="ij")
        dev = s.device
        return (torch.as_tensor(Vg.ravel(), dtype=DTYPE, device=dev),
                torch.as_tensor(Tg.ravel(), dtype=DTYPE, device=dev))


class ZennFitter(_Fitter):
    """Fits a :class:`~zenthermo.landscape.zenn.ZennLandscape` (per-source or system mode)."""

    method = "zenn"
    polishes = True

    def _build(self, data: TrainingData, s: TrainingSettings, generator: torch.Generator):
        dev = s.device
        knee = (s.low_temperature_knee if obeys_third_law(data, s.low_temperature_knee)
                else 0.0)
        norm_args = domain_normalisation(data, knee)
        K = len(data.source_names)
        w_entropy = s.weight_intrinsic_entropy  # None: only where the split enters F
        if w_entropy is None:
            w_entropy = 0.0 if s.entropy_fluctuation_gamma is None else 1.0
        if data.mode == "per-source" and \
                data.entropy_fluctuation_gamma != s.entropy_fluctuation_gamma:
            raise FitError(
                f"the system-level targets were built with entropy_fluctuation_gamma = "
                f"{data.entropy_fluctuation_gamma}, the fit has {s.entropy_fluctuation_gamma}",
                hint="build the data with training_data_from_sources(..., "
                     "**settings.data_options())")
        train_ps = ~data.per_source.validation
        train_c = ~data.combined.validation
        baselines, scales, entropy_scales = [], [], []
        if data.mode == "per-source":
            ps = data.per_source
            for k in range(K):
                rows = train_ps & (ps.source == k)
                if not rows.any():
                    rows = ps.source == k
                coeffs = fit_baseline(ps.V[rows], ps.T[rows], ps.F[rows], norm_args)
                baselines.append(coeffs)
                scales.append(residual_scale(coeffs, ps.V[rows], ps.T[rows], ps.F[rows],
                                              norm_args))
                f_t = ps.F_T[rows][np.isfinite(ps.F_T[rows])]
                entropy_scales.append(float(np.max(np.abs(f_t))) if f_t.size
                                      else 3 * data.natoms * KB_EV_PER_K)
        else:
            c = data.combined
            F_ref = c.F_reference  # F, or from a density target -k_B T ln p
            coeffs = fit_baseline(c.V[train_c], c.T[train_c], F_ref[train_c], norm_args)
            scale = residual_scale(coeffs, c.V[train_c], c.T[train_c], F_ref[train_c], norm_args)
            # Latent sources start from the same baseline tilted apart in v (+-scale), so that
            # they are not interchangeable and can specialise on different volume ranges.
            for tilt in np.linspace(-1.0, 1.0, K) if K > 1 else [0.0]:
                tilted = coeffs.copy()
                tilted[1] += tilt * scale
                baselines.append(tilted)
                scales.append(scale)
                entropy_scales.append(3 * data.natoms * KB_EV_PER_K)
        norm = Normalisation(*norm_args[:3], torch.as_tensor(np.array(baselines), dtype=DTYPE),
                             torch.as_tensor(scales, dtype=DTYPE),
                             torch.as_tensor(entropy_scales, dtype=DTYPE), norm_args[3],
                             s.low_temperature_input * norm_args[2])
        network = ZennNetwork(
            norm, torch.as_tensor(np.log(data.multiplicities), dtype=DTYPE), s.hidden,
            s.activation, learn_multiplicities=data.learn_multiplicities,
            entropy_fluctuation_gamma=s.entropy_fluctuation_gamma, generator=generator).to(dev)
        if w_entropy:
            # E_k then starts near F_k + T S_k (no Adam phase, no pre-training)
            teach_initial_entropy(network, data, steps=min(200, s.adam_epochs))
        absorb_initial_misfit(network, data, norm_args)
        loss_scales = target_scales([data.per_source, data.combined], float(np.mean(scales)))
        source_scales = (residual_scales(float(np.mean(scales)), norm_args[1], norm_args[2])
                         if s.sobolev_scaling == "residual" else loss_scales)
        weights = {**s.data_weights("source ", s.weight_sources),
                   **s.data_weights("system ", s.weight_combined),
                   "convexity": s.weight_convexity, "heat_capacity": s.weight_heat_capacity,
                   "source S_k": w_entropy, "system S_k = -F_k,T": w_entropy}
        # system mode has no per-source entropies: Gibbs-Helmholtz, only where the split
        # enters F (the fluctuation term)
        self_consistent = data.mode == "system" and s.entropy_fluctuation_gamma is not None
        col_V, col_T = self._collocation(data, s)
        t_max = norm_args[2]
        # system mode, flat input: the Grueneisen law of each latent source at low T
        n_gt = 8 if data.mode == "system" and knee > 0 and s.weight_gruneisen > 0 else 0
        gr_V, gr_T = (torch.as_tensor(x, dtype=DTYPE, device=dev) for x in gruneisen_points(
            data.volume_domain, norm_args[3], s.collocation_points[0] if n_gt else 0, n_gt))
        weights["gruneisen"] = s.weight_gruneisen
        # the networks' arithmetic in training (evaluation: float64); the system-mode
        # polish switches it to float64 (``arithmetic`` is read at every evaluation)
        self._arithmetic = arithmetic = {"dtype": TRAINING_DTYPES[s.training_precision]}

        def precision():
            return network.mlp.precision(arithmetic["dtype"])

        fields = s.training_fields() | ({"vt", "tt"} if n_gt else set())
        data_fields = fields - ({"tt"} if not n_gt else set())  # F_TT: C_V >= 0 (Grueneisen)

        def physics_check():
            with precision():
                free_k = network.sources(col_V, col_T, fields)[0]
            return physics_terms(free_k, loss_scales, t_max)

        def make_loss(ps_mask, c_mask, train: bool):
            ps_rows = padded_source_rows(data.per_source, ps_mask, K, dev)
            c_rows = Rows.from_table(data.combined, c_mask, dev)
            n_ps, n_c = ps_rows.V.shape[1], len(c_rows)
            # per-source rows at a combined point reuse its evaluation (no duplicate passes)
            extra_V, extra_T, own_index = own_points(ps_rows, c_rows.V, c_rows.T)
            n_x = extra_V.shape[1]
            n_g = gr_V.numel() if train else 0  # Grueneisen points: training only
            points = {False: (torch.cat([extra_V, c_rows.V.expand(K, -1),
                                         gr_V[:n_g].expand(K, -1)], dim=1),
                              torch.cat([extra_T, c_rows.T.expand(K, -1),
                                         gr_T[:n_g].expand(K, -1)], dim=1))}
            points[True] = (torch.cat([points[False][0], col_V.expand(K, -1)], dim=1),
                            torch.cat([points[False][1], col_T.expand(K, -1)], dim=1))

            def evaluate(physics: bool = False, zeros: dict | None = None):
                with precision():
                    free_k, _, entropy_k = network.sources(*points[physics],
                                                           fields if physics else data_fields)
                terms = {}
                if n_ps:
                    own = free_k.map(lambda x: x.gather(1, own_index))
                    terms.update(data_terms(own, ps_rows, source_scales, "source ",
                                            s.alpha_floor))
                    if w_entropy:
                        s_own = constant_jet(entropy_k.f.gather(1, own_index))
                        terms.update(entropy_terms(own, s_own, ps_rows, source_scales["F_T"],
                                                   "source "))
                elif self_consistent and w_entropy:
                    # on the data points only: its value must not depend on the gate
                    on_data = slice(0, n_x + n_c)
                    terms.update(entropy_terms(free_k.map(lambda x: x[:, on_data]),
                                               entropy_k.map(lambda x: x[:, on_data]), None,
                                               float(np.mean(entropy_scales)), "system "))
                if n_c:
                    window = slice(n_x, n_x + n_c)
                    total, _ = network.combine(free_k.map(lambda x: x[:, window]),
                                               entropy_k.map(lambda x: x[:, window]),
                                               c_rows.T)
                    terms.update(data_terms(total, c_rows, loss_scales, "system ",
                                            s.alpha_floor, s.stiffness_floor))
                if n_g:
                    terms["gruneisen"] = gruneisen_term(
                        free_k.map(lambda x: x[:, n_x + n_c:n_x + n_c + n_g]), gr_T, n_gt)
                if physics:
                    terms.update(physics_terms(free_k.map(lambda x: x[:, n_x + n_c + n_g:]),
                                               loss_scales, t_max))
                else:
                    terms.update(zeros or {})
                return weighted_sum(terms, weights), terms

            return evaluate if (n_ps or n_c) else None

        train_fn = make_loss(~data.per_source.validation, ~data.combined.validation, True)
        val_fn = make_loss(data.per_source.validation, data.combined.validation, False)
        if train_fn is None:
            raise FitError("no training rows left after the validation split",
                           hint="lower validation_fraction")
        return network, GatedLoss(train_fn, physics_check, weights), val_fn

    def _landscape(self, network, data: TrainingData, history: dict) -> ZennLandscape:
        return ZennLandscape(network, data.natoms, data.source_names, data.volume_domain,
                             data.temperature_domain, data.composition, data.mode,
                             self.settings.to_dict(), history, self.settings.device)


class DnnFitter(_Fitter):
    """Fits the plain-DNN baseline on the system-level targets of the data."""

    method = "dnn"

    def _build(self, data: TrainingData, s: TrainingSettings, generator: torch.Generator):
        dev = s.device
        norm_args = domain_normalisation(data)
        c = data.combined
        if len(c) == 0:
            raise FitError("the DNN needs system-level targets, and the sources share no "
                           "(V, T) point where all of them are defined")
        train = ~c.validation
        F_ref = c.F_reference  # F, or from a density target -k_B T ln p
        coeffs = fit_baseline(c.V[train], c.T[train], F_ref[train], norm_args)
        scale = residual_scale(coeffs, c.V[train], c.T[train], F_ref[train], norm_args)
        norm = make_dnn_normalisation(*norm_args[:3], torch.as_tensor(coeffs, dtype=DTYPE),
                                      scale)
        network = DnnNetwork(norm, s.dnn_hidden, s.activation, generator).to(dev)
        absorb_initial_misfit(network, data, norm_args)
        loss_scales = target_scales([c], scale)
        weights = s.data_weights("system ", 1.0)

        def make_loss(mask):
            rows = Rows.from_table(c, mask, dev)
            if len(rows) == 0:
                return None

            def loss():
                jet = network(rows.V, rows.T, s.training_fields())
                terms = data_terms(jet, rows, loss_scales, "system ", s.alpha_floor)
                return weighted_sum(terms, weights), terms

            return loss

        return network, make_loss(train), make_loss(c.validation)

    def _landscape(self, network, data: TrainingData, history: dict) -> DnnLandscape:
        return DnnLandscape(network, data.natoms, data.volume_domain, data.temperature_domain,
                            data.composition, data.mode, self.settings.to_dict(), history,
                            self.settings.device, trained_on=data.source_names)

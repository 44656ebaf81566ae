"""Training ZENN and the plain-DNN baseline: settings, fitters, Adam + L-BFGS with early stopping.

Usage (scikit-learn style: the constructor holds settings, ``fit`` learns, learned state
ends in ``_``)::

    fitter = ZennFitter(TrainingSettings(seed=1)).fit(source_set)   # per-source mode
    landscape = fitter.landscape_                                    # a ZennLandscape
    fitter = ZennFitter(settings).fit(system_training_data(table))   # system mode

Optimisation is full batch: Adam with an exponentially decaying learning rate, then an
L-BFGS polish (strong Wolfe line search). The loss on the validation rows (held-out volumes
and temperatures) is checked every ``evaluate_every`` steps and the best-validation
weights are kept. Training is deterministic for a given seed: the same data and settings
give bit-identical parameters (same device and thread count).
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass, fields

import numpy as np
import torch

from zenthermo.errors import ConfigurationError, FitError
from zenthermo.landscape.dnn import DNN_HIDDEN, DnnLandscape, DnnNetwork, make_dnn_normalisation
from zenthermo.landscape.losses import (
    Rows,
    data_terms,
    padded_source_rows,
    physics_terms,
    residual_scales,
    target_scales,
    weighted_sum,
)
from zenthermo.landscape.train_data import (
    TrainingData,
    system_training_data,
    training_data_from_sources,
)
from zenthermo.landscape.zenn import (
    DTYPE,
    TRAINING_FIELDS,
    Jet,
    Normalisation,
    ZennLandscape,
    ZennNetwork,
    baseline_basis,
)
from zenthermo.progress import SILENT
from zenthermo.units import KB_EV_PER_K

__all__ = ["DnnFitter", "TrainingSettings", "ZennFitter", "system_training_data",
           "training_data_from_sources"]


@dataclass(frozen=True)
class TrainingSettings:
    """Everything that decides a training run (all plain values; saved in the model file).

    Attributes
    ----------
    hidden : tuple of int
        Hidden widths of each ZENN energy and entropy network.
    dnn_hidden : tuple of int
        Hidden widths of the DNN baseline (the paper's 4 x 48).
    activation : str
        ``tanh`` (default), ``silu`` or ``softplus``: smooth to third order.
    adam_epochs, learning_rate, final_learning_rate
        Adam steps and the exponentially decaying learning rate from start to end.
    lbfgs_iterations : int
        L-BFGS iterations of the polish (0 to skip).
    evaluate_every : int
        Steps between validation checks (Adam; L-BFGS checks every ``evaluate_every // 4``).
    patience : int
        Validation checks without improvement before Adam stops early.
    validation_fraction : float
        Fraction of distinct volumes and temperatures held out (0: select on training loss).
    n_temperatures : int
        Temperature points per source where it has no phonon grid (per-source mode).
    n_volumes : int
        Volumes per source (per-source mode): a dense grid over the source's DFT volume
        range on which its physics model is distilled (0: only the DFT volumes).
    max_temperature : float
        Highest training temperature, K (per-source mode; Debye sources are unbounded).
    collocation_points : (int, int)
        Volume x temperature grid for the physics regularisers.
    weight_F, weight_P, weight_B, weight_S, weight_alpha : float
        Weights of the F, F_V (pressure), F_VV (bulk modulus), F_T (entropy) and F_VT
        (dP/dT, which sets the thermal expansion) terms.
    weight_density : float
        Weight of the Jensen-Shannon term of a system density target (see
        :func:`~zenthermo.landscape.losses.density_term`).
    alpha_floor : float
        F_VT residuals are relative errors, divided by |target| + ``alpha_floor`` x the
        F_VT scale (see :func:`~zenthermo.landscape.losses.data_terms`); 0: absolute.
    weight_sources, weight_combined : float
        Multipliers of the per-source and of the system-level (combined) data terms.
    weight_convexity, weight_heat_capacity : float
        Physics regularisers (F_k convex in V, C_V,k >= 0).
    n_latent_sources : int
        K in system mode.
    sobolev_scaling : str
        How the per-source F_V, F_VV, F_T residuals are scaled: ``residual`` (by the F
        residual scale over the normalised volume and temperature half-widths, see
        :func:`~zenthermo.landscape.losses.residual_scales`) or ``rms`` (by the RMS of the
        targets). System-level terms always use ``rms``.
    entropy_fluctuation_gamma : float or None
        The paper's optional entropy-fluctuation term (None: off).
    low_temperature_knee : float
        ZENN's temperature input is flat at T = 0 below this fraction of the top training
        temperature (see :func:`~zenthermo.landscape.zenn.temperature_feature`): each F_k
        then follows the Debye T^4 law there and alpha -> 0 with the data's sign. Used only
        for per-source data that obey the third law (F_k,T = 0 at T = 0); otherwise, and
        for 0, the input is linear in T (the DNN baseline always has a linear input).
    low_temperature_input : float
        T_1 of ZENN's second temperature input u(T) (see
        :func:`~zenthermo.landscape.zenn.low_temperature_feature`) as a fraction of the top
        training temperature; 0: no second input.
    seed : int
    device : str
        ``cpu`` or ``cuda``.
    """

    hidden: tuple[int, ...] = (24, 24)
    dnn_hidden: tuple[int, ...] = DNN_HIDDEN
    activation: str = "tanh"
    adam_epochs: int = 300
    learning_rate: float = 1e-2
    final_learning_rate: float = 2e-4
    lbfgs_iterations: int = 1500
    evaluate_every: int = 40
    patience: int = 25
    validation_fraction: float = 0.15
    n_temperatures: int = 21
    n_volumes: int = 13
    max_temperature: float = 1000.0
    collocation_points: tuple[int, int] = (24, 12)
    weight_F: float = 1.0
    weight_P: float = 1.0
    weight_B: float = 1.5
    weight_S: float = 1.0
    weight_alpha: float = 0.5
    weight_density: float = 1.0
    alpha_floor: float = 0.05
    weight_sources: float = 1.0
    weight_combined: float = 3.0
    weight_convexity: float = 0.1
    weight_heat_capacity: float = 0.1
    n_latent_sources: int = 2
    sobolev_scaling: str = "rms"
    entropy_fluctuation_gamma: float | None = None
    low_temperature_knee: float = 0.04
    low_temperature_input: float = 0.1
    seed: int = 0
    device: str = "cpu"

    def __post_init__(self) -> None:
        if self.device not in ("cpu", "cuda"):
            raise ConfigurationError(f"device must be 'cpu' or 'cuda', not {self.device!r}")
        if self.device == "cuda" and not torch.cuda.is_available():
            raise ConfigurationError("device 'cuda' was asked for but torch sees no CUDA GPU",
                                     hint="use --device cpu")
        if not 0 <= self.validation_fraction < 0.5:
            raise ConfigurationError("validation_fraction must be in [0, 0.5)")
        if self.adam_epochs < 0 or self.lbfgs_iterations < 0:
            raise ConfigurationError("adam_epochs and lbfgs_iterations must be >= 0")

    def to_dict(self) -> dict:
        """Plain values (tuples become lists) for the model file."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, values: dict) -> TrainingSettings:
        known = {f.name for f in fields(cls)}
        clean = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()
                 if k in known}
        clean["device"] = "cpu"
        return cls(**clean)

    def data_options(self) -> dict:
        """Keyword arguments of :func:`training_data_from_sources` that these settings fix."""
        return {"n_temperatures": self.n_temperatures, "n_volumes": self.n_volumes,
                "max_temperature": self.max_temperature,
                "validation_fraction": self.validation_fraction, "seed": self.seed}

    def data_weights(self, prefix: str, multiplier: float) -> dict[str, float]:
        return {f"{prefix}F": multiplier * self.weight_F,
                f"{prefix}F_V": multiplier * self.weight_P,
                f"{prefix}F_VV": multiplier * self.weight_B,
                f"{prefix}F_T": multiplier * self.weight_S,
                f"{prefix}F_VT": multiplier * self.weight_alpha,
                f"{prefix}density": multiplier * self.weight_density}

    def training_fields(self) -> frozenset:
        """Jet fields the loss needs (F_VT only when its term has a weight)."""
        return TRAINING_FIELDS | ({"vt"} if self.weight_alpha else set())


def _basis_matrix(V: np.ndarray, T: np.ndarray, norm_args) -> np.ndarray:
    """The baseline basis at (V, T), shape (N, 7), for ``norm_args`` (v_mid, v_half, t_max,
    t_knee) of :class:`~zenthermo.landscape.zenn.Normalisation`."""
    v_mid, v_half, t_max, t_knee = norm_args
    norm = Normalisation(v_mid, v_half, t_max, torch.zeros(1, 7, dtype=DTYPE),
                         torch.ones(1, dtype=DTYPE), torch.ones(1, dtype=DTYPE), t_knee)
    v, t = norm.features(torch.as_tensor(V, dtype=DTYPE), torch.as_tensor(T, dtype=DTYPE))
    return baseline_basis(v, t).f.T.numpy()


def _fit_baseline(V: np.ndarray, T: np.ndarray, F: np.ndarray, norm_args) -> np.ndarray:
    """Least-squares coefficients (7,) of the baseline basis for F(V, T)."""
    coeffs, *_ = np.linalg.lstsq(_basis_matrix(V, T, norm_args), F, rcond=None)
    return coeffs


def _domain_normalisation(data: TrainingData, knee_fraction: float = 0.0,
                          ) -> tuple[float, float, float, float]:
    """(v_mid, v_half, t_max, t_knee) of the data's domain (A^3, A^3, K, K)."""
    (v0, v1), (_, t1) = data.volume_domain, data.temperature_domain
    t_max = max(t1, 1.0)
    return 0.5 * (v0 + v1), max(0.5 * (v1 - v0), 1e-6), t_max, knee_fraction * t_max


def _obeys_third_law(data: TrainingData) -> bool:
    """Whether per-source data have S_k = -F_k,T = 0 at T = 0 (the Nernst theorem).

    True for phonon and Debye free energies; False in system mode (the total F carries
    -k_B T ln sum g_k) and for sources with a residual entropy at T = 0, for which the
    flat low-T input of ZENN would be wrong.
    """
    ps = data.per_source
    if data.mode != "per-source" or len(ps) == 0:
        return False
    zero = (ps.T == 0) & np.isfinite(ps.F_T)
    slopes = ps.F_T[np.isfinite(ps.F_T)]
    if not zero.any() or not slopes.size:
        return False
    return bool(np.max(np.abs(ps.F_T[zero])) <= 1e-6 * np.max(np.abs(slopes)))


def _residual_scale(basis_coeffs: np.ndarray, V, T, F, norm_args) -> float:
    fit = _basis_matrix(V, T, norm_args) @ basis_coeffs
    return max(float(np.std(F - fit)), 1e-3)


def _absorb_initial_misfit(network, data: TrainingData, norm_args) -> None:
    """Shift the baselines so that the untrained network fits F in the least-squares sense.

    The randomly initialised networks (and the initial entropy term -T S_k) add an O(1)
    function to each F_k; refitting the baseline coefficients to what is left makes the
    starting misfit the residual of the smooth baseline alone.
    """
    norm = network.norm
    with torch.no_grad():
        if isinstance(network, ZennNetwork) and data.mode == "per-source":
            ps = data.per_source
            for k in range(network.n_sources):
                rows = (ps.source == k) & ~ps.validation
                rows = rows if rows.any() else ps.source == k
                V = torch.as_tensor(ps.V[rows], dtype=DTYPE, device=norm.v_mid.device)
                T = torch.as_tensor(ps.T[rows], dtype=DTYPE, device=norm.v_mid.device)
                predicted = network.sources(V, T)[0].f[k].cpu().numpy()
                delta = _fit_baseline(ps.V[rows], ps.T[rows], ps.F[rows] - predicted,
                                      norm_args)
                norm.baseline[k] += torch.as_tensor(delta, dtype=DTYPE)
        else:
            c = data.combined
            rows = ~c.validation
            V = torch.as_tensor(c.V[rows], dtype=DTYPE, device=norm.v_mid.device)
            T = torch.as_tensor(c.T[rows], dtype=DTYPE, device=norm.v_mid.device)
            out = network(V, T)
            predicted = (out if isinstance(out, Jet) else out[0]).f.cpu().numpy()
            delta = _fit_baseline(c.V[rows], c.T[rows], c.F_reference[rows] - predicted,
                                  norm_args)
            norm.baseline += torch.as_tensor(delta, dtype=DTYPE)[None, :]


class _Fitter:
    """Shared optimisation loop; subclasses build the network and the loss."""

    method = ""

    def __init__(self, settings: TrainingSettings | None = None) -> None:
        self.settings = settings or TrainingSettings()

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
            torch.manual_seed(s.seed)
            network, loss_fn, val_fn = self._build(data)
            history = _optimise(network, loss_fn, val_fn, s, progress, self.method)
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

    def _build(self, data: TrainingData):  # pragma: no cover - abstract
        raise NotImplementedError

    def _landscape(self, network, data: TrainingData, history: dict):  # pragma: no cover
        raise NotImplementedError

    def _collocation(self, data: TrainingData) -> tuple[torch.Tensor, torch.Tensor]:
        nv, nt = self.settings.collocation_points
        (v0, v1), (t0, t1) = data.volume_domain, data.temperature_domain
        Vg, Tg = np.meshgrid(np.linspace(v0, v1, nv), np.linspace(t0, t1, nt), indexing="ij")
        dev = self.settings.device
        return (torch.as_tensor(Vg.ravel(), dtype=DTYPE, device=dev),
                torch.as_tensor(Tg.ravel(), dtype=DTYPE, device=dev))


class ZennFitter(_Fitter):
    """Fits a :class:`~zenthermo.landscape.zenn.ZennLandscape` (per-source or system mode)."""

    method = "zenn"

    def _build(self, data: TrainingData):
        s = self.settings
        dev = s.device
        knee = s.low_temperature_knee if _obeys_third_law(data) else 0.0
        norm_args = _domain_normalisation(data, knee)
        K = len(data.source_names)
        train_ps = ~data.per_source.validation
        train_c = ~data.combined.validation
        baselines, scales, entropy_scales = [], [], []
        if data.mode == "per-source":
            ps = data.per_source
            for k in range(K):
                rows = train_ps & (ps.source == k)
                if not rows.any():
                    rows = ps.source == k
                coeffs = _fit_baseline(ps.V[rows], ps.T[rows], ps.F[rows], norm_args)
                baselines.append(coeffs)
                scales.append(_residual_scale(coeffs, ps.V[rows], ps.T[rows], ps.F[rows],
                                              norm_args))
                f_t = ps.F_T[rows][np.isfinite(ps.F_T[rows])]
                entropy_scales.append(float(np.max(np.abs(f_t))) if f_t.size
                                      else 3 * data.natoms * KB_EV_PER_K)
        else:
            c = data.combined
            F_ref = c.F_reference  # F, or from a density target -k_B T ln p
            coeffs = _fit_baseline(c.V[train_c], c.T[train_c], F_ref[train_c], norm_args)
            scale = _residual_scale(coeffs, c.V[train_c], c.T[train_c], F_ref[train_c], norm_args)
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
            entropy_fluctuation_gamma=s.entropy_fluctuation_gamma).to(dev)
        _absorb_initial_misfit(network, data, norm_args)
        loss_scales = target_scales([data.per_source, data.combined], float(np.mean(scales)))
        source_scales = (residual_scales(float(np.mean(scales)), norm_args[1], norm_args[2])
                         if s.sobolev_scaling == "residual" else loss_scales)
        weights = {**s.data_weights("source ", s.weight_sources),
                   **s.data_weights("system ", s.weight_combined),
                   "convexity": s.weight_convexity, "heat_capacity": s.weight_heat_capacity}
        col_V, col_T = self._collocation(data)
        t_max = norm_args[2]

        def make_loss(ps_mask, c_mask, with_physics):
            ps_rows = padded_source_rows(data.per_source, ps_mask, K, dev)
            c_rows = Rows.from_table(data.combined, c_mask, dev)
            n_ps, n_c = ps_rows.V.shape[1], len(c_rows)
            shared_V = torch.cat([c_rows.V] + ([col_V] if with_physics else []))
            shared_T = torch.cat([c_rows.T] + ([col_T] if with_physics else []))
            V_all = torch.cat([ps_rows.V, shared_V.expand(K, -1)], dim=1)
            T_all = torch.cat([ps_rows.T, shared_T.expand(K, -1)], dim=1)

            def loss():
                free_k, _, entropy_k = network.sources(V_all, T_all, s.training_fields())
                terms = {}
                if n_ps:
                    own = free_k.map(lambda x: x[:, :n_ps])
                    terms.update(data_terms(own, ps_rows, source_scales, "source ",
                                            s.alpha_floor))
                if n_c:
                    window = slice(n_ps, n_ps + n_c)
                    total, _ = network.combine(free_k.map(lambda x: x[:, window]),
                                               entropy_k.map(lambda x: x[:, window]),
                                               c_rows.T)
                    terms.update(data_terms(total, c_rows, loss_scales, "system ",
                                            s.alpha_floor))
                if with_physics:
                    terms.update(physics_terms(free_k.map(lambda x: x[:, n_ps + n_c:]),
                                               loss_scales, t_max))
                return weighted_sum(terms, weights), terms

            return loss if (n_ps or n_c) else None

        loss_fn = make_loss(~data.per_source.validation, ~data.combined.validation, True)
        val_fn = make_loss(data.per_source.validation, data.combined.validation, False)
        if loss_fn is None:
            raise FitError("no training rows left after the validation split",
                           hint="lower validation_fraction")
        return network, loss_fn, val_fn

    def _landscape(self, network, data: TrainingData, history: dict) -> ZennLandscape:
        return ZennLandscape(network, data.natoms, data.source_names, data.volume_domain,
                             data.temperature_domain, data.composition, data.mode,
                             self.settings.to_dict(), history, self.settings.device)


class DnnFitter(_Fitter):
    """Fits the plain-DNN baseline on the system-level targets of the data."""

    method = "dnn"

    def _build(self, data: TrainingData):
        s = self.settings
        dev = s.device
        norm_args = _domain_normalisation(data)
        c = data.combined
        if len(c) == 0:
            raise FitError("the DNN needs system-level targets, and the sources share no "
                           "(V, T) point where all of them are defined")
        train = ~c.validation
        F_ref = c.F_reference  # F, or from a density target -k_B T ln p
        coeffs = _fit_baseline(c.V[train], c.T[train], F_ref[train], norm_args)
        scale = _residual_scale(coeffs, c.V[train], c.T[train], F_ref[train], norm_args)
        norm = make_dnn_normalisation(*norm_args[:3], torch.as_tensor(coeffs, dtype=DTYPE),
                                      scale)
        network = DnnNetwork(norm, s.dnn_hidden, s.activation).to(dev)
        _absorb_initial_misfit(network, data, norm_args)
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


def _optimise(network, loss_fn, val_fn, s: TrainingSettings, progress, method: str) -> dict:
    """Adam then L-BFGS, keeping the weights with the best validation loss."""
    criterion = val_fn or loss_fn

    def score() -> float:
        with torch.no_grad():
            value = float(criterion()[0])
        return value if math.isfinite(value) else math.inf

    best = {"score": score(), "state": copy.deepcopy(network.state_dict()), "stage": "init",
            "step": 0}

    def consider(stage: str, step: int) -> bool:
        value = score()
        if value < best["score"]:
            best.update(score=value, state=copy.deepcopy(network.state_dict()), stage=stage,
                        step=step)
            return True
        return False

    params = [p for p in network.parameters() if p.requires_grad]
    history: dict = {"adam_steps": 0, "lbfgs_iterations": 0}
    name = method.upper()
    if s.adam_epochs:
        optimiser = torch.optim.Adam(params, lr=s.learning_rate)
        decay = (s.final_learning_rate / s.learning_rate) ** (1.0 / max(s.adam_epochs, 1))
        scheduler = torch.optim.lr_scheduler.ExponentialLR(optimiser, gamma=decay)
        stale = 0
        with progress.stage(f"{name}: Adam", total=s.adam_epochs) as advance:
            for step in range(1, s.adam_epochs + 1):
                optimiser.zero_grad(set_to_none=True)
                loss, _ = loss_fn()
                loss.backward()
                optimiser.step()
                scheduler.step()
                history["adam_steps"] = step
                advance()
                if step % s.evaluate_every == 0 or step == s.adam_epochs:
                    stale = 0 if consider("adam", step) else stale + 1
                    if stale >= s.patience:
                        break
        network.load_state_dict(best["state"])
    if s.lbfgs_iterations:
        chunk = max(s.evaluate_every // 4, 5)
        optimiser = torch.optim.LBFGS(params, lr=1.0, max_iter=chunk, history_size=50,
                                      tolerance_grad=1e-12, tolerance_change=1e-14,
                                      line_search_fn="strong_wolfe")

        def closure():
            optimiser.zero_grad(set_to_none=True)
            loss, _ = loss_fn()
            loss.backward()
            return loss

        done, last, flat = 0, math.inf, 0
        with progress.stage(f"{name}: L-BFGS", total=s.lbfgs_iterations) as advance:
            while done < s.lbfgs_iterations:
                before = optimiser.state[params[0]].get("n_iter", 0)
                loss = float(optimiser.step(closure).detach())
                ran = max(optimiser.state[params[0]].get("n_iter", 0) - before, 1)
                done += ran
                advance(ran)
                consider("lbfgs", done)
                # L-BFGS returns early when it cannot improve; stop after two such chunks.
                flat = flat + 1 if not loss < last * (1 - 1e-9) else 0
                last = min(last, loss)
                if flat >= 2 or not math.isfinite(loss):
                    break
        history["lbfgs_iterations"] = done
        network.load_state_dict(best["state"])
    with torch.no_grad():
        train_loss, train_terms = loss_fn()
        history["final_train_loss"] = float(train_loss)
        history["final_train_terms"] = {k: float(v) for k, v in train_terms.items()}
        if val_fn is not None:
            val_loss, _ = val_fn()
            history["best_validation_loss"] = float(val_loss)
    history["best_stage"] = best["stage"]
    history["best_step"] = int(best["step"])
    return history

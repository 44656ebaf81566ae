"""The inference pass of :class:`~zenthermo.landscape.mlp.BatchedMLP` (``evaluate``).

The same jets as the training pass (to round-off) at points shared by every model, in few
tensor operations: the first layer as one matmul per field, activation derivatives only to
the order the fields need, the chain rule fused (``addcmul``), one bmm per field (so a
field's numbers do not depend on which others are asked for).

The large intermediate tensors (M x N x H) are written into buffers reused from one call to
the next (:class:`Workspace`, per network and thread): a fresh tensor of a few MB per
operation costs page faults on every call (the C library maps and unmaps such blocks),
about half the time of a chunk. At most :data:`WORKSPACE_BYTES` are kept per network and
thread (only under ``torch.inference_mode``, where the landscapes evaluate); results never
live in them.
"""

from __future__ import annotations

import math
import threading
import weakref

import torch
from torch import Tensor, nn

from zenthermo.landscape.jets import Jet

__all__ = ["WORKSPACE_BYTES", "Workspace", "evaluate_layers"]

#: Most bytes of reusable buffers kept per network and thread.
WORKSPACE_BYTES = 64 * 2**20

#: The terms of each jet field of phi(h) by the chain rule: (coefficient, order of the
#: derivative of phi, fields of h multiplied).
_CHAIN = {
    "v": ((1, 1, ("v",)),),
    "t": ((1, 1, ("t",)),),
    "vv": ((1, 2, ("v", "v")), (1, 1, ("vv",))),
    "tt": ((1, 2, ("t", "t")), (1, 1, ("tt",))),
    "vt": ((1, 2, ("v", "t")), (1, 1, ("vt",))),
    "vvv": ((1, 3, ("v", "v", "v")), (3, 2, ("v", "vv")), (1, 1, ("vvv",))),
}


class Workspace:
    """Buffers handed out in order during one pass, kept for the next pass.

    :meth:`take` gives the next buffer of the pass as a tensor of the shape asked for
    (allocated, or enlarged, the first time); beyond ``limit`` bytes it allocates as usual.
    """

    def __init__(self, limit: int = WORKSPACE_BYTES) -> None:
        self.limit = limit
        self._buffers: list[Tensor] = []
        self._next = 0

    def start(self) -> Workspace:
        """Begin a pass: the buffers are handed out again from the first."""
        self._next = 0
        return self

    def take(self, shape: tuple[int, ...], like: Tensor) -> Tensor:
        n, k = math.prod(shape), self._next
        self._next += 1
        if k < len(self._buffers):
            buffer = self._buffers[k]
            if (buffer.numel() >= n and buffer.dtype == like.dtype
                    and buffer.device == like.device):
                return buffer[:n].view(shape)
        kept = sum(b.numel() * b.element_size() for b in self._buffers[:k])
        if k > len(self._buffers) or kept + n * like.element_size() > self.limit:
            return like.new_empty(shape)
        buffer = like.new_empty(n)
        self._buffers[k:k + 1] = [buffer]
        return buffer.view(shape)


_WORKSPACES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _workspace(owner: nn.Module) -> Workspace:
    """The workspace of ``owner`` for this thread."""
    with _LOCK:
        per_thread = _WORKSPACES.setdefault(owner, {})
        return per_thread.setdefault(threading.get_ident(), Workspace()).start()


def evaluate_layers(owner: nn.Module, weights: list[Tensor], biases: list[Tensor], kind: str,
                    inputs: tuple[Jet, ...], need: frozenset) -> Jet:
    """The output jets (fields (M, N, n_out)) of the MLP with ``weights`` and ``biases``
    (float64) and activation ``kind`` at the input jets (fields (N,) or ())."""
    # buffers made in inference mode cannot be written outside it: reuse only inside
    space = _workspace(owner) if torch.is_inference_mode_enabled() else Workspace(limit=0)
    last = len(weights) - 1
    # tanh layers take 2h as their value field (see _tanh_factors)
    doubled = kind == "tanh" and last > 0
    h = _first_layer(weights[0], biases[0], inputs, need, space if last else None, doubled)
    n = h["f"].shape[1]
    for layer, (w, b) in enumerate(zip(weights[1:], biases[1:], strict=True), start=1):
        h = _next_layer(h, w, b, kind, need, space, space if layer < last else None)
    return Jet(*(None if h.get(name) is None else h[name].expand(-1, n, -1)
                 for name in Jet._fields))


def _first_layer(w0: Tensor, b0: Tensor, inputs: tuple[Jet, ...], need: frozenset,
                 space: Workspace | None, doubled: bool = False) -> dict[str, Tensor]:
    """Jets of the first layer's outputs (linear in the inputs) as {field: tensor}.

    Fields that vary over the points have shape (M, N, H) (a matmul of the inputs' field
    with the weights); fields constant over them (e.g. d/dV of v(V)), shape (M, 1, H).
    ``space``: where the outputs go (None: fresh tensors); ``doubled``: the value field is
    2h (exactly: a power of two).
    """
    m, n_in, width = w0.shape
    n = max(x.f.numel() for x in inputs)  # fields (N,) or ()
    fields: dict[str, Tensor] = {}
    zero = w0.new_zeros(n)
    for j, name in enumerate(Jet._fields):
        if name != "f" and name not in need:
            continue
        parts = [x[j] for x in inputs]
        if all(p is None for p in parts):
            continue
        if name != "f" and all(p is None or p.dim() == 0 for p in parts):
            fields[name] = sum(p * w0[:, i:i + 1, :] for i, p in enumerate(parts)
                               if p is not None)
            continue
        rows = torch.stack([zero if p is None else p.expand(n) for p in parts], dim=1)
        out = None if space is None else space.take((m, n, width), w0)
        if name == "f":
            scale = 2.0 if doubled else 1.0
            fields[name] = torch.baddbmm(b0, rows.expand(m, n, n_in), w0, beta=scale,
                                         alpha=scale, out=out)
        else:
            fields[name] = torch.matmul(rows, w0, out=out)
    return fields


def _tanh_factors(h2: Tensor, order: int, space: Workspace) -> list[Tensor]:
    """tanh at h through s = sigmoid(2h) (``h2`` = 2h, overwritten with s): s, and the
    derivatives of tanh up to ``order``, each divided by 4.

    tanh = 2s - 1 (torch's float64 tanh is three times slower than its sigmoid on a CPU;
    the same to 4e-16 absolute); with q = s(1 - s) the derivatives are d1 = 4q,
    d2 = 8q(1 - 2s), d3 = 16q(1 - 6q). The factor 2 of the value and the 4 of the
    derivatives go into the next layer's weights (exact: powers of two).
    """
    one = torch.ones((), dtype=h2.dtype, device=h2.device)
    s = torch.sigmoid(h2, out=h2)
    factors = [s]
    if order >= 1:
        q = torch.addcmul(s, s, s, value=-1, out=space.take(s.shape, s))
        factors.append(q)
    if order >= 2:
        factors.append(torch.add(one, s, alpha=-2, out=space.take(s.shape, s))
                       .mul_(q).mul_(2))
    if order >= 3:
        factors.append(torch.add(one, q, alpha=-6, out=space.take(s.shape, s))
                       .mul_(q).mul_(4))
    return factors


def _factors(h: Tensor, kind: str, order: int, space: Workspace) -> list[Tensor]:
    """phi(h) and its derivatives up to ``order`` (tanh: :func:`_tanh_factors`)."""
    if kind == "tanh":
        return _tanh_factors(h, order, space)
    s = torch.sigmoid(h)
    s1 = s * (1 - s)
    if kind == "softplus":
        factors = [nn.functional.softplus(h), s, s1, s1 * (1 - 2 * s)]
    else:  # silu
        factors = [h * s, s + h * s1, 2 * s1 + h * s1 * (1 - 2 * s),
                   3 * s1 * (1 - 2 * s) + h * s1 * (1 - 6 * s + 6 * s * s)]
    return factors[:order + 1]


def _next_layer(h: dict[str, Tensor], w: Tensor, b: Tensor, kind: str, need: frozenset,
                space: Workspace, out_space: Workspace | None) -> dict[str, Tensor]:
    """The jets of the next layer's outputs: the activation's jet by the chain rule, then
    the weights. ``h`` is overwritten; ``out_space``: where the outputs go (None: fresh
    tensors, for the last layer's results)."""
    # the fields of phi(h): those with a chain-rule term whose fields of h are all present
    terms = {name: [t for t in _CHAIN[name] if all(f in h for f in t[2])]
             for name in Jet._fields[1:] if name in need}
    terms = {name: found for name, found in terms.items() if found}
    order = max((t[1] for found in terms.values() for t in found), default=0)
    shape = h["f"].shape
    d = _factors(h["f"], kind, order, space)

    def output(like: Tensor) -> Tensor | None:
        return None if out_space is None else out_space.take((*like.shape[:2], w.shape[2]), w)

    w_f = w
    if kind == "tanh":  # tanh @ w + b = s @ 2w + (b - sum of w); the next layer takes 2x
        final = out_space is None
        b = (b - w.sum(dim=1, keepdim=True)) * (1 if final else 2)
        w_f = w * (2 if final else 4)
        w = w * 4  # the derivative fields come divided by 4
    out = {"f": torch.baddbmm(b, d[0], w_f, out=output(d[0]))}
    for name, found in terms.items():
        field = space.take(shape, w)
        for k, (coefficient, derivative, parts) in enumerate(found):
            product = h[parts[0]]
            for part in parts[1:]:
                m, n_a, width = product.shape  # (M, N or 1, H)
                scratch = space.take((m, max(n_a, h[part].shape[1]), width), w)
                product = torch.mul(product, h[part], out=scratch)
            if k == 0:
                torch.mul(d[derivative], product, out=field)
                if coefficient != 1:
                    field.mul_(coefficient)
            else:
                field.addcmul_(d[derivative], product, value=coefficient)
        out[name] = torch.bmm(field, w, out=output(field))
    return out

#!/usr/bin/env python3
"""Reference values and gradients for the autodiff differential test, from PyTorch in float64.

Regenerate with Debian's python3-torch (1.13):
    /usr/bin/python3 test-data/torch/autodiff_reference.py > test-data/torch/autodiff_reference.json
Each case stores its inputs, the scalar value and the gradient of every input. The Java test
(io.elbo.autodiff.TorchReferenceTest) rebuilds each expression by name and must match to 1e-10
relative.
"""
import json
import torch
import torch.nn.functional as F

torch.manual_seed(20261122)
D = torch.float64


def randn(*s):
    return torch.randn(*s, dtype=D)


def uniform(lo, hi, *s):
    return lo + (hi - lo) * torch.rand(*s, dtype=D)


def away_from_zero(*s):
    x = randn(*s)
    return x + 0.2 * torch.sign(x)


def distinct(*s):
    n = 1
    for d in s:
        n *= d
    return (torch.randperm(n, dtype=D) * 0.37 - n * 0.1 + 0.01 * randn(n)).reshape(*s)


def bce_sum(logits, t):
    return F.binary_cross_entropy_with_logits(logits, t, reduction="sum")


CASES = {
    "mlp_tanh_mse": (
        lambda x, w1, b1, w2, b2, y: F.mse_loss(torch.tanh(x @ w1 + b1) @ w2 + b2, y),
        lambda: [randn(5, 3), randn(3, 4), randn(4), randn(4, 2), randn(2), randn(5, 2)]),
    "mlp_relu_bce_sum": (
        lambda x, w1, b1, w2, b2, t: bce_sum(torch.relu(x @ w1 + b1) @ w2 + b2, t),
        lambda: [randn(6, 4), randn(4, 5), randn(5), randn(5, 3), randn(3), uniform(0, 1, 6, 3)]),
    "mlp_sigmoid_softplus": (
        lambda x, w, v: F.softplus(torch.sigmoid(x @ w) @ v).sum(),
        lambda: [randn(4, 3), randn(3, 5), randn(5, 2)]),
    "logsumexp_axis1": (
        lambda a: torch.logsumexp(a, dim=1).sum(),
        lambda: [3 * randn(4, 5)]),
    "logsumexp_axis0_keepdim": (
        lambda a, b: (torch.logsumexp(a, dim=0, keepdim=True) * b).sum(),
        lambda: [randn(3, 4, 2), randn(1, 4, 2)]),
    # PyTorch's softplus returns x itself above its threshold (default 20), an approximation
    # (the exact derivative at 19 is 1 - 5.6e-9); threshold=100 makes it evaluate the exact
    # log1p(exp(x)) over this case's whole range [-50, 50], which is what we compute.
    "softplus_wide": (
        lambda a: F.softplus(a * 10, threshold=100).sum(),
        lambda: [uniform(-5, 5, 3, 4)]),
    "log_sigmoid_mean": (
        lambda a: F.logsigmoid(a).mean(),
        lambda: [5 * randn(2, 5)]),
    "bce_with_logits_mean": (
        lambda a, t: F.binary_cross_entropy_with_logits(a, t),
        lambda: [4 * randn(3, 4), uniform(0, 1, 3, 4)]),
    "broadcast_add_mul": (
        lambda a, b, c: ((a + b) * c).sum(),
        lambda: [randn(2, 3, 1), randn(3, 4), randn(4)]),
    "broadcast_sub_div_square": (
        lambda a, b, c: ((a - b) / c.exp()).pow(2).sum(),
        lambda: [randn(3, 1), randn(1, 4), randn(4)]),
    "sum_keepdim_times_mean": (
        lambda a: (a.sum(dim=1, keepdim=True) * a.mean(dim=0)).sum(),
        lambda: [randn(3, 4)]),
    "max_along_axis": (
        lambda a: (a.max(dim=1).values * torch.arange(1.0, 4.0, dtype=D)).sum(),
        lambda: [distinct(3, 5)]),
    "amax_two_axes": (
        lambda a, w: (a.amax(dim=(0, 2)) * w).sum(),
        lambda: [distinct(2, 3, 4), randn(3)]),
    "batched_matmul_tanh": (
        lambda a, b: (a @ b).tanh().sum(),
        lambda: [randn(2, 3, 4), randn(4, 5)]),
    "batched_matmul_broadcast": (
        lambda a, b: (a @ b).square().mean(),
        lambda: [randn(2, 1, 3, 4), randn(3, 4, 2)]),
    "permute_transpose": (
        lambda a, b, c: (a.permute(2, 0, 1) * b).sum() + (a.transpose(0, 2) * c).sum(),
        lambda: [randn(2, 3, 4), randn(4, 2, 3), randn(4, 3, 2)]),
    "exp_log_log1p": (
        lambda a, b: (a.exp().log1p() + (b.abs() + 0.1).log()).sum(),
        lambda: [randn(2, 3), away_from_zero(2, 3)]),
    "sqrt_pow_scalar_and_tensor": (
        lambda a, b: ((a.abs() + 1).sqrt() * b.pow(3) + (a.abs() + 1).pow(b)).sum(),
        lambda: [away_from_zero(3, 2), randn(3, 2)]),
    "where_clamp": (
        lambda a, b: torch.where(a > 0, a * b, b.clamp(-0.5, 0.5)).sum(),
        lambda: [away_from_zero(4, 3), 2 * away_from_zero(4, 3)]),
    "slice_concat": (
        lambda a, b: torch.cat([a[:, 1:3], b, a[:, 0:1]], dim=1).pow(2).sum(),
        lambda: [randn(3, 4), randn(3, 2)]),
    "gaussian_kl": (
        lambda mu, logvar: -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()),
        lambda: [randn(4, 3), randn(4, 3)]),
    "tiny_vae_loss": (
        lambda x, w1, b1, wm, wv, wd, bd, eps: (
            lambda h: (lambda mu, logvar: (lambda z: (bce_sum(z @ wd + bd, x)
                        - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())) / x.shape[0])(
                mu + torch.exp(0.5 * logvar) * eps))(h @ wm, h @ wv))(torch.relu(x @ w1 + b1)),
        lambda: [uniform(0, 1, 4, 6), randn(6, 5), randn(5), randn(5, 2), 0.3 * randn(5, 2), randn(2, 6), randn(6),
                 randn(4, 2)]),
    "softmax_cross_entropy": (
        lambda a, t: -(t * (a - torch.logsumexp(a, dim=1, keepdim=True))).sum(),
        lambda: [3 * randn(4, 5), torch.softmax(randn(4, 5), dim=1)]),
    "abs_neg_relu": (
        lambda a, b: (a.abs() - (-b).relu() + a.neg() * b).sum(),
        lambda: [away_from_zero(5), away_from_zero(5)]),
    "sigmoid_tanh_chain": (
        lambda a: a.sigmoid().tanh().sigmoid().sum(),
        lambda: [3 * randn(2, 2, 3)]),
    "expand_sum_reshape": (
        lambda a, b: (a.expand(3, 4) * b).reshape(2, 6).sum(dim=0).square().sum(),
        lambda: [randn(3, 1), randn(3, 4)]),
    # matmul with 1-D operands: vector·vector, matrix·vector, vector·matrix, batched both ways
    "matmul_1d": (
        lambda a, c, v, w: ((a @ v).sin().sum() + (w @ a).square().sum() + (v @ v) * (w @ a @ v)
                            + (c @ v).tanh().sum() + (w @ c).exp().mean()),
        lambda: [randn(3, 4), randn(2, 3, 4), randn(4), randn(3)]),
    "softmax_log_softmax": (
        lambda a, t, b: ((torch.softmax(a, dim=1) * t).sum() + (torch.log_softmax(a, dim=0) * t).square().sum()
                         + (torch.softmax(b, dim=-1) ** 2).sum() + torch.log_softmax(b, dim=1).exp().mul(t[0]).sum()),
        lambda: [3 * randn(4, 5), randn(4, 5), 5 * randn(2, 3, 5)]),
    "nll_by_gather": (
        lambda a: -torch.log_softmax(a, dim=1).gather(1, torch.tensor([[2], [0], [4], [2]])).sum(),
        lambda: [3 * randn(4, 5)]),
    "gather_axis0_repeats": (
        lambda a, w: (a.gather(0, torch.tensor([[1, 0, 1], [1, 1, 0]])).sin() * w).sum(),
        lambda: [randn(2, 3), randn(2, 3)]),
    "index_select_repeats": (
        lambda a, w: (a.index_select(1, torch.tensor([2, 0, 2, 3])) ** 2 * w).sum(),
        lambda: [randn(3, 4), randn(3, 4)]),
    "stack_axes": (
        lambda a, b, c, w: (torch.stack([a, b, c], dim=1).tanh() * w).sum() + torch.stack([a, b], dim=-1).square().sum()
                           + (torch.stack([c, a], dim=0) * b).exp().sum(),
        lambda: [randn(2, 3), randn(2, 3), randn(2, 3), randn(2, 3, 3)]),
    # the cross-entropy summed over the last axis (a Bernoulli likelihood per datum), weighted per datum;
    # 37 columns: two whole 16-lane vectors and a tail
    "bce_with_logits_row_sum": (
        lambda a, t, w: (F.binary_cross_entropy_with_logits(a, t, reduction="none").sum(-1) * w).sum(),
        lambda: [6 * randn(2, 3, 37), uniform(0, 1, 2, 3, 37), randn(2, 3)]),
}


def case(name, fn, make):
    inputs = [t.clone().requires_grad_(True) for t in make()]
    out = fn(*inputs)
    out.backward()
    return {
        "name": name,
        "inputs": [{"shape": list(t.shape), "values": t.detach().flatten().tolist()} for t in inputs],
        "value": out.item(),
        "grads": [t.grad.flatten().tolist() for t in inputs],
    }


print(json.dumps({"torch": torch.__version__, "dtype": "float64",
                  "cases": [case(n, f, m) for n, (f, m) in CASES.items()]}, indent=1))

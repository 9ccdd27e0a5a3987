#!/usr/bin/env python3
"""Reference values for the functional transforms (io.elbo.autodiff.Functional), from PyTorch's
torch.autograd.functional in float64.

Regenerate with Debian's python3-torch (1.13):
    /usr/bin/python3 test-data/torch/functional_reference.py > test-data/torch/functional_reference.json
The Java test (io.elbo.autodiff.FunctionalTest) writes the same functions with our ops and must match
to 1e-10 relative. Each function here has its Java twin named the same there.
"""
import json
import torch
from torch.autograd.functional import hessian, hvp, jacobian, jvp, vjp

torch.manual_seed(20261124)
D = torch.float64
W = torch.randn(3, 4, dtype=D)
x = torch.randn(4, dtype=D)
a = torch.randn(2, 3, dtype=D)
b = torch.randn(3, 2, dtype=D)
v3 = torch.randn(3, dtype=D)
v4 = torch.randn(4, dtype=D)
t4 = torch.randn(4, dtype=D)


def f(x):  # scalar: softplus of a linear map plus a cubic
    return torch.nn.functional.softplus(W @ x, threshold=100).sum() + 0.1 * (x ** 3).sum()


def g(x):  # R^4 -> R^3
    return torch.tanh(W @ x) * torch.sin(x[:3])


def h(a, b):  # scalar of two matrices
    return torch.sigmoid(a @ b).sum()


def k(a, b):  # R^(2x3) x R^(3x2) -> R^(2x2)
    return torch.exp(-(a @ b))


def q(a, b, c):  # scalar of three inputs, through a 1-D matmul: R^(2x3) x R^(3x2) x R^2 -> R
    return torch.log1p((torch.tanh(a @ b) @ c) ** 2).sum()


va = torch.randn(2, 3, dtype=D)
vb = torch.randn(3, 2, dtype=D)
c2 = torch.randn(2, dtype=D)
vc = torch.randn(2, dtype=D)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1)]


out = {
    "W": flat(W), "x": flat(x), "a": flat(a), "b": flat(b), "v3": flat(v3), "v4": flat(v4), "t4": flat(t4),
    "f_value": float(f(x)),
    "f_grad": flat(jacobian(f, x)),
    "f_hessian": flat(hessian(f, x)),
    "f_hvp": flat(hvp(f, x, v4)[1]),
    "g_value": flat(g(x)),
    "g_jacobian": flat(jacobian(g, x)),
    "g_jacobian_forward": flat(jacobian(g, x, vectorize=True, strategy="forward-mode")),
    "g_vjp": flat(vjp(g, x, v3)[1]),
    "g_jvp": flat(jvp(g, x, t4)[1]),
    "h_grad_a": flat(jacobian(h, (a, b))[0]),
    "h_grad_b": flat(jacobian(h, (a, b))[1]),
    "k_jacobian_a": flat(jacobian(k, (a, b))[0]),
    "k_jacobian_b": flat(jacobian(k, (a, b))[1]),
    "k_hessian_of_sum": flat(hessian(lambda a: k(a, b).sum(), a)),
    "va": flat(va), "vb": flat(vb), "c2": flat(c2), "vc": flat(vc),
    "h_hessian_blocks": [[flat(block) for block in row] for row in hessian(h, (a, b))],
    "h_hvp": [flat(t) for t in hvp(h, (a, b), (va, vb))[1]],
    "q_value": float(q(a, b, c2)),
    "q_hessian_blocks": [[flat(block) for block in row] for row in hessian(q, (a, b, c2))],
    "q_hvp": [flat(t) for t in hvp(q, (a, b, c2), (va, vb, vc))[1]],
}
print(json.dumps(out, indent=1))

#!/usr/bin/env python3
"""Reference values and gradients of the planar flow, from PyTorch in float64.

Regenerate with Debian's python3-torch (1.13):
    /usr/bin/python3 test-data/torch/planar_reference.py > test-data/torch/planar_reference.json
Each case is K planar steps with the invertibility constraint, written as bench/pytorch_bounds.py writes them
(the W4 reference model's flow), applied to codes z [S, B, D] with parameters u, w [B, K*D] and b [B, K] as the
heads give them to PyTorch; the file stores u, w and b in the layout Fused.planarFlow takes ([K*D, B], [K, B]),
the output [S, B, D + 1] (z_K, then the sum of the log-determinants) and the gradients of L = sum(out * c) for
a fixed random c in z, u, w and b. The Java test (io.elbo.autodiff.PlanarFlowTorchReferenceTest) recomputes each
case with Fused.planarFlow and must match to 1e-10 relative.
"""
import json
import torch
import torch.nn.functional as F

torch.manual_seed(20261207)
D = torch.float64

# (samples S, batch B, latent D, steps K)
CASES = [(1, 1, 1, 1), (1, 3, 2, 2), (2, 4, 3, 3), (1, 5, 20, 8), (3, 2, 4, 1), (2, 17, 5, 2)]


def flow(z, us, ws, bs, steps, latent):
    log_det = torch.zeros(z.shape[:-1], dtype=D)
    for k in range(steps):
        u, w, b = us[:, k * latent:(k + 1) * latent], ws[:, k * latent:(k + 1) * latent], bs[:, k:k + 1]
        wu = (w * u).sum(-1, keepdim=True)
        u_hat = u + (F.softplus(wu) - 1 - wu) * w / w.pow(2).sum(-1, keepdim=True)
        t = torch.tanh((z * w).sum(-1, keepdim=True) + b)
        z = z + u_hat * t
        log_det = log_det + torch.log1p((1 - t.pow(2)) * (w * u_hat).sum(-1, keepdim=True)).sum(-1)
    return torch.cat([z, log_det.unsqueeze(-1)], -1)


def case(samples, batch, latent, steps):
    z = (2 * torch.randn(samples, batch, latent, dtype=D)).requires_grad_()
    u = torch.randn(batch, steps * latent, dtype=D).requires_grad_()
    w = ((0.5 + 0.5 * torch.rand(batch, steps * latent, dtype=D)) * torch.sign(torch.randn(batch, steps * latent, dtype=D))).requires_grad_()
    b = torch.randn(batch, steps, dtype=D).requires_grad_()
    out = flow(z, u, w, b, steps, latent)
    c = torch.randn(*out.shape, dtype=D)
    (out * c).sum().backward()
    ours = lambda t: t.detach().t().contiguous().flatten().tolist()  # [B, K*D] -> our [K*D, B]
    return {
        "samples": samples, "batch": batch, "latent": latent, "steps": steps,
        "z": z.detach().flatten().tolist(), "u": ours(u), "w": ours(w), "b": ours(b),
        "out": out.detach().flatten().tolist(), "c": c.flatten().tolist(),
        "grad_z": z.grad.flatten().tolist(), "grad_u": ours(u.grad), "grad_w": ours(w.grad), "grad_b": ours(b.grad),
    }


print(json.dumps({"torch": torch.__version__, "dtype": "float64", "cases": [case(*c) for c in CASES]}))

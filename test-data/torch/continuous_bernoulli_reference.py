#!/usr/bin/env python3
"""Reference values for the continuous Bernoulli (io.elbo.vae.ContinuousBernoulli), from PyTorch's
torch.distributions.ContinuousBernoulli in float64.

Regenerate with Debian's python3-torch (1.13):
    /usr/bin/python3 test-data/torch/continuous_bernoulli_reference.py > test-data/torch/continuous_bernoulli_reference.json
Logits span the ends (|l| up to 18), the middle, and both sides of PyTorch's and our Taylor cuts
(|l| near 0.004 and 0.05). The Java test (io.elbo.vae.ContinuousBernoulliTest) must match log_prob, its
gradient in the logits, and the mean, to 1e-10 relative.
"""
import json
import torch

torch.manual_seed(20261207)
D = torch.float64
# PyTorch evaluates log C through probabilities, which lose 1 − λ to rounding past |l| ≈ 20 (at l = 40, λ rounds to 1
# and its log C is off by 3 %); the Java test checks the ends against log C → log |l| instead.
logits = torch.tensor([-18.0, -12.5, -3.0, -1.0, -0.3, -0.0501, -0.0499, -0.01, -0.003, -1e-6, 0.0, 2e-7, 0.002, 0.0041,
                       0.02, 0.0499, 0.0501, 0.2, 0.7, 1.5, 4.0, 9.0, 16.0], dtype=D)
x = torch.rand(len(logits), dtype=D)
x[0], x[1], x[-1] = 0.0, 1.0, 1.0  # the support's ends
l = logits.clone().requires_grad_(True)
d = torch.distributions.ContinuousBernoulli(logits=l)
lp = d.log_prob(x)
(grad,) = torch.autograd.grad(lp.sum(), l)
with torch.no_grad():
    mean = torch.distributions.ContinuousBernoulli(logits=logits).mean
print(json.dumps({"torch": torch.__version__, "logits": logits.tolist(), "x": x.tolist(), "log_prob": lp.detach().tolist(),
                  "grad_logits": grad.tolist(), "mean": mean.tolist()}, indent=1))

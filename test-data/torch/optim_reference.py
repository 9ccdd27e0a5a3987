#!/usr/bin/env python3
"""Reference trajectories of PyTorch's optimisers, schedulers and gradient clipping, in float64.

Regenerate with Debian's python3-torch (1.13):
    /usr/bin/python3 test-data/torch/optim_reference.py > test-data/torch/optim_reference.json
A fixed problem (a 3-4-2 tanh MLP, mean squared error on 8 points) is trained for 20 steps by
each configuration; the loss before each step and every parameter after each step are stored.
The Java test (io.elbo.nn.OptimizerTrajectoryTest) replays each configuration and must match to
a relative 1e-10.
"""
import json
import torch
from torch import nn

torch.manual_seed(7)
D = torch.float64
X = torch.randn(8, 3, dtype=D)
Y = torch.randn(8, 2, dtype=D)
INIT = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).to(D).state_dict()

S = torch.optim
L = torch.optim.lr_scheduler
CONFIGS = {
    "sgd": (lambda p: S.SGD(p, lr=0.1), None, None),
    "sgd_momentum": (lambda p: S.SGD(p, lr=0.05, momentum=0.9), None, None),
    "sgd_momentum_dampening_weight_decay": (
        lambda p: S.SGD(p, lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01), None, None),
    "sgd_nesterov_weight_decay": (
        lambda p: S.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.001), None, None),
    "adam": (lambda p: S.Adam(p, lr=0.01), None, None),
    "adam_betas_eps_weight_decay": (
        lambda p: S.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01), None, None),
    "adamw": (lambda p: S.AdamW(p, lr=0.01), None, None),
    "adamw_weight_decay": (lambda p: S.AdamW(p, lr=0.02, weight_decay=0.1), None, None),
    "sgd_momentum_step_lr": (
        lambda p: S.SGD(p, lr=0.1, momentum=0.9), lambda o: L.StepLR(o, step_size=5, gamma=0.5), None),
    "adam_exponential_lr": (lambda p: S.Adam(p, lr=0.02), lambda o: L.ExponentialLR(o, gamma=0.9), None),
    "adamw_cosine_lr": (
        lambda p: S.AdamW(p, lr=0.02), lambda o: L.CosineAnnealingLR(o, T_max=20, eta_min=0.001), None),
    "adam_linear_warmup": (
        lambda p: S.Adam(p, lr=0.02),
        lambda o: L.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=5), None),
    "sgd_momentum_clip_grad_norm": (lambda p: S.SGD(p, lr=0.5, momentum=0.5), None, 0.1),
    "adamw_warmup_then_cosine_lr": (
        lambda p: S.AdamW(p, lr=0.02),
        lambda o: L.SequentialLR(o, [L.LinearLR(o, start_factor=0.2, end_factor=1.0, total_iters=3),
                                     L.CosineAnnealingLR(o, T_max=17, eta_min=0.001)], milestones=[3]), None),
}


def run(make_opt, make_sched, clip):
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).to(D)
    model.load_state_dict(INIT)
    opt = make_opt(model.parameters())
    sched = make_sched(opt) if make_sched else None
    losses, params, norms = [], [], []
    for _ in range(20):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(X), Y)
        loss.backward()
        if clip is not None:
            norms.append(float(nn.utils.clip_grad_norm_(model.parameters(), clip)))
        opt.step()
        if sched:
            sched.step()
        losses.append(loss.item())
        params.append([v for p in model.parameters() for v in p.detach().flatten().tolist()])
    return {"losses": losses, "params": params, "grad_norms": norms}


print(json.dumps({
    "torch": torch.__version__,
    "x": X.flatten().tolist(), "y": Y.flatten().tolist(),
    "init": {k: v.flatten().tolist() for k, v in INIT.items()},
    "runs": {name: run(*cfg) for name, cfg in CONFIGS.items()},
}, indent=1))

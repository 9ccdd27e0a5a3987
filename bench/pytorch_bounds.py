#!/usr/bin/python3
"""W4 reference: the plain, planar-flow and IAF VAEs of `vae train --flow`, written in PyTorch.

Each model is the one `vae train --pixels dynamic [--flow planar:K | --flow iaf:K]` builds: 784 -> 400 (ReLU)
-> mu, logvar (20); the decoder 20 -> 400 (ReLU) -> 784 Bernoulli logits; PyTorch's default initialisation
for every linear layer (the rule ours follows); for planar:K the heads flow_u, flow_w (400 -> K*20) and
flow_b (400 -> K) with u-hat = u + (m(w.u) - w.u) w / |w|^2, m(a) = -1 + softplus(a); for iaf:K a context
head iaf_context (400 -> H, tanh, H = max(64, 4*20)) and K MADE steps (masked in: 20 -> H, context: H -> H
without bias, masked m and s: H -> 20, s's bias 2), the update z <- sigma*z + (1 - sigma)*m, the order
reversed between steps (io.elbo.vae.IafPosterior). The plain model's KL is the closed form; a flow's is
sampled with the same z. Training: dynamic binarisation (a fresh Bernoulli draw of every image each time it
is used), batch 128, Adam 1e-3, one sample of z.

The trained weights are written with vae's own tensor names and run configuration, so `vae import` makes a
run of them and `vae eval -k 5000 -n 1000` scores them on the same fixed-binarised test images as ours
(bench/bounds_table.sh does the whole comparison).

    /usr/bin/python3 bench/pytorch_bounds.py --posterior planar:8 --epochs 10 --out planar.safetensors
"""
import argparse, gzip, json, math, os, struct, sys, time

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import elbo_vae  # noqa: E402  (the loader's safetensors writer)

LATENT, HIDDEN, PIXELS = 20, 400, 784


class MaskedLinear(nn.Linear):
    """y = x (W * M)^T + b: nn.Linear's initialisation, a fixed 0/1 mask M [out, in] (a buffer, not a weight)."""

    def __init__(self, n_in, n_out, mask):
        super().__init__(n_in, n_out)
        self.register_buffer("mask", torch.tensor(mask, dtype=torch.float32), persistent=False)

    def forward(self, x):
        return F.linear(x, self.weight * self.mask, self.bias)


def degree(k, i, d):
    """The place (1-based) of coordinate i in step k's order: reversed on odd steps."""
    return i + 1 if k % 2 == 0 else d - i


class Made(nn.Module):
    def __init__(self, k, d, h):
        super().__init__()
        hidden_degree = [0 if d == 1 else 1 + j % (d - 1) for j in range(h)]
        in_mask = [[1.0 if hidden_degree[j] >= degree(k, i, d) else 0.0 for i in range(d)] for j in range(h)]
        out_mask = [[1.0 if degree(k, i, d) > hidden_degree[j] else 0.0 for j in range(h)] for i in range(d)]
        self.add_module("in", MaskedLinear(d, h, in_mask))  # `in` is a keyword: vae's name for the first layer
        self.context = nn.Linear(h, h, bias=False)
        self.m = MaskedLinear(h, d, out_mask)
        self.s = MaskedLinear(h, d, out_mask)
        with torch.no_grad():
            self.s.bias.fill_(2.0)  # sigma = sigmoid(2) at first: each step starts near the identity

    def step(self, z, c):
        h = torch.tanh(getattr(self, "in")(z) + self.context(c))
        m, s = self.m(h), self.s(h)
        sigma = torch.sigmoid(s)
        return sigma * z + (1 - sigma) * m, F.logsigmoid(s).sum(-1)


class VAE(nn.Module):
    def __init__(self, posterior):
        super().__init__()
        kind, _, arg = posterior.partition(":")
        self.kind, self.steps = kind, int(arg) if arg else 0
        self.encoder = nn.Sequential(nn.Linear(PIXELS, HIDDEN), nn.ReLU())
        self.mu = nn.Linear(HIDDEN, LATENT)
        self.logvar = nn.Linear(HIDDEN, LATENT)
        if kind == "planar":
            self.flow_u = nn.Linear(HIDDEN, self.steps * LATENT)
            self.flow_w = nn.Linear(HIDDEN, self.steps * LATENT)
            self.flow_b = nn.Linear(HIDDEN, self.steps)
        elif kind == "iaf":
            width = max(64, 4 * LATENT)
            self.iaf_context = nn.Linear(HIDDEN, width)
            for k in range(self.steps):
                self.add_module(f"iaf_{k}", Made(k, LATENT, width))
        elif kind != "gaussian":
            raise SystemExit(f"unknown posterior '{posterior}' (gaussian, planar:K, iaf:K)")
        self.decoder = nn.Sequential(nn.Linear(LATENT, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, PIXELS))

    def log_q_and_z(self, x, eps):
        """z_K [L, B, D] and log q(z_K|x) [L, B] for base noise eps [L, B, D]."""
        h = self.encoder(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + eps * torch.exp(0.5 * logvar)
        log_q = (-0.5 * eps.pow(2) - 0.5 * logvar - 0.5 * math.log(2 * math.pi)).sum(-1)
        if self.kind == "planar":
            us, ws, bs = self.flow_u(h), self.flow_w(h), self.flow_b(h)
            for k in range(self.steps):
                u, w, b = us[:, k * LATENT:(k + 1) * LATENT], ws[:, k * LATENT:(k + 1) * LATENT], bs[:, k:k + 1]
                wu = (w * u).sum(-1, keepdim=True)
                u_hat = u + (F.softplus(wu) - 1 - wu) * w / w.pow(2).sum(-1, keepdim=True)
                t = torch.tanh((z * w).sum(-1, keepdim=True) + b)
                z = z + u_hat * t
                log_q = log_q - torch.log1p((1 - t.pow(2)) * (w * u_hat).sum(-1, keepdim=True)).sum(-1)
        elif self.kind == "iaf":
            c = torch.tanh(self.iaf_context(h))
            for k in range(self.steps):
                z, log_det = getattr(self, f"iaf_{k}").step(z, c)
                log_q = log_q - log_det
        return z, log_q, mu, logvar

    def neg_elbo(self, x):
        """-ELBO per image [B], one sample of z; the plain model's KL in closed form."""
        eps = torch.randn(1, x.shape[0], LATENT)
        z, log_q, mu, logvar = self.log_q_and_z(x, eps)
        log_px = -F.binary_cross_entropy_with_logits(self.decoder(z), x.expand(1, -1, -1), reduction="none").sum(-1)
        if self.kind == "gaussian":
            kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(-1)
            return -(log_px[0] - kl)
        log_pz = (-0.5 * z.pow(2) - 0.5 * math.log(2 * math.pi)).sum(-1)
        return -(log_px + log_pz - log_q)[0]


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--posterior", default="gaussian", help="gaussian, planar:K or iaf:K")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True, help="the safetensors file to write (vae's names and run configuration)")
    p.add_argument("--pixels", default="dynamic", help="the run configuration's pixels (dynamic; grey for --noise)")
    p.add_argument("--noise", help="also write standard-normal draws 'eps' [1, 10000, 20] here and print the test -ELBO"
                   " of the grey test images with them: `vae eval RUN --noise FILE` of the imported run must agree")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    blas = sorted({l.split()[-1] for l in open("/proc/self/maps") if "blas" in l})
    print(f"BLAS: {', '.join(os.path.basename(b) for b in blas) or 'none loaded yet'}", flush=True)

    train = torch.tensor(idx(f"{a.data}/train-images-idx3-ubyte.gz").reshape(-1, PIXELS) / 255.0, dtype=torch.float32)
    model = VAE(a.posterior)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    n = train.shape[0]
    for epoch in range(1, a.epochs + 1):
        t0, total = time.perf_counter(), 0.0
        perm = torch.randperm(n)
        for i in range(0, n, a.batch_size):
            x = torch.bernoulli(train[perm[i:i + a.batch_size]])  # dynamic binarisation
            opt.zero_grad()
            loss = model.neg_elbo(x).mean()
            loss.backward()
            opt.step()
            total += loss.item() * x.shape[0]
        secs = time.perf_counter() - t0
        print(f"epoch {epoch}/{a.epochs}  train -ELBO {total / n:.2f} | {secs:.1f} s", flush=True)

    if a.noise:
        test = torch.tensor(idx(f"{a.data}/t10k-images-idx3-ubyte.gz").reshape(-1, PIXELS) / 255.0, dtype=torch.float32)
        eps = torch.randn(1, test.shape[0], LATENT, dtype=torch.float64)
        elbo_vae.save(a.noise, {"eps": eps.numpy()})
        with torch.no_grad():
            m64 = VAE(a.posterior).double()
            m64.load_state_dict(model.state_dict())
            total = 0.0
            for i in range(0, test.shape[0], 500):
                z, log_q, mu, logvar = m64.log_q_and_z(test[i:i + 500].double(), eps[:, i:i + 500])
                x = test[i:i + 500].double()
                log_px = -F.binary_cross_entropy_with_logits(m64.decoder(z), x.expand(1, -1, -1), reduction="none").sum(-1)[0]
                if m64.kind == "gaussian":
                    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(-1)
                else:
                    kl = (log_q - (-0.5 * z.pow(2) - 0.5 * math.log(2 * math.pi)).sum(-1))[0]
                total += (log_px - kl).sum().item()
        print(f"test -ELBO with {a.noise}: {-total / test.shape[0]:.4f} nats per image (float64, grey test images)", flush=True)

    config = {"format": 2, "data": a.data, "pixels": a.pixels, "limit": 0, "rows": 28, "cols": 28, "hidden": [HIDDEN],
              "latent": LATENT, "activation": "relu", "likelihood": "bernoulli", "sigma": 0.1, "posterior": a.posterior,
              "prior": "standard-normal", "epochs": max(1, a.epochs), "batchSize": a.batch_size, "optimizer": "adam", "lr": a.lr,
              "beta": 1.0, "klWarmup": 0, "samples": 1, "iwaeK": 1, "seed": a.seed, "dtype": "float32"}
    tensors = {"model." + k: v.detach().numpy().astype(np.float32) for k, v in model.state_dict().items()}
    elbo_vae.save(a.out, tensors, {"run": json.dumps(config), "names": "native", "trained-by": f"PyTorch {torch.__version__}"})
    print(f"wrote {len(tensors)} tensors to {a.out}", flush=True)


if __name__ == "__main__":
    main()

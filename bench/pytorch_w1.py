#!/usr/bin/python3
"""W1 reference: the VAE of PyTorch's examples on Fashion-MNIST, timed the way `vae train` reports.

Run with Debian's python3-torch and libopenblas0-openmp installed:
    /usr/bin/python3 bench/pytorch_w1.py --threads 2 --epochs 10 [--batch-size 128] [--dtype float32] [--iwae-k 1000]
Prints one line per epoch (seconds, samples/s, train -ELBO), then test -ELBO and the IWAE bound.
"""
import argparse, gzip, math, struct, time
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

p = argparse.ArgumentParser()
p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--epochs", type=int, default=10)
p.add_argument("--batch-size", type=int, default=128)
p.add_argument("--dtype", default="float32")
p.add_argument("--iwae-k", type=int, default=1000)
p.add_argument("--iwae-images", type=int, default=1000)
p.add_argument("--seed", type=int, default=1)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)
dtype = torch.float64 if a.dtype == "float64" else torch.float32


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


train = torch.tensor(idx(f"{a.data}/train-images-idx3-ubyte.gz").reshape(-1, 784) / 255.0, dtype=dtype)
test = torch.tensor(idx(f"{a.data}/t10k-images-idx3-ubyte.gz").reshape(-1, 784) / 255.0, dtype=dtype)


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 400)
        self.fc21 = nn.Linear(400, 20)
        self.fc22 = nn.Linear(400, 20)
        self.fc3 = nn.Linear(20, 400)
        self.fc4 = nn.Linear(400, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def decode_logits(self, z):
        return self.fc4(F.relu(self.fc3(z)))

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decode_logits(z), mu, logvar


def loss_terms(logits, x, mu, logvar):
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce, kld


model = VAE().to(dtype)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
n = train.shape[0]
for epoch in range(1, a.epochs + 1):
    model.train()
    t0 = time.perf_counter()
    perm = torch.randperm(n)
    total = 0.0
    for i in range(0, n, a.batch_size):
        x = train[perm[i:i + a.batch_size]]
        opt.zero_grad()
        logits, mu, logvar = model(x)
        bce, kld = loss_terms(logits, x, mu, logvar)
        loss = (bce + kld) / x.shape[0]
        loss.backward()
        opt.step()
        total += loss.item() * x.shape[0]
    secs = time.perf_counter() - t0
    print(f"epoch {epoch}/{a.epochs}  train -ELBO {total / n:.2f} | {secs:.2f} s, {n / secs:.0f} img/s", flush=True)

model.eval()
with torch.no_grad():
    t0 = time.perf_counter()
    s = 0.0
    for i in range(0, test.shape[0], 500):
        x = test[i:i + 500]
        logits, mu, logvar = model(x)
        bce, kld = loss_terms(logits, x, mu, logvar)
        s += (bce + kld).item()
    print(f"test -ELBO: {s / test.shape[0]:.2f} nats per image ({test.shape[0]} images; {time.perf_counter() - t0:.2f} s)", flush=True)

    k, m = a.iwae_k, a.iwae_images
    t0 = time.perf_counter()
    total = 0.0
    per = max(1, 16384 // k)
    for i in range(0, m, per):
        x = test[i:min(i + per, m)]
        mu, logvar = model.encode(x)
        std = torch.exp(0.5 * logvar)
        eps = torch.randn((k,) + mu.shape, dtype=dtype)
        z = mu + eps * std                                   # [k, B, 20]
        logits = model.decode_logits(z)                      # [k, B, 784]
        log_px = -F.binary_cross_entropy_with_logits(logits, x.expand_as(logits), reduction="none").sum(-1)
        log_pz = (-0.5 * z.pow(2) - 0.5 * math.log(2 * math.pi)).sum(-1)
        log_qz = (-0.5 * eps.pow(2) - 0.5 * logvar - 0.5 * math.log(2 * math.pi)).sum(-1)
        lw = log_px + log_pz - log_qz
        total += (torch.logsumexp(lw, 0) - math.log(k)).sum().item()
    secs = time.perf_counter() - t0
    print(f"importance-weighted bound -L_{k}: {-total / m:.2f} nats per image (first {m} test images; {secs:.2f} s)", flush=True)

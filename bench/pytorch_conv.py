#!/usr/bin/python3
"""W3 reference: the convolutional VAE of `vae train --arch conv` (TensorFlow's CVAE tutorial's shape) in PyTorch,
on Fashion-MNIST, timed the way `vae train` reports.

Run with Debian's python3-torch; PyTorch must load OpenBLAS (libopenblas0-openmp: the script checks /proc/self/maps
and stops if it does not name libopenblas; where the package is only unpacked, `dpkg -x` it and point
LD_LIBRARY_PATH at its openblas-openmp folder):
    /usr/bin/python3 bench/pytorch_conv.py --threads 2 --epochs 10 [--limit N] [--iwae-k 1000]
The model, parameter names and initialisation are those of `vae train --arch conv` (PyTorch's defaults):
    encoder  Unflatten(1×28×28) Conv(1→32, 3, s2, p1) ReLU Conv(32→64, 3, s2, p1) ReLU Flatten   (3136 features)
    mu, logvar  Linear(3136 → 20) each
    decoder  Linear(20 → 7·7·32) ReLU Unflatten(32×7×7) ConvT(32→64, 3, s2, p1, op1) ReLU
             ConvT(64→32, 3, s2, p1, op1) ReLU ConvT(32→1, 3, s1, p1) Flatten           (784 logits)
Bernoulli likelihood on grey pixels (BCE with logits summed over pixels), analytic KL, Adam 1e-3, batch 128.
Prints one line per epoch (seconds, process CPU seconds, samples/s, train -ELBO), the median epoch, then the test
-ELBO, the importance-weighted bound -L_k on the first --iwae-images test images, and the peak RSS.
"""
import argparse, gzip, math, resource, statistics, struct, sys, time
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

p = argparse.ArgumentParser()
p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--epochs", type=int, default=10)
p.add_argument("--limit", type=int, default=0, help="train on the first N images only (0: all), as vae train --limit")
p.add_argument("--batch-size", type=int, default=128)
p.add_argument("--latent", type=int, default=20)
p.add_argument("--iwae-k", type=int, default=1000, help="0: no bound")
p.add_argument("--iwae-images", type=int, default=1000)
p.add_argument("--test-images", type=int, default=0, help="first N test images for the test -ELBO (0: all)")
p.add_argument("--seed", type=int, default=1)
p.add_argument("--cpu-steps", type=int, default=0, metavar="N",
               help="only time training steps on one batch of 128: 5 warm-up steps, then 5 rounds of N, CPU ms per step"
                    " (io.elbo.bench.ConvStepCpuTime's measure)")
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)

blas = sorted({line.split()[-1] for line in open("/proc/self/maps") if "libopenblas" in line})
if not blas:
    torch.randn(4, 4) @ torch.randn(4, 4)  # BLAS is loaded lazily on some builds
    blas = sorted({line.split()[-1] for line in open("/proc/self/maps") if "libopenblas" in line})
if not blas:
    sys.exit("pytorch_conv.py: PyTorch did not load OpenBLAS (/proc/self/maps names no libopenblas); see the docstring")
print(f"PyTorch {torch.__version__}, {a.threads} threads, BLAS {blas[0]}, mkldnn {torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled}", flush=True)


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


train = torch.tensor(idx(f"{a.data}/train-images-idx3-ubyte.gz").reshape(-1, 784) / 255.0, dtype=torch.float32)
test = torch.tensor(idx(f"{a.data}/t10k-images-idx3-ubyte.gz").reshape(-1, 784) / 255.0, dtype=torch.float32)
if a.limit:
    train = train[:a.limit]
if a.test_images:
    test = test[:a.test_images]


class ConvVAE(nn.Module):
    """The same modules, in the same order and under the same names, as io.elbo.vae.ConvNet (python/elbo_vae.py's conv_class)."""

    def __init__(self, latent=20):
        super().__init__()
        self.encoder = nn.Sequential(nn.Unflatten(1, (1, 28, 28)), nn.Conv2d(1, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1),
                                     nn.ReLU(), nn.Flatten())
        self.mu = nn.Linear(64 * 7 * 7, latent)
        self.logvar = nn.Linear(64 * 7 * 7, latent)
        self.decoder = nn.Sequential(nn.Linear(latent, 7 * 7 * 32), nn.ReLU(), nn.Unflatten(1, (32, 7, 7)),
                                     nn.ConvTranspose2d(32, 64, 3, 2, 1, 1), nn.ReLU(), nn.ConvTranspose2d(64, 32, 3, 2, 1, 1), nn.ReLU(),
                                     nn.ConvTranspose2d(32, 1, 3, 1, 1), nn.Flatten())

    def encode(self, x):
        h = self.encoder(x)
        return self.mu(h), self.logvar(h)

    def decode_logits(self, z):
        shape = z.shape
        return self.decoder(z.reshape(-1, shape[-1])).reshape(shape[:-1] + (784,))

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decode_logits(z), mu, logvar


def loss_terms(logits, x, mu, logvar):
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce, kld


model = ConvVAE(a.latent)
print(f"model: {sum(p.numel() for p in model.parameters())} parameters", flush=True)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
n = train.shape[0]


def step(x):
    opt.zero_grad()
    logits, mu, logvar = model(x)
    bce, kld = loss_terms(logits, x, mu, logvar)
    loss = (bce + kld) / x.shape[0]
    loss.backward()
    opt.step()
    return loss.item()


if a.cpu_steps:
    x = train[:a.batch_size]
    for _ in range(5):
        step(x)
    cpu, wall = [], []
    for _ in range(5):
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(a.cpu_steps):
            step(x)
        cpu.append((time.process_time() - c0) * 1e3 / a.cpu_steps)
        wall.append((time.perf_counter() - w0) * 1e3 / a.cpu_steps)
    cpu.sort()
    wall.sort()
    print(f"PyTorch conv step, {a.threads} thread{'s' if a.threads > 1 else ''}: CPU {cpu[0]:.1f} ms least, {cpu[2]:.1f} median;"
          f" wall {wall[0]:.1f} least, {wall[2]:.1f} median (5 rounds of {a.cpu_steps})", flush=True)
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} KB", flush=True)
    sys.exit(0)
seconds = []
for epoch in range(1, a.epochs + 1):
    model.train()
    t0, c0 = time.perf_counter(), time.process_time()
    perm = torch.randperm(n)
    total = 0.0
    for i in range(0, n, a.batch_size):
        x = train[perm[i:i + a.batch_size]]
        total += step(x) * x.shape[0]
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    seconds.append(secs)
    print(f"epoch {epoch}/{a.epochs}  train -ELBO {total / n:.2f} | {secs:.2f} s ({cpu:.2f} s CPU), {n / secs:.0f} img/s", flush=True)
print(f"median epoch: {statistics.median(seconds):.2f} s ({n} images, {math.ceil(n / a.batch_size)} steps of {a.batch_size})", flush=True)

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

    k, m = a.iwae_k, min(a.iwae_images, test.shape[0])
    if k > 0:
        t0 = time.perf_counter()
        total = 0.0
        per = max(1, 128 // k)  # as vae eval decodes a conv model: about 128 rows at a time (16 000 would take GiBs)
        for i in range(0, m, per):
            x = test[i:min(i + per, m)]
            mu, logvar = model.encode(x)
            std = torch.exp(0.5 * logvar)
            lw = []
            for done in range(0, k, 128):
                eps = torch.randn((min(128, k - done),) + mu.shape)
                z = mu + eps * std                                   # [c, B, 20]
                logits = model.decode_logits(z)                      # [c, B, 784]
                log_px = -F.binary_cross_entropy_with_logits(logits, x.expand_as(logits), reduction="none").sum(-1)
                log_pz = (-0.5 * z.pow(2) - 0.5 * math.log(2 * math.pi)).sum(-1)
                log_qz = (-0.5 * eps.pow(2) - 0.5 * logvar - 0.5 * math.log(2 * math.pi)).sum(-1)
                lw.append(log_px + log_pz - log_qz)
            total += (torch.logsumexp(torch.cat(lw), 0) - math.log(k)).sum().item()
        secs = time.perf_counter() - t0
        print(f"importance-weighted bound -L_{k}: {-total / m:.2f} nats per image (first {m} test images; {secs:.2f} s)", flush=True)
print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} KB", flush=True)

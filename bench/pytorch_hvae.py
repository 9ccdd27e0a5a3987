#!/usr/bin/python3
"""The two-stochastic-layer VAE of Burda et al. in PyTorch: the same model as `vae train --hidden 200,200 --latent 100,50`,
trained and scored the way the README's likelihood table is (issue 29, item 5).

The model is python/elbo_vae.py's hierarchical_class (the module `vae export` weights load into): q(z1|x) from
784-200-200 with mu and log sigma^2 heads to 100; q(z2|z1) from 100-100-100 with heads to 50; p(z1|z2) from 50-100-100
with heads to 100; p(x|z1) from 100-200-200-784 Bernoulli logits; ReLU; p(z2) = N(0, I); log sigma^2 clamped to
[-30, 20]; every Linear PyTorch's default (weights and biases uniform in +-1/sqrt(fan_in), vae's rule too). The
objective is vae's: the ELBO with one ancestral sample of (z1, z2) and the KL sampled (no closed form across layers),
averaged over the batch; Adam (PyTorch's defaults, lr 1e-3), batch 128, shuffled, the last batch partial as
vae's is, each batch binarised afresh (--pixels dynamic).

Scoring is `vae eval`'s protocol: the test set binarised once with vae's seeded generator (elbo_vae.fixed_binary_test_images,
the same binary images `vae eval` scores), the test -ELBO (one sample per image) on all of them, and -L_k with its
standard error over the first n images.

    /usr/bin/python3 bench/pytorch_hvae.py --epochs 10 --k 5000 --n 1000          # the table's PyTorch row
    /usr/bin/python3 bench/pytorch_hvae.py --epochs 1 --limit 2000 --k 50 --n 100  # a quick check
    bin/vae train --pixels dynamic --hidden 200,200 --latent 100,50 -e 10 -o runs/h2 && bin/vae eval runs/h2 -k 5000 -n 1000

Prints one line per epoch, the scores, and the scores as one JSON object (the keys of `vae eval --json`).
--save FILE writes the weights with vae's names and a run configuration, for `vae import FILE` and `vae eval`.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import elbo_vae  # noqa: E402

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--data", default="/usr/share/datasets/fashion-mnist", help="a directory with the IDX .gz files")
p.add_argument("--epochs", type=int, default=10)
p.add_argument("--batch-size", type=int, default=128)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--hidden", default="200,200", help="widths of the bottom deterministic block (the upper blocks: as wide as the layer below)")
p.add_argument("--latent", default="100,50", help="sizes of the stochastic layers, z1 first")
p.add_argument("--activation", default="relu", choices=elbo_vae.ACTIVATIONS)
p.add_argument("--limit", type=int, default=0, help="train on the first N images only (0: all)")
p.add_argument("--k", type=int, default=5000, help="importance samples of -L_k")
p.add_argument("--n", type=int, default=1000, help="first test images for -L_k")
p.add_argument("--elbo-images", type=int, default=0, help="test images for the test -ELBO (0: all, as vae eval)")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--dtype", default="float32", choices=["float32", "float64"])
p.add_argument("--save", metavar="FILE", help="write the trained weights for vae import")
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(a.seed)
dtype = getattr(torch, a.dtype)
hidden = [int(h) for h in a.hidden.split(",") if h]
latents = [int(k) for k in a.latent.split(",")]

train_path = os.path.join(a.data, "train-images-idx3-ubyte.gz")
test_path = os.path.join(a.data, "t10k-images-idx3-ubyte.gz")
train = torch.from_numpy(elbo_vae.images(train_path, a.limit or None)).to(dtype)
model = elbo_vae.hierarchical_class()(train.shape[1], hidden, latents, a.activation, "bernoulli").to(dtype)
opt = torch.optim.Adam(model.parameters(), lr=a.lr)
params = sum(t.numel() for t in model.parameters())
print(f"model: {train.shape[1]}-{'-'.join(map(str, hidden))}-{','.join(map(str, latents))} {a.activation} bernoulli, "
      f"{params} {a.dtype} parameters, {torch.get_num_threads()} threads")
g = torch.Generator().manual_seed(a.seed)
steps = (len(train) + a.batch_size - 1) // a.batch_size  # the last batch partial, as vae train's
start = time.time()
for epoch in range(1, a.epochs + 1):
    t0, total = time.time(), 0.0
    order = torch.randperm(len(train), generator=g)
    model.train()
    for s in range(steps):
        x = torch.bernoulli(train[order[s * a.batch_size:(s + 1) * a.batch_size]], generator=g)  # dynamic binarisation
        opt.zero_grad()
        loss = -model.elbo(x, generator=g).mean()
        loss.backward()
        opt.step()
        total += float(loss) * x.shape[0]
    seconds = time.time() - t0
    print(f"epoch {epoch}/{a.epochs}: train -ELBO {total / len(train):.2f} nats per image, {seconds:.1f} s, "
          f"{len(train) / seconds:.0f} img/s", flush=True)

model.eval()
t0 = time.time()
test = torch.from_numpy(elbo_vae.fixed_binary_test_images(test_path, max(a.elbo_images, a.n) if a.elbo_images else None)).to(dtype)
print(f"test images: {len(test)} binarised as vae eval does ({time.time() - t0:.1f} s)", flush=True)
with torch.no_grad():
    elbo_rows = test[:a.elbo_images] if a.elbo_images else test
    neg_elbo = -sum(float(model.elbo(elbo_rows[i:i + 500], generator=g).sum()) for i in range(0, len(elbo_rows), 500)) / len(elbo_rows)
    print(f"test -ELBO: {neg_elbo:.2f} nats per image ({len(elbo_rows)} images, 1 sample, sampled KL)", flush=True)
    t0 = time.time()
    per_image = max(1, min(a.n, 16384 // min(a.k, 16384)))
    lk = torch.cat([model.iwae(test[i:min(a.n, i + per_image)], a.k, generator=g) for i in range(0, a.n, per_image)]).double()
    se = float(lk.std() / math.sqrt(len(lk))) if len(lk) > 1 else float("nan")
    print(f"-L_{a.k}: {-float(lk.mean()):.2f} ± {se:.2f} nats per image (first {a.n} test images; {time.time() - t0:.1f} s)")
print(json.dumps({"model": "pytorch-hvae", "test_neg_elbo": neg_elbo, "test_images": len(elbo_rows), "elbo_samples": 1, "k": a.k,
                  "n": a.n, "neg_L_k": -float(lk.mean()), "neg_L_k_standard_error": se, "seconds": time.time() - start}))
if a.save:
    side = int(round(math.sqrt(train.shape[1])))
    config = {"format": 3, "data": os.path.abspath(a.data), "pixels": "dynamic", "limit": a.limit, "rows": side, "cols": side,
              "hidden": hidden, "latent": latents[0], "activation": a.activation, "likelihood": "bernoulli", "sigma": 0.1,
              "posterior": "gaussian", "prior": "standard-normal", "epochs": a.epochs, "batchSize": a.batch_size, "optimizer": "adam",
              "lr": a.lr, "beta": 1.0, "klWarmup": 0, "samples": 1, "iwaeK": 1, "seed": a.seed, "dtype": a.dtype,
              "upperLatents": latents[1:]}
    state = {"model." + k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}
    elbo_vae.save(a.save, state, {"run": json.dumps(config), "format": "pytorch-hvae"})
    print(f"wrote {a.save}; score it with: vae import {a.save} -o runs/torch-hvae && vae eval runs/torch-hvae -k {a.k} -n {a.n}")

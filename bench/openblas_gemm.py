#!/usr/bin/python3
"""W2 reference: float32 GEMM GFLOP/s through PyTorch + OpenBLAS, for the shapes of W1 in backprop's layouts.

    /usr/bin/python3 bench/openblas_gemm.py --threads 1
Prints: shape layout threads GFLOP/s (best of 5 timings of many calls each).
"""
import argparse, time
import torch

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=1)
a = p.parse_args()
torch.set_num_threads(a.threads)
SHAPES = [  # m, n, k, layout
    (128, 400, 784, "NT"), (128, 784, 400, "NT"), (128, 400, 784, "NN"), (784, 400, 128, "TN"), (400, 784, 128, "TN"),
    (128, 20, 400, "NT"), (128, 400, 20, "NT"), (128, 400, 20, "NN"), (20, 400, 128, "TN"), (400, 20, 128, "TN"),
    (512, 400, 784, "NT"), (512, 784, 400, "NN"), (784, 400, 512, "TN"),
]
for m, n, k, layout in SHAPES:
    A = torch.randn((k, m) if layout[0] == "T" else (m, k))
    B = torch.randn((n, k) if layout[1] == "T" else (k, n))
    opA = A.t() if layout[0] == "T" else A
    opB = B.t() if layout[1] == "T" else B
    out = torch.empty(m, n)
    reps = max(10, int(2e9 / (2 * m * n * k)))
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(reps):
            torch.mm(opA, opB, out=out)
        best = min(best, (time.perf_counter() - t0) / reps)
    print(f"{m}x{n}x{k} {layout} {a.threads} {2 * m * n * k / best / 1e9:.1f}")

#!/usr/bin/python3
"""W2 reference: float32 GEMM GFLOP/s through PyTorch + OpenBLAS, for the shapes of W1 in backprop's layouts
(with --dtype float64: DGEMM, for the batch-128 shapes that Gemm64Bench times).

    /usr/bin/python3 bench/openblas_gemm.py --threads 1 [--dtype float64]
Prints: shape layout threads GFLOP/s (best of 5 timings of many calls each).
"""
import argparse, time
import torch

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=1)
p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
a = p.parse_args()
dt = torch.float64 if a.dtype == "float64" else torch.float32
torch.set_num_threads(a.threads)
SHAPES = [  # m, n, k, layout
    (128, 400, 784, "NT"), (128, 784, 400, "NT"), (128, 400, 784, "NN"), (784, 400, 128, "TN"), (400, 784, 128, "TN"),
    (128, 20, 400, "NT"), (128, 400, 20, "NT"), (128, 400, 20, "NN"), (20, 400, 128, "TN"), (400, 20, 128, "TN"),
    (512, 400, 784, "NT"), (512, 784, 400, "NN"), (784, 400, 512, "TN"),
]
for m, n, k, layout in SHAPES if a.dtype == "float32" else SHAPES[:10]:
    A = torch.randn((k, m) if layout[0] == "T" else (m, k), dtype=dt)
    B = torch.randn((n, k) if layout[1] == "T" else (k, n), dtype=dt)
    opA = A.t() if layout[0] == "T" else A
    opB = B.t() if layout[1] == "T" else B
    out = torch.empty(m, n, dtype=dt)
    reps = max(10, int(2e9 / (2 * m * n * k)))
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(reps):
            torch.mm(opA, opB, out=out)
        best = min(best, (time.perf_counter() - t0) / reps)
    print(f"{m}x{n}x{k} {layout} {a.threads} {2 * m * n * k / best / 1e9:.1f}")

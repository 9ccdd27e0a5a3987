#!/usr/bin/python3
"""The W2 table: JMH's GemmBench JSON beside OpenBLAS (bench/openblas_gemm.py output), as Markdown.

    java -jar bench/target/benchmarks.jar GemmBench -rf json -rff gemm.json
    /usr/bin/python3 bench/openblas_gemm.py --threads 1 > blas1.txt
    /usr/bin/python3 bench/openblas_gemm.py --threads 2 > blas2.txt
    python3 bench/gemm_table.py gemm.json blas1.txt blas2.txt
Peak: 32 float32 FLOP per cycle per core at 3.65 GHz (117 GFLOP/s), times the threads; for Gemm64Bench's JSON
(with `openblas_gemm.py --dtype float64`) half of that, float64 lanes being twice as wide.
"""
import json, sys

PEAK = 32 * 3.65
ours = {}
results = json.load(open(sys.argv[1]))
if results and "Gemm64Bench" in results[0]["benchmark"]:
    PEAK /= 2
for r in results:
    p = r["params"]
    dims, layout = p["shape"].split(":")
    m, n, k = map(int, dims.split("x"))
    us = r["primaryMetric"]["score"]
    ours[(dims, layout, int(p["threads"]))] = 2 * m * n * k / (us * 1e3)
blas = {}
for f in sys.argv[2:]:
    for line in open(f):
        dims, layout, t, g = line.split()
        blas[(dims, layout, int(t))] = float(g)
print("| m×n×k | layout | threads | ours GFLOP/s | OpenBLAS GFLOP/s | ratio | % of peak |")
print("|---|---|---|---|---|---|---|")
for key in sorted(ours, key=lambda x: (x[2], list(ours).index(x))):
    dims, layout, t = key
    o, b = ours[key], blas.get(key)
    ratio = f"{o / b:.2f}" if b else "–"
    print(f"| {dims.replace('x', '×')} | {layout} | {t} | {o:.1f} | {b:.1f} | {ratio} | {100 * o / (PEAK * t):.0f} % |" if b else
          f"| {dims} | {layout} | {t} | {o:.1f} | – | – | {100 * o / (PEAK * t):.0f} % |")

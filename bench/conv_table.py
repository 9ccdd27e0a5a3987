#!/usr/bin/python3
"""ConvBench's JMH JSON as a Markdown table of GFLOP/s per layer, pass and thread count.

    java -jar bench/target/benchmarks.jar ConvBench -p threads=1,2 -rf json -rff conv.json
    python3 bench/conv_table.py conv.json
Each pass of a layer does the layer's N·O·OH·OW·C·kh·kw multiply-adds (2 FLOP each); the sizes are ConvBench's.
"""
import json, sys

# layer: (batch, in channels of the convolution, input side, out channels, output side, kernel) as in ConvBench.geometry
LAYERS = {
    "enc1": (128, 1, 28, 32, 14, 3),
    "enc2": (128, 32, 14, 64, 7, 3),
    "dec1": (128, 64, 14, 32, 7, 3),
    "dec2": (128, 32, 28, 64, 14, 3),
    "dec3": (128, 1, 28, 32, 28, 3),
}
rows = {}
for r in json.load(open(sys.argv[1])):
    p = r["params"]
    n, c, _, o, oh, k = LAYERS[p["layer"]]
    flop = 2 * n * o * oh * oh * c * k * k
    rows[(p["layer"], p["pass"], int(p["threads"]))] = (r["primaryMetric"]["score"], flop / (r["primaryMetric"]["score"] * 1e3))
print("| layer | pass | threads | µs per op | GFLOP/s |")
print("|---|---|---|---|---|")
for (layer, pss, t), (us, g) in sorted(rows.items(), key=lambda kv: (list(LAYERS).index(kv[0][0]), kv[0][1], kv[0][2])):
    print(f"| {layer} | {pss} | {t} | {us:.0f} | {g:.1f} |")

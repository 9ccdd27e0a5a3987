#!/usr/bin/env python3
"""The small Fashion-MNIST sample embedded in the project (tests, and `vae train` with no data).

    python3 test-data/fashion-mnist/make_sample.py /usr/share/datasets/fashion-mnist test-data/fashion-mnist
reads Debian's dataset-fashion-mnist files and writes the first 2000 training and 500 test images
with their labels, in the same IDX format, gzipped. Fashion-MNIST is (c) Zalando SE, MIT licence.
"""
import gzip
import struct
import sys

SRC, DST = sys.argv[1], sys.argv[2]
COUNTS = {"train": 2000, "t10k": 500}

for split, n in COUNTS.items():
    for kind, dims in (("images-idx3-ubyte", 3), ("labels-idx1-ubyte", 1)):
        raw = gzip.open(f"{SRC}/{split}-{kind}.gz").read()
        header = struct.unpack(">I" + "I" * dims, raw[: 4 + 4 * dims])
        item = 1
        for d in header[2:]:
            item *= d
        out = struct.pack(">I", header[0]) + struct.pack(">I", n) + b"".join(struct.pack(">I", d) for d in header[2:])
        out += raw[4 + 4 * dims: 4 + 4 * dims + n * item]
        # mtime=0 keeps the file byte-identical from run to run
        with gzip.GzipFile(f"{DST}/{split}-{kind}.gz", "wb", mtime=0) as f:
            f.write(out)
        print(split, kind, n, "items")

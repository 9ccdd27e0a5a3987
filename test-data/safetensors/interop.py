#!/usr/bin/env python3
"""An independent reader and writer of the safetensors format, in the Python standard library only.

A test helper, not a tool (for your files use python/elbo_vae.py). Used by io.elbo.nn.PythonInteropTest to
prove our checkpoints interoperate in both directions, without numpy:
    python3 interop.py check FILE              verify a file Java wrote with the known tensors below
    python3 interop.py check-model FILE JSON   verify every tensor of a Java checkpoint equals JSON's values
    python3 interop.py write FILE              write the known tensors and a 3-4-2 float32 MLP for Java
Exit status 0 means everything matched; otherwise the first problem is printed.
"""
import json
import math
import struct
import sys

FORMATS = {"F32": "f", "F64": "d", "U8": "B"}


def read(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    buf = data[8 + n:]
    tensors = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        begin, end = e["data_offsets"]
        fmt = FORMATS[e["dtype"]]
        count = (end - begin) // struct.calcsize(fmt)
        expected = 1
        for d in e["shape"]:
            expected *= d
        if count != expected:
            raise SystemExit(f"{name}: {count} values for shape {e['shape']}")
        tensors[name] = (e["dtype"], e["shape"], list(struct.unpack(f"<{count}{fmt}", buf[begin:end])))
    return header.get("__metadata__", {}), tensors


def write(path, tensors, metadata):
    header, chunks, offset = {"__metadata__": metadata}, [], 0
    for name, (dtype, shape, values) in tensors.items():
        raw = struct.pack(f"<{len(values)}{FORMATS[dtype]}", *values)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def known():
    """The tensors both sides can compute: float32 and float64 formulas, and raw bytes."""
    return {
        "ramp32": ("F32", [3, 5], [f32(i * 0.25 - 1) for i in range(15)]),
        "wave64": ("F64", [2, 3, 4], [1000 * math.sin(i) for i in range(24)]),
        "bytes": ("U8", [256], list(range(256))),
    }


KNOWN_METADATA = {"greeting": "h\u00e9llo \u2713", "answer": "42"}


def mlp():
    shapes = {"model.0.weight": [4, 3], "model.0.bias": [4], "model.2.weight": [2, 4], "model.2.bias": [2]}
    out = {}
    for k, (name, shape) in enumerate(shapes.items()):
        n = 1
        for d in shape:
            n *= d
        out[name] = ("F32", shape, [f32(0.01 * i - 0.1 * k) for i in range(n)])
    return out


def close(a, b):
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))


def check(path):
    meta, tensors = read(path)
    for key, value in KNOWN_METADATA.items():
        if meta.get(key) != value:
            raise SystemExit(f"metadata {key}: {meta.get(key)!r} != {value!r}")
    for name, (dtype, shape, values) in known().items():
        got = tensors.get(name)
        if got is None:
            raise SystemExit(f"missing tensor {name}")
        if got[0] != dtype or got[1] != shape:
            raise SystemExit(f"{name}: {got[0]} {got[1]} != {dtype} {shape}")
        for i, (a, b) in enumerate(zip(got[2], values)):
            if not close(a, b):
                raise SystemExit(f"{name}[{i}]: {a!r} != {b!r}")
    print(f"ok: {len(tensors)} tensors, {len(meta)} metadata entries")


def check_model(path, expected_json):
    meta, tensors = read(path)
    expected = json.load(open(expected_json))
    if set(expected) != set(tensors):
        raise SystemExit(f"tensor names differ: {sorted(set(expected) ^ set(tensors))}")
    for name, e in expected.items():
        dtype, shape, values = tensors[name]
        if dtype != e["dtype"] or shape != e["shape"]:
            raise SystemExit(f"{name}: {dtype} {shape} != {e['dtype']} {e['shape']}")
        for i, (a, b) in enumerate(zip(values, e["values"])):
            if a != b:  # exact: the JSON holds the stored floats widened to double
                raise SystemExit(f"{name}[{i}]: {a!r} != {b!r}")
    print(f"ok: {len(tensors)} tensors match exactly; format {meta.get('format')}")


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "check":
        check(sys.argv[2])
    elif mode == "check-model":
        check_model(sys.argv[2], sys.argv[3])
    elif mode == "write":
        write(sys.argv[2], {**known(), **mlp()}, KNOWN_METADATA)
        print("written")
    else:
        raise SystemExit(f"unknown mode {mode}")

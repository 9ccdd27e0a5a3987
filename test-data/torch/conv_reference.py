#!/usr/bin/env python3
"""Reference values and gradients of 2-D convolutions, from PyTorch in float64.

Regenerate with Debian's python3-torch (1.13):
    /usr/bin/python3 test-data/torch/conv_reference.py > test-data/torch/conv_reference.json
Each case is F.conv2d or F.conv_transpose2d of an input x, a weight w and a bias b (or none) with a
stride, a padding and (for the transpose) an output padding. It stores the inputs, the output and the
gradients of L = sum(out * c) for a fixed random c in x, w and b. The Java test
(io.elbo.autodiff.ConvTorchReferenceTest) recomputes each case with Ops.conv2d / Ops.convTranspose2d and
must match to 1e-10 relative.
"""
import json
import torch
import torch.nn.functional as F

torch.manual_seed(20261207)
D = torch.float64

# (op, x shape, w shape, bias, stride, padding, output padding)
CASES = [
    ("conv2d", (2, 3, 7, 5), (4, 3, 3, 3), True, 1, 0, 0),
    ("conv2d", (2, 3, 7, 5), (4, 3, 3, 3), True, 1, 1, 0),
    ("conv2d", (3, 2, 9, 8), (3, 2, 3, 3), True, 2, 1, 0),
    ("conv2d", (1, 2, 6, 7), (2, 2, 2, 3), False, 2, 0, 0),
    ("conv2d", (2, 1, 5, 5), (3, 1, 3, 1), True, 1, 2, 0),
    ("conv2d", (2, 2, 4, 6), (2, 2, 5, 5), True, 2, 2, 0),
    ("conv2d", (3, 1, 11, 11), (4, 1, 3, 3), True, 2, 1, 0),
    ("conv2d", (2, 3, 3, 3), (5, 3, 1, 1), False, 1, 0, 0),
    ("conv2d", (2, 2, 5, 4), (3, 2, 1, 2), True, 2, 1, 0),
    ("conv_transpose2d", (2, 3, 4, 5), (3, 2, 3, 3), True, 1, 0, 0),
    ("conv_transpose2d", (2, 3, 4, 5), (3, 2, 3, 3), True, 1, 1, 0),
    ("conv_transpose2d", (3, 2, 4, 4), (2, 3, 3, 3), True, 2, 1, 1),
    ("conv_transpose2d", (2, 2, 3, 5), (2, 2, 3, 3), False, 2, 1, 0),
    ("conv_transpose2d", (2, 2, 5, 3), (2, 1, 2, 3), True, 2, 0, 1),
    ("conv_transpose2d", (1, 3, 5, 5), (3, 2, 5, 3), True, 2, 2, 1),
    ("conv_transpose2d", (2, 2, 3, 3), (2, 3, 3, 1), True, 1, 1, 0),
    ("conv_transpose2d", (3, 1, 7, 7), (1, 2, 3, 3), True, 1, 1, 0),
]


def case(op, xs, ws, bias, stride, padding, output_padding):
    x = torch.randn(*xs, dtype=D, requires_grad=True)
    w = torch.randn(*ws, dtype=D, requires_grad=True)
    out_channels = ws[0] if op == "conv2d" else ws[1]
    b = torch.randn(out_channels, dtype=D, requires_grad=True) if bias else None
    if op == "conv2d":
        out = F.conv2d(x, w, b, stride=stride, padding=padding)
    else:
        out = F.conv_transpose2d(x, w, b, stride=stride, padding=padding, output_padding=output_padding)
    c = torch.randn(*out.shape, dtype=D)
    (out * c).sum().backward()
    inputs = [x, w] + ([b] if bias else [])
    return {
        "op": op, "stride": stride, "padding": padding, "output_padding": output_padding,
        "inputs": [{"shape": list(t.shape), "values": t.detach().flatten().tolist()} for t in inputs],
        "out": {"shape": list(out.shape), "values": out.detach().flatten().tolist()},
        "c": c.flatten().tolist(),
        "grads": [t.grad.flatten().tolist() for t in inputs],
    }


print(json.dumps({"torch": torch.__version__, "dtype": "float64", "cases": [case(*c) for c in CASES]}))

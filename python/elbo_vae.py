#!/usr/bin/env python3
"""Use vae's models from Python: read and write its safetensors files, read IDX data, and move weights
between `vae` and PyTorch: PyTorch's VAE example (github.com/pytorch/examples, vae/main.py), and the
convolutional model of `vae train --arch conv` (`conv_class`, whose state_dict names are ours).

Needs the standard library and numpy; PyTorch only for the functions marked (torch). No `safetensors`
package is needed: the format (an 8-byte header length, a JSON header, raw little-endian data) is read
and written here.

From the shell (run with `python3 python/elbo_vae.py ...`):
    list FILE                          the tensors (name, dtype, shape) and the metadata keys
    config FILE                        the run configuration stored in a checkpoint or export
    reconstruct EXPORT IMAGES OUT [-n N]          (torch) decoder means at z = mu(x) for the first N images
                                       (the example's architecture, or --arch conv)
    elbo EXPORT IMAGES [-s S] [--seed K] [--save-noise F]   (torch) test -ELBO in nats per image, S samples of z
                                       each; --save-noise writes the draws for `vae eval --noise F`; the example's
                                       architecture or a hierarchical run (`vae train --latent 100,50`)
    train-example DATA OUT [--epochs E] [--hidden H] [--latent Z] [--seed K] [--limit N]
                                       (torch) train PyTorch's example on IDX data; save it for `vae import`

From Python:
    import elbo_vae
    tensors, metadata = elbo_vae.load("runs/w1/weights.safetensors")       # numpy arrays
    model = elbo_vae.example_model("runs/w1/weights.safetensors")          # (torch) a PyTorch VAE
    model = elbo_vae.model("runs/conv/weights.safetensors")                # (torch) the example's or --arch conv's
    elbo_vae.save_example(model, "mine.safetensors")                        # then: vae import mine.safetensors
    model = elbo_vae.hierarchical_model("runs/h2/weights.safetensors")     # (torch) any Gaussian-posterior run, any layers
    x = elbo_vae.fixed_binary_test_images("t10k-images-idx3-ubyte.gz", 1000)  # `vae eval`'s binary test images

`vae export RUN` writes a run's weights (`--names pytorch-example` for the example's tensor names);
`example_model` reads either naming.
"""
import argparse
import gzip
import json
import math
import os
import shlex
import struct
import sys
import tempfile

import numpy as np

DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
          "U8": "u1", "BOOL": "?"}
NAMES = {np.dtype(v).str if v != "?" else "|b1": k for k, v in DTYPES.items()}
# vae's parameter names for the architecture of PyTorch's example, and the example's names.
EXAMPLE_NAMES = {
    "encoder.0.weight": "fc1.weight", "encoder.0.bias": "fc1.bias",
    "mu.weight": "fc21.weight", "mu.bias": "fc21.bias",
    "logvar.weight": "fc22.weight", "logvar.bias": "fc22.bias",
    "decoder.0.weight": "fc3.weight", "decoder.0.bias": "fc3.bias",
    "decoder.2.weight": "fc4.weight", "decoder.2.bias": "fc4.bias",
}


# ---------------------------------------------------------------- the parts, as io.elbo.vae.Parts registers them
def _bernoulli(torch, x, d, params, sigma):
    return -torch.nn.functional.binary_cross_entropy_with_logits(d, x.expand_as(d), reduction="none").sum(dim=-1)


def _continuous_bernoulli(torch, x, d, params, sigma):
    # log C(l) = log(l / tanh(l/2)), its Taylor series below |l| = 0.05 (io.elbo.vae.ContinuousBernoulli)
    near = d.abs() < 0.05
    safe = torch.where(near, torch.full_like(d, 0.05), d)
    l2 = d * d
    taylor = math.log(2) + l2 * (1 / 12 + l2 * (-7 / 1440 + l2 * (31 / 90720 - l2 * 127 / 4838400)))
    log_c = torch.where(near, taylor, torch.log(safe / torch.tanh(safe / 2)))
    return (log_c - torch.nn.functional.binary_cross_entropy_with_logits(d, x.expand_as(d), reduction="none")).sum(dim=-1)


def _gaussian(torch, x, d, params, sigma):
    ls = params["log_sigma"]
    return (-0.5 * ((x - d) * torch.exp(-ls)) ** 2 - ls - 0.5 * math.log(2 * math.pi)).sum(dim=-1)


def _gaussian_fixed(torch, x, d, params, sigma):
    return (-0.5 * ((x - d) / sigma) ** 2 - math.log(sigma) - 0.5 * math.log(2 * math.pi)).sum(dim=-1)


# name -> (log p(x | decoder output d) summed over each row, the tensors the likelihood owns): the same names, in
# the same order, as io.elbo.vae.Parts.LIKELIHOODS (a test compares the two lists and their values).
LIKELIHOODS = {
    "bernoulli": (_bernoulli, ()),
    "continuous-bernoulli": (_continuous_bernoulli, ()),
    "gaussian": (_gaussian, ("log_sigma",)),
    "gaussian-pixel": (_gaussian, ("log_sigma",)),
    "gaussian-fixed": (_gaussian_fixed, ()),
}
POSTERIORS = ("gaussian", "planar", "iaf")
# the encoder's and decoder's architectures of io.elbo.vae.VAE.Config (io.elbo.vae.ConvNet): mlp, conv
ARCHITECTURES = ("mlp", "conv")
PRIORS = ("standard-normal",)


def log_likelihood(name, x, decoded, params=None, sigma=0.1):
    """(torch) log p(x | decoded) of each row under the likelihood `name` of io.elbo.vae.Parts (params: its own tensors)."""
    if name not in LIKELIHOODS:
        raise FormatError(f"unknown likelihood '{name}' ({', '.join(LIKELIHOODS)})")
    fn, _ = LIKELIHOODS[name]
    return fn(_torch(), x, decoded, params or {}, sigma)


class FormatError(ValueError):
    """A file that is not what it claims to be; the message names the file and the problem."""


# ---------------------------------------------------------------- safetensors

def load(path):
    """The tensors of a safetensors file as numpy arrays (a dict in file order) and its metadata (a dict)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise FormatError(f"{path}: {len(data)} bytes, too short for a safetensors header")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise FormatError(f"{path}: the header claims {n} bytes, the file has {len(data) - 8} after its length")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise FormatError(f"{path}: the header is not JSON ({e})") from None
    body = memoryview(data)[8 + n:]
    metadata = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, e in header.items():
        dtype = DTYPES.get(e.get("dtype"))
        if dtype is None:
            raise FormatError(f"{path}: tensor '{name}' has dtype {e.get('dtype')}, not one of {', '.join(DTYPES)}")
        begin, end = e["data_offsets"]
        shape = tuple(e["shape"])
        count = math.prod(shape)
        if not 0 <= begin <= end <= len(body) or end - begin != count * np.dtype(dtype).itemsize:
            raise FormatError(f"{path}: tensor '{name}' {list(shape)} {e['dtype']}: offsets [{begin}, {end}) do not fit")
        tensors[name] = np.frombuffer(body[begin:end], dtype=dtype).reshape(shape).copy()
    return tensors, metadata


def save(path, tensors, metadata=None):
    """Writes numpy arrays (a dict, in its order) and string metadata as safetensors, atomically."""
    header, offset, chunks = {}, 0, []
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, array in tensors.items():
        a = np.ascontiguousarray(array)
        a = a.astype(a.dtype.newbyteorder("<")) if a.dtype.byteorder == ">" else a
        key = a.dtype.str if a.dtype != np.bool_ else "|b1"
        if key not in NAMES:
            raise ValueError(f"tensor '{name}': numpy dtype {a.dtype} has no safetensors name")
        raw = a.tobytes()
        header[name] = {"dtype": NAMES[key], "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it 0600; the file gets what open() would give it
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(text)))
            f.write(text)
            for c in chunks:
                f.write(c)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask():
    """The process's umask (read by setting it and setting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def run_config(metadata):
    """The run configuration `vae train` stored in a file's metadata, as a dict (None when absent)."""
    text = metadata.get("run")
    return json.loads(text) if text else None


def example_state(path):
    """The weights of a checkpoint or export under the example's names (fc1, fc21, fc22, fc3, fc4), as numpy."""
    tensors, metadata = load(path)
    if "fc1.weight" in tensors:
        return {k: tensors[k] for k in EXAMPLE_NAMES.values()}, metadata
    ours = {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}
    if set(ours) != set(EXAMPLE_NAMES):
        extra = sorted(set(ours) - set(EXAMPLE_NAMES))
        raise FormatError(f"{path}: not the architecture of PyTorch's VAE example (one hidden layer, ReLU, Bernoulli): "
                          f"it has {', '.join(extra[:4]) or 'other tensors'}")
    config = run_config(metadata) or {}
    likelihood = config.get("likelihood", "bernoulli")
    if config.get("activation", "relu") != "relu" or likelihood not in LIKELIHOODS or LIKELIHOODS[likelihood][1]:
        raise FormatError(f"{path}: a {config.get('activation')} {likelihood} model; the example is relu, with a likelihood"
                          f" that owns no tensors ({', '.join(k for k, v in LIKELIHOODS.items() if not v[1])})")
    return {EXAMPLE_NAMES[k]: v for k, v in ours.items()}, metadata


# ---------------------------------------------------------------- IDX

def read_idx(path):
    """An IDX file (MNIST's format, .gz or not) as a numpy array of its element type and dimensions."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise FormatError(f"{path}: not an IDX file (bad magic number)")
    kinds = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    if data[2] not in kinds:
        raise FormatError(f"{path}: unknown IDX element type 0x{data[2]:02x}")
    dims = struct.unpack(">" + "I" * data[3], data[4:4 + 4 * data[3]])
    dtype = np.dtype(kinds[data[2]])
    need = math.prod(dims) * dtype.itemsize
    body = data[4 + 4 * data[3]:]
    if len(body) != need:
        raise FormatError(f"{path}: {len(body)} bytes of data for dimensions {list(dims)} ({need} needed)")
    return np.frombuffer(body, dtype=dtype).reshape(dims)


def images(path, n=None, dtype=np.float32):
    """The first n images of an IDX file as rows of grey values in [0, 1] (as `vae` and the example read them)."""
    a = read_idx(path)
    a = a[:n] if n else a
    return (a.reshape(len(a), -1).astype(np.float32) / np.float32(255)).astype(dtype)


def _splitmix64(state):
    """One step of SplitMix64: the new state and its output (64-bit values as Python ints)."""
    state = (state + 0x9E3779B97F4A7C15) & _M64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return state, z ^ (z >> 31)


_M64 = (1 << 64) - 1


def stream_floats(n, *name):
    """
    The first n floats in [0, 1) of vae's named generator io.elbo.vae.Streams.of(name...): SplitMix64 hashes the
    name into a XoRoShiRo128++ state (Apache Commons RNG), whose nextFloat takes the high 24 of a 32-bit half,
    the low half of each 64-bit output first.
    """
    h = 0x6A09E667F3BCC909
    for part in name:
        h = _splitmix64((h ^ (part & _M64)) & _M64)[1]
    state, s0 = _splitmix64(h)
    state, s1 = _splitmix64(state)
    if s0 == 0 and s1 == 0:
        s1 = 1
    out = []
    for _ in range((n + 1) // 2):
        t = (s0 + s1) & _M64
        r = ((((t << 17) | (t >> 47)) & _M64) + s0) & _M64
        s1 ^= s0
        s0 = (((s0 << 49) | (s0 >> 15)) & _M64) ^ s1 ^ ((s1 << 21) & _M64)
        s1 = ((s1 << 28) | (s1 >> 36)) & _M64
        out.append(((r & 0xFFFFFFFF) >> 8) * 2.0 ** -24)
        out.append((r >> 40) * 2.0 ** -24)
    return np.array(out[:n])


def fixed_binary_test_images(path, n=None):
    """
    The first n test images of an IDX file binarised as `vae eval` scores a run trained with --pixels static or
    dynamic: pixel i becomes 1 where the i-th float of the generator Streams.of(0x5eed, 2) is below its grey
    value (io.elbo.cli.Data.Pixels), so every model is scored on the same binary images. Pure Python: about 4 s
    per 1 000 images.
    """
    grey = images(path, n)
    u = stream_floats(grey.size, 0x5EED, 2).reshape(grey.shape)
    return (u < grey).astype(np.float32)


# ---------------------------------------------------------------- PyTorch (optional)

def _torch():
    try:
        import torch
    except ImportError:
        raise SystemExit("elbo_vae: this needs PyTorch (Debian: apt-get install python3-torch; or pip install torch)") from None
    return torch


def example_class():
    """(torch) PyTorch's VAE example (vae/main.py) with its sizes as arguments: fc1, fc21, fc22, fc3, fc4."""
    torch = _torch()
    F = torch.nn.functional

    class VAE(torch.nn.Module):
        def __init__(self, d=784, hidden=400, latent=20):
            super().__init__()
            self.d = d
            self.fc1 = torch.nn.Linear(d, hidden)
            self.fc21 = torch.nn.Linear(hidden, latent)
            self.fc22 = torch.nn.Linear(hidden, latent)
            self.fc3 = torch.nn.Linear(latent, hidden)
            self.fc4 = torch.nn.Linear(hidden, d)

        def encode(self, x):
            h1 = F.relu(self.fc1(x))
            return self.fc21(h1), self.fc22(h1)

        def reparameterize(self, mu, logvar):
            std = torch.exp(0.5 * logvar)
            return mu + torch.randn_like(std) * std

        def decode_logits(self, z):
            return self.fc4(F.relu(self.fc3(z)))

        def decode(self, z):
            return torch.sigmoid(self.decode_logits(z))

        def forward(self, x):
            mu, logvar = self.encode(x.view(-1, self.d))
            return self.decode(self.reparameterize(mu, logvar)), mu, logvar

    return VAE


def conv_class():
    """(torch) The model of `vae train --arch conv` (io.elbo.vae.ConvNet, TensorFlow's CVAE tutorial's shape) for
    28x28 single-channel images, with the same modules in the same order, so its state_dict has our names
    (encoder.1.weight, mu.weight, decoder.3.bias, ...) and PyTorch's default initialisation."""
    torch = _torch()
    nn = torch.nn

    class ConvVAE(nn.Module):
        def __init__(self, latent=20, activation="relu"):
            super().__init__()
            act = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "softplus": nn.Softplus}[activation]
            self.latent = latent
            self.encoder = nn.Sequential(nn.Unflatten(1, (1, 28, 28)), nn.Conv2d(1, 32, 3, 2, 1), act(), nn.Conv2d(32, 64, 3, 2, 1), act(),
                                         nn.Flatten())
            self.mu = nn.Linear(64 * 7 * 7, latent)
            self.logvar = nn.Linear(64 * 7 * 7, latent)
            self.decoder = nn.Sequential(nn.Linear(latent, 7 * 7 * 32), act(), nn.Unflatten(1, (32, 7, 7)),
                                         nn.ConvTranspose2d(32, 64, 3, 2, 1, 1), act(), nn.ConvTranspose2d(64, 32, 3, 2, 1, 1), act(),
                                         nn.ConvTranspose2d(32, 1, 3, 1, 1), nn.Flatten())

        def encode(self, x):
            h = self.encoder(x)
            return self.mu(h), self.logvar(h)

        def decode_logits(self, z):  # z [..., latent]: any leading dimensions, as the example's decoder takes them
            return self.decoder(z.reshape(-1, z.shape[-1])).reshape(tuple(z.shape[:-1]) + (784,))

        def decode(self, z):
            return torch.sigmoid(self.decode_logits(z))

        def forward(self, x):
            mu, logvar = self.encode(x)
            return self.decode(mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)), mu, logvar

    return ConvVAE


def conv_model(path):
    """(torch) The --arch conv model of a `vae` checkpoint or export (native names), with its weights, in their dtype."""
    torch = _torch()
    tensors, metadata = load(path)
    config = run_config(metadata) or {}
    if config.get("arch", "mlp") != "conv":
        raise FormatError(f"{path}: not a --arch conv model (its run configuration says arch {config.get('arch', 'mlp')})")
    likelihood = config.get("likelihood", "bernoulli")
    if config.get("posterior", "gaussian") != "gaussian" or likelihood not in LIKELIHOODS or LIKELIHOODS[likelihood][1]:
        raise FormatError(f"{path}: a {config.get('posterior')} posterior and {likelihood} likelihood; conv_model reads a Gaussian posterior"
                          f" with a likelihood that owns no tensors ({', '.join(k for k, v in LIKELIHOODS.items() if not v[1])})")
    state = {k[len("model."):]: torch.from_numpy(v) for k, v in tensors.items() if k.startswith("model.")}
    model = conv_class()(config.get("latent", 20), config.get("activation", "relu")).to(state["mu.weight"].dtype)
    expected = set(model.state_dict())
    if set(state) != expected:
        missing, extra = sorted(expected - set(state)), sorted(set(state) - expected)
        raise FormatError(f"{path}: the conv model's tensors do not match (missing {', '.join(missing[:4]) or 'none'};"
                          f" not ours {', '.join(extra[:4]) or 'none'})")
    for name, t in state.items():
        if tuple(t.shape) != tuple(model.state_dict()[name].shape):
            raise FormatError(f"{path}: tensor 'model.{name}' is {list(t.shape)}, the conv model needs {list(model.state_dict()[name].shape)}")
    model.load_state_dict(state)
    return model.eval()


def model(path):
    """(torch) The model of a `vae` checkpoint or export: --arch conv's (conv_model), else PyTorch's example (example_model)."""
    config = run_config(load(path)[1]) or {}
    return conv_model(path) if config.get("arch", "mlp") == "conv" else example_model(path)


def example_model(path):
    """(torch) The example's model with the weights of a `vae` checkpoint or export (either naming), in their dtype."""
    torch = _torch()
    state, _ = example_state(path)
    d, hidden, latent = state["fc1.weight"].shape[1], state["fc1.weight"].shape[0], state["fc21.weight"].shape[0]
    model = example_class()(d, hidden, latent).to(torch.from_numpy(state["fc1.weight"]).dtype)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    return model.eval()


def save_example(model, path, config=None):
    """(torch) Writes the example model's weights for `vae import` (config: a dict like config.json, optional)."""
    state = {k: v.detach().cpu().numpy() for k, v in model.state_dict().items() if k in EXAMPLE_NAMES.values()}
    metadata = {"format": "pytorch-vae-example", "names": "pytorch-example"}
    if config is not None:
        metadata["run"] = json.dumps(config)
    save(path, {k: state[k] for k in EXAMPLE_NAMES.values()}, metadata)


def loss(model, x, samples=1, generator=None, eps=None, likelihood="bernoulli", sigma=0.1):
    """(torch) -ELBO per image of the rows x: the log-likelihood `likelihood` (a name of LIKELIHOODS; Bernoulli
    logits by default, the example's loss without its sigmoid's clamping), averaged over `samples` draws of z, plus
    the analytic KL to N(0, I). With `eps`, a tensor [S, len(x), latent] of standard-normal draws, those are used
    (z = mu + sigma * eps) instead of fresh ones."""
    torch = _torch()
    F = torch.nn.functional
    mu, logvar = model.encode(x)
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)
    std = torch.exp(0.5 * logvar)
    recon = torch.zeros(len(x), dtype=x.dtype)
    if eps is not None:
        samples = eps.shape[0]
    per_chunk = max(1, 16384 // len(x))  # draws decoded at once: about 16384 images
    for done in range(0, samples, per_chunk):
        s = min(per_chunk, samples - done)
        e = eps[done:done + s] if eps is not None else torch.randn((s,) + tuple(std.shape), dtype=std.dtype, generator=generator)
        logits = model.decode_logits(mu + e * std)  # [s, B, D]
        recon -= log_likelihood(likelihood, x, logits, sigma=sigma).sum(dim=0)
    return recon / samples + kl


ACTIVATIONS = ("relu", "tanh", "sigmoid", "softplus")


def hierarchical_class():
    """
    (torch) vae's VAE with one or more Gaussian stochastic layers (`vae train --hidden H1,H2 --latent K1,K2,...`),
    its modules named as vae names its tensors, so a `vae export` loads with load_state_dict:

        encoder (x -> H1 -> ... -> Hn, each with the activation), mu, logvar        q(z1|x)
        encoder<l>, mu<l>, logvar<l>  for l = 2..L (n layers as wide as K_{l-1})   q(z_l|z_{l-1})
        decoder<l>, decoder<l>_mu, decoder<l>_logvar  for l = L..2 (the same)      p(z_{l-1}|z_l)
        decoder (z1 -> Hn -> ... -> H1 -> D), log_sigma for a learned Gaussian σ    p(x|z1)

    Every Gaussian layer is N(mu, diag exp(clamp(logvar, -30, 20))); p(z_L) = N(0, I). Linear layers are PyTorch's
    (weights and biases uniform in ±1/sqrt(fan_in): vae's rule too). With one latent size it is vae's one-layer
    model with a Gaussian posterior.
    """
    torch = _torch()
    nn = torch.nn

    def block(widths, act):
        layers = []
        for a, b in zip(widths, widths[1:]):
            layers += [nn.Linear(a, b), act()]
        return nn.Sequential(*layers)

    class HierarchicalVAE(nn.Module):
        def __init__(self, d=784, hidden=(200, 200), latents=(100, 50), activation="relu", likelihood="bernoulli", sigma=0.1):
            super().__init__()
            if activation not in ACTIVATIONS or likelihood not in LIKELIHOODS:
                raise FormatError(f"unknown activation '{activation}' or likelihood '{likelihood}'")
            act = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "softplus": nn.Softplus}[activation]
            self.d, self.hidden, self.latents = d, list(hidden), list(latents)
            self.likelihood, self.sigma = likelihood, sigma
            self.encoder = block([d] + self.hidden, act)
            h = self.hidden[-1] if self.hidden else d
            self.mu, self.logvar = nn.Linear(h, latents[0]), nn.Linear(h, latents[0])
            for l in range(2, len(latents) + 1):  # the same order as vae's initialisation
                below, k, n = latents[l - 2], latents[l - 1], len(self.hidden)
                setattr(self, f"encoder{l}", block([below] * (n + 1), act))
                setattr(self, f"mu{l}", nn.Linear(below, k))
                setattr(self, f"logvar{l}", nn.Linear(below, k))
            for l in range(len(latents), 1, -1):
                below, k, n = latents[l - 2], latents[l - 1], len(self.hidden)
                setattr(self, f"decoder{l}", block([k] + [below] * n, act))
                features = below if n else k
                setattr(self, f"decoder{l}_mu", nn.Linear(features, below))
                setattr(self, f"decoder{l}_logvar", nn.Linear(features, below))
            widths = [latents[0]] + self.hidden[::-1] + [d]
            layers = []
            for i, (a, b) in enumerate(zip(widths, widths[1:])):
                layers.append(nn.Linear(a, b))
                if i + 2 < len(widths):
                    layers.append(act())
            self.decoder = nn.Sequential(*layers)
            if LIKELIHOODS[likelihood][1]:
                self.log_sigma = nn.Parameter(torch.zeros(d if likelihood == "gaussian-pixel" else 1))

        @staticmethod
        def gaussian(mu, logvar):
            """(mu, sigma, log sigma) with log sigma^2 clamped to [-30, 20] (io.elbo.vae.Normal.fromLogVar)."""
            half = 0.5 * logvar.clamp(-30, 20)
            return mu, half.exp(), half

        @staticmethod
        def log_normal(z, g):
            mu, std, log_std = g
            return (-0.5 * ((z - mu) / std) ** 2 - log_std - 0.5 * math.log(2 * math.pi)).sum(dim=-1)

        def q(self, l, u):
            """q(z_l|u) for l = 1 (u = x) .. L, as (mu, sigma, log sigma)."""
            suffix = "" if l == 1 else str(l)
            h = getattr(self, "encoder" + suffix)(u)
            return self.gaussian(getattr(self, "mu" + suffix)(h), getattr(self, "logvar" + suffix)(h))

        def p(self, l, u):
            """p(z_{l-1}|z_l = u) for l = 2 .. L, as (mu, sigma, log sigma)."""
            h = getattr(self, f"decoder{l}")(u)
            return self.gaussian(getattr(self, f"decoder{l}_mu")(h), getattr(self, f"decoder{l}_logvar")(h))

        def log_weights(self, x, samples=1, eps=None, generator=None):
            """
            log p(x, z) - log q(z|x) for `samples` ancestral draws z = (z1, ..., zL) from q per row of x, [S, B]:
            log p(x|z1) + sum_l log p(z_l|z_{l+1}) + log p(zL) - log q(z1|x) - sum_l log q(z_l|z_{l-1}). eps, when
            given, is [S, B, K1 + ... + KL] standard-normal draws (z_l's in its columns from K1 + ... + K_{l-1}), as
            `vae eval --noise` reads them.
            """
            torch = _torch()
            b = len(x)
            if eps is not None:
                samples = eps.shape[0]

            def noise(shape, offset):
                if eps is not None:
                    return eps[:, :, offset:offset + shape[-1]].reshape(shape)
                return torch.randn(shape, dtype=x.dtype, generator=generator)

            q = self.q(1, x)
            z1 = q[0] + q[1] * noise((samples, b, self.latents[0]), 0)  # [S, B, K1]
            log_q = self.log_normal(z1, q).reshape(samples * b)
            zs = [z1.reshape(samples * b, -1)]
            offset = self.latents[0]
            for l in range(2, len(self.latents) + 1):
                g = self.q(l, zs[-1])
                zs.append(g[0] + g[1] * noise((samples * b, self.latents[l - 1]), offset).reshape(samples * b, -1))
                offset += self.latents[l - 1]
                log_q = log_q + self.log_normal(zs[-1], g)
            top = zs[-1]
            log_p = (-0.5 * top ** 2 - 0.5 * math.log(2 * math.pi)).sum(dim=-1)
            for l in range(len(self.latents), 1, -1):
                log_p = log_p + self.log_normal(zs[l - 2], self.p(l, zs[l - 1]))
            decoded = self.decoder(zs[0])
            params = {"log_sigma": self.log_sigma} if hasattr(self, "log_sigma") else {}
            rows = x.expand(samples, b, self.d).reshape(samples * b, self.d)
            log_lik = log_likelihood(self.likelihood, rows, decoded, params, self.sigma)
            return (log_lik + log_p - log_q).reshape(samples, b)

        def elbo(self, x, samples=1, eps=None, generator=None):
            """The ELBO of each row, [B]: the mean of `samples` log-weights (the KL sampled)."""
            return self.log_weights(x, samples, eps, generator).mean(dim=0)

        def iwae(self, x, k, chunk=None, generator=None):
            """L_k of each row, [B]: log (1/k) sum_i w_i over k draws, in chunks with a running log-sum-exp."""
            torch = _torch()
            chunk = chunk or max(1, 16384 // len(x))
            parts = [torch.logsumexp(self.log_weights(x, min(chunk, k - done), generator=generator), dim=0)
                     for done in range(0, k, chunk)]
            return torch.logsumexp(torch.stack(parts), dim=0) - math.log(k)

        def decode(self, z1):
            """The decoder's output for codes z1: logits, or means."""
            return self.decoder(z1)

    return HierarchicalVAE


def hierarchical_model(path):
    """(torch) vae's model of a checkpoint or export (our names), one or more stochastic layers, Gaussian posterior."""
    torch = _torch()
    tensors, metadata = load(path)
    config = run_config(metadata)
    if config is None:
        raise FormatError(f"{path}: holds no run configuration")
    if config.get("posterior", "gaussian") != "gaussian":
        raise FormatError(f"{path}: a {config['posterior']} posterior; the loader builds Gaussian posteriors only")
    latents = [config["latent"]] + list(config.get("upperLatents") or [])
    model = hierarchical_class()(config["rows"] * config["cols"], config["hidden"], latents, config["activation"],
                                 config["likelihood"], config.get("sigma", 0.1))
    state = {k[len("model."):]: torch.from_numpy(v) for k, v in tensors.items() if k.startswith("model.")}
    expected = model.state_dict()
    if set(state) != set(expected):
        missing, extra = sorted(set(expected) - set(state)), sorted(set(state) - set(expected))
        raise FormatError(f"{path}: tensors do not match the run configuration (missing {missing[:3]}, extra {extra[:3]})")
    for k, v in state.items():
        if tuple(v.shape) != tuple(expected[k].shape):
            raise FormatError(f"{path}: tensor 'model.{k}' is {list(v.shape)}, the configuration needs {list(expected[k].shape)}")
    model = model.to(next(iter(state.values())).dtype)
    model.load_state_dict(state)
    return model.eval()


def train_example(x, epochs=1, hidden=400, latent=20, batch=128, lr=1e-3, seed=1, dtype="float32", report=None):
    """
    (torch) Trains the example as vae/main.py does (Adam, shuffled batches, one sample of z) on rows x in [0, 1];
    report(epoch, mean loss per image), when given, after each epoch (the train -ELBO, in nats per image).
    """
    torch = _torch()
    torch.manual_seed(seed)
    t = torch.from_numpy(x).to(getattr(torch, dtype))
    model = example_class()(t.shape[1], hidden, latent).to(t.dtype)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for epoch in range(1, epochs + 1):
        total = 0.0
        for idx in torch.randperm(len(t)).split(batch):
            opt.zero_grad()
            model.loss = loss(model, t[idx]).sum()
            model.loss.backward()
            opt.step()
            total += float(model.loss)
        if report is not None:
            report(epoch, total / len(t))
    return model.eval()


# ---------------------------------------------------------------- command line

def _test_rows(path, n, config):
    """The first n (0: all) test images as the run's `vae eval` scores them: grey, or binarised once (fixed seed)."""
    if (config or {}).get("pixels", "grey") in ("static", "dynamic"):
        return fixed_binary_test_images(path, n or None)
    return images(path, n or None)


def _main(argv):
    p = argparse.ArgumentParser(prog="elbo_vae.py", description="vae's files from Python (see the module's docstring)")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("list", help="tensors and metadata of a safetensors file")
    s.add_argument("file")
    s = sub.add_parser("config", help="the run configuration stored in a checkpoint or export")
    s.add_argument("file")
    s = sub.add_parser("reconstruct", help="(torch) decoder means at z = mu(x), written as safetensors")
    s.add_argument("export")
    s.add_argument("images", help="an IDX images file, e.g. t10k-images-idx3-ubyte.gz")
    s.add_argument("out")
    s.add_argument("-n", type=int, default=16)
    s = sub.add_parser("elbo", help="(torch) test -ELBO in nats per image")
    s.add_argument("export")
    s.add_argument("images")
    s.add_argument("-s", "--samples", type=int, default=1)
    s.add_argument("-n", type=int, default=0, help="first N images (0: all)")
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--save-noise", metavar="FILE", help="write the draws of z's noise (tensor 'eps' [S, N, latent]) for vae eval --noise")
    s = sub.add_parser("train-example", help="(torch) train PyTorch's example on IDX data and save it for vae import")
    s.add_argument("data", help="a directory with train-images-idx3-ubyte[.gz]")
    s.add_argument("out")
    s.add_argument("--epochs", type=int, default=1)
    s.add_argument("--hidden", type=int, default=400)
    s.add_argument("--latent", type=int, default=20)
    s.add_argument("--limit", type=int, default=0)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    a = p.parse_args(argv)
    try:
        if a.command == "list":
            tensors, metadata = load(a.file)
            for name, t in tensors.items():
                print(f"{name:28s} {t.dtype.name:8s} {list(t.shape)}")
            total = sum(t.size for t in tensors.values())
            print(f"{len(tensors)} tensors, {total} values; metadata: {', '.join(metadata) or 'none'}")
        elif a.command == "config":
            config = run_config(load(a.file)[1])
            if config is None:
                raise FormatError(f"{a.file}: holds no run configuration")
            print(json.dumps(config, indent=2))
        elif a.command == "reconstruct":
            torch = _torch()
            m = model(a.export)
            dtype = next(m.parameters()).dtype
            x = torch.from_numpy(images(a.images, a.n)).to(dtype)
            with torch.no_grad():
                r = m.decode(m.encode(x)[0])
            save(a.out, {"images": x.numpy(), "reconstructions": r.numpy()})
            print(f"wrote {len(x)} reconstructions to {a.out}")
        elif a.command == "elbo" and (run_config(load(a.export)[1]) or {}).get("upperLatents"):
            torch = _torch()
            h = hierarchical_model(a.export)
            x = torch.from_numpy(_test_rows(a.images, a.n, run_config(load(a.export)[1]))).to(h.mu.weight.dtype)
            g = torch.Generator().manual_seed(a.seed)
            eps = torch.randn((a.samples, len(x), sum(h.latents)), dtype=x.dtype, generator=g)
            if a.save_noise:
                save(a.save_noise, {"eps": eps.numpy()}, {"format": "elbo-noise", "note": "standard-normal draws [samples, images, latents]"})
            with torch.no_grad():
                value = -sum(float(h.elbo(x[i:i + 100], eps=eps[:, i:i + 100]).sum()) for i in range(0, len(x), 100)) / len(x)
            print(f"test -ELBO: {value:.4f} nats per image ({len(x)} images, {a.samples} samples, {len(h.latents)} stochastic layers)")
        elif a.command == "elbo":
            torch = _torch()
            m = model(a.export)
            x = torch.from_numpy(_test_rows(a.images, a.n, run_config(load(a.export)[1]))).to(next(m.parameters()).dtype)
            g = torch.Generator().manual_seed(a.seed)
            eps = None
            if a.save_noise:
                latent = m.latent if hasattr(m, "latent") else m.fc21.out_features
                eps = torch.randn((a.samples, len(x), latent), dtype=x.dtype, generator=g)
                save(a.save_noise, {"eps": eps.numpy()}, {"format": "elbo-noise", "note": "standard-normal draws [samples, images, latent]"})
            config = run_config(load(a.export)[1]) or {}
            lik, sigma = config.get("likelihood", "bernoulli"), config.get("sigma", 0.1)
            with torch.no_grad():
                value = sum(float(loss(m, x[i:i + 100], a.samples, g, None if eps is None else eps[:, i:i + 100], lik, sigma).sum())
                            for i in range(0, len(x), 100)) / len(x)
            print(f"test -ELBO: {value:.4f} nats per image ({len(x)} images, {a.samples} samples)")
        elif a.command == "train-example":
            path = os.path.join(a.data, "train-images-idx3-ubyte")
            path = path + ".gz" if os.path.exists(path + ".gz") else path
            x = images(path, a.limit or None, np.float64 if a.dtype == "float64" else np.float32)
            trained = train_example(x, a.epochs, a.hidden, a.latent, seed=a.seed, dtype=a.dtype,
                                    report=lambda e, v: print(f"epoch {e}/{a.epochs}: train -ELBO {v:.2f} nats per image", flush=True))
            side = int(round(math.sqrt(x.shape[1])))
            save_example(trained, a.out, {"data": os.path.abspath(a.data), "pixels": "grey", "limit": a.limit, "rows": side,
                                          "cols": side, "hidden": [a.hidden], "latent": a.latent, "activation": "relu",
                                          "likelihood": "bernoulli", "sigma": 0.1, "epochs": a.epochs, "batchSize": 128,
                                          "optimizer": "adam", "lr": 1e-3, "beta": 1.0, "klWarmup": 0, "samples": 1,
                                          "iwaeK": 1, "seed": a.seed, "dtype": a.dtype})
            epochs = f"{a.epochs} epoch" + ("" if a.epochs == 1 else "s")
            print(f"trained PyTorch's example ({x.shape[1]}-{a.hidden}-{a.latent}, {epochs} on {len(x)} images)")
            print(f"wrote {a.out}; import with:")
            print(f"  vae import {shlex.quote(a.out)}")
    except BrokenPipeError:
        raise  # the reader of our output went away: main() leaves quietly
    except (FormatError, OSError) as e:
        print(f"elbo_vae.py: {e}", file=sys.stderr)
        return 1
    return 0


def main():
    try:
        code = _main(sys.argv[1:])
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader went away (| head): say nothing, and keep Python from complaining at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 1
    return code


if __name__ == "__main__":
    sys.exit(main())

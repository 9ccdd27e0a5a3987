package io.elbo.nn;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Ops;
import io.elbo.autodiff.Tensor;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * A 2-D convolution, PyTorch's {@code nn.Conv2d} (one group, no dilation): for an input x [N, C_in, H, W],
 * y[n, o, i, j] = b[o] + Σ_c Σ_p Σ_q W[o, c, p, q] · x[n, c, s·i + p − pad, s·j + q − pad] (zero outside
 * the image), of shape [N, C_out, ⌊(H + 2·pad − k)/s⌋ + 1, ⌊(W + 2·pad − k)/s⌋ + 1]. The op is
 * {@link Ops#conv2d}; its gradients are convolutions too (there). Parameters as PyTorch names them:
 * {@code weight} [C_out, C_in, k, k] and {@code bias} [C_out], initialised as PyTorch does: W by
 * Kaiming-uniform with a = √5, that is U(−1/√fan_in, 1/√fan_in), and b by U(−1/√fan_in, 1/√fan_in), where
 * fan_in = C_in·k·k.
 */
public final class Conv2d extends Module {
    private final Parameter weight;
    private final Parameter bias;
    private final int in, out, kernel, stride, padding;

    /**
     * A layer from {@code in} to {@code out} channels with a {@code kernel} × {@code kernel} window moved by
     * {@code stride}, the input zero-padded by {@code padding} on every side, with a bias, initialised from
     * {@code rng} in {@code dtype}.
     */
    public Conv2d(int in, int out, int kernel, int stride, int padding, UniformRandomProvider rng, DType dtype) {
        if (in <= 0 || out <= 0 || kernel <= 0 || stride <= 0 || padding < 0) {
            throw new IllegalArgumentException("Conv2d: channels, kernel and stride must be positive and padding not negative, got " + in
                    + " -> " + out + ", kernel " + kernel + ", stride " + stride + ", padding " + padding);
        }
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        weight = registerParameter("weight", Init.kaimingUniform(rng, Math.sqrt(5), dtype, out, in, kernel, kernel));
        bias = registerParameter("bias", Init.uniform(rng, 1 / Math.sqrt(Init.fans(weight.value().shape())[0]), dtype, out));
    }

    /** y = conv2d(x, W, b) for x [N, C_in, H, W]. */
    @Override
    public Tensor forward(Tensor x) {
        return Ops.conv2d(x, weight.value(), bias.value(), stride, padding);
    }

    /** The output's height (or width) for an input of height (or width) {@code size}: ⌊(size + 2·pad − k)/s⌋ + 1. */
    public int outputSize(int size) {
        return (size + 2 * padding - kernel) / stride + 1;
    }

    /** W, of shape [C_out, C_in, k, k]. */
    public Parameter weight() { return weight; }

    /** b, of shape [C_out]. */
    public Parameter bias() { return bias; }

    @Override
    public String toString() {
        return "Conv2d(" + in + " -> " + out + ", kernel " + kernel + ", stride " + stride + ", padding " + padding + ")";
    }
}

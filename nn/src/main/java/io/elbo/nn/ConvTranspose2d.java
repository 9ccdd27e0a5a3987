package io.elbo.nn;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Ops;
import io.elbo.autodiff.Tensor;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * A 2-D transposed convolution, PyTorch's {@code nn.ConvTranspose2d} (one group, no dilation): the adjoint
 * of {@link Conv2d}'s map in x, each input pixel scattering its kernel-weighted copy into the output,
 * y[n, o, s·i + p − pad, s·j + q − pad] += W[c, o, p, q] · x[n, c, i, j], plus b[o]; of shape
 * [N, C_out, (H − 1)·s − 2·pad + k + outPad, (W − 1)·s − 2·pad + k + outPad]. The op is
 * {@link Ops#convTranspose2d}. Parameters as PyTorch names them: {@code weight} [C_in, C_out, k, k] and
 * {@code bias} [C_out], initialised as PyTorch does: U(−1/√fan_in, 1/√fan_in) for both, with PyTorch's
 * fan_in of this layout, the weight's second dimension times the window: C_out·k·k.
 */
public final class ConvTranspose2d extends Module {
    private final Parameter weight;
    private final Parameter bias;
    private final int in, out, kernel, stride, padding, outputPadding;

    /**
     * A layer from {@code in} to {@code out} channels with a {@code kernel} × {@code kernel} window, {@code stride},
     * {@code padding} cropped from every side of the full output and {@code outputPadding} rows and columns added
     * at its bottom and right (which picks among the sizes a strided convolution maps to the same size), with a
     * bias, initialised from {@code rng} in {@code dtype}.
     */
    public ConvTranspose2d(int in, int out, int kernel, int stride, int padding, int outputPadding, UniformRandomProvider rng, DType dtype) {
        if (in <= 0 || out <= 0 || kernel <= 0 || stride <= 0 || padding < 0 || outputPadding < 0 || outputPadding >= stride) {
            throw new IllegalArgumentException("ConvTranspose2d: channels, kernel and stride must be positive, padding not negative and"
                    + " output padding below the stride, got " + in + " -> " + out + ", kernel " + kernel + ", stride " + stride
                    + ", padding " + padding + ", output padding " + outputPadding);
        }
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
        this.outputPadding = outputPadding;
        weight = registerParameter("weight", Init.kaimingUniform(rng, Math.sqrt(5), dtype, in, out, kernel, kernel));
        bias = registerParameter("bias", Init.uniform(rng, 1 / Math.sqrt(Init.fans(weight.value().shape())[0]), dtype, out));
    }

    /** y = convTranspose2d(x, W, b) for x [N, C_in, H, W]. */
    @Override
    public Tensor forward(Tensor x) {
        return Ops.convTranspose2d(x, weight.value(), bias.value(), stride, padding, outputPadding);
    }

    /** The output's height (or width) for an input of height (or width) {@code size}: (size − 1)·s − 2·pad + k + outPad. */
    public int outputSize(int size) {
        return (size - 1) * stride - 2 * padding + kernel + outputPadding;
    }

    /** W, of shape [C_in, C_out, k, k]. */
    public Parameter weight() { return weight; }

    /** b, of shape [C_out]. */
    public Parameter bias() { return bias; }

    @Override
    public String toString() {
        return "ConvTranspose2d(" + in + " -> " + out + ", kernel " + kernel + ", stride " + stride + ", padding " + padding
                + ", output padding " + outputPadding + ")";
    }
}

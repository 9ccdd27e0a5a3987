package io.elbo.nn;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Fused;
import io.elbo.autodiff.Ops;
import io.elbo.autodiff.Tensor;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * y = x·Wᵀ + b, with W of shape [out, in] (PyTorch's layout) and b of shape [out]. The product
 * uses matmul's transpose flag: Wᵀ is never copied. Initialised as PyTorch's {@code nn.Linear}:
 * W and b uniform in ±1/√in (Kaiming-uniform with a = √5).
 */
public final class Linear extends Module {
    private final Parameter weight;
    private final Parameter bias;
    private final int in;
    private final int out;

    /** A layer from {@code in} to {@code out} features, with a bias, initialised from {@code rng} in {@code dtype}. */
    public Linear(int in, int out, UniformRandomProvider rng, DType dtype) {
        this(in, out, true, rng, dtype);
    }

    /** A layer from {@code in} to {@code out} features; without a bias ({@code withBias} false) it computes y = x·Wᵀ. */
    public Linear(int in, int out, boolean withBias, UniformRandomProvider rng, DType dtype) {
        if (in <= 0 || out <= 0) throw new IllegalArgumentException("Linear: sizes must be positive, got " + in + " -> " + out);
        this.in = in;
        this.out = out;
        weight = registerParameter("weight", Init.kaimingUniform(rng, Math.sqrt(5), dtype, out, in));
        bias = withBias ? registerParameter("bias", Init.uniform(rng, 1 / Math.sqrt(in), dtype, out)) : null;
    }

    @Override
    public Tensor forward(Tensor x) {
        return Fused.linear(x, weight.value(), bias == null ? null : bias.value());
    }

    /**
     * The same layer with its output transposed, yᵀ = W·xᵀ + b (b added to every column): [out, rows] from x
     * [rows, in], for a consumer that runs along the rows (one GEMM, as {@link #forward}).
     */
    public Tensor forwardTransposed(Tensor x) {
        Tensor y = Ops.matmul(weight.value(), x, false, true);
        return bias == null ? y : y.add(bias.value().reshape(out, 1));
    }

    /** relu(forward(x)) as one op ({@link Ops#linearRelu}): the bias and the ReLU in one pass. */
    Tensor forwardRelu(Tensor x) {
        return Fused.linearRelu(x, weight.value(), bias == null ? null : bias.value());
    }

    /** W, of shape [out, in]. */
    public Parameter weight() { return weight; }

    /** b, of shape [out], or null for a layer without a bias. */
    public Parameter bias() { return bias; }

    /** The input width, in. */
    public int inFeatures() { return in; }

    /** The output width, out. */
    public int outFeatures() { return out; }

    @Override
    public String toString() {
        return "Linear(" + in + " -> " + out + (bias == null ? ", no bias" : "") + ")";
    }
}

package io.elbo.nn;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Fused;
import io.elbo.autodiff.Tensor;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * y = x·(W ⊙ M)ᵀ + b: a linear layer whose fixed 0/1 mask M [out, in] removes connections, the layer of MADE
 * (Germain et al., "Masked autoencoder for distribution estimation", 2015) that inverse autoregressive flows are
 * built of. The mask is part of the layer's rule: the product is {@link Fused#linear} of W ⊙ M, so its
 * derivative in W is (gᵀ·x) ⊙ M and a masked weight never receives a gradient (∂x = g·(W ⊙ M), ∂b = Σ_rows g).
 * The masked product runs on {@code linear}'s kernels (one extra elementwise pass over W). Initialised as
 * PyTorch's {@code nn.Linear}.
 */
public final class MaskedLinear extends Module {
    private final Parameter weight;
    private final Parameter bias;
    private final Tensor mask;

    /** A layer from {@code in} to {@code out} features with mask [out, in] (1 keeps a connection, 0 removes it). */
    public MaskedLinear(int in, int out, double[] mask, UniformRandomProvider rng, DType dtype) {
        if (in <= 0 || out <= 0) throw new IllegalArgumentException("MaskedLinear: sizes must be positive, got " + in + " -> " + out);
        if (mask.length != in * out) throw new IllegalArgumentException("MaskedLinear: a mask of " + mask.length + " for [" + out + ", " + in + "]");
        for (double m : mask) if (m != 0 && m != 1) throw new IllegalArgumentException("MaskedLinear: the mask holds " + m + ", not 0 or 1");
        weight = registerParameter("weight", Init.kaimingUniform(rng, Math.sqrt(5), dtype, out, in));
        bias = registerParameter("bias", Init.uniform(rng, 1 / Math.sqrt(in), dtype, out));
        this.mask = Tensor.fromArray(dtype, mask, out, in);
    }

    @Override
    public Tensor forward(Tensor x) {
        return Fused.linear(x, weight.value().mul(mask), bias.value());
    }

    /** W, of shape [out, in] (its masked entries are unused). */
    public Parameter weight() { return weight; }

    /** b, of shape [out]. */
    public Parameter bias() { return bias; }

    /** M, of shape [out, in]: a constant. */
    public Tensor mask() { return mask; }
}

package io.elbo.vae;

import io.elbo.autodiff.Fused;
import io.elbo.autodiff.Ops;
import io.elbo.autodiff.Tape;
import io.elbo.autodiff.Tensor;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * Bernoulli distributions parameterised by logits ℓ (p = σ(ℓ)), elementwise. Targets may be grey
 * values in [0, 1] (the "continuous Bernoulli" convention of the PyTorch VAE example, without its
 * normaliser).
 */
public final class Bernoulli {
    private final Tensor logits;

    /** Bernoulli(σ(ℓ)) elementwise, for logits ℓ of any shape. */
    public Bernoulli(Tensor logits) {
        this.logits = logits;
    }

    /** ℓ, the logits. */
    public Tensor logits() { return logits; }

    /** p = σ(ℓ). */
    public Tensor mean() { return logits.sigmoid(); }

    /**
     * log p(x) = x·log σ(ℓ) + (1 − x)·log(1 − σ(ℓ)) = −BCEWithLogits(ℓ, x) = −(softplus(ℓ) − x·ℓ):
     * never a log of a sigmoid, finite for every finite logit. Elementwise.
     */
    public Tensor logProb(Tensor x) {
        return Fused.binaryCrossEntropyWithLogits(logits, x).neg();
    }

    /**
     * log p(x) of each row as one event, Σ_j log p(x_j) over the last axis: [N] from [N, D]. The sign is
     * applied after the sum, to N numbers rather than N·D (the same bits: negation is exact).
     */
    public Tensor jointLogProb(Tensor x) {
        return Fused.binaryCrossEntropyWithLogitsSum(logits, x).neg();
    }

    /** A 0/1 sample (no gradient). */
    public Tensor sample(UniformRandomProvider rng) {
        try (var off = Tape.noGrad()) {
            Tensor u = Tensor.uniform(rng, 0, 1, logits.dtype(), logits.shape());
            return Ops.lt(u, mean());
        }
    }

}

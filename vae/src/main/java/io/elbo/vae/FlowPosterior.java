package io.elbo.vae;

import io.elbo.autodiff.Tensor;
import java.util.Optional;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * A base posterior q₀(z₀|x) = N(μ(x), diag σ²(x)) pushed through K invertible steps z_k = f_k(z_{k−1}) (a
 * normalizing flow; PyTorch's {@code TransformedDistribution}), each step with its log|det ∂f_k/∂z_{k−1}|:
 * <pre>
 *   log q(z_K|x) = log q₀(z₀|x) − Σₖ log|det ∂z_k/∂z_{k−1}|
 * </pre>
 * A subclass gives the steps; sampling, the density and the location are here, once. No closed-form KL to the
 * prior exists: the ELBO estimates it with the samples.
 */
public abstract class FlowPosterior implements Posterior {
    private final GaussianPosterior base;

    /** A flow on {@code base}. */
    protected FlowPosterior(GaussianPosterior base) {
        this.base = base;
    }

    /** The base distribution q₀(z₀|x). */
    public final GaussianPosterior base() {
        return base;
    }

    /** The number of steps K. */
    public abstract int steps();

    /** Step k applied to codes z [L, B, D]: f_k(z) and log|det ∂f_k/∂z| [L, B]. */
    public abstract Tensor[] step(int k, Tensor z);

    /** z_K and Σ log|det| [L, B] from base codes z₀ [L, B, D]: the steps composed (a subclass may fuse them). */
    protected Tensor[] flow(Tensor z0) {
        Tensor z = z0, sum = null;
        for (int k = 0; k < steps(); k++) {
            Tensor[] s = step(k, z);
            z = s[0];
            sum = sum == null ? s[1] : sum.add(s[1]);
        }
        return new Tensor[] {z, sum};
    }

    private Sample push(Tensor z0) {
        Tensor[] f = flow(z0);
        Tensor sumLogDet = f[1];
        return new Sample(f[0], () -> base.logProb(z0).sub(sumLogDet));
    }

    @Override
    public final Sample rsample(UniformRandomProvider rng, int samples) {
        return push(base.rsample(rng, samples).z());
    }

    @Override
    public final Sample rsample(Tensor eps) {
        return push(base.rsample(eps).z());
    }

    /** The flow of the base mean μ: f_K ∘ … ∘ f₁(μ), [B, D]. */
    @Override
    public final Tensor location() {
        Tensor mu = base.mu();
        return flow(mu.reshape(1, mu.dim(0), mu.dim(1)))[0].reshape(mu.dim(0), mu.dim(1));
    }

    /** None: a flow's KL to the prior has no closed form. */
    @Override
    public final Optional<Tensor> analyticKl(Prior prior) {
        return Optional.empty();
    }

    /** The number of steps a spec's argument names ({@code planar:K}, {@code iaf:K}): K from 1 to 64. */
    public static int steps(String kind, String argument) {
        int k;
        try {
            k = Integer.parseInt(String.valueOf(argument));
        } catch (NumberFormatException e) {
            k = -1;
        }
        if (k < 1 || k > 64) throw new IllegalArgumentException("posterior " + kind + ":K needs K steps from 1 to 64, got '" + argument + "'");
        return k;
    }
}

package io.elbo.vae;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tensor;
import io.elbo.nn.Linear;
import java.util.Optional;
import org.apache.commons.rng.UniformRandomProvider;

/**
 * q(z|x) = N(μ(x), diag σ²(x)) with two linear heads on the encoder's features, μ and log σ²
 * (log σ² clamped to [−30, 20] as in {@link Normal#fromLogVar}). Against a standard-normal prior the
 * KL has the closed form ½ Σₖ (μₖ² + σₖ² − 1 − log σₖ²).
 */
public final class GaussianPosterior implements Posterior {
    private final Tensor mu, logVar;
    private final Normal q;

    /** N(μ, diag σ²) from the heads' outputs μ and log σ², each [B, K]. */
    public GaussianPosterior(Tensor mu, Tensor logVar) {
        this.mu = mu;
        this.logVar = logVar;
        this.q = Normal.fromLogVar(mu, logVar);
    }

    /** μ, the mean head's output [B, K]. */
    public Tensor mu() { return mu; }

    /** log σ², the log-variance head's output [B, K], before the clamp. */
    public Tensor logVar() { return logVar; }

    /** The distribution, elementwise. */
    public Normal normal() { return q; }

    @Override
    public Sample rsample(UniformRandomProvider rng, int samples) {
        Tensor z = q.rsample(rng, samples);
        return new Sample(z, () -> logProb(z));
    }

    @Override
    public Sample rsample(Tensor eps) {
        Tensor z = q.rsample(eps);
        return new Sample(z, () -> logProb(z));
    }

    /** log q(z|x) = Σₖ log N(zₖ; μₖ, σₖ²) of any codes z [..., B, K], summed over the last axis. */
    public Tensor logProb(Tensor z) {
        return q.logProb(z).sum(false, z.rank() - 1);
    }

    @Override
    public Tensor location() {
        return mu;
    }

    @Override
    public Optional<Tensor> analyticKl(Prior prior) {
        if (!(prior instanceof StandardNormalPrior)) return Optional.empty();
        return Optional.of(Divergences.klStandardNormal(mu, logVar).sum(false, 1));
    }

    /** The heads: {@code mu} and {@code logvar}, each a linear layer H → K. */
    public static final class Head extends PosteriorHead {
        private final Linear muHead, logVarHead;

        /** Two linear heads from {@code features} (H) to {@code latent} (K), initialised from {@code rng} in {@code dtype}. */
        public Head(int features, int latent, UniformRandomProvider rng, DType dtype) {
            muHead = registerModule("mu", new Linear(features, latent, rng, dtype));
            logVarHead = registerModule("logvar", new Linear(features, latent, rng, dtype));
        }

        @Override
        public GaussianPosterior posterior(Tensor features) {
            return new GaussianPosterior(muHead.forward(features), logVarHead.forward(features));
        }
    }
}

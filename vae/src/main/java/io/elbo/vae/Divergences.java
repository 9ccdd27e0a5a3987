package io.elbo.vae;

import io.elbo.autodiff.Fused;
import io.elbo.autodiff.Tape;
import io.elbo.autodiff.Tensor;
import java.util.Arrays;
import org.apache.commons.rng.UniformRandomProvider;

/** KL divergences. */
public final class Divergences {
    private Divergences() {}

    /**
     * KL(q ‖ p) between diagonal Normals, elementwise, in closed form. With the variance ratio
     * r² = σ_q²/σ_p², the scaled mean difference t = (μ_q − μ_p)/σ_p and d = r² − 1:
     * <pre>
     *   KL = ½(r² + t² − 1 − log r²) = ½(t² + d − log(1 + d))
     * </pre>
     * PyTorch's {@code _kl_normal_normal} evaluates the first form, which rounding can make slightly
     * negative when q ≈ p; the second uses log1p, and log1p(d) ≤ d holds in floating point too, so
     * this KL is ≥ 0 by construction and exactly 0 when q = p.
     */
    public static Tensor klNormalNormal(Normal q, Normal p) {
        if (!Arrays.equals(q.shape(), p.shape())) {
            throw new IllegalArgumentException("klNormalNormal: shapes " + Arrays.toString(q.shape()) + " and "
                    + Arrays.toString(p.shape()) + " differ");
        }
        Tensor d = q.stddev().div(p.stddev()).square().sub(1);
        Tensor t2 = q.mean().sub(p.mean()).div(p.stddev()).square();
        return t2.add(d.sub(d.log1p())).mul(0.5);
    }

    /**
     * KL(N(μ, σ²) ‖ N(0, 1)) from the log-variance an encoder outputs, elementwise:
     * ½(μ² + σ² − 1 − log σ²), with log σ² clamped as in {@link Normal#fromLogVar}.
     */
    public static Tensor klStandardNormal(Tensor mu, Tensor logVar) {
        return io.elbo.autodiff.Fused.klStandardNormal(mu, io.elbo.autodiff.Ops.clamp(logVar, Normal.MIN_LOG_VAR, Normal.MAX_LOG_VAR));
    }

    /** A Monte-Carlo estimate with its standard error. */
    public record Estimate(double mean, double standardError, int samples) {}

    /**
     * KL(q ‖ p) ≈ (1/n) Σ [log q(zᵢ) − log p(zᵢ)], zᵢ ~ q, summed over all elements of a sample;
     * works for any pair with rsample and logProb.
     */
    public static Estimate klMonteCarlo(Distribution q, Distribution p, UniformRandomProvider rng, int n) {
        if (n < 2) throw new IllegalArgumentException("klMonteCarlo: need at least 2 samples, got " + n);
        RunningMean m = new RunningMean();
        try (var off = Tape.noGrad()) {
            for (int i = 0; i < n; i++) {
                Tensor z = q.rsample(rng);
                m.add(q.logProb(z).sum().item() - p.logProb(z).sum().item());
            }
        }
        return m.estimate();
    }
}

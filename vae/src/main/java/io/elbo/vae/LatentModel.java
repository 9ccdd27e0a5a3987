package io.elbo.vae;

/** A generative model p(x, z) = p(z)·p(x|z) with a tractable joint density, in float64. */
public interface LatentModel {
    /** log p(z). */
    double logPrior(double[] z);

    /** log p(x | z). */
    double logLikelihood(double[] x, double[] z);

    /** log p(x, z) = log p(z) + log p(x | z). */
    default double logJoint(double[] x, double[] z) {
        return logPrior(z) + logLikelihood(x, z);
    }

    /** The evidence log p(x) = log ∫ p(x, z) dz, exactly or to a stated accuracy. */
    double logEvidence(double[] x);
}

package io.elbo.vae;

import org.apache.commons.rng.UniformRandomProvider;

/**
 * Monte-Carlo estimators of the bounds for a {@link LatentModel} and a Gaussian proposal q(z|x),
 * in float64 (the exact models use them; the VAE has tensor versions).
 */
public final class Estimators {
    private Estimators() {}

    /**
     * The importance-weighted bound estimate L̂_k = log (1/k) Σᵢ p(x, zᵢ)/q(zᵢ), zᵢ ~ q, with a stable
     * log-sum-exp; E[L̂_k] = L_k, and L̂_1 is the one-sample ELBO estimate.
     */
    public static double iwae(LatentModel model, double[] x, MultivariateNormal q, UniformRandomProvider rng, int k) {
        double[] logW = new double[k];
        for (int i = 0; i < k; i++) {
            double[] z = q.sample(rng);
            logW[i] = model.logJoint(x, z) - q.logProb(z);
        }
        return logMeanExp(logW);
    }

    /** log((1/n) Σ exp(vᵢ)), stable for any finite values. */
    public static double logMeanExp(double[] v) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : v) max = Math.max(max, x);
        if (max == Double.NEGATIVE_INFINITY) return max;
        double s = 0;
        for (double x : v) s += Math.exp(x - max);
        return max + Math.log(s / v.length);
    }

    /** The Monte-Carlo ELBO E_q[log p(x, z) − log q(z)] from n samples, with its standard error. */
    public static Divergences.Estimate elbo(LatentModel model, double[] x, MultivariateNormal q, UniformRandomProvider rng, int n) {
        RunningMean m = new RunningMean();
        for (int i = 0; i < n; i++) {
            double[] z = q.sample(rng);
            m.add(model.logJoint(x, z) - q.logProb(z));
        }
        return m.estimate();
    }
}

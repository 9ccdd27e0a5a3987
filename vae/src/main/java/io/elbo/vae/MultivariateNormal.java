package io.elbo.vae;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;

/**
 * A multivariate Normal N(mean, cov) in float64 with a full covariance, on plain arrays: the
 * posteriors and variational families of the exact models. {@link Normal} is the diagonal Normal on
 * tensors that the VAE differentiates through.
 */
public record MultivariateNormal(double[] mean, double[][] cov) {
    /** Checks that mean and covariance agree in size and that the covariance is symmetric positive definite. */
    public MultivariateNormal {
        if (cov.length != mean.length) throw new IllegalArgumentException("MultivariateNormal: covariance is " + cov.length + "x?, mean has " + mean.length);
        for (double[] row : cov) {
            if (row.length != mean.length) throw new IllegalArgumentException("MultivariateNormal: covariance must be square");
        }
        Dense.cholesky(cov); // throws unless symmetric positive definite
    }

    /** A diagonal Gaussian from means and variances. */
    public static MultivariateNormal diagonal(double[] mean, double[] variance) {
        double[][] c = new double[mean.length][mean.length];
        for (int i = 0; i < mean.length; i++) {
            if (!(variance[i] > 0) || Double.isInfinite(variance[i])) {
                throw new IllegalArgumentException("MultivariateNormal: variance must be positive and finite, got " + variance[i]);
            }
            c[i][i] = variance[i];
        }
        return new MultivariateNormal(mean.clone(), c);
    }

    /** K, the dimension. */
    public int dim() { return mean.length; }

    /** log N(z; μ, Σ) = −½[K log 2π + log det Σ + (z − μ)ᵀ Σ⁻¹ (z − μ)]. */
    public double logProb(double[] z) {
        double[][] l = Dense.cholesky(cov);
        double[] d = new double[z.length];
        for (int i = 0; i < z.length; i++) d[i] = z[i] - mean[i];
        return -0.5 * (dim() * Normal.LOG_2PI + Dense.logDet(l) + Dense.dot(d, Dense.solve(l, d)));
    }

    /** H = ½[K(1 + log 2π) + log det Σ]. */
    public double entropy() {
        return 0.5 * (dim() * (1 + Normal.LOG_2PI) + Dense.logDet(Dense.cholesky(cov)));
    }

    /** z = μ + L·ε with Σ = L·Lᵀ and ε ~ N(0, I). */
    public double[] sample(UniformRandomProvider rng) {
        double[][] l = Dense.cholesky(cov);
        ZigguratSampler.NormalizedGaussian g = ZigguratSampler.NormalizedGaussian.of(rng);
        double[] eps = new double[dim()];
        for (int i = 0; i < eps.length; i++) eps[i] = g.sample();
        double[] z = Dense.mul(l, eps);
        for (int i = 0; i < z.length; i++) z[i] += mean[i];
        return z;
    }

    /**
     * KL(q ‖ p) = ½[tr(Σ_p⁻¹Σ_q) + (μ_p − μ_q)ᵀΣ_p⁻¹(μ_p − μ_q) − K + log det Σ_p − log det Σ_q].
     */
    public static double kl(MultivariateNormal q, MultivariateNormal p) {
        double[][] lp = Dense.cholesky(p.cov), lq = Dense.cholesky(q.cov);
        double[] d = new double[q.dim()];
        for (int i = 0; i < d.length; i++) d[i] = p.mean[i] - q.mean[i];
        return 0.5 * (Dense.traceOfProduct(Dense.inverse(lp), q.cov) + Dense.dot(d, Dense.solve(lp, d)) - q.dim()
                + Dense.logDet(lp) - Dense.logDet(lq));
    }
}

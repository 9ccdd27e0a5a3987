package io.elbo.vae;

import io.elbo.autodiff.Ops;
import io.elbo.autodiff.Tensor;

/**
 * The linear-Gaussian model (probabilistic PCA): z ~ N(0, I_K), x | z ~ N(Wz + b, σ²I_D). Everything
 * is closed form: p(x) = N(b, WWᵀ + σ²I), the posterior p(z|x) = N(M⁻¹Wᵀ(x − b)/σ², M⁻¹) with
 * M = I + WᵀW/σ², and the ELBO of any Gaussian q. The seeds' one-dimensional example is
 * {@link #seedsExample()}.
 */
public final class LinearGaussian implements LatentModel {
    private final double[][] w;
    private final double[] b;
    private final double sigma2;

    /** The model with W [D][K] (D rows of K), b [D] and noise variance σ² (positive, finite). */
    public LinearGaussian(double[][] w, double[] b, double sigma2) {
        if (w.length != b.length || w.length == 0) throw new IllegalArgumentException("LinearGaussian: W has " + w.length + " rows, b has " + b.length);
        if (!(sigma2 > 0) || Double.isInfinite(sigma2)) throw new IllegalArgumentException("LinearGaussian: σ² must be positive, got " + sigma2);
        this.w = w;
        this.b = b;
        this.sigma2 = sigma2;
    }

    /**
     * log p(x, z) for a batch of latent samples z of shape [L, K], as a differentiable float64
     * tensor of shape [L]: −½[K log 2π + ‖z‖²] − ½[D log(2πσ²) + ‖x − b − Wz‖²/σ²].
     */
    public Tensor logJoint(double[] x, Tensor z) {
        int d = dataDim(), k = latentDim();
        double[] wf = new double[d * k];
        for (int i = 0; i < d; i++) System.arraycopy(w[i], 0, wf, i * k, k);
        Tensor wt = Tensor.of(wf, d, k);
        Tensor mean = Ops.matmul(z, wt, false, true).add(Tensor.of(b, d));
        Tensor r = Tensor.of(x, d).sub(mean);
        Tensor logLik = r.square().sum(false, 1).mul(-0.5 / sigma2).sub(0.5 * d * Math.log(2 * Math.PI * sigma2));
        Tensor logPrior = z.square().sum(false, 1).mul(-0.5).sub(0.5 * k * Normal.LOG_2PI);
        return logLik.add(logPrior);
    }

    /** The seeds' exercise 2: p(z) = N(0, 1), p(x|z) = N(z, 0.5). */
    public static LinearGaussian seedsExample() {
        return new LinearGaussian(new double[][] {{1}}, new double[] {0}, 0.5);
    }

    @Override
    public String toString() {
        return "LinearGaussian[W=" + java.util.Arrays.deepToString(w) + ", b=" + java.util.Arrays.toString(b) + ", σ²=" + sigma2 + "]";
    }

    /** D, the data's dimension. */
    public int dataDim() { return b.length; }

    /** K, the latent dimension. */
    public int latentDim() { return w[0].length; }

    private double[] residual(double[] x, double[] z) {
        double[] r = Dense.mul(w, z);
        for (int i = 0; i < r.length; i++) r[i] = x[i] - b[i] - r[i];
        return r;
    }

    @Override
    public double logPrior(double[] z) {
        return -0.5 * (z.length * Normal.LOG_2PI + Dense.dot(z, z));
    }

    @Override
    public double logLikelihood(double[] x, double[] z) {
        double[] r = residual(x, z);
        return -0.5 * (dataDim() * Math.log(2 * Math.PI * sigma2) + Dense.dot(r, r) / sigma2);
    }

    /** log p(x) = log N(x; b, WWᵀ + σ²I), exactly. */
    @Override
    public double logEvidence(double[] x) {
        int d = dataDim();
        double[][] c = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) c[i][j] = Dense.dot(w[i], w[j]);
            c[i][i] += sigma2;
        }
        double[] mean = b.clone();
        return new MultivariateNormal(mean, c).logProb(x);
    }

    /** The exact posterior p(z | x) = N(M⁻¹Wᵀ(x − b)/σ², M⁻¹), M = I + WᵀW/σ². */
    public MultivariateNormal posterior(double[] x) {
        int k = latentDim();
        double[][] m = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                double s = 0;
                for (double[] row : w) s += row[i] * row[j];
                m[i][j] = s / sigma2 + (i == j ? 1 : 0);
            }
        }
        double[][] l = Dense.cholesky(m);
        double[] xb = new double[x.length];
        for (int i = 0; i < x.length; i++) xb[i] = (x[i] - b[i]) / sigma2;
        return new MultivariateNormal(Dense.solve(l, Dense.mulTransposed(w, xb)), Dense.inverse(l));
    }

    /**
     * E_q[log p(x|z)] for q = N(m, S): −(D/2) log(2πσ²) − [‖x − b − Wm‖² + tr(WSWᵀ)] / (2σ²).
     */
    public double expectedLogLikelihood(double[] x, MultivariateNormal q) {
        double[] r = residual(x, q.mean());
        double trWSWt = 0;
        for (double[] row : w) trWSWt += Dense.dot(row, Dense.mul(q.cov(), row));
        return -0.5 * (dataDim() * Math.log(2 * Math.PI * sigma2) + (Dense.dot(r, r) + trWSWt) / sigma2);
    }

    /** KL(q ‖ p(z)) = ½[tr S + ‖m‖² − K − log det S]. */
    public double klToPrior(MultivariateNormal q) {
        return 0.5 * (Dense.trace(q.cov()) + Dense.dot(q.mean(), q.mean()) - latentDim() - Dense.logDet(Dense.cholesky(q.cov())));
    }

    /** The analytic ELBO in its standard form: E_q[log p(x|z)] − KL(q ‖ p(z)). */
    public double elbo(double[] x, MultivariateNormal q) {
        return expectedLogLikelihood(x, q) - klToPrior(q);
    }

    /**
     * The ELBO from its definition, E_q[log p(x, z) − log q(z)] = E_q[log p(x|z)] + E_q[log p(z)] + H(q),
     * each term in closed form (E_q[log p(z)] = −½[K log 2π + tr S + ‖m‖²]).
     */
    public double elboByDefinition(double[] x, MultivariateNormal q) {
        double expectedLogPrior = -0.5 * (latentDim() * Normal.LOG_2PI + Dense.trace(q.cov()) + Dense.dot(q.mean(), q.mean()));
        return expectedLogLikelihood(x, q) + expectedLogPrior + q.entropy();
    }
}

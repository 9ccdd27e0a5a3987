package io.elbo.vae;

/**
 * A nonlinear decoder with a one-dimensional latent: z ~ N(0, 1), x | z ~ N(tanh(a·z + c), σ²I_D)
 * (a, c in ℝᴰ). Its evidence log p(x) = log ∫ p(z)p(x|z) dz has no closed form; it is computed by
 * the composite trapezoid rule on [−12, 12] in log space (a log-sum-exp of the integrand's logs),
 * which converges geometrically for this smooth, Gaussian-tailed integrand. {@link #quadratureError}
 * reports |I(n) − I(2n)|, the accuracy actually reached.
 */
public final class QuadratureModel implements LatentModel {
    private final double[] a;
    private final double[] c;
    private final double sigma2;
    private final int points;

    /** The model with a, c in ℝᴰ, noise variance σ² (positive) and the trapezoid rule's number of points (at least 3). */
    public QuadratureModel(double[] a, double[] c, double sigma2, int points) {
        if (a.length != c.length) throw new IllegalArgumentException("QuadratureModel: a and c differ in length");
        if (!(sigma2 > 0)) throw new IllegalArgumentException("QuadratureModel: σ² must be positive, got " + sigma2);
        if (points < 3) throw new IllegalArgumentException("QuadratureModel: need at least 3 points");
        this.a = a.clone();
        this.c = c.clone();
        this.sigma2 = sigma2;
        this.points = points;
    }

    @Override
    public double logPrior(double[] z) {
        return -0.5 * (Normal.LOG_2PI + z[0] * z[0]);
    }

    @Override
    public double logLikelihood(double[] x, double[] z) {
        double s = 0;
        for (int d = 0; d < a.length; d++) {
            double r = x[d] - Math.tanh(a[d] * z[0] + c[d]);
            s += r * r;
        }
        return -0.5 * (a.length * Math.log(2 * Math.PI * sigma2) + s / sigma2);
    }

    /** log ∫ exp(f(z)) dz over [lo, hi] by the trapezoid rule with n points, in log space. */
    static double logTrapezoid(java.util.function.DoubleUnaryOperator logF, double lo, double hi, int n) {
        double h = (hi - lo) / (n - 1);
        double[] v = new double[n];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            v[i] = logF.applyAsDouble(lo + i * h) + (i == 0 || i == n - 1 ? Math.log(0.5) : 0);
            max = Math.max(max, v[i]);
        }
        double s = 0;
        for (double x : v) s += Math.exp(x - max);
        return max + Math.log(s) + Math.log(h);
    }

    @Override
    public double logEvidence(double[] x) {
        return logEvidence(x, points);
    }

    double logEvidence(double[] x, int n) {
        return logTrapezoid(z -> logJoint(x, new double[] {z}), -12, 12, n);
    }

    /** |log p(x) with n points − log p(x) with 2n − 1 points|: the accuracy of {@link #logEvidence}. */
    public double quadratureError(double[] x) {
        return Math.abs(logEvidence(x, points) - logEvidence(x, 2 * points - 1));
    }

    /**
     * The ELBO of q = N(m, s²), E_q[log p(x, z) − log q(z)], by the same quadrature over m ± 12s
     * (the integrand q(z)·[log p(x, z) − log q(z)] is not a density, so this integrates it directly).
     */
    public double elbo(double[] x, double m, double s) {
        double lo = m - 12 * s, hi = m + 12 * s, h = (hi - lo) / (points - 1);
        double sum = 0;
        for (int i = 0; i < points; i++) {
            double z = lo + i * h;
            double logQ = -0.5 * (Normal.LOG_2PI + 2 * Math.log(s) + (z - m) * (z - m) / (s * s));
            double term = Math.exp(logQ) * (logJoint(x, new double[] {z}) - logQ);
            sum += (i == 0 || i == points - 1 ? 0.5 : 1) * term;
        }
        return sum * h;
    }
}

package io.elbo.vae;

import java.util.Arrays;

/**
 * A one-dimensional mixture of K Gaussians, p(x) = Σₖ πₖ N(x; μₖ, σₖ²), fitted by EM, which the
 * seeds read as coordinate ascent on the ELBO: the E-step sets q(z = k | xₙ) to the exact posterior
 * (the responsibilities), which makes the ELBO equal the log-likelihood; the M-step maximises the
 * ELBO over (π, μ, σ²) in closed form. So the log-likelihood never decreases.
 */
public final class GaussianMixture {
    private final double[] weights;
    private final double[] means;
    private final double[] variances;
    /** Variances are kept at or above this floor, so a component cannot collapse onto one point. */
    public static final double MIN_VARIANCE = 1e-6;

    /**
     * The weight the M-step gives a component no point is responsible for: the ELBO's supremum puts it at
     * 0, which no mixture has; at 10⁻³⁰⁰ the others' weights differ from their optimum by that much.
     */
    public static final double MIN_WEIGHT = 1e-300;

    /** The mixture Σₖ πₖ N(μₖ, σₖ²): positive weights π summing to 1, finite means μ, positive variances σ² (the arrays are copied). */
    public GaussianMixture(double[] weights, double[] means, double[] variances) {
        int k = weights.length;
        if (k == 0 || means.length != k || variances.length != k) throw new IllegalArgumentException("GaussianMixture: parameter lengths differ");
        double total = 0;
        for (int i = 0; i < k; i++) {
            if (!(weights[i] > 0) || !(variances[i] > 0) || !Double.isFinite(means[i])) {
                throw new IllegalArgumentException("GaussianMixture: component " + i + " needs a positive weight and variance");
            }
            total += weights[i];
        }
        if (Math.abs(total - 1) > 1e-9) throw new IllegalArgumentException("GaussianMixture: weights sum to " + total + ", not 1");
        this.weights = weights.clone();
        this.means = means.clone();
        this.variances = variances.clone();
    }

    /** π, the mixture weights (a copy). */
    public double[] weights() { return weights.clone(); }

    /** μ, the components' means (a copy). */
    public double[] means() { return means.clone(); }

    /** σ², the components' variances (a copy). */
    public double[] variances() { return variances.clone(); }

    private double logComponent(int k, double x) {
        double d = x - means[k];
        return Math.log(weights[k]) - 0.5 * (Normal.LOG_2PI + Math.log(variances[k]) + d * d / variances[k]);
    }

    /** Σₙ log Σₖ πₖ N(xₙ; μₖ, σₖ²), with a log-sum-exp per point. */
    public double logLikelihood(double[] data) {
        double s = 0;
        for (double x : data) {
            double max = Double.NEGATIVE_INFINITY;
            double[] l = new double[weights.length];
            for (int k = 0; k < l.length; k++) max = Math.max(max, l[k] = logComponent(k, x));
            double t = 0;
            for (double v : l) t += Math.exp(v - max);
            s += max + Math.log(t);
        }
        return s;
    }

    /** The E-step: the exact posterior q(z = k | xₙ) = πₖN(xₙ; μₖ, σₖ²) / p(xₙ). */
    public double[][] posterior(double[] data) {
        double[][] r = new double[data.length][weights.length];
        for (int n = 0; n < data.length; n++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < weights.length; k++) max = Math.max(max, r[n][k] = logComponent(k, data[n]));
            double t = 0;
            for (int k = 0; k < weights.length; k++) t += r[n][k] = Math.exp(r[n][k] - max);
            for (int k = 0; k < weights.length; k++) r[n][k] /= t;
        }
        return r;
    }

    /** ELBO(q, θ) = Σₙ Σₖ qₙₖ [log πₖ + log N(xₙ; μₖ, σₖ²) − log qₙₖ] (terms with qₙₖ = 0 contribute 0). */
    public double elbo(double[] data, double[][] q) {
        double s = 0;
        for (int n = 0; n < data.length; n++) {
            for (int k = 0; k < weights.length; k++) {
                if (q[n][k] > 0) s += q[n][k] * (logComponent(k, data[n]) - Math.log(q[n][k]));
            }
        }
        return s;
    }

    /**
     * The M-step: the θ maximising ELBO(q, θ) in closed form, with Nₖ = Σₙ qₙₖ:
     * πₖ = Nₖ/N, μₖ = Σₙ qₙₖxₙ / Nₖ, σₖ² = max(Σₙ qₙₖ(xₙ − μₖ)² / Nₖ, floor). A component with Nₖ = 0 (its
     * responsibilities underflowed, say) keeps its μₖ and σₖ², in which the ELBO is flat, and gets
     * {@link #MIN_WEIGHT}; every other component is updated as usual.
     */
    public GaussianMixture mStep(double[] data, double[][] q) {
        int kk = weights.length;
        double[] w = new double[kk], mu = new double[kk], var = new double[kk];
        for (int k = 0; k < kk; k++) {
            double nk = 0, sx = 0;
            for (int n = 0; n < data.length; n++) {
                nk += q[n][k];
                sx += q[n][k] * data[n];
            }
            if (nk <= 0) { // empty: the ELBO is flat in its mean and variance, and its weight's supremum is 0
                mu[k] = means[k];
                var[k] = variances[k];
                w[k] = MIN_WEIGHT;
                continue;
            }
            mu[k] = sx / nk;
            double sv = 0;
            for (int n = 0; n < data.length; n++) sv += q[n][k] * (data[n] - mu[k]) * (data[n] - mu[k]);
            var[k] = Math.max(sv / nk, MIN_VARIANCE);
            w[k] = nk / data.length;
        }
        double total = Arrays.stream(w).sum();
        for (int k = 0; k < kk; k++) w[k] /= total;
        return new GaussianMixture(w, mu, var);
    }

    /** One EM iteration as a record of its ELBO values, for inspection and tests. */
    public record Iteration(GaussianMixture before, double logLikelihood, double elboAfterEStep, GaussianMixture after) {}

    /** Runs EM; returns every iteration (log-likelihood before the E-step, ELBO right after it). */
    public static java.util.List<Iteration> fit(GaussianMixture init, double[] data, int iterations) {
        java.util.List<Iteration> out = new java.util.ArrayList<>();
        GaussianMixture m = init;
        for (int i = 0; i < iterations; i++) {
            double[][] q = m.posterior(data);
            GaussianMixture next = m.mStep(data, q);
            out.add(new Iteration(m, m.logLikelihood(data), m.elbo(data, q), next));
            m = next;
        }
        return out;
    }
}

package io.elbo.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Functional;
import io.elbo.autodiff.GradCheck;
import io.elbo.autodiff.Shape;
import io.elbo.autodiff.InPlace;
import io.elbo.autodiff.Tape;
import io.elbo.autodiff.Tensor;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The planar flow posterior ({@code vae train --posterior planar:K}): each step's log-determinant is the log of
 * the determinant of its Jacobian (computed by {@link Functional#jacobian} in float64), the sample's log q is
 * the change of variables through all K steps, the density integrates to 1 in one and two dimensions
 * (quadrature over z_K, each point's z₀ found by inverting the flow), and on an exact model (probabilistic PCA)
 * the VAE with a flow posterior keeps the ELBO below log p(x) and its L_k bounds rise with k and stay below it.
 *
 * <p>False-failure rate: the statistical checks compare means of 4 000 estimates with exact values at 6
 * standard errors (two-sided normal tail 2·10⁻⁹), a few dozen per run.
 */
class PlanarFlowProperties {
    static final double LOG_2PI = Math.log(2 * Math.PI);

    /** A flow posterior for one datum in D dimensions with K steps, its parameters drawn from r (‖w‖ kept ≥ 0.5). */
    static PlanarFlowPosterior flow(Random r, int d, int steps) {
        double[] mu = new double[d], lv = new double[d];
        for (int i = 0; i < d; i++) {
            mu[i] = r.nextDouble() - 0.5;
            lv[i] = r.nextDouble() - 0.8;
        }
        double[] u = new double[steps * d], w = new double[steps * d], b = new double[steps];
        for (int k = 0; k < steps; k++) {
            for (int i = 0; i < d; i++) {
                u[k * d + i] = 2 * r.nextDouble() - 1;
                w[k * d + i] = (0.5 + 0.5 * r.nextDouble()) * (r.nextBoolean() ? 1 : -1);
            }
            b[k] = 2 * r.nextDouble() - 1;
        }
        return new PlanarFlowPosterior(new GaussianPosterior(Tensor.of(mu, 1, d), Tensor.of(lv, 1, d)),
                Tensor.of(u, steps * d, 1), Tensor.of(w, steps * d, 1), Tensor.of(b, steps, 1));
    }

    /** det of a small square matrix (row-major n × n), by Gaussian elimination with partial pivoting. */
    static double det(double[] a, int n) {
        a = a.clone();
        double det = 1;
        for (int c = 0; c < n; c++) {
            int p = c;
            for (int r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]) > Math.abs(a[p * n + c])) p = r;
            if (p != c) {
                for (int j = 0; j < n; j++) {
                    double t = a[c * n + j];
                    a[c * n + j] = a[p * n + j];
                    a[p * n + j] = t;
                }
                det = -det;
            }
            det *= a[c * n + c];
            for (int r = c + 1; r < n; r++) {
                double f = a[r * n + c] / a[c * n + c];
                for (int j = c; j < n; j++) a[r * n + j] -= f * a[c * n + j];
            }
        }
        return det;
    }

    /** log|det ∂f_k/∂z| of each step equals log|det J| of its Jacobian (reverse-mode, float64), at any z. */
    @Property(tries = 60)
    void eachStepsLogDeterminantIsLogDetOfItsJacobian(@ForAll long seed, @ForAll @IntRange(min = 1, max = 5) int d) {
        Random r = new Random(seed);
        PlanarFlowPosterior q = flow(r, d, 3);
        for (int k = 0; k < q.steps(); k++) {
            double[] z = new double[d];
            for (int i = 0; i < d; i++) z[i] = 3 * r.nextGaussian();
            int step = k;
            Tensor j = Functional.jacobian(in -> q.step(step, in[0].reshape(1, 1, d))[0].reshape(d), Tensor.of(z, d));
            double want = Math.log(Math.abs(det(j.toDoubleArray(), d)));
            double got;
            try (var off = Tape.noGrad()) {
                got = q.step(k, Tensor.of(z, 1, 1, d))[1].item();
            }
            assertEquals(want, got, 1e-10 * Math.max(1, Math.abs(want)), "step " + k + " at " + java.util.Arrays.toString(z));
        }
    }

    /** Values drawn from r: standard normal, or of magnitude in [0.5, 1] with a random sign ({@code awayFromZero}). */
    static Tensor draw(Random r, boolean awayFromZero, int... shape) {
        double[] v = new double[Shape.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = awayFromZero ? (0.5 + 0.5 * r.nextDouble()) * (r.nextBoolean() ? 1 : -1) : r.nextGaussian();
        return Tensor.of(v, shape);
    }

    /**
     * The flow training runs, all K steps as one op ({@link io.elbo.autodiff.Fused#planarFlow}), is the composition of the steps as they
     * are defined ({@link PlanarFlowPosterior#step}, of primitives): the same z_K and Σ log|det|, and the same
     * gradients in the codes and in every step's u, w and b (from its kernel, and from its rule's ops on a recorded
     * pass), for several data and several samples of each, in float64.
     */
    @Property(tries = 60)
    void theFusedFlowIsTheCompositionOfItsSteps(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int d,
                                                @ForAll @IntRange(min = 1, max = 4) int steps, @ForAll @IntRange(min = 1, max = 3) int batch,
                                                @ForAll @IntRange(min = 1, max = 3) int samples) {
        Random r = new Random(seed);
        Tensor u = draw(r, false, steps * d, batch).variable(), w = draw(r, true, steps * d, batch).variable();
        Tensor b = draw(r, false, steps, batch).variable(), z0 = draw(r, false, samples, batch, d).mul(2).detach().variable();
        Tensor cz = draw(r, false, samples, batch, d), cl = draw(r, false, samples, batch);
        PlanarFlowPosterior q = new PlanarFlowPosterior(new GaussianPosterior(draw(r, false, batch, d), draw(r, false, batch, d)), u, w, b);

        Tensor[] fused = PlanarFlowPosterior.fused(z0, u, w, b);
        double[] zFused = fused[0].toDoubleArray(), ldFused = fused[1].toDoubleArray();
        java.util.List<Tensor> gFused = Tape.grad(fused[0].mul(cz).sum().add(fused[1].mul(cl).sum()), z0, u, w, b);
        Tensor[] again = PlanarFlowPosterior.fused(z0, u, w, b); // its rule built of ops, as a recorded pass runs it
        java.util.List<Tensor> gRecorded = Tape.grad(again[0].mul(cz).sum().add(again[1].mul(cl).sum()),
                java.util.List.of(z0, u, w, b), Tape.options().createGraph());
        Tape.clear();

        Tensor z = z0, sum = null;
        for (int k = 0; k < steps; k++) {
            Tensor[] step = q.step(k, z);
            z = step[0];
            sum = sum == null ? step[1] : sum.add(step[1]);
        }
        assertClose(z.toDoubleArray(), zFused, 1e-12, "z_K");
        assertClose(sum.toDoubleArray(), ldFused, 1e-12, "Σ log|det|");
        java.util.List<Tensor> gComposed = Tape.grad(z.mul(cz).sum().add(sum.mul(cl).sum()), z0, u, w, b);
        String[] names = {"codes", "u", "w", "b"};
        for (int i = 0; i < 4; i++) {
            double[] want = gComposed.get(i).toDoubleArray();
            assertClose(want, gFused.get(i).toDoubleArray(), 1e-10, "∂" + names[i]);
            assertClose(want, gRecorded.get(i).detach().toDoubleArray(), 1e-10, "∂" + names[i] + " on a recorded pass");
        }
    }

    /**
     * The fused flow's derivative rule, its kernel and the ops it is built of on a recorded pass alike, agrees with
     * central differences to first and second order ({@link GradCheck}, float64), with the gradients of both outputs.
     */
    @Property(tries = 12)
    void theFusedFlowsDerivativesAreCentralDifferencesToSecondOrder(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3) int d,
                                                                    @ForAll @IntRange(min = 1, max = 3) int steps,
                                                                    @ForAll @IntRange(min = 1, max = 2) int samples) {
        Random r = new Random(seed);
        int batch = 2;
        Tensor cz = draw(r, false, samples, batch, d), cl = draw(r, false, samples, batch);
        GradCheck.of("planarFlow", in -> {
            Tensor[] out = PlanarFlowPosterior.fused(in[0], in[1], in[2], in[3]);
            return out[0].mul(cz).sum().add(out[1].mul(cl).sum());
        }).secondOrder(true).check(draw(r, false, samples, batch, d), draw(r, false, steps * d, batch), draw(r, true, steps * d, batch),
                draw(r, false, steps, batch));
    }

    /** Shapes the fused flow cannot take are refused in one line naming them. */
    @Test
    void theFusedFlowRefusesParametersOfTheWrongShape() {
        Tensor z = Tensor.zeros(DType.FLOAT64, 1, 3, 2), u = Tensor.zeros(DType.FLOAT64, 4, 3), b = Tensor.zeros(DType.FLOAT64, 2, 3);
        var e = org.junit.jupiter.api.Assertions.assertThrows(io.elbo.autodiff.ShapeException.class,
                () -> PlanarFlowPosterior.fused(z, u, Tensor.zeros(DType.FLOAT64, 4, 2), b));
        assertTrue(e.getMessage().startsWith("planarFlow: codes [1, 3, 2], u [4, 3], w [4, 2], b [2, 3]"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }

    static void assertClose(double[] want, double[] got, double tol, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol * Math.max(1, Math.abs(want[i])), what + " [" + i + "]");
        }
    }

    /**
     * log q(z_K|x) of a sample made from base draws ε is the change of variables through all K steps:
     * Σ(−½ε²) − (D/2)·log 2π − log|det ∂z_K/∂ε| (the base's log σ cancels against the Jacobian of z₀ = μ + σε).
     */
    @Property(tries = 40)
    void aSamplesLogDensityIsTheChangeOfVariablesThroughEveryStep(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int d,
                                                                  @ForAll @IntRange(min = 1, max = 4) int steps) {
        Random r = new Random(seed);
        assertChangeOfVariables(flow(r, d, steps), d, r);
    }

    /** log q of the posterior's sample at a standard-normal ε drawn from r is Σ(−½ε²) − (D/2)·log 2π − log|det ∂z/∂ε|. */
    static void assertChangeOfVariables(Posterior q, int d, Random r) {
        double[] eps = new double[d];
        double sq = 0;
        for (int i = 0; i < d; i++) {
            eps[i] = r.nextGaussian();
            sq += eps[i] * eps[i];
        }
        Tensor j = Functional.jacobian(in -> q.rsample(in[0].reshape(1, 1, d)).z().reshape(d), Tensor.of(eps, d));
        double want = -0.5 * sq - 0.5 * d * LOG_2PI - Math.log(Math.abs(det(j.toDoubleArray(), d)));
        double got;
        try (var off = Tape.noGrad()) {
            got = q.rsample(Tensor.of(eps, 1, 1, d)).logProb().item();
        }
        assertEquals(want, got, 1e-10 * Math.max(1, Math.abs(want)));
    }

    /** ∫ q(z_K|x) dz_K = 1 in one dimension: the trapezoid rule over the flow's image of ε ∈ [−9, 9], each point's ε by bisection. */
    @Property(tries = 8)
    void theFlowsDensityIntegratesToOneInOneDimension(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int steps) {
        assertEquals(1, integral1(flow(new Random(seed), 1, steps)), 1e-6);
    }

    /**
     * ∫ q(z|x) dz for a one-dimensional posterior, by the trapezoid rule (step at most 0.02) over [f(−9), f(9)], the
     * image of ε ∈ [−9, 9] under the flow z = f(ε), which is increasing in ε: the interval holds all but 2·10⁻¹⁹ of
     * the mass whatever the base's σ and the steps' shift (a fixed interval missed 5·10⁻⁵ of a posterior with
     * σ = 4.5). Every grid point's ε found at once by bisection, the grid's L samples in one tensor.
     */
    static double integral1(Posterior q) {
        double from, to;
        try (var off = Tape.noGrad()) {
            double[] ends = q.rsample(Tensor.of(new double[] {-9, 9}, 2, 1, 1)).z().toDoubleArray();
            from = ends[0];
            to = ends[1];
        }
        int n = Math.max(1401, (int) Math.ceil((to - from) / 0.02) + 1);
        double h = (to - from) / (n - 1);
        double[] z = new double[n], lo = new double[n], hi = new double[n], mid = new double[n];
        for (int i = 0; i < n; i++) {
            z[i] = from + h * i;
            lo[i] = -60;
            hi[i] = 60;
        }
        try (var off = Tape.noGrad()) {
            for (int it = 0; it < 80; it++) { // 120/2⁸⁰: below float64's resolution
                for (int i = 0; i < n; i++) mid[i] = 0.5 * (lo[i] + hi[i]);
                double[] f = q.rsample(Tensor.of(mid, n, 1, 1)).z().toDoubleArray();
                for (int i = 0; i < n; i++) {
                    if (f[i] < z[i]) lo[i] = mid[i];
                    else hi[i] = mid[i];
                }
            }
            for (int i = 0; i < n; i++) mid[i] = 0.5 * (lo[i] + hi[i]);
            double[] logq = q.rsample(Tensor.of(mid, n, 1, 1)).logProb().toDoubleArray();
            double sum = 0;
            for (int i = 0; i < n; i++) sum += (i == 0 || i == n - 1 ? 0.5 : 1) * h * Math.exp(logq[i]);
            return sum;
        }
    }

    /**
     * ∫ q(z|x) dz over [−10, 10]² for a two-dimensional posterior, by the trapezoid rule on a grid of 0.2 (0.25
     * leaves 1e-4: a planar step can fold the density into a narrow ridge where 1 + h'·wᵀû is small), every grid
     * point's ε found at once by damped Newton steps, each point's 2 × 2 Jacobian from two forward-mode products.
     */
    static double integral2(Posterior q) {
        int side = 101, n = side * side;
        double[] z = new double[2 * n], e = new double[2 * n];
        for (int i = 0; i < side; i++) {
            for (int j = 0; j < side; j++) {
                z[2 * (i * side + j)] = -10 + 0.2 * i;
                z[2 * (i * side + j) + 1] = -10 + 0.2 * j;
            }
        }
        io.elbo.autodiff.Fn f = in -> q.rsample(in[0]).z();
        double[] t1 = new double[2 * n], t2 = new double[2 * n];
        for (int p = 0; p < n; p++) {
            t1[2 * p] = 1;
            t2[2 * p + 1] = 1;
        }
        double[] r = residual(q, e, z, n);
        for (int it = 0; it < 60; it++) {
            Tensor x = Tensor.of(e, n, 1, 2);
            double[] c1 = Functional.jvp(f, x, Tensor.of(t1, n, 1, 2)).derivative().toDoubleArray();
            double[] c2 = Functional.jvp(f, x, Tensor.of(t2, n, 1, 2)).derivative().toDoubleArray();
            double[] d = new double[2 * n];
            for (int p = 0; p < n; p++) { // solve [c1 c2]·d = r, the point's Jacobian by columns
                double a = c1[2 * p], b = c2[2 * p], c = c1[2 * p + 1], dd = c2[2 * p + 1], det = a * dd - b * c;
                d[2 * p] = (dd * r[2 * p] - b * r[2 * p + 1]) / det;
                d[2 * p + 1] = (-c * r[2 * p] + a * r[2 * p + 1]) / det;
            }
            double[] step = new double[n];
            java.util.Arrays.fill(step, 1);
            boolean[] done = new boolean[n];
            for (int back = 0; back < 30; back++) { // damped: each point takes the longest halving that reduces its residual
                double[] trial = e.clone();
                for (int p = 0; p < n; p++) {
                    if (done[p]) continue;
                    trial[2 * p] = e[2 * p] - step[p] * d[2 * p];
                    trial[2 * p + 1] = e[2 * p + 1] - step[p] * d[2 * p + 1];
                }
                double[] rt = residual(q, trial, z, n);
                boolean all = true;
                for (int p = 0; p < n; p++) {
                    if (done[p]) continue;
                    if (Math.abs(rt[2 * p]) + Math.abs(rt[2 * p + 1]) < Math.abs(r[2 * p]) + Math.abs(r[2 * p + 1])
                            || Math.abs(r[2 * p]) + Math.abs(r[2 * p + 1]) < 1e-13) {
                        e[2 * p] = trial[2 * p];
                        e[2 * p + 1] = trial[2 * p + 1];
                        r[2 * p] = rt[2 * p];
                        r[2 * p + 1] = rt[2 * p + 1];
                        done[p] = true;
                    } else {
                        step[p] /= 2;
                        all = false;
                    }
                }
                if (all) break;
            }
            double worst = 0;
            for (double v : r) worst = Math.max(worst, Math.abs(v));
            if (worst < 1e-12) break;
        }
        try (var off = Tape.noGrad()) {
            double sum = 0;
            for (double v : q.rsample(Tensor.of(e, n, 1, 2)).logProb().toDoubleArray()) sum += 0.04 * Math.exp(v);
            return sum;
        }
    }

    /** The flow's samples at draws ε [n, 2] minus their targets z. */
    private static double[] residual(Posterior q, double[] e, double[] z, int n) {
        try (var off = Tape.noGrad()) {
            double[] f = q.rsample(Tensor.of(e, n, 1, 2)).z().toDoubleArray();
            for (int i = 0; i < f.length; i++) f[i] -= z[i];
            return f;
        }
    }

    /**
     * ∫ q(z_K|x) dz_K = 1 in two dimensions: the trapezoid rule on a grid over [−10, 10]², each point's ε found by
     * Newton's method with the flow's Jacobian (a diffeomorphism: every step invertible).
     */
    @Test
    void theFlowsDensityIntegratesToOneInTwoDimensions() {
        for (long seed : new long[] {1, 2}) assertEquals(1, integral2(flow(new Random(seed), 2, 2)), 1e-5, "seed " + seed);
    }

    /** The VAE of a pPCA case with a planar:K posterior: the case's base heads and decoder, flow heads drawn from r. */
    static VAE flowVae(VaeIsPpcaProperties.Case c, int steps, Random r) {
        return flowVae(c, "planar:" + steps, r);
    }

    /** The VAE of a pPCA case with the flow posterior {@code spec}: the case's base heads and decoder, the flow's heads from r. */
    static VAE flowVae(VaeIsPpcaProperties.Case c, String spec, Random r) {
        String lik = c.learnedSigma() ? "gaussian" : "gaussian-fixed";
        VAE v = new VAE(new VAE.Config(c.d(), new int[0], c.k(), "relu", lik, c.sigma(), DType.FLOAT64, spec, "standard-normal"),
                VaeIsPpcaProperties.rng(r.nextLong()));
        Map<String, io.elbo.nn.Parameter> p = v.namedParameters();
        VaeIsPpcaProperties.set(p, "mu.weight", c.wMu());
        VaeIsPpcaProperties.set(p, "mu.bias", c.bMu());
        VaeIsPpcaProperties.set(p, "logvar.weight", c.wLv());
        VaeIsPpcaProperties.set(p, "logvar.bias", c.bLv());
        VaeIsPpcaProperties.set(p, "decoder.0.weight", c.w());
        VaeIsPpcaProperties.set(p, "decoder.0.bias", c.b());
        if (c.learnedSigma()) VaeIsPpcaProperties.set(p, "log_sigma", new double[] {Math.log(c.sigma())});
        if (spec.startsWith("planar")) {
            for (String head : new String[] {"flow_u", "flow_w", "flow_b"}) {
                for (String part : new String[] {".weight", ".bias"}) {
                    Tensor t = p.get(head + part).value();
                    double[] v2 = new double[t.numel()];
                    for (int i = 0; i < v2.length; i++) v2[i] = (head.equals("flow_w") ? 0.8 : 0.5) * (2 * r.nextDouble() - 1);
                    InPlace.set(t, v2);
                }
            }
        }
        return v;
    }

    /**
     * On an exact model the VAE with a planar posterior keeps E[ELBO] ≤ log p(x) and E[L_1] ≤ E[L_8] ≤ log p(x):
     * richer q, the same theorems (the ELBO's KL sampled, since no closed form exists).
     */
    @Property(tries = 12)
    void withAFlowPosteriorTheElboAndLkStayBelowTheEvidenceAndLkRisesWithK(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3) int steps) {
        assertTheTheoremsHold(seed, "planar:" + steps);
    }

    /** E[ELBO] ≤ log p(x), E[L_1] ≤ E[L_8] ≤ log p(x) and L_1 the ELBO estimator, for the VAE of a pPCA case with {@code spec}. */
    static void assertTheTheoremsHold(long seed, String spec) {
        VaeIsPpcaProperties.Case c = VaeIsPpcaProperties.generate(seed, false);
        VAE vae = flowVae(c, spec, new Random(seed));
        double logEvidence = c.model().logEvidence(c.x());
        int n = 4000;
        RunningMean elbo = new RunningMean(), l1 = new RunningMean(), l8 = new RunningMean();
        for (double v : vae.elboPerDatum(c.copies(n), 1, true, VaeIsPpcaProperties.rng(seed + 1))) elbo.add(v);
        for (double v : vae.iwaeBound(c.copies(n), 1, 1, VaeIsPpcaProperties.rng(seed + 2))) l1.add(v);
        for (double v : vae.iwaeBound(c.copies(n), 8, 8, VaeIsPpcaProperties.rng(seed + 3))) l8.add(v);
        double z = VaeIsPpcaProperties.Z;
        assertTrue(elbo.mean() <= logEvidence + z * elbo.standardError(), "ELBO " + elbo.mean() + " vs log p(x) " + logEvidence);
        assertTrue(l8.mean() <= logEvidence + z * l8.standardError(), "L_8 " + l8.mean() + " vs log p(x) " + logEvidence);
        double diff = l8.mean() - l1.mean(), se = Math.hypot(l8.standardError(), l1.standardError());
        assertTrue(diff >= -z * se, "E[L_8] − E[L_1] = " + diff + " ± " + se);
        assertEquals(elbo.mean(), l1.mean(), z * Math.hypot(elbo.standardError(), l1.standardError()), "L_1 is the ELBO estimator");
    }
}

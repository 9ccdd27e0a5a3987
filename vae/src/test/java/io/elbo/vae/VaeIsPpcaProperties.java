package io.elbo.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tensor;
import io.elbo.autodiff.InPlace;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * The seeds' theorems, stated on the {@link VAE} class people train. A VAE with no hidden layer and a
 * Gaussian likelihood (fixed σ, or a learned log σ) <em>is</em> probabilistic PCA, p(z) = N(0, I),
 * p(x|z) = N(Wz + b, σ²I), with an amortised diagonal q(z|x) = N(W_μ x + b_μ, diag exp(W_λ x + b_λ)), so
 * {@link LinearGaussian} knows its exact log p(x), ELBO and KL. Over generated W, b, σ, data and encoder
 * parameters:
 *
 * <ul>
 *   <li>the VAE's analytic KL is the exact KL(q ‖ p(z)), to rounding;
 *   <li>the mean of {@code elboPerDatum} is the exact ELBO, within 6 standard errors, with the analytic
 *       KL and with the sampled one (so the sampled-KL path is unbiased), and {@code elbo()}'s sampled KL
 *       term is unbiased for the analytic KL;
 *   <li>{@code iwaeBound}'s L_k is below log p(x) in expectation and does not decrease with k;
 *   <li>when the encoder outputs the exact posterior (W with orthogonal columns makes it diagonal), every
 *       sampled-KL ELBO estimate and every L_k estimate equals log p(x), sample by sample (log p(x, z) −
 *       log q(z|x) is then constant), and the analytic-KL ELBO equals it in expectation;
 *   <li>every likelihood the VAE offers has the textbook log-density, with non-trivial σ.
 * </ul>
 *
 * <p>False-failure rate: each statistical check compares a mean of 2 000–4 000 independent estimates with
 * the exact value at {@link #Z} = 6 standard errors (two-sided normal tail 2·10⁻⁹); the class makes about
 * 360 such checks a run, so a correct VAE fails it less than once in 10⁶ runs (10⁻⁴ leaves room for the
 * tails of means of 2 000 log-weights being heavier than normal). A wrong term or weight moves a mean by a
 * fraction of a nat, tens of standard errors.
 */
class VaeIsPpcaProperties {
    /** Standard errors of allowance in every statistical check. */
    static final double Z = 6;

    /** A pPCA model and an encoder for it, with a data point. */
    record Case(double[][] w, double[] b, double sigma, double[][] wMu, double[] bMu, double[][] wLv, double[] bLv, double[] x,
                boolean learnedSigma) {
        int d() { return b.length; }

        int k() { return bMu.length; }

        LinearGaussian model() {
            return new LinearGaussian(w, b, sigma * sigma);
        }

        /** q(z|x) as the encoder computes it, in closed form. */
        MultivariateNormal q() {
            double[] m = new double[k()], v = new double[k()];
            for (int i = 0; i < k(); i++) {
                double mu = bMu[i], lv = bLv[i];
                for (int j = 0; j < d(); j++) {
                    mu += wMu[i][j] * x[j];
                    lv += wLv[i][j] * x[j];
                }
                m[i] = mu;
                v[i] = Math.exp(lv);
            }
            return MultivariateNormal.diagonal(m, v);
        }

        /** The VAE with these parameters: no hidden layer, a Gaussian decoder with fixed or learned σ, float64. */
        VAE vae() {
            String lik = learnedSigma ? "gaussian" : "gaussian-fixed";
            VAE v = new VAE(new VAE.Config(d(), new int[0], k(), "relu", lik, sigma, DType.FLOAT64), rng(0));
            Map<String, io.elbo.nn.Parameter> p = v.namedParameters();
            set(p, "mu.weight", wMu);
            set(p, "mu.bias", bMu);
            set(p, "logvar.weight", wLv);
            set(p, "logvar.bias", bLv);
            set(p, "decoder.0.weight", w);
            set(p, "decoder.0.bias", b);
            if (learnedSigma) set(p, "log_sigma", new double[] {Math.log(sigma)});
            return v;
        }

        /** x repeated n times: n independent estimates in one batch. */
        Tensor copies(int n) {
            double[] flat = new double[n * d()];
            for (int i = 0; i < n; i++) System.arraycopy(x, 0, flat, i * d(), d());
            return Tensor.of(flat, n, d());
        }
    }

    static void set(Map<String, io.elbo.nn.Parameter> p, String name, double[][] m) {
        double[] flat = Arrays.stream(m).flatMapToDouble(Arrays::stream).toArray();
        set(p, name, flat);
    }

    static void set(Map<String, io.elbo.nn.Parameter> p, String name, double[] v) {
        assertEquals(p.get(name).value().numel(), v.length, name);
        InPlace.set(p.get(name).value(), v);
    }

    static UniformRandomProvider rng(long seed) {
        return RandomSource.XO_RO_SHI_RO_128_PP.create(seed);
    }

    static double[][] matrix(Random r, int rows, int cols, double scale) {
        double[][] m = new double[rows][cols];
        for (double[] row : m) for (int j = 0; j < cols; j++) row[j] = scale * (2 * r.nextDouble() - 1);
        return m;
    }

    static double[] vector(Random r, int n, double lo, double hi) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = lo + (hi - lo) * r.nextDouble();
        return v;
    }

    static Case generate(long seed, boolean exactPosterior) {
        Random r = new Random(seed);
        int d = 2 + r.nextInt(4), k = 1 + r.nextInt(Math.min(3, d));
        double sigma = 0.4 + r.nextDouble();
        double[][] w = matrix(r, d, k, 1.5);
        if (exactPosterior) { // orthogonal columns: WᵀW diagonal, so the posterior covariance is diagonal
            for (int c = 0; c < k; c++) {
                for (int p = 0; p < c; p++) {
                    double dot = 0, nn = 0;
                    for (int i = 0; i < d; i++) {
                        dot += w[i][c] * w[i][p];
                        nn += w[i][p] * w[i][p];
                    }
                    for (int i = 0; i < d; i++) w[i][c] -= dot / nn * w[i][p];
                }
            }
        }
        double[] b = vector(r, d, -1, 1), x = vector(r, d, -2, 2);
        double[][] wMu, wLv = matrix(r, k, d, exactPosterior ? 0 : 0.3);
        double[] bMu, bLv;
        double s2 = sigma * sigma;
        if (exactPosterior) { // q = the posterior: Σ = (I + WᵀW/σ²)⁻¹ (diagonal), μ = ΣWᵀ(x − b)/σ²
            wMu = new double[k][d];
            bMu = new double[k];
            bLv = new double[k];
            for (int c = 0; c < k; c++) {
                double wtw = 0;
                for (int i = 0; i < d; i++) wtw += w[i][c] * w[i][c];
                double var = 1 / (1 + wtw / s2);
                bLv[c] = Math.log(var);
                for (int i = 0; i < d; i++) {
                    wMu[c][i] = var * w[i][c] / s2;
                    bMu[c] -= var * w[i][c] * b[i] / s2;
                }
            }
        } else {
            wMu = matrix(r, k, d, 0.6);
            bMu = vector(r, k, -0.5, 0.5);
            bLv = vector(r, k, -1.5, 0.3);
        }
        return new Case(w, b, sigma, wMu, bMu, wLv, bLv, x, r.nextBoolean());
    }

    @Provide
    Arbitrary<Case> cases() {
        return Arbitraries.longs().map(s -> generate(s, false));
    }

    @Provide
    Arbitrary<Case> exactPosteriors() {
        return Arbitraries.longs().map(s -> generate(s, true));
    }

    /** Mean and standard error of the mean. */
    static double[] meanAndError(double[] v) {
        double m = Arrays.stream(v).average().orElseThrow(), ss = 0;
        for (double x : v) ss += (x - m) * (x - m);
        return new double[] {m, Math.sqrt(ss / (v.length - 1) / v.length)};
    }

    @Property(tries = 40)
    void theVaesAnalyticKlIsTheExactKlAndItsElboMeanIsTheExactElbo(@ForAll("cases") Case c) {
        VAE vae = c.vae();
        LinearGaussian model = c.model();
        MultivariateNormal q = c.q();
        double kl = vae.elbo(c.copies(1), rng(1), VAE.ElboOptions.standard(), 1).kl();
        assertEquals(model.klToPrior(q), kl, 1e-12 * Math.max(1, Math.abs(kl)), "analytic KL");

        double exact = model.elbo(c.x(), q);
        for (boolean analytic : new boolean[] {true, false}) {
            double[] ms = meanAndError(vae.elboPerDatum(c.copies(4000), 1, analytic, rng(2)));
            assertTrue(Math.abs(ms[0] - exact) <= Z * ms[1], (analytic ? "analytic" : "sampled") + " KL: mean of elboPerDatum " + ms[0]
                    + " ± " + ms[1] + ", exact ELBO " + exact);
        }
        double[] sampledKl = new double[2000];
        UniformRandomProvider r = rng(3);
        for (int i = 0; i < sampledKl.length; i++) {
            sampledKl[i] = vae.elbo(c.copies(1), r, new VAE.ElboOptions(1, 1, false, 0), 1).kl();
        }
        double[] ks = meanAndError(sampledKl);
        assertTrue(Math.abs(ks[0] - kl) <= Z * ks[1], "sampled KL " + ks[0] + " ± " + ks[1] + ", analytic " + kl);
    }

    @Property(tries = 40)
    void iwaeIsBelowLogEvidenceInExpectationAndDoesNotDecreaseWithK(@ForAll("cases") Case c) {
        VAE vae = c.vae();
        double logP = c.model().logEvidence(c.x());
        double[] previous = null;
        for (int k : new int[] {1, 8, 64}) {
            double[] ms = meanAndError(vae.iwaeBound(c.copies(2000), k, 64, rng(10 + k)));
            assertTrue(ms[0] - Z * ms[1] <= logP, "E[L_" + k + "] = " + ms[0] + " ± " + ms[1] + " above log p(x) = " + logP);
            if (previous != null) {
                assertTrue(previous[0] - ms[0] <= Z * Math.hypot(previous[1], ms[1]), "L_k decreased: " + previous[0] + " to " + ms[0]
                        + " at k = " + k);
            }
            previous = ms;
        }
    }

    @Property(tries = 40)
    void withTheExactPosteriorEveryElboAndIwaeEstimateIsLogEvidence(@ForAll("exactPosteriors") Case c) {
        VAE vae = c.vae();
        double logP = c.model().logEvidence(c.x());
        double tol = 1e-9 * Math.max(1, Math.abs(logP));
        assertEquals(logP, c.model().elbo(c.x(), c.q()), tol, "the encoder is the posterior");
        // log p(x, z) − log q(z|x) = log p(x) for every z: each sampled-KL ELBO estimate and each L_k is exact.
        for (double v : vae.elboPerDatum(c.copies(50), 3, false, rng(5))) assertEquals(logP, v, tol, "an ELBO estimate, sampled KL");
        for (double v : vae.iwaeBound(c.copies(20), 16, 8, rng(6))) assertEquals(logP, v, tol, "an L_16 estimate");
        // With the analytic KL an estimate is log p(x|z) − KL, which varies with z: equal in expectation.
        double[] ms = meanAndError(vae.elboPerDatum(c.copies(4000), 1, true, rng(4)));
        assertTrue(Math.abs(ms[0] - logP) <= Z * ms[1], "analytic-KL ELBO " + ms[0] + " ± " + ms[1] + ", log p(x) " + logP);
    }

    @Property(tries = 60)
    void everyLikelihoodIsItsTextbookLogDensity(@ForAll long seed) {
        Random r = new Random(seed);
        int d = 1 + r.nextInt(6), n = 1 + r.nextInt(4);
        for (Parts.Entry<Likelihood> part : Parts.LIKELIHOODS) {
            String lik = part.name();
            boolean unitInterval = lik.contains("bernoulli");
            double fixed = 0.2 + 2 * r.nextDouble();
            VAE vae = new VAE(new VAE.Config(d, new int[0], 2, "relu", lik, fixed, DType.FLOAT64), rng(seed));
            double[] logSigma = vector(r, lik.equals("gaussian-pixel") ? d : 1, -1.5, 1.5);
            if (lik.equals("gaussian") || lik.equals("gaussian-pixel")) {
                set(vae.namedParameters(), "log_sigma", logSigma);
            }
            double[] x = vector(r, n * d, unitInterval ? 0 : -3, unitInterval ? 1 : 3);
            double[] out = vector(r, n * d, -6, 6);
            double[] got = vae.logLikelihood(Tensor.of(x, n, d), Tensor.of(out, n, d)).toDoubleArray();
            for (int i = 0; i < n; i++) {
                double want = 0;
                for (int j = 0; j < d; j++) {
                    double xv = x[i * d + j], o = out[i * d + j];
                    want += switch (lik) {
                        case "bernoulli" -> xv * Math.log(1 / (1 + Math.exp(-o))) + (1 - xv) * Math.log(1 - 1 / (1 + Math.exp(-o)));
                        case "continuous-bernoulli" -> continuousBernoulli(xv, 1 / (1 + Math.exp(-o)));
                        case "gaussian-fixed" -> gaussian(xv, o, fixed);
                        case "gaussian" -> gaussian(xv, o, Math.exp(logSigma[0]));
                        case "gaussian-pixel" -> gaussian(xv, o, Math.exp(logSigma[j]));
                        default -> throw new AssertionError("no textbook density for the likelihood " + lik + "; add it here");
                    };
                }
                assertEquals(want, got[i], 1e-10 * Math.max(1, Math.abs(want)), lik + " log-density of datum " + i);
            }
        }
    }

    /**
     * log CB(x; λ) = log C(λ) + x log λ + (1 − x) log(1 − λ), C(λ) = 2 artanh(1 − 2λ)/(1 − 2λ), as the paper writes
     * it (λ ≠ ½: the draws never hit it exactly).
     */
    static double continuousBernoulli(double x, double lambda) {
        double t = 1 - 2 * lambda;
        double artanh = 0.5 * Math.log((1 + t) / (1 - t));
        return Math.log(2 * artanh / t) + x * Math.log(lambda) + (1 - x) * Math.log(1 - lambda);
    }

    /** log N(x; m, s²) = −½ log(2π s²) − (x − m)²/(2 s²). */
    static double gaussian(double x, double m, double s) {
        return -0.5 * Math.log(2 * Math.PI * s * s) - (x - m) * (x - m) / (2 * s * s);
    }
}

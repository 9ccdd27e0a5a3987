package io.elbo.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.InPlace;
import io.elbo.autodiff.Tensor;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The theorems on the two-layer {@link VAE} people train ({@code vae train --latent K1,K2}). With no hidden
 * layer, the gaussian-fixed likelihood and the log σ² head of p(z₁|z₂) given zero weights (a constant
 * variance v), the VAE's generative model <em>is</em> the {@link TwoLayerLinearGaussian} model
 * z₂ ~ N(0, I), z₁|z₂ ~ N(Az₂ + a, diag v), x|z₁ ~ N(Wz₁ + b, σ²I): its parameters {@code decoder2_mu} = (A, a),
 * {@code decoder2_logvar} = (0, log v), {@code decoder.0} = (W, b), σ = {@code --sigma}; so log p(x) and the
 * posterior p(z₁, z₂|x) are known exactly. Over generated models, data and encoders:
 *
 * <ul>
 *   <li>the fundamental identity log p(x) − ELBO = KL(q(z₁, z₂|x) ‖ p(z₁, z₂|x)): when q(z₂|z₁)'s log σ² head
 *       has zero weights, q(z₁) q(z₂|z₁) is a joint Gaussian, the KL is closed form, and the mean of the
 *       VAE's ELBO estimates equals log p(x) − KL;
 *   <li>E[ELBO] ≤ log p(x), and E[L_k] rises with k and stays below log p(x), for any encoder (q(z₂|z₁) with a
 *       log σ² that depends on z₁: not a joint Gaussian);
 *   <li>when the encoder outputs the exact posterior (constructed diagonal), every ELBO and L_k estimate is
 *       log p(x), sample by sample;
 *   <li>the VAE's samples (ancestral: z₂, z₁, then the mean Wz₁ + b) have the model's mean and variances.
 * </ul>
 *
 * <p>False-failure rate: each statistical check compares a mean of 4 000 independent estimates with an exact
 * value (or another mean) at {@link VaeIsPpcaProperties#Z} = 6 standard errors (two-sided normal tail 2·10⁻⁹);
 * the class makes a few hundred such checks a run, so a correct VAE fails it less than once in 10⁶ runs.
 */
class HierarchicalVaeProperties {
    static final double Z = VaeIsPpcaProperties.Z;

    /**
     * A two-layer exact model and an encoder for it: q(z₁|x) = N(W_μ x + b_μ, diag exp(W_λ x + b_λ)),
     * q(z₂|z₁) = N(C z₁ + c, diag exp(C_λ z₁ + c_λ)).
     */
    record Case(double[][] w, double[] b, double sigma, double[][] a, double[] bias, double[] v, double[][] wMu, double[] bMu,
                double[][] wLv, double[] bLv, double[][] c, double[] cBias, double[][] cLv, double[] cLvBias, double[] x) {
        int d() { return b.length; }

        int k1() { return bias.length; }

        int k2() { return a[0].length; }

        TwoLayerLinearGaussian model() {
            return new TwoLayerLinearGaussian(w, b, sigma * sigma, a, bias, v);
        }

        /** The VAE with these parameters: --hidden (none) --latent K1,K2, gaussian-fixed, float64. */
        VAE vae() {
            VAE m = new VAE(new VAE.Config(d(), new int[0], k1(), "relu", "gaussian-fixed", sigma, DType.FLOAT64, "gaussian", "standard-normal",
                    new int[] {k2()}), VaeIsPpcaProperties.rng(0));
            Map<String, io.elbo.nn.Parameter> p = m.namedParameters();
            VaeIsPpcaProperties.set(p, "mu.weight", wMu);
            VaeIsPpcaProperties.set(p, "mu.bias", bMu);
            VaeIsPpcaProperties.set(p, "logvar.weight", wLv);
            VaeIsPpcaProperties.set(p, "logvar.bias", bLv);
            VaeIsPpcaProperties.set(p, "mu2.weight", c);
            VaeIsPpcaProperties.set(p, "mu2.bias", cBias);
            VaeIsPpcaProperties.set(p, "logvar2.weight", cLv);
            VaeIsPpcaProperties.set(p, "logvar2.bias", cLvBias);
            VaeIsPpcaProperties.set(p, "decoder2_mu.weight", a);
            VaeIsPpcaProperties.set(p, "decoder2_mu.bias", bias);
            VaeIsPpcaProperties.set(p, "decoder2_logvar.weight", new double[k1() * k2()]);
            VaeIsPpcaProperties.set(p, "decoder2_logvar.bias", Arrays.stream(v).map(Math::log).toArray());
            VaeIsPpcaProperties.set(p, "decoder.0.weight", w);
            VaeIsPpcaProperties.set(p, "decoder.0.bias", b);
            return m;
        }

        /** x repeated n times: n independent estimates in one batch. */
        Tensor copies(int n) {
            double[] flat = new double[n * d()];
            for (int i = 0; i < n; i++) System.arraycopy(x, 0, flat, i * d(), d());
            return Tensor.of(flat, n, d());
        }

        /** q(z₁|x) in closed form: N(m₁, S₁), diagonal. */
        MultivariateNormal q1() {
            double[] m = new double[k1()], s = new double[k1()];
            for (int i = 0; i < k1(); i++) {
                m[i] = bMu[i] + Dense.dot(wMu[i], x);
                s[i] = Math.exp(bLv[i] + Dense.dot(wLv[i], x));
            }
            return MultivariateNormal.diagonal(m, s);
        }

        /**
         * q(z₁, z₂|x) when q(z₂|z₁)'s log σ² has zero weights: z₂ = C z₁ + c + N(0, S₂), so the joint is
         * N((m₁, C m₁ + c), [[S₁, S₁Cᵀ], [C S₁, C S₁ Cᵀ + S₂]]).
         */
        MultivariateNormal qJoint() {
            MultivariateNormal q1 = q1();
            int k1 = k1(), k2 = k2(), n = k1 + k2;
            double[] mean = new double[n];
            System.arraycopy(q1.mean(), 0, mean, 0, k1);
            double[][] cov = new double[n][n];
            double[] s1 = new double[k1];
            for (int i = 0; i < k1; i++) {
                s1[i] = q1.cov()[i][i];
                cov[i][i] = s1[i];
            }
            for (int j = 0; j < k2; j++) {
                mean[k1 + j] = cBias[j] + Dense.dot(c[j], q1.mean());
                for (int i = 0; i < k1; i++) cov[i][k1 + j] = cov[k1 + j][i] = s1[i] * c[j][i];
                for (int l = 0; l < k2; l++) {
                    double s = 0;
                    for (int i = 0; i < k1; i++) s += c[j][i] * s1[i] * c[l][i];
                    cov[k1 + j][k1 + l] = s;
                }
                cov[k1 + j][k1 + j] += Math.exp(cLvBias[j]);
            }
            return new MultivariateNormal(mean, cov);
        }
    }

    /** A random two-layer case; with {@code gaussianQ} the log σ² head of q(z₂|z₁) has zero weights. */
    static Case generate(long seed, boolean gaussianQ) {
        Random r = new Random(seed);
        int d = 2 + r.nextInt(3), k1 = 1 + r.nextInt(3), k2 = 1 + r.nextInt(2);
        double sigma = 0.5 + r.nextDouble();
        double[][] w = VaeIsPpcaProperties.matrix(r, d, k1, 1.2), a = VaeIsPpcaProperties.matrix(r, k1, k2, 1.2);
        double[] b = VaeIsPpcaProperties.vector(r, d, -1, 1), bias = VaeIsPpcaProperties.vector(r, k1, -0.5, 0.5);
        double[] v = VaeIsPpcaProperties.vector(r, k1, 0.3, 1.2);
        double[][] wMu = VaeIsPpcaProperties.matrix(r, k1, d, 0.5), wLv = VaeIsPpcaProperties.matrix(r, k1, d, 0.2);
        double[] bMu = VaeIsPpcaProperties.vector(r, k1, -0.5, 0.5), bLv = VaeIsPpcaProperties.vector(r, k1, -1.5, 0.0);
        double[][] c = VaeIsPpcaProperties.matrix(r, k2, k1, 0.6), cLv = VaeIsPpcaProperties.matrix(r, k2, k1, gaussianQ ? 0 : 0.3);
        double[] cBias = VaeIsPpcaProperties.vector(r, k2, -0.3, 0.3), cLvBias = VaeIsPpcaProperties.vector(r, k2, -1.2, 0.0);
        double[] x = VaeIsPpcaProperties.vector(r, d, -2, 2);
        return new Case(w, b, sigma, a, bias, v, wMu, bMu, wLv, bLv, c, cBias, cLv, cLvBias, x);
    }

    /**
     * A case whose encoder is the exact posterior: A = [diag α; 0] and v one number make p(z₁) and p(z₂|z₁)
     * diagonal, W with orthogonal columns makes p(z₁|x) diagonal, and p(z₁, z₂|x) = p(z₁|x) p(z₂|z₁):
     * <pre>
     *   p(z₁|x) = N(Σ₁(C₁⁻¹a + Wᵀ(x − b)/σ²), Σ₁),  Σ₁ = (C₁⁻¹ + WᵀW/σ²)⁻¹,  C₁ = AAᵀ + vI
     *   p(z₂|z₁) = N(Σ₂Aᵀ(z₁ − a)/v, Σ₂),           Σ₂ = (I + AᵀA/v)⁻¹
     * </pre>
     */
    static Case exactPosterior(long seed) {
        Random r = new Random(seed);
        int d = 2 + r.nextInt(3), k1 = 1 + r.nextInt(Math.min(3, d)), k2 = 1 + r.nextInt(k1);
        double sigma = 0.5 + r.nextDouble(), s2 = sigma * sigma, vv = 0.3 + r.nextDouble();
        double[][] w = VaeIsPpcaProperties.matrix(r, d, k1, 1.2);
        for (int col = 0; col < k1; col++) { // Gram-Schmidt: orthogonal columns
            for (int p = 0; p < col; p++) {
                double dot = 0, nn = 0;
                for (int i = 0; i < d; i++) {
                    dot += w[i][col] * w[i][p];
                    nn += w[i][p] * w[i][p];
                }
                for (int i = 0; i < d; i++) w[i][col] -= dot / nn * w[i][p];
            }
        }
        double[][] a = new double[k1][k2];
        for (int j = 0; j < k2; j++) a[j][j] = (0.5 + r.nextDouble()) * (r.nextBoolean() ? 1 : -1);
        double[] b = VaeIsPpcaProperties.vector(r, d, -1, 1), bias = VaeIsPpcaProperties.vector(r, k1, -0.5, 0.5);
        double[] v = new double[k1];
        Arrays.fill(v, vv);
        double[][] wMu = new double[k1][d], wLv = new double[k1][d], c = new double[k2][k1], cLv = new double[k2][k1];
        double[] bMu = new double[k1], bLv = new double[k1], cBias = new double[k2], cLvBias = new double[k2];
        for (int i = 0; i < k1; i++) {
            double prior = vv + (i < k2 ? a[i][i] * a[i][i] : 0), wtw = 0;
            for (int row = 0; row < d; row++) wtw += w[row][i] * w[row][i];
            double var = 1 / (1 / prior + wtw / s2);
            bLv[i] = Math.log(var);
            bMu[i] = var * bias[i] / prior;
            for (int row = 0; row < d; row++) {
                wMu[i][row] = var * w[row][i] / s2;
                bMu[i] -= var * w[row][i] * b[row] / s2;
            }
        }
        for (int j = 0; j < k2; j++) {
            double var = 1 / (1 + a[j][j] * a[j][j] / vv);
            cLvBias[j] = Math.log(var);
            c[j][j] = var * a[j][j] / vv;
            cBias[j] = -var * a[j][j] * bias[j] / vv;
        }
        return new Case(w, b, sigma, a, bias, v, wMu, bMu, wLv, bLv, c, cBias, cLv, cLvBias, VaeIsPpcaProperties.vector(r, d, -2, 2));
    }

    @Provide
    Arbitrary<Case> gaussianEncoders() {
        return Arbitraries.longs().map(s -> generate(s, true));
    }

    @Provide
    Arbitrary<Case> anyEncoders() {
        return Arbitraries.longs().map(s -> generate(s, false));
    }

    @Provide
    Arbitrary<Case> exactPosteriors() {
        return Arbitraries.longs().map(HierarchicalVaeProperties::exactPosterior);
    }

    /** log p(x) − E[ELBO] = KL(q(z₁, z₂|x) ‖ p(z₁, z₂|x)), both sides exact but the VAE's mean of 4 000 estimates. */
    @Property(tries = 40)
    void theGapBetweenLogEvidenceAndTheElboIsTheKlToTheJointPosterior(@ForAll("gaussianEncoders") Case c) {
        TwoLayerLinearGaussian model = c.model();
        double logP = model.logEvidence(c.x()), kl = MultivariateNormal.kl(c.qJoint(), model.posterior(c.x()));
        assertTrue(kl >= 0, "KL " + kl);
        VAE vae = c.vae();
        for (boolean analytic : new boolean[] {true, false}) { // several layers: the KL is sampled either way
            double[] ms = VaeIsPpcaProperties.meanAndError(vae.elboPerDatum(c.copies(4000), 1, analytic, VaeIsPpcaProperties.rng(analytic ? 1 : 2)));
            assertTrue(Math.abs(ms[0] - (logP - kl)) <= Z * ms[1], "ELBO " + ms[0] + " ± " + ms[1] + ", log p(x) − KL = " + logP + " − " + kl);
        }
        double[] l1 = VaeIsPpcaProperties.meanAndError(vae.iwaeBound(c.copies(4000), 1, 1, VaeIsPpcaProperties.rng(3)));
        assertTrue(Math.abs(l1[0] - (logP - kl)) <= Z * l1[1], "L_1 " + l1[0] + " ± " + l1[1] + ", log p(x) − KL = " + (logP - kl));
        // the training objective: elbo() of 4 000 copies is the mean of 4 000 such estimates (their spread is l1's)
        double train = vae.elbo(c.copies(4000), VaeIsPpcaProperties.rng(4), VAE.ElboOptions.standard(), 1).elbo();
        assertTrue(Math.abs(train - (logP - kl)) <= Z * l1[1], "elbo() " + train + " ± " + l1[1] + ", log p(x) − KL = " + (logP - kl));
    }

    /** E[ELBO] ≤ log p(x), and E[L_1] ≤ E[L_8] ≤ E[L_64] ≤ log p(x), whatever the encoder. */
    @Property(tries = 30)
    void theElboAndLkStayBelowTheEvidenceAndLkRisesWithK(@ForAll("anyEncoders") Case c) {
        VAE vae = c.vae();
        double logP = c.model().logEvidence(c.x());
        double[] elbo = VaeIsPpcaProperties.meanAndError(vae.elboPerDatum(c.copies(4000), 1, true, VaeIsPpcaProperties.rng(5)));
        assertTrue(elbo[0] - Z * elbo[1] <= logP, "E[ELBO] " + elbo[0] + " ± " + elbo[1] + " above log p(x) " + logP);
        double[] previous = null;
        for (int k : new int[] {1, 8, 64}) {
            double[] ms = VaeIsPpcaProperties.meanAndError(vae.iwaeBound(c.copies(4000), k, 32, VaeIsPpcaProperties.rng(10 + k)));
            assertTrue(ms[0] - Z * ms[1] <= logP, "E[L_" + k + "] = " + ms[0] + " ± " + ms[1] + " above log p(x) = " + logP);
            if (previous != null) {
                assertTrue(previous[0] - ms[0] <= Z * Math.hypot(previous[1], ms[1]), "L_k decreased: " + previous[0] + " to " + ms[0] + " at k = " + k);
            }
            previous = ms;
        }
    }

    /**
     * A planar flow on q(z₁|x) under the second layer ({@code --flow planar:K --latent K1,K2}): log q(z₁|x) is the
     * flow's change of variables, the rest as before, so the same theorems hold: E[ELBO] ≤ log p(x), L_1 is the
     * ELBO's estimator, E[L_1] ≤ E[L_8] ≤ log p(x).
     */
    @Property(tries = 12)
    void withAFlowOnTheBottomLayerTheElboAndLkStayBelowTheEvidenceAndLkRisesWithK(@ForAll("anyEncoders") Case c) {
        VAE vae = new VAE(new VAE.Config(c.d(), new int[0], c.k1(), "relu", "gaussian-fixed", c.sigma(), DType.FLOAT64, "planar:2",
                "standard-normal", new int[] {c.k2()}), VaeIsPpcaProperties.rng(1));
        Map<String, io.elbo.nn.Parameter> flow = vae.namedParameters(), base = c.vae().namedParameters();
        Random r = new Random(c.x()[0] == 0 ? 1 : Double.doubleToLongBits(c.x()[0]));
        for (var e : flow.entrySet()) {
            Tensor t = e.getValue().value();
            if (e.getKey().startsWith("flow_")) { // the flow's heads: small random weights
                double[] v = new double[t.numel()];
                for (int i = 0; i < v.length; i++) v[i] = 0.5 * (2 * r.nextDouble() - 1);
                InPlace.set(t, v);
            } else {
                InPlace.copy(base.get(e.getKey()).value(), t);
            }
        }
        double logP = c.model().logEvidence(c.x());
        RunningMean elbo = new RunningMean(), l1 = new RunningMean(), l8 = new RunningMean();
        for (double v : vae.elboPerDatum(c.copies(4000), 1, true, VaeIsPpcaProperties.rng(11))) elbo.add(v);
        for (double v : vae.iwaeBound(c.copies(4000), 1, 1, VaeIsPpcaProperties.rng(12))) l1.add(v);
        for (double v : vae.iwaeBound(c.copies(4000), 8, 8, VaeIsPpcaProperties.rng(13))) l8.add(v);
        assertTrue(elbo.mean() <= logP + Z * elbo.standardError(), "ELBO " + elbo.mean() + " vs log p(x) " + logP);
        assertTrue(l8.mean() <= logP + Z * l8.standardError(), "L_8 " + l8.mean() + " vs log p(x) " + logP);
        double diff = l8.mean() - l1.mean(), se = Math.hypot(l8.standardError(), l1.standardError());
        assertTrue(diff >= -Z * se, "E[L_8] − E[L_1] = " + diff + " ± " + se);
        assertEquals(elbo.mean(), l1.mean(), Z * Math.hypot(elbo.standardError(), l1.standardError()), "L_1 is the ELBO estimator");
    }

    /** With the exact posterior, log p(x, z₁, z₂) − log q(z₁, z₂|x) = log p(x) for every draw: each estimate is exact. */
    @Property(tries = 40)
    void withTheExactPosteriorEveryElboAndIwaeEstimateIsLogEvidence(@ForAll("exactPosteriors") Case c) {
        double logP = c.model().logEvidence(c.x());
        double tol = 1e-9 * Math.max(1, Math.abs(logP));
        assertEquals(0, MultivariateNormal.kl(c.qJoint(), c.model().posterior(c.x())), 1e-9, "the encoder is the posterior");
        VAE vae = c.vae();
        for (double v : vae.elboPerDatum(c.copies(50), 3, true, VaeIsPpcaProperties.rng(6))) assertEquals(logP, v, tol, "an ELBO estimate");
        for (double v : vae.iwaeBound(c.copies(20), 16, 8, VaeIsPpcaProperties.rng(7))) assertEquals(logP, v, tol, "an L_16 estimate");
        int total = c.k1() + c.k2();
        double[] eps = new double[2 * 5 * total];
        Random r = new Random(8);
        for (int i = 0; i < eps.length; i++) eps[i] = r.nextGaussian();
        for (double v : vae.elboPerDatum(c.copies(5), Tensor.of(eps, 2, 5, total))) assertEquals(logP, v, tol, "an estimate on given noise");
    }

    /**
     * The VAE's samples are ancestral draws of the model, decoded to E[x|z₁] = Wz₁ + b: each coordinate has mean
     * Wa + b and variance (W (AAᵀ + diag v) Wᵀ)ᵢᵢ. The sample variance of n normal draws has standard error
     * var·√(2/(n − 1)).
     */
    @Property(tries = 20)
    void samplesHaveTheModelsMeanAndVariance(@ForAll("anyEncoders") Case c) {
        MultivariateNormal px = c.model().evidence();
        int n = 4000, d = c.d();
        double[] s = c.vae().sample(n, VaeIsPpcaProperties.rng(9)).toDoubleArray();
        for (int i = 0; i < d; i++) {
            RunningMean m = new RunningMean();
            for (int j = 0; j < n; j++) m.add(s[j * d + i]);
            double var = px.cov()[i][i] - c.sigma() * c.sigma(); // the decoder's mean carries no observation noise
            assertEquals(px.mean()[i], m.mean(), Z * Math.sqrt(var / n), "mean of coordinate " + i);
            assertEquals(var, m.variance(), Z * var * Math.sqrt(2.0 / (n - 1)), "variance of coordinate " + i);
        }
    }
}

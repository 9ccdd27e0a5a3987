package io.elbo.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tape;
import io.elbo.autodiff.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterProperty;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;

/**
 * EM and IWAE, in full. EM is coordinate ascent on the ELBO: the M-step is a maximiser of ELBO(q, θ) for
 * the fixed q it is given (no perturbation of its output improves it, for any q, including q that leaves a
 * component empty), and the log-likelihood strictly increases from one iteration to the next until a fixed
 * point. IWAE: with shared samples, L_2k is at least the mean of the L_k of its two halves (log is concave),
 * sample by sample, on the VAE's own {@code iwaeBound}.
 */
class EmAndIwaeProperties {
    @AfterProperty
    void emptyTape() {
        Tape.clear();
    }

    /** Data from 2–4 components, a starting mixture (sometimes with a far, narrow component that no point reaches), a seed. */
    record EmCase(double[] data, GaussianMixture init, long seed) {}

    @Provide
    Arbitrary<EmCase> emCases() {
        return Arbitraries.longs().map(seed -> {
            Random r = new Random(seed);
            int comps = 2 + r.nextInt(3), n = 20 + r.nextInt(180), k = 1 + r.nextInt(4);
            double[] data = new double[n];
            for (int i = 0; i < n; i++) {
                int c = r.nextInt(comps);
                data[i] = 3 * c + (0.3 + 0.4 * c) * r.nextGaussian();
            }
            double[] w = new double[k], m = new double[k], v = new double[k];
            for (int i = 0; i < k; i++) {
                w[i] = 1.0 / k;
                m[i] = -2 + 12 * r.nextDouble();
                v[i] = 0.2 + 3 * r.nextDouble();
            }
            if (k > 1 && r.nextInt(3) == 0) { // a component far from every point, and narrow: its responsibilities underflow to 0
                m[k - 1] = 1e4;
                v[k - 1] = GaussianMixture.MIN_VARIANCE;
            }
            return new EmCase(data, new GaussianMixture(w, m, v), seed);
        });
    }

    /** Responsibilities: the posterior, or random rows on the simplex with some exact zeros. */
    static double[][] someQ(EmCase c, Random r) {
        if (r.nextBoolean()) return c.init().posterior(c.data());
        int k = c.init().weights().length;
        double[][] q = new double[c.data().length][k];
        for (double[] row : q) {
            double s = 0;
            for (int j = 0; j < k; j++) s += row[j] = r.nextInt(4) == 0 ? 0 : r.nextDouble();
            if (s == 0) row[0] = s = 1;
            for (int j = 0; j < k; j++) row[j] /= s;
        }
        return q;
    }

    @Property(tries = 300)
    void theMStepMaximisesTheElboForTheGivenQ(@ForAll("emCases") EmCase c) {
        Random r = new Random(c.seed());
        double[][] q = someQ(c, r);
        GaussianMixture best = c.init().mStep(c.data(), q);
        double top = best.elbo(c.data(), q);
        for (int t = 0; t < 40; t++) {
            GaussianMixture other = perturb(best, r, t < 20 ? 1e-3 : 0.3);
            double e = other.elbo(c.data(), q);
            assertTrue(e <= top + 1e-10 * Math.abs(top), "a perturbation of the M-step's output improves the ELBO: " + top + " -> " + e);
        }
    }

    /** θ moved by a relative step: means shifted, variances scaled (above the floor), weights reweighted on the simplex. */
    static GaussianMixture perturb(GaussianMixture g, Random r, double step) {
        double[] w = g.weights(), m = g.means(), v = g.variances();
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            m[i] += step * r.nextGaussian() * Math.sqrt(v[i]);
            v[i] = Math.max(GaussianMixture.MIN_VARIANCE, v[i] * Math.exp(step * r.nextGaussian()));
            s += w[i] *= Math.exp(step * r.nextGaussian());
        }
        for (int i = 0; i < w.length; i++) w[i] /= s;
        return new GaussianMixture(w, m, v);
    }

    @Property(tries = 200)
    void theLikelihoodStrictlyIncreasesUntilAFixedPoint(@ForAll("emCases") EmCase c) {
        List<GaussianMixture.Iteration> its = GaussianMixture.fit(c.init(), c.data(), 60);
        for (int i = 1; i < its.size(); i++) {
            double before = its.get(i - 1).logLikelihood(), after = its.get(i).logLikelihood();
            if (after > before) continue;
            // No increase: then EM is at a fixed point, its parameters no longer moving (up to rounding).
            double moved = distance(its.get(i - 1).before(), its.get(i).before());
            assertTrue(moved < 1e-6, "iteration " + i + ": log-likelihood " + before + " -> " + after + " while the parameters moved by " + moved);
        }
    }

    /**
     * How far the parameters moved, over the components that carry weight: one whose weight is negligible
     * (below 10⁻⁹ in either model) lies in a direction in which the likelihood is flat, and may move freely.
     */
    static double distance(GaussianMixture a, GaussianMixture b) {
        double d = 0;
        for (int i = 0; i < a.weights().length; i++) {
            if (Math.min(a.weights()[i], b.weights()[i]) < 1e-9) continue;
            d = Math.max(d, Math.abs(a.weights()[i] - b.weights()[i]));
            d = Math.max(d, Math.abs(a.means()[i] - b.means()[i]) / Math.sqrt(a.variances()[i]));
            d = Math.max(d, Math.abs(Math.log(a.variances()[i] / b.variances()[i])));
        }
        return d;
    }

    @Property(tries = 100)
    void withSharedSamplesL2kIsAtLeastTheMeanOfItsHalvesLk(@ForAll @IntRange(min = 1, max = 12) int k, @ForAll long seed,
                                                          @ForAll @IntRange(min = 0, max = 4) int likelihood) {
        VAE vae = new VAE(new VAE.Config(9, new int[] {5}, 2, "tanh", Parts.LIKELIHOODS.get(likelihood).name(), 0.8, DType.FLOAT64),
                RandomSource.XO_RO_SHI_RO_128_PP.create(seed));
        Tensor x = Tensor.uniform(RandomSource.XO_RO_SHI_RO_128_PP.create(seed + 1), 0, 1, DType.FLOAT64, 3, 9);
        // iwaeBound draws its samples chunk by chunk: with chunks of k, L_2k's two chunks are the samples of two L_k calls in a row.
        double[] whole = vae.iwaeBound(x, 2 * k, k, RandomSource.XO_RO_SHI_RO_128_PP.create(seed + 2));
        var halves = RandomSource.XO_RO_SHI_RO_128_PP.create(seed + 2);
        double[] first = vae.iwaeBound(x, k, k, halves), second = vae.iwaeBound(x, k, k, halves);
        for (int b = 0; b < whole.length; b++) {
            double mean = (first[b] + second[b]) / 2;
            assertTrue(whole[b] >= mean - 1e-12 * Math.abs(mean), "datum " + b + ": L_" + 2 * k + " " + whole[b] + " below the mean of "
                    + Arrays.toString(new double[] {first[b], second[b]}));
        }
    }

    /**
     * L_k does not depend on how its k samples are chunked: for any k from 1 to 40, any chunk from 1 to k + 3,
     * batch from 1 to 5, likelihood and posterior (Gaussian, planar, IAF), the chunked bound (a running
     * log-sum-exp over chunks drawn one after the other) is the bound of all k samples drawn at once.
     */
    @Property(tries = 40)
    void theIwaeBoundDoesNotDependOnHowItsSamplesAreChunked(@ForAll @IntRange(min = 1, max = 40) int k, @ForAll @IntRange(min = 1, max = 43) int chunk,
                                                          @ForAll @IntRange(min = 1, max = 5) int batch, @ForAll long seed,
                                                          @ForAll @IntRange(min = 0, max = 4) int likelihood,
                                                          @ForAll("posteriors") String posterior) {
        VAE vae = new VAE(new VAE.Config(9, new int[] {5}, 2, "tanh", Parts.LIKELIHOODS.get(likelihood).name(), 0.8, DType.FLOAT64, posterior,
                "standard-normal"), RandomSource.XO_RO_SHI_RO_128_PP.create(seed));
        Tensor x = Tensor.uniform(RandomSource.XO_RO_SHI_RO_128_PP.create(seed + 1), 0, 1, DType.FLOAT64, batch, 9);
        int c = Math.min(chunk, k + 3);
        double[] whole = vae.iwaeBound(x, k, k, RandomSource.XO_RO_SHI_RO_128_PP.create(seed + 2));
        double[] chunked = vae.iwaeBound(x, k, c, RandomSource.XO_RO_SHI_RO_128_PP.create(seed + 2));
        for (int b = 0; b < batch; b++) {
            assertEquals(whole[b], chunked[b], 1e-12 * (1 + Math.abs(whole[b])), "datum " + b + ": L_" + k + " in chunks of " + c);
        }
    }

    @Provide
    Arbitrary<String> posteriors() {
        return Arbitraries.of("gaussian", "planar:1", "iaf:1");
    }

    /**
     * The running log-sum-exp of {@code iwaeBound} is stable where exp underflows: with a Gaussian likelihood of
     * σ = 0.01 on data far from the decoder every log-weight lies far below −745 (exp of it is 0 in float64), yet
     * L_k is finite, L_1 is the one-sample ELBO with the sampled KL on the same draws, and L_k in chunks is L_k at once.
     */
    @Test
    void theIwaeBoundStaysExactWhenEveryImportanceWeightUnderflows() {
        VAE vae = new VAE(new VAE.Config(9, new int[] {5}, 2, "tanh", "gaussian-fixed", 0.01, DType.FLOAT64),
                RandomSource.XO_RO_SHI_RO_128_PP.create(3));
        Tensor x = Tensor.uniform(RandomSource.XO_RO_SHI_RO_128_PP.create(4), 5, 6, DType.FLOAT64, 3, 9);
        double[] l1 = vae.iwaeBound(x, 1, 1, RandomSource.XO_RO_SHI_RO_128_PP.create(5));
        double[] elbo = vae.elboPerDatum(x, 1, false, RandomSource.XO_RO_SHI_RO_128_PP.create(5));
        double[] whole = vae.iwaeBound(x, 12, 12, RandomSource.XO_RO_SHI_RO_128_PP.create(6));
        double[] chunked = vae.iwaeBound(x, 12, 5, RandomSource.XO_RO_SHI_RO_128_PP.create(6));
        for (int b = 0; b < 3; b++) {
            assertTrue(elbo[b] < -1e4, "every log-weight underflows exp: " + elbo[b]);
            assertEquals(elbo[b], l1[b], 1e-12 * Math.abs(elbo[b]), "L_1 is the ELBO estimate");
            assertTrue(Double.isFinite(whole[b]), "L_12 is finite: " + whole[b]);
            assertEquals(whole[b], chunked[b], 1e-12 * Math.abs(whole[b]), "chunks of 5");
        }
    }
}

package io.elbo.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tape;
import io.elbo.autodiff.Tensor;
import io.elbo.nn.Parameter;
import io.elbo.nn.SGD;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterProperty;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * The objective the VAE trains on, end to end: for every likelihood, β, number of samples L, IWAE k and
 * warm-up step, the loss is −(reconstruction − β_t·KL) with β_t = β·min(1, t / warm-up steps), the
 * documented schedule, both from {@code elbo} and from the {@code trainStep} that training runs; the
 * ELBO term is reconstruction − KL; IWAE's loss is −L_k; and the gradient follows the documented
 * reduction, a mean over the batch: a batch's gradient is the mean of its data's gradients.
 */
class TrainingObjectiveProperties {
    @AfterProperty
    void emptyTape() {
        Tape.clear();
    }

    static UniformRandomProvider rng(long seed) {
        return RandomSource.XO_RO_SHI_RO_128_PP.create(seed);
    }

    static VAE model(int likelihood, long seed) {
        String lik = Parts.LIKELIHOODS.get(likelihood).name();
        return new VAE(new VAE.Config(10, new int[] {6}, 3, "tanh", lik, 0.7, DType.FLOAT64), rng(seed));
    }

    static Tensor data(int likelihood, int batch, long seed) {
        Tensor u = Tensor.uniform(rng(seed + 1), 0, 1, DType.FLOAT64, batch, 10);
        // grey values for the Bernoulli likelihoods, any value for the Gaussians
        return Parts.LIKELIHOODS.get(likelihood).name().contains("bernoulli") ? u : u.mul(4).sub(2);
    }

    /** β_t of the documented linear warm-up, written out here rather than taken from the code under test. */
    static double betaAt(double beta, int warmup, long step) {
        return warmup == 0 ? beta : beta * Math.min(1.0, (double) step / warmup);
    }

    @Property(tries = 120)
    void theLossIsMinusReconstructionPlusBetaTimesKlWithTheDocumentedSchedule(
            @ForAll @IntRange(min = 0, max = 4) int likelihood, @ForAll @DoubleRange(min = 0, max = 3) double beta,
            @ForAll @IntRange(min = 1, max = 3) int samples, @ForAll @IntRange(min = 0, max = 2) int warmupChoice,
            @ForAll @IntRange(min = 0, max = 300) int step, @ForAll boolean analyticKl, @ForAll long seed) {
        int warmup = new int[] {0, 7, 150}[warmupChoice];
        VAE vae = model(likelihood, seed);
        Tensor x = data(likelihood, 5, seed);
        VAE.ElboOptions options = new VAE.ElboOptions(samples, beta, analyticKl, warmup);
        double bt = betaAt(beta, warmup, step);

        VAE.Terms t = vae.elbo(x, rng(seed + 2), options, options.betaAt(step));
        assertEquals(-(t.reconstruction() - bt * t.kl()), t.loss().item(), 1e-9 * (1 + Math.abs(t.loss().item())), "elbo's loss");
        assertEquals(t.reconstruction() - t.kl(), t.elbo(), 1e-12 * (1 + Math.abs(t.elbo())), "the ELBO term");
        Tape.clear();

        VAE.Terms s = vae.trainStep(x, new SGD(vae.parameters(), 0), rng(seed + 2), options, step); // lr 0: measure only
        assertEquals(t.loss().item(), s.loss().item(), 0, "trainStep trains on the same loss, with β at its step");
    }

    @Property(tries = 40)
    void theIwaeLossIsMinusLk(@ForAll @IntRange(min = 0, max = 4) int likelihood, @ForAll @IntRange(min = 2, max = 6) int k,
                              @ForAll long seed) {
        VAE vae = model(likelihood, seed);
        Tensor x = data(likelihood, 4, seed);
        VAE.Terms s = vae.trainStep(x, new SGD(vae.parameters(), 0), rng(seed + 3), new VAE.ElboOptions(1, 1, true, 0, k), 0);
        double loss = vae.iwaeLoss(x, k, rng(seed + 3)).item();
        Tape.clear();
        assertEquals(loss, s.loss().item(), 0, "trainStep's IWAE loss");
        assertEquals(-loss, s.elbo(), 0, "its L_k");
    }

    /**
     * For every likelihood, β, batch size from 1 to 6 and posterior (Gaussian with the analytic KL, planar
     * and IAF flows with the sampled one), on the same noise: the batch's gradient is the mean of its data's.
     */
    @Property(tries = 60)
    void aBatchsGradientIsTheMeanOfItsDatasGradients(@ForAll @IntRange(min = 0, max = 4) int likelihood,
                                                    @ForAll @DoubleRange(min = 0, max = 2) double beta, @ForAll long seed,
                                                    @ForAll @IntRange(min = 1, max = 6) int batch,
                                                    @ForAll("posteriors") String posterior) {
        String lik = Parts.LIKELIHOODS.get(likelihood).name();
        VAE vae = new VAE(new VAE.Config(10, new int[] {6}, 3, "tanh", lik, 0.7, DType.FLOAT64, posterior, "standard-normal"), rng(seed));
        Tensor x = data(likelihood, batch, seed);
        VAE.ElboOptions options = new VAE.ElboOptions(1, beta, true, 0);
        List<Parameter> params = vae.parameters();
        // One draw of ε per datum, in the order the batch draws them ([L = 1, B, K], row-major).
        UniformRandomProvider batchNoise = rng(seed + 4), singleNoise = rng(seed + 4);
        double[][] batchGrad = gradients(vae, x, batchNoise, options, params);
        double[][] mean = new double[params.size()][];
        for (int i = 0; i < batch; i++) {
            double[][] g = gradients(vae, x.slice(0, i, i + 1), singleNoise, options, params);
            for (int p = 0; p < g.length; p++) {
                if (mean[p] == null) mean[p] = new double[g[p].length];
                for (int j = 0; j < g[p].length; j++) mean[p][j] += g[p][j] / batch;
            }
        }
        for (int p = 0; p < mean.length; p++) {
            for (int j = 0; j < mean[p].length; j++) {
                assertEquals(mean[p][j], batchGrad[p][j], 1e-10 * (1 + Math.abs(mean[p][j])), params.get(p) + " element " + j);
            }
        }
    }

    @Provide
    Arbitrary<String> posteriors() {
        return Arbitraries.of("gaussian", "planar:2", "iaf:1");
    }

    static double[][] gradients(VAE vae, Tensor x, UniformRandomProvider noise, VAE.ElboOptions options, List<Parameter> params) {
        vae.zeroGrad();
        vae.elbo(x, noise, options, options.beta()).loss().backward();
        double[][] g = new double[params.size()][];
        for (int p = 0; p < g.length; p++) {
            Tensor gp = params.get(p).grad();
            g[p] = gp == null ? new double[params.get(p).value().numel()] : gp.toDoubleArray();
        }
        return g;
    }

    /**
     * With L samples of z, the reconstruction term is the mean of the L samples' terms, not their sum: the
     * ELBO that {@code elbo} and {@code trainStep} report (analytic KL, β = 1) equals the mean over the L
     * samples and the batch of the one-sample ELBOs computed, sample by sample, on the very same noise
     * (common random numbers: ε drawn as {@code q.rsample(rng, L)} draws it).
     */
    @Property(tries = 60)
    void theLSamplesReconstructionTermsAreAveragedNotSummed(@ForAll @IntRange(min = 0, max = 3) int likelihood,
                                                            @ForAll @IntRange(min = 2, max = 5) int samples, @ForAll long seed) {
        VAE vae = model(likelihood, seed);
        int batch = 4;
        Tensor x = data(likelihood, batch, seed);
        Tensor eps = Tensor.randn(rng(seed + 2), DType.FLOAT64, samples, batch, 3);
        double sum = 0;
        for (int l = 0; l < samples; l++) {
            for (double v : vae.elboPerDatum(x, eps.slice(0, l, l + 1))) sum += v;
        }
        double expected = sum / (samples * batch);
        VAE.ElboOptions options = new VAE.ElboOptions(samples, 1, true, 0);
        VAE.Terms t = vae.elbo(x, rng(seed + 2), options, 1);
        Tape.clear();
        assertEquals(expected, t.elbo(), 1e-10 * (1 + Math.abs(expected)), "elbo with L = " + samples);
        VAE.Terms s = vae.trainStep(x, new SGD(vae.parameters(), 0), rng(seed + 2), options, 0);
        assertEquals(expected, s.elbo(), 1e-10 * (1 + Math.abs(expected)), "trainStep with L = " + samples);
        assertEquals(-expected, s.loss().item(), 1e-10 * (1 + Math.abs(expected)), "its loss, β = 1");
    }
}

package io.elbo.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.GradCheck;
import io.elbo.autodiff.Tape;
import io.elbo.autodiff.Tensor;
import io.elbo.autodiff.TestData;
import io.elbo.autodiff.InPlace;
import io.elbo.nn.Adam;
import io.elbo.nn.Parameter;
import io.elbo.vae.data.Dataset;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VaeTest {
    @AfterEach
    void emptyTape() {
        Tape.clear();
    }

    static UniformRandomProvider rng(long seed) {
        return RandomSource.XO_RO_SHI_RO_128_PP.create(seed);
    }

    static VAE small(String likelihood, DType dtype) {
        return new VAE(new VAE.Config(6, new int[] {5}, 2, "tanh", likelihood, 0.5, dtype), rng(1));
    }

    static Tensor data(DType dtype) {
        return Tensor.uniform(rng(2), 0, 1, dtype, 4, 6);
    }

    @Test
    void shapesAndParameterNamesFollowTheConfiguration() {
        VAE v = new VAE(VAE.Config.pytorchExample(), rng(1));
        assertEquals(List.of("encoder.0.weight", "encoder.0.bias", "mu.weight", "mu.bias", "logvar.weight", "logvar.bias",
                "decoder.0.weight", "decoder.0.bias", "decoder.2.weight", "decoder.2.bias"), List.copyOf(v.namedParameters().keySet()));
        assertEquals(784L * 400 + 400 + 2 * (400 * 20 + 20) + 20 * 400 + 400 + 400 * 784 + 784, v.parameterCount());
        Tensor x = Tensor.uniform(rng(3), 0, 1, DType.FLOAT32, 3, 784);
        assertArrayEquals(new int[] {3, 20}, v.encode(x).location().shape());
        assertArrayEquals(new int[] {3, 784}, v.reconstruct(x).shape());
        assertArrayEquals(new int[] {5, 784}, v.sample(5, rng(4)).shape());
        assertEquals("VAE.encode: input [3, 5], expected [batch, 784]",
                assertThrows(IllegalArgumentException.class, () -> v.encode(Tensor.zeros(DType.FLOAT32, 3, 5))).getMessage());
    }

    @Test
    void theElboLossGradientIsRightForEveryLikelihood() {
        for (Parts.Entry<Likelihood> part : Parts.LIKELIHOODS) {
            String lk = part.name();
            VAE v = small(lk, DType.FLOAT64);
            Tensor x = data(DType.FLOAT64);
            List<Parameter> ps = v.parameters();
            Tensor[] values = ps.stream().map(Parameter::value).toArray(Tensor[]::new);
            for (boolean analytic : new boolean[] {true, false}) {
                VAE.ElboOptions opts = new VAE.ElboOptions(2, 0.7, analytic, 0);
                GradCheck.of("VAE loss " + lk + (analytic ? " analytic KL" : " sampled KL"), in -> {
                    for (int i = 0; i < in.length; i++) InPlace.set(values[i], in[i].toDoubleArray());
                    Tensor loss = v.elbo(x, rng(9), opts, opts.beta()).loss();
                    return substitute(loss, values, in);
                }).check(values);
            }
        }
    }

    /**
     * GradCheck differentiates with respect to its own copies of the inputs; the model computes with
     * its parameters. This re-expresses the loss through the copies: loss + Σ⟨copy − param, ∂loss/∂param⟩
     * has the same value and, at copy = param, the same gradient.
     */
    static Tensor substitute(Tensor loss, Tensor[] params, Tensor[] copies) {
        List<Tensor> g = Tape.grad(loss, List.of(params), Tape.options().createGraph());
        Tensor out = loss;
        for (int i = 0; i < params.length; i++) out = out.add(copies[i].sub(params[i].detach()).mul(g.get(i).detach()).sum());
        return out;
    }

    @Test
    void iwaeWithOneSampleIsTheOneSampleElboAndChunkingChangesNothing() {
        VAE v = small("bernoulli", DType.FLOAT64);
        Tensor x = data(DType.FLOAT64);
        double[] l1 = v.iwaeBound(x, 1, 1, rng(5));
        double[] elbo = v.elboPerDatum(x, 1, false, rng(5));
        assertArrayEquals(elbo, l1, 1e-12);
        double[] whole = v.iwaeBound(x, 50, 50, rng(6)), chunked = v.iwaeBound(x, 50, 7, rng(6));
        assertArrayEquals(whole, chunked, 1e-12);
    }

    @Test
    void klWarmupRampsBetaLinearly() {
        VAE.ElboOptions o = new VAE.ElboOptions(1, 2, true, 100);
        assertEquals(0, o.betaAt(0));
        assertEquals(1, o.betaAt(50));
        assertEquals(2, o.betaAt(100));
        assertEquals(2, o.betaAt(1000));
        assertEquals("ELBO: β must be non-negative, got -1.0",
                assertThrows(IllegalArgumentException.class, () -> new VAE.ElboOptions(1, -1, true, 0)).getMessage());
    }

    @Test
    void aVaeTrainedOnRealImagesImprovesItsElboAndItsIwaeBoundIsAtLeastItsElboOnHeldOutData() throws Exception {
        Path dir = TestData.path("fashion-mnist");
        Dataset train = Dataset.load(dir.resolve("train-images-idx3-ubyte.gz"), dir.resolve("train-labels-idx1-ubyte.gz"));
        Dataset test = Dataset.load(dir.resolve("t10k-images-idx3-ubyte.gz"), dir.resolve("t10k-labels-idx1-ubyte.gz"));
        assertEquals(2000, train.count());
        assertEquals(500, test.count());
        VAE v = new VAE(new VAE.Config(784, new int[] {128}, 8, "relu", "bernoulli", 1, DType.FLOAT32), rng(10));
        Tensor held = test.batch(0, 500, DType.FLOAT32);
        double before = mean(v.elboPerDatum(held, 1, true, rng(11)));

        Adam opt = Adam.adam(v.parameters(), 1e-3);
        UniformRandomProvider r = rng(12);
        VAE.ElboOptions opts = VAE.ElboOptions.standard();
        for (int step = 0; step < 300; step++) {
            int[] idx = new int[64];
            for (int i = 0; i < idx.length; i++) idx[i] = r.nextInt(train.count());
            VAE.Terms t = v.trainStep(train.rows(idx, DType.FLOAT32), opt, r, opts, step);
            assertTrue(Double.isFinite(t.elbo()), "step " + step);
        }
        double[] elbo = v.elboPerDatum(held, 1, true, rng(13));
        double after = mean(elbo);
        assertTrue(after > before + 100, "held-out ELBO per image: " + before + " before, " + after + " after 300 steps");

        double[] iwae = v.iwaeBound(held, 64, 16, rng(14));
        double[] diff = new double[iwae.length];
        for (int i = 0; i < diff.length; i++) diff[i] = iwae[i] - elbo[i];
        double meanDiff = mean(diff), se = Math.sqrt(variance(diff) / diff.length);
        assertTrue(meanDiff > 3 * se, "IWAE-64 − ELBO on held-out images: " + meanDiff + " ± " + se);
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s / v.length;
    }

    static double variance(double[] v) {
        double m = mean(v), s = 0;
        for (double x : v) s += (x - m) * (x - m);
        return s / (v.length - 1);
    }

    /**
     * A second loss built on an encoder output after the first backward() throws (PyTorch: "trying to
     * backward through the graph a second time") instead of leaving the encoder without its gradient.
     */
    @Test
    void aSecondLossOnAnEncoderOutputAfterBackwardThrowsInsteadOfDroppingTheEncodersGradient() {
        VAE v = new VAE(new VAE.Config(12, new int[] {5}, 2, "tanh", "bernoulli", 1, DType.FLOAT64), rng(3));
        Tensor x = Tensor.uniform(rng(4), 0, 1, DType.FLOAT64, 4, 12);
        GaussianPosterior e = (GaussianPosterior) v.encode(x);
        e.mu().square().sum().backward();
        IllegalStateException ex = assertThrows(IllegalStateException.class, () -> e.logVar().sum().backward());
        assertTrue(ex.getMessage().contains("trying to backward through the graph a second time"), ex.getMessage());
    }

    /** trainStep reports a divergence only when the tape holds a non-finite value: a wrong input shape is the caller's error. */
    @Test
    void aWrongInputShapeIsNotReportedAsADivergence() {
        VAE v = new VAE(new VAE.Config(12, new int[] {5}, 2, "tanh", "bernoulli", 1, DType.FLOAT64), rng(3));
        Tensor wrong = Tensor.uniform(rng(4), 0, 1, DType.FLOAT64, 4, 11);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> v.trainStep(wrong, new io.elbo.nn.SGD(v.parameters(), 0.1), rng(5), VAE.ElboOptions.standard(), 0));
        assertTrue(e.getMessage().startsWith("VAE.encode: input [4, 11]"), e.getMessage());
        Tape.clear();
    }
}

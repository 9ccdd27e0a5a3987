package io.elbo.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.GradCheck;
import io.elbo.autodiff.InPlace;
import io.elbo.autodiff.Tape;
import io.elbo.autodiff.Tensor;
import java.util.List;
import java.util.function.Function;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;

/**
 * {@link Conv2d} and {@link ConvTranspose2d}: PyTorch's state_dict names and shapes, its output sizes, its default
 * initialisation (bounds from PyTorch's fan_in of each layout, moments calibrated), and gradients through the layer
 * (in x by GradCheck to second order, in W and b against central differences entry by entry), in float64.
 */
class ConvLayersTest {
    static Conv2d conv(int in, int out, int k, int s, int p, long seed) {
        return new Conv2d(in, out, k, s, p, RandomSource.XO_RO_SHI_RO_128_PP.create(seed), DType.FLOAT64);
    }

    static ConvTranspose2d convT(int in, int out, int k, int s, int p, int op, long seed) {
        return new ConvTranspose2d(in, out, k, s, p, op, RandomSource.XO_RO_SHI_RO_128_PP.create(seed), DType.FLOAT64);
    }

    @Test
    void theParametersHavePyTorchsNamesAndLayouts() {
        Conv2d c = conv(3, 5, 3, 2, 1, 1);
        assertEquals(List.of("weight", "bias"), List.copyOf(c.namedParameters().keySet()));
        assertArrayEquals(new int[] {5, 3, 3, 3}, c.weight().value().shape(), "Conv2d weight [out, in, k, k]");
        assertArrayEquals(new int[] {5}, c.bias().value().shape());
        ConvTranspose2d t = convT(3, 5, 3, 2, 1, 1, 1);
        assertEquals(List.of("weight", "bias"), List.copyOf(t.namedParameters().keySet()));
        assertArrayEquals(new int[] {3, 5, 3, 3}, t.weight().value().shape(), "ConvTranspose2d weight [in, out, k, k]");
        assertArrayEquals(new int[] {5}, t.bias().value().shape());
    }

    /** The sizes of the CVAE's layers: 28 → 14 → 7 down, 7 → 14 → 28 → 28 up, as PyTorch computes them. */
    @Test
    void outputShapesAreTorchs() {
        try (var off = Tape.noGrad()) {
            Tensor x = Tensor.zeros(DType.FLOAT64, 2, 1, 28, 28);
            Conv2d c1 = conv(1, 4, 3, 2, 1, 1), c2 = conv(4, 6, 3, 2, 1, 2);
            Tensor h = c1.forward(x);
            assertArrayEquals(new int[] {2, 4, 14, 14}, h.shape());
            assertEquals(14, c1.outputSize(28));
            h = c2.forward(h);
            assertArrayEquals(new int[] {2, 6, 7, 7}, h.shape());
            ConvTranspose2d t1 = convT(6, 3, 3, 2, 1, 1, 3), t2 = convT(3, 2, 3, 2, 1, 1, 4), t3 = convT(2, 1, 3, 1, 1, 0, 5);
            h = t1.forward(h);
            assertArrayEquals(new int[] {2, 3, 14, 14}, h.shape());
            assertEquals(14, t1.outputSize(7));
            h = t2.forward(h);
            assertArrayEquals(new int[] {2, 2, 28, 28}, h.shape());
            assertArrayEquals(new int[] {2, 1, 28, 28}, t3.forward(h).shape());
            assertArrayEquals(new int[] {2, 1, 4, 5}, conv(1, 1, 2, 3, 2, 6).forward(Tensor.zeros(DType.FLOAT64, 2, 1, 7, 11)).shape(),
                    "a rectangular image: ⌊(7 + 4 − 2)/3⌋ + 1 = 4 rows, ⌊(11 + 4 − 2)/3⌋ + 1 = 5 columns");
        }
    }

    /**
     * PyTorch's default initialisation: W and b uniform in ±1/√fan_in, fan_in = the weight's second dimension times
     * the window (C_in·k·k for Conv2d, C_out·k·k for ConvTranspose2d's [in, out, k, k]). Every value lies within the
     * bound; the largest reaches 0.99 of it (a miss has probability 0.99ⁿ, below 10⁻⁸⁰ for the n ≥ 18 432 weights
     * here, and it rules out the other fan, √2 smaller); the mean and the mean square lie within 6 standard errors of
     * 0 and b²/3 (a false failure below 10⁻⁸ each).
     */
    @Test
    void initialisationIsPyTorchsDefaultWithItsFanIn() {
        Conv2d c = conv(32, 64, 3, 2, 1, 7);
        assertUniform(c.weight().value(), 1 / Math.sqrt(32 * 9), "Conv2d(32 → 64) weight");
        assertWithin(c.bias().value(), 1 / Math.sqrt(32 * 9), "Conv2d bias");
        ConvTranspose2d t = convT(64, 32, 3, 2, 1, 1, 8); // weight [64, 32, 3, 3]: PyTorch's fan_in is 32·9, not 64·9
        assertUniform(t.weight().value(), 1 / Math.sqrt(32 * 9), "ConvTranspose2d(64 → 32) weight");
        assertWithin(t.bias().value(), 1 / Math.sqrt(32 * 9), "ConvTranspose2d bias");
        ConvTranspose2d wide = convT(32, 64, 3, 2, 1, 1, 9); // the other way round: fan_in 64·9
        assertUniform(wide.weight().value(), 1 / Math.sqrt(64 * 9), "ConvTranspose2d(32 → 64) weight");
    }

    static void assertWithin(Tensor t, double bound, String what) {
        for (double v : t.toDoubleArray()) assertTrue(Math.abs(v) <= bound, what + ": " + v + " outside ±" + bound);
    }

    static void assertUniform(Tensor t, double b, String what) {
        double[] v = t.toDoubleArray();
        int n = v.length;
        assertWithin(t, b, what);
        double max = 0, sum = 0, squares = 0;
        for (double x : v) {
            max = Math.max(max, Math.abs(x));
            sum += x;
            squares += x * x;
        }
        assertTrue(max >= 0.99 * b, what + ": the largest |w| is " + max + ", the bound " + b);
        double mean = sum / n, meanSquare = squares / n;
        assertEquals(0, mean, 6 * b / Math.sqrt(3 * n), what + ": mean"); // Var(w) = b²/3
        assertEquals(b * b / 3, meanSquare, 6 * b * b * Math.sqrt(4.0 / 45 / n), what + ": mean square"); // Var(w²) = 4b⁴/45
    }

    @Test
    void conv2dGradientsThroughTheLayerMatchCentralDifferences() {
        Conv2d c = conv(2, 3, 3, 2, 1, 11);
        assertGradients(c, c::forward, Tensor.uniform(RandomSource.XO_RO_SHI_RO_128_PP.create(12), -1, 1, DType.FLOAT64, 2, 2, 5, 4), "conv2d");
    }

    @Test
    void convTranspose2dGradientsThroughTheLayerMatchCentralDifferences() {
        ConvTranspose2d t = convT(3, 2, 3, 2, 1, 1, 13);
        assertGradients(t, t::forward, Tensor.uniform(RandomSource.XO_RO_SHI_RO_128_PP.create(14), -1, 1, DType.FLOAT64, 2, 3, 3, 4),
                "convTranspose2d");
    }

    /** GradCheck (second order) in x of tanh(layer(x)) summed, then ∂/∂W and ∂/∂b entry by entry against central differences. */
    static void assertGradients(Module layer, Function<Tensor, Tensor> f, Tensor x, String name) {
        GradCheck.of(name + " layer in x", v -> f.apply(v[0]).tanh().sum()).secondOrder(true).check(x);
        layer.zeroGrad();
        f.apply(x).tanh().sum().backward();
        for (var entry : layer.namedParameters().entrySet()) {
            Parameter p = entry.getValue();
            double[] analytic = p.grad().toDoubleArray(), v = p.value().toDoubleArray();
            for (int k = 0; k < v.length; k++) {
                double keep = v[k], h = 1e-6, up, down;
                try (var off = Tape.noGrad()) {
                    v[k] = keep + h;
                    InPlace.set(p.value(), v);
                    up = f.apply(x).tanh().sum().item();
                    v[k] = keep - h;
                    InPlace.set(p.value(), v);
                    down = f.apply(x).tanh().sum().item();
                    v[k] = keep;
                    InPlace.set(p.value(), v);
                }
                assertEquals((up - down) / (2 * h), analytic[k], 1e-7, name + " " + entry.getKey() + " entry " + k);
            }
        }
    }

    @Test
    void impossibleLayersAreRefused() {
        var rng = RandomSource.XO_RO_SHI_RO_128_PP.create(1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Conv2d(1, 2, 3, 0, 1, rng, DType.FLOAT64)).getMessage()
                .contains("stride 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ConvTranspose2d(1, 2, 3, 2, 1, 2, rng, DType.FLOAT64)).getMessage()
                .contains("output padding 2"));
    }

    /** Unflatten and Flatten are PyTorch's: a row's values in row-major order, reshaped back by the gradient. */
    @Test
    void reshapesKeepTheRowMajorOrder() {
        Tensor x = Tensor.of(new double[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 2, 6);
        Tensor y = Reshape.unflatten(2, 1, 3).forward(x);
        assertArrayEquals(new int[] {2, 2, 1, 3}, y.shape());
        assertArrayEquals(x.toDoubleArray(), Reshape.flatten().forward(y).toDoubleArray(), 0);
        assertArrayEquals(new int[] {2, 6}, Reshape.flatten().forward(y).shape());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Reshape.unflatten(4, 2).forward(x)).getMessage().contains("[6]"));
    }
}

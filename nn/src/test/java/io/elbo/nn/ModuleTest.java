package io.elbo.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tensor;
import io.elbo.autodiff.InPlace;
import java.util.List;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;

class ModuleTest {
    static org.apache.commons.rng.UniformRandomProvider rng() {
        return RandomSource.XO_RO_SHI_RO_128_PP.create(11L);
    }

    @Test
    void parametersAreNamedByDottedPathsInAStableOrder() {
        Sequential net = MLP.of(rng(), DType.FLOAT32, 5, 4, 3, 2).outputActivation(Activation::sigmoid).build();
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"),
                List.copyOf(net.namedParameters().keySet()));
        assertEquals(5 * 4 + 4 + 4 * 3 + 3 + 3 * 2 + 2, net.parameterCount());
        assertEquals("Sigmoid", net.layers().get(5).toString());
        assertArrayEquals(new int[] {4, 5}, net.namedParameters().get("0.weight").shape());
    }

    @Test
    void linearIsInitialisedUniformlyWithinOneOverSqrtFanIn() {
        Linear l = new Linear(400, 300, rng(), DType.FLOAT64);
        double bound = 1 / Math.sqrt(400);
        for (Parameter p : l.parameters()) {
            double[] v = p.value().toDoubleArray();
            double min = Double.MAX_VALUE, max = -Double.MAX_VALUE, sumSq = 0;
            for (double x : v) {
                min = Math.min(min, x);
                max = Math.max(max, x);
                sumSq += x * x;
            }
            assertTrue(min >= -bound && max <= bound, "within ±1/√fan_in");
            assertTrue(min < -0.95 * bound && max > 0.95 * bound, "fills the range");
            if (v.length > 1000) assertEquals(bound * bound / 3, sumSq / v.length, 0.05 * bound * bound / 3, "variance of U(±b) is b²/3");
        }
    }

    @Test
    void linearComputesXTimesWTransposedPlusB() {
        Linear l = new Linear(3, 2, rng(), DType.FLOAT64);
        InPlace.set(l.weight().value(), 1, 2, 3, 4, 5, 6);
        InPlace.set(l.bias().value(), 0.5, -1);
        Tensor y = l.forward(Tensor.of(new double[] {1, 0, -1}, 1, 3));
        assertArrayEquals(new double[] {1 - 3 + 0.5, 4 - 6 - 1}, y.toDoubleArray());
        io.elbo.autodiff.Tape.clear();
    }

    /** Sequential runs a Linear followed by a ReLU as the one fused op, with the values of the two layers applied in turn. */
    @Test
    void sequentialFusesALinearLayerWithTheReluAfterIt() {
        Linear l = new Linear(3, 2, rng(), DType.FLOAT64);
        Sequential net = new Sequential(l, Activation.relu(), Activation.tanh());
        Tensor x = Tensor.of(new double[] {1, 0, -1, 0.5, 2, -3}, 2, 3);
        Tensor fused = net.forward(x);
        Tensor layerByLayer = Activation.tanh().forward(Activation.relu().forward(l.forward(x)));
        assertArrayEquals(layerByLayer.toDoubleArray(), fused.toDoubleArray());
        io.elbo.autodiff.Tape.clear();
        try (var off = io.elbo.autodiff.Tape.noGrad()) {
            Tensor hidden = new Sequential(l, Activation.relu()).forward(x);
            assertEquals("linearRelu", hidden.op());
            assertEquals("relu", new Sequential(l, Activation.tanh(), Activation.relu()).forward(x).op()); // not after a Linear
        }
    }

    @Test
    void initialisersHaveTheirDefiningScale() {
        int fanIn = 500, fanOut = 300;
        double[] xu = Init.xavierUniform(rng(), 1, DType.FLOAT64, fanOut, fanIn).toDoubleArray();
        double[] xn = Init.xavierNormal(rng(), 1, DType.FLOAT64, fanOut, fanIn).toDoubleArray();
        double[] ku = Init.kaimingUniform(rng(), 0, DType.FLOAT64, fanOut, fanIn).toDoubleArray();
        double[] kn = Init.kaimingNormal(rng(), 0, DType.FLOAT64, fanOut, fanIn).toDoubleArray();
        assertEquals(2.0 / (fanIn + fanOut), variance(xu), 0.03 * 2.0 / (fanIn + fanOut));
        assertEquals(2.0 / (fanIn + fanOut), variance(xn), 0.03 * 2.0 / (fanIn + fanOut));
        assertEquals(2.0 / fanIn, variance(ku), 0.03 * 2.0 / fanIn);
        assertEquals(2.0 / fanIn, variance(kn), 0.03 * 2.0 / fanIn);
    }

    static double variance(double[] v) {
        double s = 0;
        for (double x : v) s += x * x;
        return s / v.length;
    }

    @Test
    void invalidConfigurationsAreClearErrors() {
        assertEquals("Linear: sizes must be positive, got 0 -> 3",
                assertThrows(IllegalArgumentException.class, () -> new Linear(0, 3, rng(), DType.FLOAT32)).getMessage());
        assertEquals("unknown activation 'gelu' (relu, tanh, sigmoid, softplus)",
                assertThrows(IllegalArgumentException.class, () -> Activation.named("gelu")).getMessage());
        List<Parameter> ps = new Linear(2, 2, rng(), DType.FLOAT32).parameters();
        assertEquals("SGD: Nesterov momentum requires a momentum and zero dampening",
                assertThrows(IllegalArgumentException.class, () -> new SGD(ps, 0.1).nesterov(true)).getMessage());
        assertEquals("Adam: betas must lie in [0, 1), got 1.0, 0.999",
                assertThrows(IllegalArgumentException.class, () -> Adam.adam(ps, 0.1, 1.0, 0.999, 1e-8, 0)).getMessage());
    }

    @Test
    void clipGradNormScalesAllGradientsToTheMaximumNorm() {
        Linear l = new Linear(2, 2, rng(), DType.FLOAT64);
        Tensor x = Tensor.of(new double[] {3, 4}, 1, 2);
        l.forward(x).sum().mul(10).backward();
        double before = GradClip.clipGradNorm(l.parameters(), 1.0);
        double after = 0;
        for (Parameter p : l.parameters()) for (double g : p.grad().toDoubleArray()) after += g * g;
        assertEquals(Math.sqrt(2 * 10 * 10 * 25 + 2 * 100), before, 1e-9);
        assertEquals(1.0, Math.sqrt(after), 1e-5);
    }
}

package io.elbo.autodiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Numerical stability where it matters, in both dtypes. */
class StabilityTest {
    @AfterEach
    void emptyTape() {
        Tape.clear();
    }

    static void assertAllFinite(String what, Tensor t) {
        for (double v : t.toDoubleArray()) assertTrue(Double.isFinite(v), what + " has a non-finite value: " + t);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void softplusIsFiniteWithFiniteGradientsUpToPlusMinus1e4(DType dtype) {
        Tensor x = Tensor.fromArray(dtype, new double[] {-1e4, -100, -1, 0, 1, 100, 1e4}).variable();
        Tensor y = x.softplus();
        assertAllFinite("softplus", y);
        assertEquals(1e4, y.get(6), 0.0);
        assertEquals(0.0, y.get(0), 0.0);
        assertEquals(Math.log(2), y.get(3), 1e-7);
        y.sum().backward();
        assertAllFinite("softplus gradient", x.grad());
        assertArrayEquals(new double[] {0, 0, 1 / (1 + Math.E), 0.5, 1 / (1 + Math.exp(-1)), 1, 1}, x.grad().toDoubleArray(), 1e-7);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void logSumExpIsFiniteUpToPlusMinus1e4(DType dtype) {
        Tensor x = Tensor.fromArray(dtype, new double[] {1e4, 1e4, -1e4, -1e4, 0, 1e4}, 2, 3).variable();
        Tensor y = x.logSumExp(false, 1);
        assertAllFinite("logSumExp", y);
        assertEquals(1e4 + Math.log(2), y.get(0), dtype == DType.FLOAT32 ? 1e-3 : 1e-9);
        assertEquals(1e4, y.get(1), dtype == DType.FLOAT32 ? 1e-3 : 1e-9);
        y.sum().backward();
        assertAllFinite("logSumExp gradient", x.grad());
        assertArrayEquals(new double[] {0.5, 0.5, 0, 0, 0, 1}, x.grad().toDoubleArray(), 1e-6);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void logSumExpGivesFiniteGradientsWhereAnEntryIsMinusInfinity(DType dtype) {
        double inf = Double.NEGATIVE_INFINITY;
        Tensor x = Tensor.fromArray(dtype, new double[] {inf, 0, 0, inf, 2, inf}, 2, 3).variable();
        Tensor y = x.logSumExp(true, 1);
        assertArrayEquals(new int[] {2, 1}, y.shape());
        assertEquals(Math.log(2), y.get(0, 0), 1e-6);
        assertEquals(2, y.get(1, 0), 1e-6);
        y.sum().backward();
        assertAllFinite("logSumExp gradient", x.grad());
        assertArrayEquals(new double[] {0, 0.5, 0.5, 0, 1, 0}, x.grad().toDoubleArray(), 1e-6);
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void bceWithLogitsIsFiniteForExtremeLogitsAndNeverLogsASigmoid(DType dtype) {
        Tensor x = Tensor.fromArray(dtype, new double[] {-1e4, -50, 0, 50, 1e4}).variable();
        Tensor t = Tensor.fromArray(dtype, new double[] {1, 1, 0.5, 0, 0});
        Tensor loss = Fused.binaryCrossEntropyWithLogits(x, t);
        assertAllFinite("bce", loss);
        assertEquals(1e4, loss.get(0), 0.0); // −log σ(−1e4) = 1e4, where a naive log(sigmoid) is −log 0 = ∞
        assertEquals(50, loss.get(1), 1e-4);
        assertEquals(Math.log(2), loss.get(2), 1e-7);
        assertEquals(1e4, loss.get(4), 0.0);
        loss.sum().backward();
        assertArrayEquals(new double[] {-1, -1, 0, 1, 1}, x.grad().toDoubleArray(), 1e-7); // σ(x) − t
    }

    @ParameterizedTest
    @EnumSource(DType.class)
    void sigmoidAndLogSigmoidAreFiniteAtTheExtremes(DType dtype) {
        Tensor x = Tensor.fromArray(dtype, new double[] {-1e4, 0, 1e4}).variable();
        assertArrayEquals(new double[] {0, 0.5, 1}, x.sigmoid().toDoubleArray(), 1e-7);
        Tensor ls = x.logSigmoid();
        assertArrayEquals(new double[] {-1e4, -Math.log(2), 0}, ls.toDoubleArray(), 1e-6);
        ls.sum().backward();
        assertArrayEquals(new double[] {1, 0.5, 0}, x.grad().toDoubleArray(), 1e-7);
    }
}

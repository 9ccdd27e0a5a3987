package io.elbo.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.GradCheck;
import io.elbo.autodiff.InPlace;
import io.elbo.autodiff.Tensor;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.Test;

/**
 * {@link MaskedLinear}: y = x·(W ⊙ M)ᵀ + b, its gradient in x passes GradCheck (float64, second order) and in W
 * and b matches central differences entry by entry,
 * a masked weight never receives a gradient, and the float32 layer agrees with the float64 one at odd sizes.
 */
class MaskedLinearTest {
    static double[] mask(int out, int in) {
        double[] m = new double[out * in];
        for (int o = 0; o < out; o++) for (int i = 0; i < in; i++) m[o * in + i] = (o + 2 * i) % 3 == 0 ? 0 : 1;
        return m;
    }

    @Test
    void itsGradientsPassGradCheckAndAMaskedWeightGetsNone() {
        int in = 5, out = 3;
        double[] m = mask(out, in);
        MaskedLinear layer = new MaskedLinear(in, out, m, RandomSource.XO_RO_SHI_RO_128_PP.create(1), DType.FLOAT64);
        Tensor x = Tensor.uniform(RandomSource.XO_RO_SHI_RO_128_PP.create(2), -1, 1, DType.FLOAT64, 4, in);
        GradCheck.of("maskedLinear in x", v -> layer.forward(v[0]).tanh().sum()).secondOrder(true).check(x);
        layer.zeroGrad();
        layer.forward(x).tanh().sum().backward();
        for (Parameter p : layer.parameters()) { // ∂/∂W and ∂/∂b against central differences, entry by entry
            double[] analytic = p.grad().toDoubleArray(), v = p.value().toDoubleArray();
            for (int k = 0; k < v.length; k++) {
                double keep = v[k], h = 1e-6;
                var off = io.elbo.autodiff.Tape.noGrad();
                v[k] = keep + h;
                InPlace.set(p.value(), v);
                double up = layer.forward(x).tanh().sum().item();
                v[k] = keep - h;
                InPlace.set(p.value(), v);
                double down = layer.forward(x).tanh().sum().item();
                v[k] = keep;
                InPlace.set(p.value(), v);
                off.close();
                assertEquals((up - down) / (2 * h), analytic[k], 1e-7, "entry " + k);
            }
        }
        double[] g = layer.weight().grad().toDoubleArray();
        for (int k = 0; k < g.length; k++) {
            if (m[k] == 0) assertEquals(0, g[k], 0, "masked weight " + k);
        }
        assertTrue(java.util.Arrays.stream(g).anyMatch(v -> v != 0));
    }

    @Test
    void float32AgreesWithFloat64AtOddSizes() {
        for (int[] s : new int[][] {{1, 1}, {3, 7}, {13, 9}, {31, 17}}) {
            int in = s[0], out = s[1];
            MaskedLinear l32 = new MaskedLinear(in, out, mask(out, in), RandomSource.XO_RO_SHI_RO_128_PP.create(3), DType.FLOAT32);
            MaskedLinear l64 = new MaskedLinear(in, out, mask(out, in), RandomSource.XO_RO_SHI_RO_128_PP.create(3), DType.FLOAT64);
            InPlace.set(l64.weight().value(), l32.weight().value().toDoubleArray());
            InPlace.set(l64.bias().value(), l32.bias().value().toDoubleArray());
            Tensor x = Tensor.uniform(RandomSource.XO_RO_SHI_RO_128_PP.create(4), -1, 1, DType.FLOAT32, 5, in);
            double[] a = l32.forward(x).toDoubleArray(), e = l64.forward(x.to(DType.FLOAT64)).toDoubleArray();
            for (int k = 0; k < a.length; k++) assertEquals(e[k], a[k], 1e-5 * (1 + in), "[" + in + ", " + out + "] element " + k);
        }
    }

    @Test
    void aMaskThatIsNotZeroOrOneOrOfTheWrongSizeIsRefused() {
        var rng = RandomSource.XO_RO_SHI_RO_128_PP.create(1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new MaskedLinear(2, 2, new double[] {1, 0, 0.5, 1}, rng, DType.FLOAT64))
                .getMessage().contains("not 0 or 1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new MaskedLinear(2, 2, new double[] {1, 0, 1}, rng, DType.FLOAT64))
                .getMessage().contains("a mask of 3"));
    }
}

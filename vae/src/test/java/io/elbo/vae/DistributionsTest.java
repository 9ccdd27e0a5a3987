package io.elbo.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.GradCheck;
import io.elbo.autodiff.Tape;
import io.elbo.autodiff.Tensor;
import org.apache.commons.rng.simple.RandomSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DistributionsTest {
    @AfterEach
    void emptyTape() {
        Tape.clear();
    }

    static Tensor v(double... x) {
        return Tensor.of(x);
    }

    @Test
    void normalLogProbAndEntropyMatchTheirFormulas() {
        Normal n = Normal.of(v(0.5, -1), v(2, 0.1));
        double[] lp = n.logProb(v(1, -1.2)).toDoubleArray();
        assertEquals(-0.5 * Math.log(2 * Math.PI) - Math.log(2) - 0.25 * 0.25 / 2, lp[0], 1e-15);
        assertEquals(-0.5 * Math.log(2 * Math.PI) - Math.log(0.1) - 2.0 * 2.0 / 2, lp[1], 1e-12);
        assertArrayEquals(new double[] {0.5 * Math.log(2 * Math.PI * Math.E * 4), 0.5 * Math.log(2 * Math.PI * Math.E * 0.01)},
                n.entropy().toDoubleArray(), 1e-14);
        assertArrayEquals(new double[] {4, 0.01}, n.variance().toDoubleArray(), 1e-15);
    }

    @Test
    void fromLogVarAndFromSoftplusArePositiveByConstructionAndGuardOverflow() {
        Normal n = Normal.fromLogVar(v(0, 0, 0), v(-1000, 0, 1000));
        double[] s = n.stddev().toDoubleArray();
        assertEquals(Math.exp(-15), s[0], 1e-20, "log σ² clamped at −30");
        assertEquals(1, s[1], 0);
        assertEquals(Math.exp(10), s[2], 1e-6, "log σ² clamped at 20: no overflow");
        Normal f = Normal.fromSoftplus(v(0, 0), v(-5, 3));
        assertArrayEquals(new double[] {Math.log1p(Math.exp(-5)), Math.log1p(Math.exp(3))}, f.stddev().toDoubleArray(), 1e-15);
    }

    @Test
    void invalidParametersAreClearErrorsNamingTheParameterAndTheConstraint() {
        assertEquals("Normal: scale must be positive and finite, got -1.0",
                assertThrows(IllegalArgumentException.class, () -> Normal.of(v(0, 0), v(1, -1))).getMessage());
        assertEquals("Normal: scale must be positive and finite, got 0.0",
                assertThrows(IllegalArgumentException.class, () -> Normal.of(v(0), v(0))).getMessage());
        assertEquals("Normal: loc must be finite, got NaN",
                assertThrows(IllegalArgumentException.class, () -> Normal.of(v(Double.NaN), v(1))).getMessage());
        assertEquals("Normal.fromLogVar: logVar must be finite, got Infinity",
                assertThrows(IllegalArgumentException.class, () -> Normal.fromLogVar(v(0), v(Double.POSITIVE_INFINITY))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Normal.of(v(0, 0), v(1))).getMessage()
                .startsWith("Normal: loc [2] float64 and scale [1] float64 must have one shape and dtype"));
        assertEquals("MultivariateNormal: variance must be positive and finite, got -2.0",
                assertThrows(IllegalArgumentException.class, () -> MultivariateNormal.diagonal(new double[] {0}, new double[] {-2})).getMessage());
    }

    @Test
    void rsampleIsDifferentiableAndHasTheRightMoments() {
        Tensor mu = v(1.5, -2).variable(), lv = v(0.5, -1).variable();
        GradCheck.of("rsample", in -> {
            Normal q = Normal.fromLogVar(in[0], in[1]);
            return q.rsample(RandomSource.XO_RO_SHI_RO_128_PP.create(3L)).square();
        }).secondOrder(true).check(mu, lv);
        Normal q = Normal.fromLogVar(mu, lv);
        Tensor z = q.rsample(RandomSource.XO_RO_SHI_RO_128_PP.create(4L), 200_000);
        double[] mean = z.mean(false, 0).toDoubleArray(), var = z.sub(z.mean(true, 0)).square().mean(false, 0).toDoubleArray();
        assertEquals(1.5, mean[0], 5 * Math.exp(0.25) / Math.sqrt(200_000));
        assertEquals(-2, mean[1], 5 * Math.exp(-0.5) / Math.sqrt(200_000));
        assertEquals(Math.exp(0.5), var[0], 0.02);
        assertEquals(Math.exp(-1), var[1], 0.01);
        assertTrue(!q.sample(RandomSource.XO_RO_SHI_RO_128_PP.create(1L)).requiresGrad());
    }

    @Test
    void normalLogProbGradientsMatchCentralDifferences() {
        GradCheck.of("Normal.logProb", in -> Normal.fromLogVar(in[0], in[1]).logProb(in[2]).sum())
                .secondOrder(true).check(v(0.3, -1), v(0.2, -0.7), v(1.1, -0.4));
        GradCheck.of("klNormalNormal", in -> Divergences.klNormalNormal(Normal.fromLogVar(in[0], in[1]), Normal.fromLogVar(in[2], in[3])).sum())
                .secondOrder(true).check(v(0.3, -1), v(0.2, -0.7), v(1.1, -0.4), v(-0.3, 0.5));
        GradCheck.of("klStandardNormal", in -> Divergences.klStandardNormal(in[0], in[1]).sum())
                .secondOrder(true).check(v(0.3, -1), v(0.2, -0.7));
    }

    @Test
    void klStandardNormalAgreesWithTheGeneralClosedForm() {
        Tensor mu = v(0.3, -1, 2), lv = v(0.2, -0.7, 1.5);
        assertArrayEquals(Divergences.klNormalNormal(Normal.fromLogVar(mu, lv), Normal.standard(mu)).toDoubleArray(),
                Divergences.klStandardNormal(mu, lv).toDoubleArray(), 1e-14);
    }

    @Test
    void bernoulliLogProbIsMinusBceOnLogitsAndFiniteAtExtremes() {
        Bernoulli b = new Bernoulli(v(-1e4, -2, 0, 3, 1e4));
        double[] lp = b.logProb(v(1, 0, 1, 0.25, 0)).toDoubleArray();
        assertEquals(-1e4, lp[0], 0);
        assertEquals(Math.log(1 - 1 / (1 + Math.exp(2))), lp[1], 1e-15);
        assertEquals(Math.log(0.5), lp[2], 1e-15);
        double p3 = 1 / (1 + Math.exp(-3));
        assertEquals(0.25 * Math.log(p3) + 0.75 * Math.log(1 - p3), lp[3], 1e-14);
        assertEquals(-1e4, lp[4], 0);
        Tensor s = new Bernoulli(Tensor.full(0.0, DType.FLOAT64, 100_000)).sample(RandomSource.XO_RO_SHI_RO_128_PP.create(2L));
        assertEquals(0.5, s.mean().item(), 5 * 0.5 / Math.sqrt(100_000));
    }

    /** The joint log-probability of each row is the sum of its elements' log-probabilities, bit for bit, in both dtypes. */
    @Test
    void bernoulliJointLogProbIsTheRowSumOfLogProb() {
        var rng = RandomSource.XO_RO_SHI_RO_128_PP.create(3L);
        for (DType dt : DType.values()) {
            Tensor logits = Tensor.uniform(rng, -8, 8, dt, 5, 37), x = Tensor.uniform(rng, 0, 1, dt, 5, 37);
            Bernoulli b = new Bernoulli(logits);
            org.junit.jupiter.api.Assertions.assertArrayEquals(b.logProb(x).sum(false, 1).toDoubleArray(),
                    b.jointLogProb(x).toDoubleArray(), 0.0, dt.toString());
        }
    }
}

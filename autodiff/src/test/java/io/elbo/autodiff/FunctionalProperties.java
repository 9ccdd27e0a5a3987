package io.elbo.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.elbo.autodiff.Functional.Mode;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** The functional transforms agree with each other and with central differences, on the code people run. */
class FunctionalProperties {
    static final Tensor W = Tensor.of(new double[] {0.3, -1.2, 0.8, 0.5, 1.1, -0.4, 0.9, 0.2, -0.7, 0.6, -0.3, 1.0}, 3, 4);

    /** Smooth functions ℝ⁴ → ℝ³ built from primitives, a fused op and a reduction. */
    static final List<Fn> FUNCTIONS = List.of(
            in -> W.matmul(in[0].reshape(4, 1)).reshape(3).tanh().mul(in[0].slice(0, 0, 3).sin()),
            in -> in[0].reshape(1, 4).expand(3, 4).mul(W).softplus().sum(1).log(),
            in -> Fused.linear(in[0].reshape(1, 4), W, Tensor.of(0.1, -0.2, 0.3)).reshape(3).sigmoid().div(in[0].slice(0, 1, 4).exp().add(1)),
            in -> in[0].slice(0, 0, 3).mul(in[0].slice(0, 1, 4)).sub(in[0].slice(0, 2, 3).pow(3)).logSumExp(true, 0).expand(3).add(in[0].slice(0, 0, 3)));

    @Provide
    Arbitrary<double[]> points() {
        return Arbitraries.doubles().between(-1.5, 1.5).array(double[].class).ofSize(4);
    }

    /**
     * One Jacobian, three ways: row by row from VJPs, column by column from JVPs (reverse mode transposed),
     * and by central differences; and the Hessian of a scalar function is symmetric and equals the
     * Jacobian of its gradient taken forward.
     */
    @Property(tries = 80)
    void forwardAndReverseJacobiansAgreeWithCentralDifferencesAndHessiansAreSymmetric(
            @ForAll("points") double[] point, @ForAll @IntRange(min = 0, max = 3) int which) {
        Fn f = FUNCTIONS.get(which);
        Tensor x = Tensor.of(point);
        double[] reverse = Functional.jacobian(f, Mode.REVERSE, x).get(0).toDoubleArray();
        double[] forward = Functional.jacobian(f, Mode.FORWARD, x).get(0).toDoubleArray();
        double eps = 1e-6;
        for (int k = 0; k < 4; k++) {
            double[] up = point.clone(), down = point.clone();
            up[k] += eps;
            down[k] -= eps;
            double[] fu = f.apply(Tensor.of(up)).toDoubleArray(), fd = f.apply(Tensor.of(down)).toDoubleArray();
            for (int i = 0; i < 3; i++) {
                double numeric = (fu[i] - fd[i]) / (2 * eps);
                assertEquals(reverse[i * 4 + k], forward[i * 4 + k], 1e-12 * Math.max(1, Math.abs(reverse[i * 4 + k])), "J[" + i + "][" + k + "] both ways");
                assertEquals(numeric, reverse[i * 4 + k], 1e-6 * Math.max(1, Math.abs(numeric)), "J[" + i + "][" + k + "] vs central differences");
            }
        }
        Fn scalar = in -> f.apply(in).sum();
        double[] h = Functional.hessian(scalar, x).toDoubleArray();
        double[] jacobianOfGradient = Functional.jacobian(in -> Functional.grad(scalar, in[0]).get(0), Mode.FORWARD, x).get(0).toDoubleArray();
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                assertEquals(h[i * 4 + j], h[j * 4 + i], 1e-12 * Math.max(1, Math.abs(h[i * 4 + j])), "H symmetric at " + i + "," + j);
                assertEquals(h[i * 4 + j], jacobianOfGradient[i * 4 + j], 1e-12 * Math.max(1, Math.abs(h[i * 4 + j])), "H = J(∇f), forward over reverse");
            }
        }
        assertEquals(0, Tape.size(), "the transforms leave nothing on the tape");
    }
}

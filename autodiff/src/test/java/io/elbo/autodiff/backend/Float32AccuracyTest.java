package io.elbo.autodiff.backend;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The float32 transcendental kernels are within their documented accuracy ({@link VectorMath}), in ulps of
 * the correctly rounded result, over a dense sweep of their range (10⁶ evenly spaced points, geometric for
 * log) plus its end points: a statement on every point, not on a sample, so the test cannot be flaky.
 */
class Float32AccuracyTest {
    interface Kernel { void run(Kernels<float[]> k, float[] x, float[] y, int n); }

    @ParameterizedTest(name = "{0} within {3} ulp on [{1}, {2}]")
    @CsvSource({"exp, -87, 88, 1", "log, 1e-30, 1e30, 1", "tanh, -30, 30, 1.5", "log1p, -0.999, 1e6, 2.5", "sigmoid, -30, 30, 2.5",
                "softplus, -30, 30, 3"})
    void withinItsDocumentedUlps(String name, double lo, double hi, double ulps) {
        Kernel kernel = switch (name) {
            case "exp" -> Kernels::exp;
            case "log" -> Kernels::log;
            case "tanh" -> Kernels::tanh;
            case "log1p" -> Kernels::log1p;
            case "sigmoid" -> Kernels::sigmoid;
            default -> Kernels::softplus;
        };
        DoubleUnaryOperator exact = switch (name) {
            case "exp" -> Math::exp;
            case "log" -> Math::log;
            case "tanh" -> Math::tanh;
            case "log1p" -> Math::log1p;
            case "sigmoid" -> v -> 1 / (1 + Math.exp(-v));
            default -> v -> Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
        };
        int n = 1_000_001;
        boolean geometric = name.equals("log");
        float[] x = new float[n], y = new float[n];
        for (int i = 0; i < n; i++) {
            double t = (double) i / (n - 1);
            x[i] = (float) (geometric ? Math.exp(Math.log(lo) + t * (Math.log(hi) - Math.log(lo))) : lo + t * (hi - lo));
        }
        kernel.run(Backend.float32(), x, y, n);
        double worst = 0;
        float at = Float.NaN;
        for (int i = 0; i < n; i++) {
            double ref = exact.applyAsDouble(x[i]);
            float rounded = (float) ref;
            if (rounded == 0 && y[i] == 0) continue;
            double err = Math.abs(y[i] - ref) / Math.ulp(rounded);
            if (!(err <= worst)) {
                worst = err;
                at = x[i];
            }
        }
        assertTrue(worst <= ulps, name + ": " + worst + " ulp at " + at + ", documented " + ulps);
    }
}

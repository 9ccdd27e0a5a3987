package io.elbo.bench;

import io.elbo.autodiff.backend.Backend;
import io.elbo.autodiff.backend.Kernels;
import io.elbo.autodiff.backend.Threads;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleUnaryOperator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The float32 transcendental kernels on a W1-sized tensor (128 × 784 elements), and the same loop
 * with {@code Math} in float64 as the baseline. Setup checks each kernel against {@code Math} first.
 * Divide the score by 100 352 for nanoseconds per element.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
public class ElementwiseBench {
    static final int N = 128 * 784;

    @Param({"exp", "log", "log1p", "tanh", "sigmoid", "softplus"})
    public String op;

    @Param({"1", "2"})
    public int threads;

    float[] x = new float[N], out = new float[N];

    @Setup(Level.Trial)
    public void setup() {
        SplittableRandom r = new SplittableRandom(7);
        boolean positive = op.equals("log");
        for (int i = 0; i < N; i++) x[i] = (float) (positive ? Math.exp(40 * r.nextDouble() - 20) : 20 * r.nextDouble() - 10);
        Threads.set(threads);
        kernel();
        DoubleUnaryOperator ref = reference(op);
        for (int i = 0; i < N; i++) {
            double want = ref.applyAsDouble(x[i]);
            if (Math.abs(out[i] - want) > 4 * Math.ulp((float) want) + 1e-37) {
                throw new IllegalStateException(op + "(" + x[i] + ") = " + out[i] + ", Math gives " + want);
            }
        }
    }

    static DoubleUnaryOperator reference(String op) {
        return switch (op) {
            case "exp" -> Math::exp;
            case "log" -> Math::log;
            case "log1p" -> Math::log1p;
            case "tanh" -> Math::tanh;
            case "sigmoid" -> v -> 1 / (1 + Math.exp(-v));
            default -> v -> Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
        };
    }

    @Benchmark
    public float[] kernel() {
        Kernels<float[]> k = Backend.float32();
        switch (op) {
            case "exp" -> k.exp(x, out, N);
            case "log" -> k.log(x, out, N);
            case "log1p" -> k.log1p(x, out, N);
            case "tanh" -> k.tanh(x, out, N);
            case "sigmoid" -> k.sigmoid(x, out, N);
            default -> k.softplus(x, out, N);
        }
        return out;
    }

    @Benchmark
    public float[] mathBaseline() {
        DoubleUnaryOperator f = reference(op);
        for (int i = 0; i < N; i++) out[i] = (float) f.applyAsDouble(x[i]);
        return out;
    }
}

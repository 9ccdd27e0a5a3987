package io.elbo.bench;

import io.elbo.autodiff.backend.Backend;
import io.elbo.autodiff.backend.Threads;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * W2: the float32 matrix products of W1 in the layouts backprop uses ("m x n x k:LAYOUT", C = op(A)·op(B),
 * N = as stored, T = transposed). GFLOP/s = 2·m·n·k / (µs per op · 1000); {@code bench/gemm_table.py}
 * turns JMH's JSON into the README table with OpenBLAS beside it. Setup checks the product against the
 * float64 reference first, so a wrong kernel cannot be timed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
public class GemmBench {
    @Param({"128x400x784:NT", "128x784x400:NT", "128x400x784:NN", "784x400x128:TN", "400x784x128:TN",
            "128x20x400:NT", "128x400x20:NT", "128x400x20:NN", "20x400x128:TN", "400x20x128:TN",
            "512x400x784:NT", "512x784x400:NN", "784x400x512:TN"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    int m, n, k;
    boolean transA, transB;
    float[] a, b, c;

    @Setup(Level.Trial)
    public void setup() {
        GemmShape g = GemmShape.parse(shape);
        m = g.m();
        n = g.n();
        k = g.k();
        transA = g.transA();
        transB = g.transB();
        SplittableRandom r = new SplittableRandom(g.seed());
        a = new float[m * k];
        b = new float[k * n];
        c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = (float) (2 * r.nextDouble() - 1);
        for (int i = 0; i < b.length; i++) b[i] = (float) (2 * r.nextDouble() - 1);
        Threads.set(threads);
        product();
        double[] ref = new double[m * n];
        Backend.float64().matmul(widen(a), 0, transA, widen(b), 0, transB, ref, 0, m, n, k);
        double u = Math.ulp(1f) / 2;
        for (int i = 0; i < ref.length; i++) {
            if (Math.abs(ref[i] - c[i]) > (k + 2) * u * k) { // |a|,|b| ≤ 1: Σ|a||b| ≤ k
                throw new IllegalStateException(shape + ": C[" + i + "] = " + c[i] + ", float64 reference " + ref[i]);
            }
        }
    }

    static double[] widen(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) d[i] = x[i];
        return d;
    }

    @Benchmark
    public float[] product() {
        Backend.float32().matmul(a, 0, transA, b, 0, transB, c, 0, m, n, k);
        return c;
    }
}

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
 * The float64 matrix products of a W1 step (batch 128), as {@link GemmBench} does for float32: the reference
 * path's product, which keeps the textbook triple loop's bits. Setup checks a sample of elements against that
 * loop, bit for bit, before timing.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
public class Gemm64Bench {
    @Param({"128x400x784:NT", "128x784x400:NT", "128x400x784:NN", "784x400x128:TN", "400x784x128:TN",
            "128x20x400:NT", "128x400x20:NT", "128x400x20:NN", "20x400x128:TN", "400x20x128:TN"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    int m, n, k;
    boolean transA, transB;
    double[] a, b, c;

    @Setup(Level.Trial)
    public void setup() {
        GemmShape g = GemmShape.parse(shape);
        m = g.m();
        n = g.n();
        k = g.k();
        transA = g.transA();
        transB = g.transB();
        SplittableRandom r = new SplittableRandom(g.seed());
        a = new double[m * k];
        b = new double[k * n];
        c = new double[m * n];
        for (int i = 0; i < a.length; i++) a[i] = 2 * r.nextDouble() - 1;
        for (int i = 0; i < b.length; i++) b[i] = 2 * r.nextDouble() - 1;
        Threads.set(threads);
        product();
        for (int s = 0; s < 200; s++) {
            int i = r.nextInt(m), j = r.nextInt(n);
            double acc = 0;
            for (int p = 0; p < k; p++) acc += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
            if (Double.doubleToLongBits(acc) != Double.doubleToLongBits(c[i * n + j])) {
                throw new IllegalStateException(shape + ": C[" + i + "," + j + "] = " + c[i * n + j] + ", textbook loop " + acc);
            }
        }
    }

    @Benchmark
    public double[] product() {
        Backend.float64().matmul(a, 0, transA, b, 0, transB, c, 0, m, n, k);
        return c;
    }
}

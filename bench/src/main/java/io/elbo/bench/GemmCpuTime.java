package io.elbo.bench;

import io.elbo.autodiff.backend.Backend;
import io.elbo.autodiff.backend.Threads;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.LongSupplier;

/**
 * W2 at one thread timed by the thread's CPU time instead of the wall clock, for a machine shared with
 * other work (where JMH's wall-clock figures move by 5× from run to run), or at several by the wall clock
 * (below): GemmBench's 13 shapes, each the best of 5 timings in each of 3 rounds, a timing being as many
 * products as make 2 GFLOP (at least 10), which is {@code bench/openblas_sgemm.c cpu}'s protocol for
 * OpenBLAS; run the two alternately. (Timings of 20 MFLOP, 19 calls of a thin product after 380 in a JVM
 * that had run other shapes, caught some of the thin path's code before C2 had compiled it: 400×20×128 Aᵀ·B
 * 50 GFLOP/s against 70 with these.)
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar io.elbo.bench.GemmCpuTime LABEL [THREADS]</pre>
 * Prints: LABEL shape GFLOP/s. With THREADS above 1 the products are shared among that many threads and
 * timed by the wall clock, as {@code openblas_sgemm THREADS} times OpenBLAS.
 */
public final class GemmCpuTime {
    private GemmCpuTime() {}

    public static void main(String[] args) {
        String[] shapes = ("128x400x784:NT,128x784x400:NT,128x400x784:NN,784x400x128:TN,400x784x128:TN,128x20x400:NT,128x400x20:NT,"
                + "128x400x20:NN,20x400x128:TN,400x20x128:TN,512x400x784:NT,512x784x400:NN,784x400x512:TN").split(",");
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        Threads.set(threads);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        LongSupplier clock = threads > 1 ? System::nanoTime : mx::getCurrentThreadCpuTime;
        Map<String, Double> best = new LinkedHashMap<>();
        Random r = new Random(1);
        for (int round = 0; round < 3; round++) {
            for (String sh : shapes) {
                GemmShape g = GemmShape.parse(sh);
                int m = g.m(), n = g.n(), k = g.k();
                float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
                for (int i = 0; i < a.length; i++) a[i] = r.nextFloat();
                for (int i = 0; i < b.length; i++) b[i] = r.nextFloat();
                int reps = (int) Math.max(10, 2e9 / (2.0 * m * n * k));
                if (round == 0) for (int i = 0; i < 2 * reps; i++) Backend.float32().matmul(a, 0, g.transA(), b, 0, g.transB(), c, 0, m, n, k);
                for (int q = 0; q < 5; q++) {
                    long t0 = clock.getAsLong();
                    for (int i = 0; i < reps; i++) Backend.float32().matmul(a, 0, g.transA(), b, 0, g.transB(), c, 0, m, n, k);
                    double ns = (clock.getAsLong() - t0) / (double) reps;
                    best.merge(sh, 2.0 * m * n * k / ns, Math::max);
                }
            }
        }
        best.forEach((key, v) -> System.out.printf(Locale.ROOT, "%s %s %.1f%n", args.length > 0 ? args[0] : "ours", key, v));
    }
}

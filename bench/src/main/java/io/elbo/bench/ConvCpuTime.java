package io.elbo.bench;

import io.elbo.autodiff.backend.Backend;
import io.elbo.autodiff.backend.ConvGeometry;
import io.elbo.autodiff.backend.Kernels;
import io.elbo.autodiff.backend.Threads;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@link ConvBench}'s layers and passes at one thread, timed by the thread's CPU time instead of the wall clock,
 * for a machine shared with other work (as {@link GemmCpuTime}): each the best of 3 timings of about 100 MFLOP in
 * each of 3 rounds, with the one-thread GEMM of the same m × n × k (the product the im2col form multiplies per
 * image, for the forward pass) beside it.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar io.elbo.bench.ConvCpuTime [layer ...]</pre>
 * Prints: layer pass GFLOP/s.
 */
public final class ConvCpuTime {
    private ConvCpuTime() {}

    public static void main(String[] args) {
        String[] layers = args.length > 0 ? args : new String[] {"enc1", "enc2", "dec1", "dec2", "dec3"};
        String[] passes = {"forward", "inputGradient", "weightGradient"};
        Threads.set(1);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Kernels<float[]> k32 = Backend.float32();
        double[][] best = new double[layers.length][passes.length];
        for (int round = 0; round < 3; round++) {
            for (int l = 0; l < layers.length; l++) {
                ConvGeometry g = ConvBench.geometry(layers[l]);
                SplittableRandom r = new SplittableRandom(l);
                float[] big = ConvBench.random(r, g.batch() * g.channels() * g.inPixels());
                float[] small = ConvBench.random(r, g.batch() * g.outChannels() * g.outPixels());
                float[] w = ConvBench.random(r, g.outChannels() * g.patch());
                float[] outSmall = new float[small.length], outBig = new float[big.length], outW = new float[w.length];
                double flop = 2.0 * g.multiplyAdds();
                int reps = (int) Math.max(2, 1e8 / flop);
                for (int p = 0; p < passes.length; p++) {
                    int kernel = ConvBench.kernel(layers[l], passes[p]);
                    Runnable run = () -> {
                        switch (kernel) {
                            case 0 -> k32.conv2d(big, w, null, outSmall, g);
                            case 1 -> k32.convTranspose2d(small, w, null, outBig, g);
                            default -> k32.conv2dWeight(big, small, outW, g);
                        }
                    };
                    for (int i = 0; i < (round == 0 ? 5 : 1) * reps; i++) run.run();
                    for (int q = 0; q < 3; q++) {
                        long t0 = mx.getCurrentThreadCpuTime();
                        for (int i = 0; i < reps; i++) run.run();
                        double s = (mx.getCurrentThreadCpuTime() - t0) / 1e9;
                        best[l][p] = Math.max(best[l][p], flop * reps / s / 1e9);
                    }
                }
            }
        }
        for (int l = 0; l < layers.length; l++) {
            for (int p = 0; p < passes.length; p++) System.out.printf(Locale.ROOT, "%s %s %.1f%n", layers[l], passes[p], best[l][p]);
        }
    }
}

package io.elbo.bench;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * A one-thread W1 training step ({@link W1StepBench}'s, batch 128, float32) timed by the thread's CPU
 * time, for a machine shared with other work: 700 steps first, then the least of 8 means of 40 steps.
 * Given posteriors ({@code gaussian planar:8 iaf:2}), it times each one's step the same way, the rounds
 * alternating between them, and prints each step's cost as a multiple of the first's (the same run).
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar io.elbo.bench.W1StepCpuTime LABEL [POSTERIOR...]</pre>
 */
public final class W1StepCpuTime {
    private W1StepCpuTime() {}

    public static void main(String[] args) {
        String label = args.length > 0 ? args[0] : "ours";
        String[] posteriors = args.length > 1 ? java.util.Arrays.copyOfRange(args, 1, args.length) : new String[] {"gaussian"};
        W1StepBench[] b = new W1StepBench[posteriors.length];
        var mx = ManagementFactory.getThreadMXBean();
        for (int p = 0; p < b.length; p++) {
            b[p] = new W1StepBench();
            b[p].threads = 1;
            b[p].batch = 128;
            b[p].dtype = "float32";
            b[p].posterior = posteriors[p];
            b[p].setup();
            for (int i = 0; i < 700; i++) b[p].step();
        }
        double[] best = new double[b.length];
        java.util.Arrays.fill(best, Double.MAX_VALUE);
        for (int r = 0; r < 8; r++) {
            for (int p = 0; p < b.length; p++) {
                long t0 = mx.getCurrentThreadCpuTime();
                for (int i = 0; i < 40; i++) b[p].step();
                best[p] = Math.min(best[p], (mx.getCurrentThreadCpuTime() - t0) / 40e6);
            }
        }
        for (int p = 0; p < b.length; p++) {
            String ratio = p == 0 ? "" : String.format(Locale.ROOT, "  %.3f x %s", best[p] / best[0], posteriors[0]);
            System.out.printf(Locale.ROOT, "%s %s %.3f ms/step%s%n", label, posteriors[p], best[p], ratio);
        }
    }
}

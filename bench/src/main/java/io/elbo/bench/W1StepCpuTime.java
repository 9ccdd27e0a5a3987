package io.elbo.bench;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * A one-thread W1 training step ({@link W1StepBench}'s, batch 128, float32) timed by the thread's CPU
 * time, for a machine shared with other work: 700 steps first, then the least of 8 means of 40 steps.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar io.elbo.bench.W1StepCpuTime LABEL</pre>
 */
public final class W1StepCpuTime {
    private W1StepCpuTime() {}

    public static void main(String[] args) {
        W1StepBench b = new W1StepBench();
        b.threads = 1;
        b.batch = 128;
        b.dtype = "float32";
        b.setup();
        var mx = ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 700; i++) b.step();
        double best = Double.MAX_VALUE;
        for (int r = 0; r < 8; r++) {
            long t0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < 40; i++) b.step();
            best = Math.min(best, (mx.getCurrentThreadCpuTime() - t0) / 40e6);
        }
        System.out.printf(Locale.ROOT, "%s %.3f ms/step%n", args.length > 0 ? args[0] : "ours", best);
    }
}

package io.elbo.bench;

import com.sun.management.OperatingSystemMXBean;
import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tensor;
import io.elbo.autodiff.backend.Threads;
import io.elbo.nn.Adam;
import io.elbo.vae.VAE;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;

/**
 * A training step of the convolutional VAE ({@code vae train --arch conv}: batch 128, float32, latent 20, Bernoulli,
 * Adam) timed by CPU time, for a machine shared with other work: {@code warm-up} steps, then {@code rounds} means of
 * {@code steps} steps each; prints the least and the median, in CPU milliseconds per step, and the wall
 * milliseconds of the same rounds. One thread: the thread's CPU time; more: the process's (the kernels' workers).
 * {@code bench/pytorch_conv.py --cpu-steps N} times PyTorch's step the same way.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar io.elbo.bench.ConvStepCpuTime [THREADS] [STEPS] [ROUNDS]</pre>
 */
public final class ConvStepCpuTime {
    private ConvStepCpuTime() {}

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 1, steps = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5, warmUp = 40;
        Threads.set(threads);
        UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(1L);
        VAE vae = new VAE(new VAE.Config(784, new int[0], 20, "relu", "bernoulli", 1, DType.FLOAT32, "gaussian", "standard-normal", "conv"), rng);
        Adam adam = Adam.adam(vae.parameters(), 1e-3);
        Tensor x = Tensor.uniform(rng, 0, 1, DType.FLOAT32, 128, 784);
        long step = 0;
        double first = vae.trainStep(x, adam, rng, VAE.ElboOptions.standard(), step++).elbo();
        for (int i = 0; i < warmUp; i++) vae.trainStep(x, adam, rng, VAE.ElboOptions.standard(), step++);
        double later = vae.trainStep(x, adam, rng, VAE.ElboOptions.standard(), step++).elbo();
        if (!(later > first)) throw new IllegalStateException("the conv step does not learn: ELBO " + first + " -> " + later);
        var thread = ManagementFactory.getThreadMXBean();
        var os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        double[] cpu = new double[rounds], wall = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long c0 = threads == 1 ? thread.getCurrentThreadCpuTime() : os.getProcessCpuTime(), w0 = System.nanoTime();
            for (int i = 0; i < steps; i++) vae.trainStep(x, adam, rng, VAE.ElboOptions.standard(), step++);
            long c1 = threads == 1 ? thread.getCurrentThreadCpuTime() : os.getProcessCpuTime();
            cpu[r] = (c1 - c0) / 1e6 / steps;
            wall[r] = (System.nanoTime() - w0) / 1e6 / steps;
        }
        Arrays.sort(cpu);
        Arrays.sort(wall);
        System.out.printf(Locale.ROOT, "ours conv step, %d thread%s: CPU %.1f ms least, %.1f median; wall %.1f least, %.1f median (%d rounds of %d)%n",
                threads, threads == 1 ? "" : "s", cpu[0], cpu[rounds / 2], wall[0], wall[rounds / 2], rounds, steps);
    }
}

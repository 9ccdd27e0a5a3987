package io.elbo.bench;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tensor;
import io.elbo.autodiff.backend.Threads;
import io.elbo.nn.Adam;
import io.elbo.vae.VAE;
import java.util.concurrent.TimeUnit;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
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
 * One W1 training step (the PyTorch example's VAE, a batch of 128 grey images, Adam): forward, backward,
 * update; with {@code posterior} a flow ({@code planar:8}, {@code iaf:2}: the same model with a flow
 * posterior and its sampled KL), the step a flow's cost is judged against in the same run. Run with
 * {@code -prof gc} for the bytes allocated per step. Setup checks that the loss is finite and falls over a
 * few steps.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
public class W1StepBench {
    @Param({"1", "2"})
    public int threads;

    @Param({"128"})
    public int batch;

    @Param({"float32", "float64"})
    public String dtype;

    @Param({"gaussian"})
    public String posterior = "gaussian";

    VAE vae;
    Adam adam;
    Tensor x;
    UniformRandomProvider rng;
    long step;

    @Setup(Level.Trial)
    public void setup() {
        Threads.set(threads);
        rng = RandomSource.XO_RO_SHI_RO_128_PP.create(1L);
        DType type = "float64".equals(dtype) ? DType.FLOAT64 : DType.FLOAT32;
        VAE.Config c = VAE.Config.pytorchExample();
        c = new VAE.Config(c.inputDim(), c.hidden(), c.latent(), c.activation(), c.likelihood(), c.fixedSigma(), type, posterior, c.prior());
        vae = new VAE(c, rng);
        adam = Adam.adam(vae.parameters(), 1e-3);
        x = Tensor.uniform(rng, 0, 1, type, batch, 784);
        double first = step().elbo();
        for (int i = 0; i < 20; i++) step();
        double later = step().elbo();
        if (!(later > first)) throw new IllegalStateException("W1 step does not learn: ELBO " + first + " -> " + later);
    }

    @Benchmark
    public VAE.Terms step() {
        return vae.trainStep(x, adam, rng, VAE.ElboOptions.standard(), step++);
    }
}

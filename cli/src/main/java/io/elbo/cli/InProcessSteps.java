package io.elbo.cli;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tensor;
import io.elbo.nn.Optimizer;
import io.elbo.vae.VAE;
import io.elbo.vae.data.Dataset;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import org.apache.commons.rng.RestorableUniformRandomProvider;
import org.apache.commons.rng.sampling.PermutationSampler;

/**
 * {@code vae train}'s steps in this process: minibatches of the shuffled training set, each one
 * {@link VAE#trainStep}. Determinism: each epoch's shuffle comes from a generator seeded by (seed, epoch);
 * the reparameterisation noise and dynamic binarisation draw from one training generator whose state the
 * checkpoint keeps, so a run resumed from any checkpoint continues with the bits of one never stopped.
 */
final class InProcessSteps implements TrainingRun.Steps {
    private final RunConfig config;
    private final VAE vae;
    private final Optimizer optimizer;
    private final Dataset train;
    private final TrainingRun.TestSet testSet;
    private final Data.Pixels pixels;
    private final Path dir;
    private final RestorableUniformRandomProvider rng;
    private final VAE.ElboOptions options;
    private final int batches;
    private final DType dtype;
    private final java.io.PrintWriter out;
    private int[] order;

    InProcessSteps(RunConfig config, Data data, VAE vae, Optimizer optimizer, Path dir, java.io.PrintWriter out) {
        this.out = out;
        this.config = config;
        this.vae = vae;
        this.optimizer = optimizer;
        this.dir = dir;
        this.pixels = config.pixels();
        Dataset tr = config.limit() > 0 ? data.train().head(config.limit()) : data.train();
        this.train = pixels.train(tr);
        this.testSet = new TrainingRun.TestSet(pixels.test(data.test()), data.classNames());
        this.rng = io.elbo.vae.Streams.of(config.seed(), 1);
        this.batches = (train.count() + config.batchSize() - 1) / config.batchSize();
        this.options = TrainingRun.options(config, batches);
        this.dtype = config.dtype();
    }

    @Override
    public String trainer() {
        return IN_PROCESS;
    }

    @Override
    public LinkedHashMap<String, String> metadata() {
        return new LinkedHashMap<>();
    }

    @Override
    public int stepsPerEpoch() {
        return batches;
    }

    @Override
    public long rowsBefore(int steps) {
        return Math.min((long) steps * config.batchSize(), train.count());
    }

    @Override
    public String stepName() {
        return "batch";
    }

    @Override
    public RestorableUniformRandomProvider rng() {
        return rng;
    }

    @Override
    public TrainingRun.TestSet testSet() {
        return testSet;
    }

    @Override
    public List<String> describe() {
        return List.of(Text.wrap("train: ", String.format(Locale.ROOT, "%s in %s of %d per epoch, %s", Text.count(train.count(), "image"),
                Text.count(batches, "batch").replace("batchs", "batches"), config.batchSize(), Text.count(config.epochs(), "epoch"))), Text.wrap("output: ", dir.toString()),
                Text.wrap("cpu: ", io.elbo.autodiff.backend.Backend.machine()));
    }

    @Override
    public String warmUp(int epoch, long stepsToCome) {
        Warmup.Report warm = Warmup.training(config, options, train, stepsToCome);
        String line = Text.wrap("warm-up: ", warm.line("steps", "the kernels compiled before epoch " + epoch));
        String gemm = io.elbo.autodiff.backend.Backend.adoptMeasuredKernels(); // the safe point: before the first step
        return gemm == null ? line : (line.endsWith("\n") ? line : line + "\n") + Text.wrap("gemm: ", gemm);
    }

    @Override
    public void startEpoch(int epoch) {
        order = PermutationSampler.natural(train.count());
        PermutationSampler.shuffle(io.elbo.vae.Streams.of(config.seed(), 2, epoch), order);
        TestHook.epochOrder(epoch, order, out);
    }

    @Override
    public TrainingRun.StepSums step(int stepInEpoch, long globalStep) {
        int from = stepInEpoch * config.batchSize(), to = Math.min(train.count(), from + config.batchSize()), n = to - from;
        VAE.Terms t = vae.trainStep(batch(from, to), optimizer, rng, options, globalStep);
        return new TrainingRun.StepSums(n, -t.elbo() * n, -t.reconstruction() * n, t.kl() * n);
    }

    private Tensor batch(int from, int to) {
        int[] idx = java.util.Arrays.copyOfRange(order, from, to);
        if (pixels != Data.Pixels.DYNAMIC) return train.rows(idx, dtype);
        Tensor x = train.rows(idx, DType.FLOAT32);
        x = Data.Pixels.binarise(x, rng);
        return dtype == DType.FLOAT32 ? x : x.to(dtype);
    }

    @Override
    public List<String> resumeCommand(Path dir) {
        return List.of("vae", "train", "--resume", dir.toString());
    }
}

package io.elbo.cli;

import io.elbo.autodiff.Tape;
import io.elbo.nn.Optimizer;
import io.elbo.vae.Streams;
import io.elbo.vae.VAE;
import io.elbo.vae.data.Dataset;

/**
 * The JIT's warm-up, paid on small batches instead of on the first epoch: a throwaway model of the run's
 * architecture takes a few training steps on one batch of the run's size (or evaluates one chunk of
 * images a few times), so that the kernels, threaded paths included, are compiled before the timed work
 * starts, at a fraction of what compiling them during epoch 1 costs. It uses its own
 * generators and model: the run's bits do not change. Its time is reported, not hidden.
 */
final class Warmup {
    private Warmup() {}

    /** Steps of the training warm-up (on one batch of the run's size), evaluations of the evaluation warm-up, and their rows. */
    static final int STEPS = 12, EVALUATIONS = 6, EVAL_ROWS = 500;

    /** Trains a throwaway copy of the model for a few steps on the first images; returns the seconds spent. */
    static double training(RunConfig config, VAE.ElboOptions options, Dataset train) {
        long t0 = System.nanoTime();
        Main.doing("warming up the kernels");
        VAE vae = new VAE(config.vaeConfig(), Streams.of(config.seed(), 7));
        Optimizer opt = TrainCommand.optimizer(config, vae);
        var rng = Streams.of(config.seed(), 8);
        var x = train.batch(0, Math.min(config.batchSize(), train.count()), config.dtypeValue());
        try {
            for (int i = 0; i < STEPS; i++) vae.trainStep(x, opt, rng, options, i);
            evaluation(vae, train, rng);
        } catch (VAE.DivergedException e) {
            // a learning rate that diverges does so here first: the run itself will say so, with its own numbers
        } finally {
            Tape.clear();
        }
        return (System.nanoTime() - t0) * 1e-9;
    }

    /** Evaluates a model a few times on the first images (what eval's and an epoch's end run); returns the seconds spent. */
    static double evaluation(VAE vae, Dataset data, org.apache.commons.rng.UniformRandomProvider rng) {
        long t0 = System.nanoTime();
        Dataset few = data.head(Math.min(EVAL_ROWS, data.count()));
        for (int i = 0; i < EVALUATIONS; i++) vae.meanElbo(few, rng);
        return (System.nanoTime() - t0) * 1e-9;
    }
}

package io.elbo.spark;

import io.elbo.nn.Optimizer;
import io.elbo.vae.VAE;
import java.util.List;

/**
 * The driver's side of synchronous data-parallel training: each step it hands the parameters to the
 * {@link Workers}, sums their shards' gradients in the fixed tree of {@link DataParallel}, and lets the
 * one optimiser update the one copy of the parameters that every worker sees next step. Where the
 * shards are computed (Spark's executors, or this thread) does not change a bit.
 */
public final class DataParallelTrainer {
    /** Whoever computes the shards' gradients. */
    public interface Workers extends AutoCloseable {
        /** Epoch {@code epoch} (1-based) begins; its rows are visited in {@code order}. */
        void startEpoch(int epoch, int[] order);

        /** Every shard's result for step {@code stepInEpoch} of the current epoch ({@code globalStep} overall), with these parameters. */
        List<DataParallel.ShardResult> step(int stepInEpoch, long globalStep, Object parameters);

        /** Bytes sent to the workers and back in the last step (parameters out, gradients in). */
        long bytesLastStep();

        @Override
        void close();
    }

    /** A step's terms, summed over its rows: rows, ELBO, reconstruction, KL. */
    public record Sums(double rows, double elbo, double reconstruction, double kl) {}

    private final VAE vae;
    private final Optimizer optimizer;

    /** The driver of {@code vae}'s training: each step {@code optimizer} updates its parameters from the shards' summed gradient. */
    public DataParallelTrainer(VAE vae, Optimizer optimizer) {
        this.vae = vae;
        this.optimizer = optimizer;
    }

    /** One synchronous step; throws {@link VAE.DivergedException} when the objective is not finite (nothing updated). */
    public Sums step(Workers workers, int stepInEpoch, long globalStep) {
        List<DataParallel.ShardResult> results = workers.step(stepInEpoch, globalStep, DataParallel.parameters(vae));
        results = new java.util.ArrayList<>(results);
        results.sort(java.util.Comparator.comparingInt(DataParallel.ShardResult::shard));
        double rows = 0, elbo = 0, recon = 0, kl = 0;
        for (DataParallel.ShardResult r : results) {
            rows += r.rows();
            elbo += r.elbo();
            recon += r.reconstruction();
            kl += r.kl();
        }
        Object sum = DataParallel.treeSum(results);
        DataParallel.setGradients(vae, sum);
        optimizer.step();
        return new Sums(rows, elbo, recon, kl);
    }
}

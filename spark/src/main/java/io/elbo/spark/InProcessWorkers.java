package io.elbo.spark;

import io.elbo.autodiff.Tensor;
import io.elbo.vae.VAE;
import io.elbo.vae.data.Dataset;
import java.util.ArrayList;
import java.util.List;

/**
 * The single-process reference: every shard computed in turn on this thread, from the same rows, with
 * the same code and the same random numbers as Spark's tasks.
 */
public final class InProcessWorkers implements DataParallelTrainer.Workers {
    private final Dataset train;
    private final ModelSpec spec;
    private final DataParallel.Plan plan;
    private final VAE worker;
    private int[] order;
    private long bytes;

    /** Workers on this thread over the training set {@code train}, for the model of {@code spec}, cut by {@code plan}. */
    public InProcessWorkers(Dataset train, ModelSpec spec, DataParallel.Plan plan) {
        this.train = train;
        this.spec = spec;
        this.plan = plan;
        this.worker = Workers.model(spec);
    }

    @Override
    public void startEpoch(int epoch, int[] order) {
        this.order = order;
    }

    @Override
    public List<DataParallel.ShardResult> step(int stepInEpoch, long globalStep, Object parameters) {
        DataParallel.loadParameters(worker, parameters);
        List<DataParallel.ShardResult> out = new ArrayList<>();
        bytes = 0;
        for (int k = 0; k < plan.shards(); k++) {
            int from = stepInEpoch * plan.globalBatch() + k * plan.shardSize();
            Tensor x = train.rows(java.util.Arrays.copyOfRange(order, from, from + plan.shardSize()), spec.config().dtype());
            DataParallel.ShardResult r = DataParallel.shardGradient(worker, x, spec.seed(), globalStep, k, spec.options(), plan);
            bytes += 2 * r.gradientBytes();
            out.add(r);
        }
        return out;
    }

    @Override
    public long bytesLastStep() {
        return bytes;
    }

    @Override
    public void close() {}
}

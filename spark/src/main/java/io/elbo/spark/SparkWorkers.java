package io.elbo.spark;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tensor;
import io.elbo.vae.VAE;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.Partitioner;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * The shards' gradients computed by Spark's executors. At the start of an epoch the training rows are
 * shuffled once into one block per shard (partition k holds, in order, every row shard k will see this
 * epoch), and kept in memory; each step is then one job of one task per shard, which reads its S rows,
 * loads the broadcast parameters into its thread's model and returns its gradient. A lost task or block is
 * recomputed by Spark from the same inputs, with the same random numbers ({@link DataParallel#rng}), so
 * retries change no bit.
 */
public final class SparkWorkers implements DataParallelTrainer.Workers {
    /**
     * For tests: the first attempt of shard {@code shard}'s task at global step {@code step} fails.
     *
     * @param step  the global step (over all epochs)
     * @param shard the shard whose task fails
     * @serial exclude
     */
    public record FailOnce(long step, int shard) implements Serializable {}

    /** Injected failures so far (tests read it; local mode runs tasks in this JVM). */
    public static final java.util.concurrent.atomic.AtomicInteger INJECTED = new java.util.concurrent.atomic.AtomicInteger();

    private final JavaSparkContext sc;
    private final JavaRDD<SparkData.Example> data;
    private final int count;
    private final ModelSpec spec;
    private final DataParallel.Plan plan;
    private final FailOnce fail;
    private JavaPairRDD<Integer, float[]> blocks;
    private long bytes;

    /** Workers on Spark's executors over {@code data} ({@code count} rows), for the model of {@code spec}, cut by {@code plan}; {@code fail} injects a failure (tests; null: none). */
    public SparkWorkers(JavaSparkContext sc, JavaRDD<SparkData.Example> data, int count, ModelSpec spec, DataParallel.Plan plan, FailOnce fail) {
        this.sc = sc;
        this.data = data;
        this.count = count;
        this.spec = spec;
        this.plan = plan;
        this.fail = fail;
    }

    /** Partition k holds shard k. */
    static final class ShardPartitioner extends Partitioner {
        private final int shards;

        ShardPartitioner(int shards) {
            this.shards = shards;
        }

        @Override
        public int numPartitions() {
            return shards;
        }

        @Override
        public int getPartition(Object key) {
            return (Integer) key;
        }
    }

    @Override
    public void startEpoch(int epoch, int[] order) {
        int[] position = new int[order.length];
        for (int p = 0; p < order.length; p++) position[order[p]] = p;
        Broadcast<int[]> where = sc.broadcast(position);
        int b = plan.globalBatch(), s = plan.shardSize(), used = plan.steps(count) * b, dim = spec.config().inputDim();
        JavaPairRDD<Integer, float[]> next = data.flatMapToPair(e -> {
            int p = where.value()[(int) e.index()];
            if (p >= used) return java.util.Collections.emptyIterator();
            int step = p / b, j = p % b;
            return List.of(new Tuple2<>(j / s, new Tuple2<>(step * s + j % s, e.pixels()))).iterator();
        }).partitionBy(new ShardPartitioner(plan.shards())).mapPartitionsToPair((Iterator<Tuple2<Integer, Tuple2<Integer, float[]>>> it) -> {
            List<Tuple2<Integer, Tuple2<Integer, float[]>>> rows = new ArrayList<>();
            it.forEachRemaining(rows::add);
            if (rows.isEmpty()) return java.util.Collections.emptyIterator();
            float[] block = new float[rows.size() * dim];
            for (Tuple2<Integer, Tuple2<Integer, float[]>> r : rows) System.arraycopy(r._2()._2(), 0, block, r._2()._1() * dim, dim);
            return List.of(new Tuple2<>(rows.get(0)._1(), block)).iterator();
        }, true).persist(StorageLevel.MEMORY_ONLY());
        next.count();
        if (blocks != null) blocks.unpersist(false);
        where.destroy();
        blocks = next;
    }

    @Override
    public List<DataParallel.ShardResult> step(int stepInEpoch, long globalStep, Object parameters) {
        Broadcast<Object> params = sc.broadcast(parameters);
        ModelSpec m = spec;
        DataParallel.Plan pl = plan;
        FailOnce f = fail;
        List<DataParallel.ShardResult> results = blocks.map(kv -> shard(kv._1(), kv._2(), stepInEpoch, globalStep, params.value(), m, pl, f))
                .collect();
        params.destroy();
        long gradients = 0;
        for (DataParallel.ShardResult r : results) gradients += r.gradientBytes();
        bytes = gradients * 2; // the parameters out to every shard, the gradients back
        return results;
    }

    /** One task: shard {@code k}'s gradient at a step, from its block of the epoch. */
    static DataParallel.ShardResult shard(int k, float[] block, int stepInEpoch, long globalStep, Object parameters, ModelSpec spec,
                                          DataParallel.Plan plan, FailOnce fail) {
        TaskContext tc = TaskContext.get();
        if (fail != null && fail.step() == globalStep && fail.shard() == k && tc != null && tc.attemptNumber() == 0) {
            INJECTED.incrementAndGet();
            throw new IllegalStateException("injected failure of shard " + k + " at step " + globalStep + " (a test)");
        }
        VAE vae = Workers.model(spec);
        DataParallel.loadParameters(vae, parameters);
        int s = plan.shardSize(), dim = spec.config().inputDim();
        float[] rows = java.util.Arrays.copyOfRange(block, stepInEpoch * s * dim, (stepInEpoch + 1) * s * dim);
        Tensor x = Tensor.of(rows, s, dim).to(spec.config().dtype()); // as Dataset.rows converts
        return DataParallel.shardGradient(vae, x, spec.seed(), globalStep, k, spec.options(), plan);
    }

    @Override
    public long bytesLastStep() {
        return bytes;
    }

    @Override
    public void close() {
        if (blocks != null) blocks.unpersist(false);
    }
}

package io.elbo.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.elbo.autodiff.DType;
import io.elbo.nn.Adam;
import io.elbo.nn.Checkpoint;
import io.elbo.vae.VAE;
import io.elbo.vae.data.Dataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.commons.rng.simple.RandomSource;
import org.apache.spark.api.java.JavaSparkContext;

/** The theorem of the module, over seeds, shard plans, objectives and dtypes, in Spark's local mode with three workers. */
class SameBitsProperties {
    /**
     * Synchronous data-parallel training on Spark gives the single-process run's bits: for any seed, any
     * plan of 1 to 6 shards of 8 to 24 rows, the ELBO with 1 or 2 samples or the IWAE bound, float32 or
     * float64, five steps on local[3] write the same checkpoint as the shards computed in turn and summed in
     * the same tree.
     */
    @Property(tries = 6)
    void sparkOnThreeWorkersGivesTheSingleProcessRunsBits(@ForAll long seed, @ForAll @IntRange(min = 1, max = 6) int shards,
                                                          @ForAll @IntRange(min = 8, max = 24) int shardSize,
                                                          @ForAll @IntRange(min = 0, max = 2) int objective, @ForAll boolean float64) throws Exception {
        DataParallel.Plan plan = new DataParallel.Plan(shards * shardSize, shardSize);
        Dataset train = SameBitsTest.TRAIN.head(5 * plan.globalBatch() + 3); // five steps, and a partial batch dropped
        VAE.Config model = new VAE.Config(784, new int[] {16}, 3, "tanh", "bernoulli", 0.1, float64 ? DType.FLOAT64 : DType.FLOAT32);
        VAE.ElboOptions options = objective == 2 ? new VAE.ElboOptions(1, 1.0, true, 0, 3) : new VAE.ElboOptions(objective + 1, 0.5, true, 3, 1);
        ModelSpec spec = ModelSpec.of(model, options, seed);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(LocalSpark.session("local[3]").sparkContext());
        Path dir = Files.createTempDirectory("same-bits");
        try {
            byte[] reference = run(new InProcessWorkers(train, spec, plan), model, spec, plan, train.count(), dir.resolve("a"));
            byte[] spark = run(new SparkWorkers(sc, SparkData.parallelize(sc, train, 4), train.count(), spec, plan, null), model, spec, plan,
                    train.count(), dir.resolve("b"));
            assertArrayEquals(reference, spark, "Spark local[3] differs from the single-process run for " + spec + " " + plan);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) Files.delete(p);
            }
            Files.delete(dir);
        }
    }

    /**
     * A model with three stochastic layers ({@code --latent 3,2,2}: the upper layers' parameters travel in the
     * {@link VAE.Config} the workers build from) trains on local[3] to the single-process run's bits, with the ELBO
     * and with the IWAE bound.
     */
    @Property(tries = 2)
    void aHierarchicalModelOnThreeWorkersGivesTheSingleProcessRunsBits(@ForAll long seed, @ForAll boolean iwae) throws Exception {
        DataParallel.Plan plan = new DataParallel.Plan(3 * 16, 16);
        Dataset train = SameBitsTest.TRAIN.head(3 * plan.globalBatch());
        VAE.Config model = new VAE.Config(784, new int[] {16}, 3, "relu", "bernoulli", 0.1, DType.FLOAT32, "gaussian", "standard-normal",
                new int[] {2, 2});
        VAE.ElboOptions options = iwae ? new VAE.ElboOptions(1, 1.0, true, 0, 3) : VAE.ElboOptions.standard();
        ModelSpec spec = ModelSpec.of(model, options, seed);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(LocalSpark.session("local[3]").sparkContext());
        Path dir = Files.createTempDirectory("same-bits");
        try {
            byte[] reference = run(new InProcessWorkers(train, spec, plan), model, spec, plan, train.count(), dir.resolve("a"));
            byte[] spark = run(new SparkWorkers(sc, SparkData.parallelize(sc, train, 4), train.count(), spec, plan, null), model, spec, plan,
                    train.count(), dir.resolve("b"));
            assertArrayEquals(reference, spark, "Spark local[3] differs from the single-process run for " + spec + " " + plan);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) Files.delete(p);
            }
            Files.delete(dir);
        }
    }

    static byte[] run(DataParallelTrainer.Workers workers, VAE.Config model, ModelSpec spec, DataParallel.Plan plan, int n, Path file)
            throws Exception {
        VAE vae = new VAE(model, RandomSource.XO_RO_SHI_RO_128_PP.create(spec.seed()));
        Adam adam = Adam.adam(vae.parameters(), 1e-3);
        DataParallelTrainer t = new DataParallelTrainer(vae, adam);
        try (workers) {
            workers.startEpoch(1, DataParallel.order(spec.seed(), 1, n));
            for (int s = 0; s < plan.steps(n); s++) t.step(workers, s, s);
        }
        Checkpoint.save(file, vae, adam, null, Map.of());
        return Files.readAllBytes(file);
    }
}

package io.elbo.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.TestData;
import io.elbo.nn.Adam;
import io.elbo.nn.Checkpoint;
import io.elbo.vae.VAE;
import io.elbo.vae.data.Dataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.commons.rng.simple.RandomSource;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Same bits for any number of workers: with a fixed global batch and shard size, Spark's local[1],
 * local[2] and local[3] give byte-identical checkpoints, equal to the single-process run with the same
 * shard-then-sum order; so does a run where a task fails once and Spark retries it, and a run that
 * reads the images from Parquet.
 */
class SameBitsTest {
    static final Dataset TRAIN;

    static {
        try {
            Path d = TestData.path("fashion-mnist");
            TRAIN = Dataset.load(d.resolve("train-images-idx3-ubyte.gz"), d.resolve("train-labels-idx1-ubyte.gz")).head(512);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static final VAE.Config MODEL = new VAE.Config(784, new int[] {32}, 4, "relu", "bernoulli", 0.1, DType.FLOAT32);
    static final ModelSpec SPEC = ModelSpec.of(MODEL, new VAE.ElboOptions(1, 1.0, true, 0, 1), 7);
    static final DataParallel.Plan PLAN = new DataParallel.Plan(64, 16);

    /** Two epochs of synchronous training with these workers; the checkpoint's bytes. */
    static byte[] train(DataParallelTrainer.Workers workers, Path file) throws Exception {
        VAE vae = new VAE(MODEL, RandomSource.XO_RO_SHI_RO_128_PP.create(SPEC.seed()));
        Adam adam = Adam.adam(vae.parameters(), 1e-3);
        DataParallelTrainer t = new DataParallelTrainer(vae, adam);
        long step = 0;
        try (workers) {
            for (int epoch = 1; epoch <= 2; epoch++) {
                workers.startEpoch(epoch, DataParallel.order(SPEC.seed(), epoch, TRAIN.count()));
                for (int s = 0; s < PLAN.steps(TRAIN.count()); s++) t.step(workers, s, step++);
            }
        }
        Checkpoint.save(file, vae, adam, null, Map.of("step", Long.toString(step)));
        return Files.readAllBytes(file);
    }

    static SparkWorkers spark(String master, JavaSparkContext sc, SparkWorkers.FailOnce fail) {
        return new SparkWorkers(sc, SparkData.parallelize(sc, TRAIN, 3), TRAIN.count(), SPEC, PLAN, fail);
    }

    @Test
    void oneTwoAndThreeWorkersAndTheSingleProcessRunGiveTheSameCheckpoint(@TempDir Path dir) throws Exception {
        byte[] reference = train(new InProcessWorkers(TRAIN, SPEC, PLAN), dir.resolve("reference.safetensors"));
        for (String master : new String[] {"local[1]", "local[2]", "local[3]"}) {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(LocalSpark.session(master).sparkContext());
            byte[] bits = train(spark(master, sc, null), dir.resolve(master + ".safetensors"));
            assertArrayEquals(reference, bits, master + " differs from the single-process run");
        }
    }

    @Test
    void aTaskThatFailsOnceIsRetriedAndTheBitsDoNotChange(@TempDir Path dir) throws Exception {
        byte[] reference = train(new InProcessWorkers(TRAIN, SPEC, PLAN), dir.resolve("reference.safetensors"));
        SparkSession s = LocalSpark.session("local[2,2]"); // two threads, a task may fail once
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(s.sparkContext());
        int before = SparkWorkers.INJECTED.get();
        byte[] bits = train(spark("local[2,2]", sc, new SparkWorkers.FailOnce(5, 2)), dir.resolve("retried.safetensors"));
        assertEquals(before + 1, SparkWorkers.INJECTED.get(), "the task failed once");
        assertArrayEquals(reference, bits, "Spark's retry changed the result");
    }

    @Test
    void imagesReadFromParquetTrainToTheSameBits(@TempDir Path dir) throws Exception {
        byte[] reference = train(new InProcessWorkers(TRAIN, SPEC, PLAN), dir.resolve("reference.safetensors"));
        SparkSession s = LocalSpark.session("local[2]");
        String parquet = dir.resolve("train.parquet").toString();
        SparkData.writeParquet(s, TRAIN, parquet, 5);
        Dataset back = SparkData.collectParquet(s, parquet);
        assertArrayEquals(TRAIN.pixels(), back.pixels(), "IDX → Parquet → images is lossless");
        assertArrayEquals(TRAIN.labels(), back.labels());
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(s.sparkContext());
        byte[] bits = train(new SparkWorkers(sc, SparkData.readParquet(s, parquet), TRAIN.count(), SPEC, PLAN, null),
                dir.resolve("parquet.safetensors"));
        assertArrayEquals(reference, bits, "training from Parquet changed the result");
    }
}

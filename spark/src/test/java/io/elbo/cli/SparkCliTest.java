package io.elbo.cli;

import static io.elbo.cli.CliTest.vae;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.nn.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vae train --spark}, {@code --resume} on Spark, and {@code vae parquet}, through the command line. */
class SparkCliTest {

    static final String[] SMALL = {"--limit", "384", "-b", "64", "--shard-size", "16", "--hidden", "32", "--latent", "2"};

    static String[] train(String[] options, String... more) {
        String[] all = new String[1 + options.length + more.length];
        all[0] = "train";
        System.arraycopy(options, 0, all, 1, options.length);
        System.arraycopy(more, 0, all, 1 + options.length, more.length);
        return all;
    }

    /** The model and optimiser tensors of a run's checkpoint (its metadata holds timings, which differ run to run). */
    static Map<String, SafeTensors.Entry> tensors(Path run) throws Exception {
        return SafeTensors.read(run.resolve("checkpoint.safetensors")).entries();
    }

    static void assertSameTensors(Path a, Path b) throws Exception {
        Map<String, SafeTensors.Entry> x = tensors(a), y = tensors(b);
        assertEquals(x.keySet(), y.keySet());
        for (String k : x.keySet()) {
            assertArrayEquals(x.get(k).tensor().toFloatArray(), y.get(k).tensor().toFloatArray(), 0f, k + ": " + a + " vs " + b);
        }
    }

    /**
     * The same Spark run on one worker and on three, each in a JVM of its own, writes the same checkpoint bytes
     * but for its recorded seconds (the metadata was once written from a hash-ordered map, whose order the JVM
     * randomises per process), the same config.json, and metrics.csv equal but for its times.
     */
    @Test
    void sparkRunsOnOneAndThreeWorkersInSeparateProcessesWriteTheSameBytes(@TempDir Path tmp) throws Exception {
        Path one = tmp.resolve("one"), three = tmp.resolve("three");
        SameBytesInAnyProcessTest.vaeInNewJvm(train(SMALL, "--spark", "local[1]", "--data", "sample", "-e", "1", "-o", one.toString()));
        SameBytesInAnyProcessTest.vaeInNewJvm(train(SMALL, "--spark", "local[3]", "--data", "sample", "-e", "1", "-o", three.toString()));
        SameBytesInAnyProcessTest.assertSameCheckpoints(one.resolve("checkpoint.safetensors"), three.resolve("checkpoint.safetensors"));
        assertArrayEquals(Files.readAllBytes(one.resolve("config.json")), Files.readAllBytes(three.resolve("config.json")));
        assertEquals(SameBytesInAnyProcessTest.metricsWithoutTimes(one), SameBytesInAnyProcessTest.metricsWithoutTimes(three));
    }

    @Test
    void trainOnSparkWritesTheRunDirectoryAndAResumedRunEndsWithTheSameBits(@TempDir Path tmp) throws Exception {
        Path straight = tmp.resolve("straight"), split = tmp.resolve("split"), parquetRun = tmp.resolve("from-parquet");
        CliTest.Result r = vae(train(SMALL, "--spark", "local[2]", "--data", "sample", "-e", "2", "-o", straight.toString()));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("spark: local[2], 384 images in 6 steps of 64 = 4 shards of 16 per epoch, 2"), r.out());
        assertTrue(r.out().contains("\n2/2 "), r.out());
        for (String f : List.of("config.json", "metrics.csv", "loss.png", "samples-epoch-002.png", "manifold-epoch-002.png", "checkpoint.safetensors")) {
            assertTrue(Files.isRegularFile(straight.resolve(f)), f + " in " + straight);
        }
        assertEquals("spark", SafeTensors.read(straight.resolve("checkpoint.safetensors")).metadata().get("trainer"));
        assertEquals(3, Files.readAllLines(straight.resolve("metrics.csv")).size());
        for (String l : r.out().split("\n")) assertTrue(l.length() <= 79, l);

        // one epoch on one worker, then --resume to two on three workers: the straight run's bits
        assertEquals(0, vae(train(SMALL, "--spark", "local[1]", "--data", "sample", "-e", "1", "-o", split.toString())).exit());
        CliTest.Result resumed = vae("train", "--resume", split.toString(), "--epochs", "2", "--spark", "local[3]");
        assertEquals(0, resumed.exit(), resumed.err());
        assertSameTensors(straight, split);
        assertEquals(0, vae("eval", straight.toString(), "-k", "5", "-n", "5").exit(), "eval reads a Spark run");

        // the same sample through Parquet gives the same run
        Path parquet = tmp.resolve("parquet");
        CliTest.Result conv = vae("parquet", "--data", "sample", parquet.toString(), "--spark", "local[2]");
        assertEquals(0, conv.exit(), conv.err());
        assertTrue(Files.isRegularFile(parquet.resolve("dataset.json")));
        CliTest.Result p = vae(train(SMALL, "--spark", "local[2]", "--data", parquet.toString(), "-e", "2", "-o", parquetRun.toString()));
        assertEquals(0, p.exit(), p.err());
        assertSameTensors(straight, parquetRun);
        // and through a URI, as for hdfs:// or s3a:// (Hadoop's file systems read it, dataset.json included)
        Path uriRun = tmp.resolve("from-uri");
        CliTest.Result u = vae(train(SMALL, "--spark", "local[2]", "--data", parquet.toUri().toString(), "-e", "1", "-o", uriRun.toString()));
        assertEquals(0, u.exit(), u.err());
        assertTrue(u.out().contains("data: Parquet in file:"), u.out());

        // the trainers do not mix, and an impossible plan is one line
        CliTest.Result mix = vae("train", "--resume", straight.toString(), "--epochs", "3");
        assertEquals(2, mix.exit());
        assertTrue(Columns.unwrap(mix.err()).contains("was trained on Spark; continue it with --spark MASTER"), mix.err());
        CliTest.Result plan = vae("train", "--limit", "384", "-b", "64", "--shard-size", "24", "--spark", "local[1]", "--data", "sample", "-o",
                tmp.resolve("bad").toString());
        assertEquals(2, plan.exit());
        assertTrue(Columns.unwrap(plan.err()).contains("must be a multiple of --shard-size (24)"), plan.err());
    }

    /** A {@code --arch conv} run on Spark: one worker and three write the same bits, and --resume continues it to them. */
    @Test
    void aConvRunHasTheSameBitsOnOneAndThreeWorkers(@TempDir Path tmp) throws Exception {
        String[] conv = {"--arch", "conv", "--limit", "128", "-b", "64", "--shard-size", "16", "--latent", "2", "--data", "sample"};
        Path one = tmp.resolve("one"), three = tmp.resolve("three");
        CliTest.Result r = vae(train(conv, "--spark", "local[1]", "-e", "2", "-o", one.toString()));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("784-conv-2 relu bernoulli"), r.out());
        assertEquals(0, vae(train(conv, "--spark", "local[3]", "-e", "1", "-o", three.toString())).exit());
        CliTest.Result resumed = vae("train", "--resume", three.toString(), "--epochs", "2", "--spark", "local[3]");
        assertEquals(0, resumed.exit(), resumed.err());
        assertSameTensors(one, three);
    }

    @Test
    void aDivergingStepOnAnExecutorIsOneLineNamingTheOp(@TempDir Path tmp) {
        CliTest.Result r = vae("train", "--spark", "local[2]", "--data", "sample", "--limit", "256", "-b", "64", "--shard-size", "32", "--lr", "1e10",
                "-e", "1", "-o", tmp.resolve("run").toString());
        r.assertOneLineError(1, "training diverged at epoch 1", "op '", "Try a smaller --lr");
    }
}

package io.elbo.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ServiceLoader;

/**
 * What {@code vae train --spark} and {@code vae parquet} need from the spark module, found on the class
 * path with {@link ServiceLoader} (the core modules never depend on Spark; {@code bin/vae} adds the module
 * and Spark when {@code ./mvnw -Pspark package} has built them).
 */
public interface SparkSupport {
    /**
     * The steps of a {@link TrainingRun} computed data-parallel and synchronous on Spark's {@code master}:
     * each global batch of {@code config.batchSize()} rows cut into shards of {@code shardSize} (a resumed
     * run's own, from {@code resumed}, its checkpoint's metadata; null for a new run). {@code data} is the
     * IDX data, or null for the Parquet set {@code config.data()} names. The steps update {@code vae} with
     * {@code optimizer}; closing them stops Spark.
     */
    TrainingRun.Steps steps(RunConfig config, Data data, String master, int shardSize, java.util.Map<String, String> resumed, io.elbo.vae.VAE vae,
                            io.elbo.nn.Optimizer optimizer, Path dir, PrintWriter out);

    /** Writes an IDX directory's training and test sets as Parquet in {@code out} (and dataset.json), with Spark's {@code master}. */
    void toParquet(Data data, Path out, String master, PrintWriter print);

    /** The text of a small file Spark's file systems reach (hdfs://, s3a://, file://), such as a Parquet set's dataset.json. */
    String read(String uri);

    /** The spark module, or one line saying how to get it. */
    static SparkSupport find() {
        for (SparkSupport s : ServiceLoader.load(SparkSupport.class, SparkSupport.class.getClassLoader())) return s;
        throw new CliException("Spark is not on the class path: build the spark module with ./mvnw -B -Pspark -DskipTests package,"
                + " then bin/vae includes it (or use spark-submit with spark/target/vae-spark.jar)");
    }
}

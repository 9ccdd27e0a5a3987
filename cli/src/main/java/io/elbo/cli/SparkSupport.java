package io.elbo.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What {@code vae train --spark} and {@code vae parquet} need from the spark module, found on the class
 * path with {@link ServiceLoader} (the core modules never depend on Spark; {@code bin/vae} adds the module
 * and Spark when {@code ./mvnw -Pspark package} has built them).
 */
interface SparkSupport {
    /**
     * Trains a new run, or resumes one, with synchronous data-parallel steps on Spark's {@code master}:
     * each global batch of {@code config.batchSize()} rows cut into shards of {@code shardSize}. The caller
     * has validated the options, created {@code dir} and holds its lock; {@code data} is the IDX data, or null
     * for the Parquet set {@code config.data()} names. Returns the exit code (130 when {@code stop} ended it).
     */
    int train(RunConfig config, Data data, String master, int shardSize, Path dir, Path resume, PrintWriter out, PrintWriter err,
              AtomicBoolean stop);

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

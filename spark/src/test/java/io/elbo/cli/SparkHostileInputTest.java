package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hostile-input suite's Spark cases: Parquet image sets with a missing, renamed or mistyped column,
 * images of another size than dataset.json says, truncated and empty files, no images, and masters
 * that cannot be reached (an unknown scheme; a standalone master with nothing listening, refused at once
 * rather than after Spark's minute of retries). Each ends in one message on standard error, naming the
 * file, the column or the master and the cause, with exit code 1: never a stack trace, never Spark's
 * own log lines.
 */
class SparkHostileInputTest {
    static Path base, good;

    @BeforeAll
    static void writeAGoodSet() throws IOException {
        base = Files.createTempDirectory("spark-hostile");
        Path idx = base.resolve("idx");
        HostileInputProperties.writeTiny(idx, 6);
        good = base.resolve("good");
        CliTest.vae("parquet", "--data", idx.toString(), good.toString(), "--spark", "local[1]").assertOk();
    }

    @AfterAll
    static void tearDown() throws IOException {
        try (Stream<Path> all = Files.walk(base)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** A copy of the good set whose {@code which}.parquet is rewritten by {@code change}. */
    static Path rewritten(String name, String which, Function<Dataset<Row>, Dataset<Row>> change) throws IOException {
        Path dir = copyOfGood(name);
        SparkSession spark = SparkSession.builder().master("local[1]").appName("hostile").config("spark.ui.enabled", "false").getOrCreate();
        try {
            Path target = dir.resolve(which + ".parquet");
            Dataset<Row> df = change.apply(spark.read().parquet(good.resolve(which + ".parquet").toString()));
            df.coalesce(1).write().mode(SaveMode.Overwrite).parquet(target.toString());
        } finally {
            spark.stop();
        }
        return dir;
    }

    static Path copyOfGood(String name) throws IOException {
        Path dir = base.resolve(name);
        try (Stream<Path> all = Files.walk(good)) {
            for (Path p : all.toList()) {
                Path to = dir.resolve(good.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(to);
                else Files.copy(p, to);
            }
        }
        return dir;
    }

    /** The data files of a set's train.parquet (not Spark's _SUCCESS and .crc files). */
    static List<Path> partFiles(Path set) throws IOException {
        try (Stream<Path> s = Files.list(set.resolve("train.parquet"))) {
            return s.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList();
        }
    }

    static void assertOneLineOnMaster(Path data, String master, String... fragments) {
        CliTest.Result r = CliTest.vae("train", "--spark", master, "--data", data.toString(), "-e", "1", "-b", "16", "--shard-size", "16",
                "--hidden", "8", "--latent", "2", "-o", base.resolve("out-" + data.getFileName() + "-" + System.nanoTime()).toString());
        String what = data.getFileName() + " on " + master;
        HostileInputProperties.assertHostileOutcome(r, 1, what);
        String message = Columns.unwrap(r.err());
        for (String f : fragments) assertTrue(message.contains(f), what + ": '" + f + "' in: " + message);
        assertTrue(r.out().lines().noneMatch(l -> l.matches(".*(WARN|ERROR|INFO) [A-Za-z]+:.*")), what + ": Spark's log: " + r.out());
    }

    static void assertOneLineNaming(Path data, String... fragments) {
        assertOneLineOnMaster(data, "local[1]", fragments);
    }

    static Column col(String name) {
        return functions.col(name);
    }

    @Test
    void everyHostileParquetSetEndsInOneLineNamingTheFileAndTheColumn() throws Exception {
        assertOneLineNaming(rewritten("renamed", "train", df -> df.withColumnRenamed("image", "img")),
                "train.parquet: no column 'image'", "img");
        assertOneLineNaming(rewritten("missing", "train", df -> df.drop("image")), "train.parquet: no column 'image'");
        assertOneLineNaming(rewritten("strings", "train", df -> df.withColumn("image", functions.base64(col("image")))),
                "train.parquet: column 'image' holds string");
        assertOneLineNaming(rewritten("string-array", "train", df -> df.withColumn("image", functions.split(functions.base64(col("image")), "A"))),
                "train.parquet: column 'image' holds array<string>");
        assertOneLineNaming(rewritten("label", "train", df -> df.withColumn("label", col("label").cast("string"))),
                "train.parquet: column 'label' holds string");
        assertOneLineNaming(rewritten("index", "train", df -> df.withColumn("index", col("index").cast("double"))),
                "train.parquet: column 'index' holds double");
        assertOneLineNaming(rewritten("small", "train", df -> df.withColumn("image", functions.substring(col("image"), 1, 20))),
                "train.parquet: an image of 20 bytes, but dataset.json says 6×6 = 36 pixels");
        assertOneLineNaming(rewritten("test-size", "test", df -> df.withColumn("image", functions.concat(col("image"), col("image")))),
                "test.parquet: an image of 72 bytes");
        assertOneLineNaming(rewritten("empty-set", "train", df -> df.limit(0)), "train.parquet: holds no images");
        Path noTest = copyOfGood("no-test");
        try (Stream<Path> all = Files.walk(noTest.resolve("test.parquet"))) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
        assertOneLineNaming(noTest, "test.parquet: no such file or directory");

        Path truncated = copyOfGood("truncated");
        for (Path part : partFiles(truncated)) {
            byte[] b = Files.readAllBytes(part);
            Files.write(part, java.util.Arrays.copyOf(b, b.length / 2));
            Files.deleteIfExists(part.resolveSibling("." + part.getFileName() + ".crc"));
        }
        assertOneLineNaming(truncated, "train.parquet", "part-");
        Path empty = copyOfGood("empty-file");
        for (Path part : partFiles(empty)) {
            Files.write(part, new byte[0]);
            Files.deleteIfExists(part.resolveSibling("." + part.getFileName() + ".crc"));
        }
        assertOneLineNaming(empty, "train.parquet");
        Path noInfo = copyOfGood("no-dataset-json");
        Files.delete(noInfo.resolve("dataset.json"));
        assertOneLineNaming(noInfo, "dataset.json");
    }

    @Test
    void aMasterThatCannotBeReachedIsOneLineNamingIt() throws Exception {
        assertOneLineOnMaster(good, "nosuch://x", "nosuch://x");
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        assertOneLineOnMaster(good, "spark://127.0.0.1:" + port, "spark://127.0.0.1:" + port + " does not answer", "connection refused");
    }
}

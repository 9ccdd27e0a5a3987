package io.elbo.spark;

import io.elbo.cli.CliException;
import io.elbo.cli.Data;
import io.elbo.cli.Main;
import io.elbo.cli.Pictures;
import io.elbo.cli.RunConfig;
import io.elbo.cli.SparkSupport;
import io.elbo.cli.Text;
import io.elbo.cli.TrainingRun;
import io.elbo.nn.Optimizer;
import io.elbo.vae.VAE;
import io.elbo.vae.data.Dataset;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.rng.RestorableUniformRandomProvider;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * What {@code vae train --spark MASTER} and {@code vae parquet} get from this module (found by the CLI
 * through {@link SparkSupport}): the steps of a {@link TrainingRun} computed by Spark's executors
 * ({@link SparkWorkers}) and summed in the fixed tree of {@link DataParallel}, so the run (its loop,
 * checkpoints, resume, metrics, pictures, Ctrl-C) is the in-process trainer's; Parquet conversion; and
 * reading small files from Spark's file systems.
 */
public final class SparkTraining implements SparkSupport {
    /** Checkpoint metadata of a Spark run: rows per shard (its position's "batch" is the step inside the epoch). */
    static final String SHARD_SIZE = "shard_size";

    @Override
    public TrainingRun.Steps steps(RunConfig config, Data data, String master, int shardSize, Map<String, String> resumed, VAE vae,
                                   Optimizer optimizer, Path dir, PrintWriter out) {
        int s = shardSize;
        if (resumed != null) {
            String v = resumed.get(SHARD_SIZE);
            try {
                s = Integer.parseInt(String.valueOf(v));
            } catch (NumberFormatException e) {
                throw new CliException(dir + ": the checkpoint's '" + SHARD_SIZE + "' is " + (v == null ? "missing" : "'" + v + "', not a whole number"));
            }
            if (s < 1 || config.batchSize() % s != 0) {
                throw new CliException(dir + ": the checkpoint's '" + SHARD_SIZE + "' is " + s + ", which does not divide the batch of "
                        + config.batchSize());
            }
        }
        Main.doing("starting Spark (" + master + ")");
        SparkSession spark = session(master);
        try {
            return new Steps(spark, config, data, master, s, vae, optimizer, dir, out);
        } catch (RuntimeException e) {
            spark.stop();
            throw e;
        }
    }

    @Override
    public String read(String uri) {
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(uri);
            org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(new org.apache.hadoop.conf.Configuration());
            try (var in = fs.open(p)) {
                return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            }
        } catch (IOException | RuntimeException e) {
            throw new CliException(uri + ": cannot read (" + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + ")");
        }
    }

    static SparkSession session(String master) {
        // Spark's own log would print every failed task's stack trace; vae says what failed in one line instead.
        // VAE_DEBUG=1 shows Spark's warnings, VAE_SPARK_LOG=INFO (or DEBUG...) more.
        SparkChecks.configureLogging();
        SparkChecks.requireReachable(master);
        try {
            return SparkSession.builder().master(master).appName("vae train").config("spark.ui.enabled", "false").getOrCreate();
        } catch (Exception e) { // Spark's SparkException is checked, and thrown unannounced
            throw new CliException("Spark (" + master + ") did not start: " + SparkChecks.describe(e));
        }
    }

    @Override
    public void toParquet(Data data, Path out, String master, PrintWriter print) {
        SparkSession spark = session(master);
        try {
            Files.createDirectories(out);
            int parts = Math.max(1, data.train().count() / 10_000);
            SparkData.writeParquet(spark, data.train(), out.resolve("train.parquet").toString(), parts);
            SparkData.writeParquet(spark, data.test(), out.resolve("test.parquet").toString(), Math.max(1, parts / 6));
            Pictures.writeText(out.resolve(Data.PARQUET_INFO), String.format(Locale.ROOT, "{\"rows\": %d, \"cols\": %d, \"train\": %d, \"test\": %d}%n",
                    data.train().rows(), data.train().cols(), data.train().count(), data.test().count()));
            print.print(Text.wrap("wrote ", data.train().count() + " training and " + data.test().count() + " test images to " + out
                    + " (train.parquet, test.parquet, dataset.json); train on them with:"));
            print.print(Text.command("vae", "train", "--spark", "MASTER", "--data", out.toString()));
        } catch (IOException e) {
            throw new CliException(out + ": cannot create (" + io.elbo.nn.IoErrors.reason(e) + ")");
        } finally {
            spark.stop();
        }
    }

    /** A run's steps on Spark: one synchronous data-parallel step per global batch; closing them stops Spark. */
    static final class Steps implements TrainingRun.Steps {
        private final SparkSession spark;
        private final RunConfig config;
        private final String master;
        private final Path dir;
        private final Dataset test;
        private final String[] classNames;
        private final int count;
        private final DataParallel.Plan plan;
        private final int steps;
        private final DataParallelTrainer trainer;
        private final SparkWorkers workers;
        private final String dataLine;

        Steps(SparkSession spark, RunConfig config, Data data, String master, int shardSize, VAE vae, Optimizer optimizer, Path dir,
              PrintWriter out) {
            this.spark = spark;
            this.config = config;
            this.master = master;
            this.dir = dir;
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            Main.doing("reading the data");
            JavaRDD<SparkData.Example> train;
            if (data != null) {
                Dataset tr = config.limit() > 0 ? data.train().head(config.limit()) : data.train();
                this.count = tr.count();
                train = SparkData.parallelize(sc, tr, Math.max(sc.defaultParallelism(), 1));
                this.test = data.test();
                this.classNames = data.classNames(); // vae train has said which data
                this.dataLine = null;
            } else {
                SparkChecks.checkParquet(spark, config.data() + "/train.parquet", config.rows(), config.cols());
                SparkChecks.checkParquet(spark, config.data() + "/test.parquet", config.rows(), config.cols());
                JavaRDD<SparkData.Example> all = SparkData.readParquet(spark, config.data() + "/train.parquet");
                int limit = config.limit();
                train = (limit > 0 ? all.filter(e -> e.index() < limit) : all).cache();
                this.count = (int) train.count();
                this.test = SparkData.collectParquet(spark, config.data() + "/test.parquet");
                this.classNames = null; // a Parquet set does not say what its labels mean: the scatter says "label k"
                this.dataLine = Text.wrap("data: ", "Parquet in " + config.data() + " (" + count + " train, " + test.count() + " test images, "
                        + config.rows() + "×" + config.cols() + ")");
            }
            this.plan = new DataParallel.Plan(config.batchSize(), shardSize);
            this.steps = plan.steps(count);
            if (steps < 1) throw new CliException(count + " training images do not fill one batch of " + config.batchSize());
            ModelSpec spec = ModelSpec.of(config.vaeConfig(), TrainingRun.options(config, steps), config.seed());
            this.trainer = new DataParallelTrainer(vae, optimizer);
            this.workers = new SparkWorkers(sc, train, count, spec, plan, null);
        }

        @Override
        public String trainer() {
            return "spark";
        }

        @Override
        public LinkedHashMap<String, String> metadata() {
            LinkedHashMap<String, String> m = new LinkedHashMap<>();
            m.put(SHARD_SIZE, Integer.toString(plan.shardSize()));
            return m;
        }

        @Override
        public int stepsPerEpoch() {
            return steps;
        }

        @Override
        public long rowsBefore(int s) {
            return (long) s * plan.globalBatch();
        }

        @Override
        public String stepName() {
            return "step";
        }

        @Override
        public RestorableUniformRandomProvider rng() {
            return null; // each shard's noise is a function of (seed, step, shard)
        }

        @Override
        public TrainingRun.TestSet testSet() {
            return new TrainingRun.TestSet(test, classNames);
        }

        @Override
        public List<String> describe() {
            String plan = Text.wrap("spark: ", String.format(Locale.ROOT, "%s, %s in %s of %d = %s of %d per epoch, %s",
                    master, Text.count(count, "image"), Text.count(steps, "step"), this.plan.globalBatch(), Text.count(this.plan.shards(), "shard"),
                    this.plan.shardSize(), Text.count(config.epochs(), "epoch")));
            String output = Text.wrap("output: ", dir.toString());
            return dataLine == null ? List.of(plan, output) : List.of(dataLine, plan, output);
        }

        @Override
        public String warmUp(int epoch, long stepsToCome) {
            return null; // the executors' JITs warm up on the first steps; a driver-side warm-up would not reach them
        }

        @Override
        public void startEpoch(int epoch) {
            Main.doing("shuffling epoch " + epoch + " into " + plan.shards() + " shards");
            workers.startEpoch(epoch, DataParallel.order(config.seed(), epoch, count));
            Main.doing("training epoch " + epoch + " on Spark");
        }

        @Override
        public TrainingRun.StepSums step(int stepInEpoch, long globalStep) {
            DataParallelTrainer.Sums s;
            try {
                s = trainer.step(workers, stepInEpoch, globalStep);
            } catch (VAE.DivergedException e) {
                throw e;
            } catch (Exception e) { // a task's failure, as Spark reports it once its retries are spent (a checked SparkException)
                for (Throwable c = e; c != null; c = c.getCause()) {
                    if (c instanceof VAE.DivergedException d) throw d;
                }
                throw new CliException("step " + (stepInEpoch + 1) + " failed on Spark: " + SparkChecks.describe(e)
                        + "; the last checkpoint is kept: " + TrainingRun.checkpointOf(dir));
            }
            if (!Double.isFinite(s.elbo())) throw new VAE.DivergedException("the ELBO is " + s.elbo());
            return new TrainingRun.StepSums((long) s.rows(), -s.elbo(), -s.reconstruction(), s.kl());
        }

        @Override
        public List<String> resumeCommand(Path dir) {
            return List.of("vae", "train", "--resume", dir.toString(), "--spark", master);
        }

        @Override
        public void close() {
            try {
                workers.close();
            } finally {
                spark.stop();
            }
        }
    }
}

package io.elbo.cli;

import io.elbo.nn.Checkpoint;
import io.elbo.nn.CheckpointException;
import io.elbo.nn.Optimizer;
import io.elbo.spark.DataParallel;
import io.elbo.spark.DataParallelTrainer;
import io.elbo.spark.ModelSpec;
import io.elbo.spark.SparkChecks;
import io.elbo.spark.SparkData;
import io.elbo.spark.SparkWorkers;
import io.elbo.vae.VAE;
import io.elbo.vae.data.Dataset;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.commons.rng.simple.RandomSource;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * {@code vae train --spark MASTER}: the run directory of {@code vae train} (config.json, metrics.csv, the
 * pictures, a checkpoint after every epoch and at Ctrl-C), written by the driver, with each step's
 * gradient computed by Spark's executors ({@link SparkWorkers}) and summed in the fixed tree of
 * {@link DataParallel}. It lives in the CLI's package to use the trainer's pieces (run configuration, table,
 * pictures) without making them API; Spark is found here only, through {@link SparkSupport}.
 */
public final class SparkTraining implements SparkSupport {
    /** Checkpoint metadata of a Spark run: rows per shard (its position's "batch" is the step inside the epoch). */
    static final String SHARD_SIZE = "shard_size";

    @Override
    public int train(RunConfig config, Data data, String master, int shardSize, Path dir, Path resume, PrintWriter out, PrintWriter err,
                     AtomicBoolean stop) {
        Main.doing("starting Spark (" + master + ")");
        SparkSession spark = session(master);
        try {
            return new Run(spark, config, data, master, shardSize, dir, resume, out, stop).train();
        } finally {
            spark.stop();
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

    /** One training run on Spark. */
    static final class Run {
        private final RunConfig config;
        private final Path dir;
        private final PrintWriter out;
        private final AtomicBoolean stop;
        private final String master;
        private final JavaSparkContext sc;
        private final JavaRDD<SparkData.Example> train;
        private final int count;
        private final Dataset test;
        private final String[] classNames;
        private final VAE vae;
        private final Optimizer optimizer;
        private final ModelSpec spec;
        private final DataParallel.Plan plan;
        private final int steps;
        private final List<String> csvRows = new ArrayList<>();
        private int epoch = 1, step;
        private long globalStep;
        private double[] sums = new double[4];
        private double seconds;

        Run(SparkSession spark, RunConfig config, Data data, String master, int shardSize, Path dir, Path resume, PrintWriter out,
            AtomicBoolean stop) {
            this.config = config;
            this.dir = dir;
            this.out = out;
            this.stop = stop;
            this.master = master;
            this.sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            Main.doing("reading the data");
            if (data != null) {
                Dataset tr = config.limit() > 0 ? data.train().head(config.limit()) : data.train();
                this.count = tr.count();
                this.train = SparkData.parallelize(sc, tr, Math.max(sc.defaultParallelism(), 1));
                this.test = data.test();
                this.classNames = data.classNames(); // vae train has said which data
            } else {
                SparkChecks.checkParquet(spark, config.data() + "/train.parquet", config.rows(), config.cols());
                SparkChecks.checkParquet(spark, config.data() + "/test.parquet", config.rows(), config.cols());
                JavaRDD<SparkData.Example> all = SparkData.readParquet(spark, config.data() + "/train.parquet");
                int limit = config.limit();
                this.train = (limit > 0 ? all.filter(e -> e.index() < limit) : all).cache();
                this.count = (int) train.count();
                this.test = SparkData.collectParquet(spark, config.data() + "/test.parquet");
                this.classNames = null; // a Parquet set does not say what its labels mean: the scatter says "label k"
                out.print(Text.wrap("data: ", "Parquet in " + config.data() + " (" + count + " train, " + test.count() + " test images, "
                        + config.rows() + "×" + config.cols() + ")"));
            }
            this.vae = new VAE(config.vaeConfig(), io.elbo.vae.Streams.of(config.seed(), 0));
            this.optimizer = TrainCommand.optimizer(config, vae);
            int s = shardSize;
            if (resume != null) s = restore(resume);
            this.plan = new DataParallel.Plan(config.batchSize(), s);
            this.steps = plan.steps(count);
            if (steps < 1) throw new CliException(count + " training images do not fill one batch of " + config.batchSize());
            this.spec = ModelSpec.of(config.vaeConfig(), new VAE.ElboOptions(config.samples(), config.beta(), true,
                    config.klWarmup() * steps, config.iwaeK()), config.seed());
        }

        /** Loads model, optimiser and position from a Spark run's checkpoint; returns its shard size. */
        private int restore(Path file) {
            Map<String, String> meta;
            try {
                meta = Checkpoint.load(file, vae, optimizer, null);
            } catch (CheckpointException e) {
                throw new CliException(e.getMessage());
            }
            try {
                epoch = Integer.parseInt(meta.get(Runs.EPOCH));
                step = Integer.parseInt(meta.get(Runs.BATCH));
                globalStep = Long.parseLong(meta.get(Runs.STEP));
                String[] f = meta.get(Runs.SUMS).split(",");
                for (int i = 0; i < 4; i++) sums[i] = Double.parseDouble(f[i]);
                seconds = Double.parseDouble(meta.get(Runs.SECONDS));
                int s = Integer.parseInt(meta.get(SHARD_SIZE));
                csvRows.addAll(Runs.metricsBefore(dir, epoch));
                out.print(Text.wrap("resumed ", dir + " at epoch " + epoch + (step > 0 ? ", step " + step : "") + " (step " + globalStep + " in all)"));
                return s;
            } catch (RuntimeException e) {
                throw new CliException(file + ": the checkpoint's position (epoch, step, sums, shard size) is missing or not a number");
            }
        }

        int train() {
            out.print(Text.wrap("model: ", String.format(Locale.ROOT, "%d-%s-%d %s %s, %d %s parameters", config.rows() * config.cols(),
                    java.util.Arrays.toString(config.hidden()).replaceAll("[\\[\\] ]", "").replace(',', '-'), config.latent(), config.activation(),
                    config.likelihood(), vae.parameterCount(), config.dtype())));
            out.print(Text.wrap("spark: ", String.format(Locale.ROOT, "%s, %s in %s of %d = %s of %d per epoch, %s",
                    master, Text.count(count, "image"), Text.count(steps, "step"), plan.globalBatch(), Text.count(plan.shards(), "shard"),
                    plan.shardSize(), Text.count(config.epochs(), "epoch"))));
            out.print(Text.wrap("output: ", dir.toString()));
            out.println(TrainCommand.epochHeader(config));
            out.flush();
            DataParallelTrainer trainer = new DataParallelTrainer(vae, optimizer);
            try (SparkWorkers workers = new SparkWorkers(sc, train, count, spec, plan, null)) {
                while (epoch <= config.epochs()) {
                    Main.doing("shuffling epoch " + epoch + " into " + plan.shards() + " shards");
                    workers.startEpoch(epoch, DataParallel.order(config.seed(), epoch, count));
                    long t0 = System.nanoTime();
                    Main.doing("training epoch " + epoch + " on Spark");
                    try (Progress bar = Progress.start(String.format(Locale.ROOT, "epoch %d/%d", epoch, config.epochs()), steps, "steps")) {
                        bar.step(step);
                        while (step < steps) {
                            DataParallelTrainer.Sums s;
                            try {
                                s = trainer.step(workers, step, globalStep);
                            } catch (VAE.DivergedException e) {
                                throw diverged(e.getMessage());
                            } catch (Exception e) { // a task's failure, as Spark reports it once its retries are spent (a checked SparkException)
                                for (Throwable c = e; c != null; c = c.getCause()) {
                                    if (c instanceof VAE.DivergedException) throw diverged(c.getMessage());
                                }
                                throw new CliException("step " + (step + 1) + " of epoch " + epoch + " failed on Spark: " + SparkChecks.describe(e)
                                        + "; the last checkpoint is kept: " + dir.resolve(Runs.CHECKPOINT));
                            }
                            if (!Double.isFinite(s.elbo())) throw diverged("the ELBO is " + s.elbo());
                            sums[0] += s.rows();
                            sums[1] += -s.elbo();
                            sums[2] += -s.reconstruction();
                            sums[3] += s.kl();
                            step++;
                            globalStep++;
                            bar.step(1);
                            if (stop.get() && step < steps) {
                                seconds += (System.nanoTime() - t0) * 1e-9;
                                save();
                                out.println("stopped at epoch " + epoch + ", step " + step + "/" + steps + "; to continue:");
                                out.print(Text.command("vae", "train", "--resume", dir.toString(), "--spark", master));
                                return Main.INTERRUPTED;
                            }
                        }
                    }
                    seconds += (System.nanoTime() - t0) * 1e-9;
                    endOfEpoch();
                    if (stop.get() && epoch <= config.epochs()) {
                        out.println("stopped after epoch " + (epoch - 1) + "; to continue:");
                        out.print(Text.command("vae", "train", "--resume", dir.toString(), "--spark", master));
                        return Main.INTERRUPTED;
                    }
                }
            }
            out.print(Text.wrap("done: ", dir.resolve(Runs.CHECKPOINT).toString()));
            out.print(Text.wrap("evaluate with: ", "vae eval " + Text.shellQuote(dir.toString())));
            return 0;
        }

        private CliException diverged(String what) {
            String kept = Files.exists(dir.resolve(Runs.CHECKPOINT)) ? " The last good checkpoint is kept." : " No checkpoint had been written yet.";
            return new CliException("training diverged at epoch " + epoch + ", step " + (step + 1) + ": " + what + "." + kept + " Try a smaller --lr.");
        }

        private void endOfEpoch() {
            double n = sums[0];
            double trainLoss = sums[1] / n, recon = sums[2] / n, kl = sums[3] / n;
            Main.doing("evaluating epoch " + epoch);
            double testLoss = -vae.meanElbo(test, io.elbo.vae.Streams.of(config.seed(), 3, epoch));
            double rate = n / seconds;
            out.println(TrainCommand.epochRow(config, epoch, trainLoss, recon, kl, testLoss, seconds, rate));
            out.flush();
            int done = epoch;
            csvRows.removeIf(r -> Integer.parseInt(r.substring(0, r.indexOf(','))) >= done);
            csvRows.add(TrainCommand.csvRow(config, epoch, trainLoss, recon, kl, testLoss, spec.options().betaAt(globalStep), seconds, rate));
            epoch++;
            step = 0;
            sums = new double[4];
            seconds = 0;
            save();
            Pictures.writeText(dir.resolve(Runs.METRICS), TrainCommand.Trainer.CSV_HEADER + "\n" + String.join("\n", csvRows) + "\n");
            TrainCommand.drawPictures(vae, config, test, classNames, csvRows, dir, String.format(Locale.ROOT, "-epoch-%03d", done), "epoch " + done);
        }

        private void save() {
            Runs.save(dir, vae, optimizer, null, config, epoch, step, globalStep, sums, seconds,
                    Map.of(TrainCommand.TRAINER, "spark", SHARD_SIZE, Integer.toString(plan.shardSize())));
        }
    }
}

package io.elbo.cli;

import io.elbo.autodiff.DType;
import io.elbo.autodiff.Tape;
import io.elbo.autodiff.Tensor;
import io.elbo.autodiff.backend.Threads;
import io.elbo.nn.Adam;
import io.elbo.nn.Checkpoint;
import io.elbo.nn.CheckpointException;
import io.elbo.nn.Optimizer;
import io.elbo.nn.Parameter;
import io.elbo.nn.SGD;
import io.elbo.vae.VAE;
import io.elbo.vae.data.Dataset;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.commons.rng.RestorableUniformRandomProvider;
import org.apache.commons.rng.sampling.PermutationSampler;
import org.apache.commons.rng.simple.RandomSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vae train}: minibatch training of a VAE with a checkpoint after every epoch.
 *
 * <p>Determinism: the model is initialised from {@code --seed}; each epoch's shuffle comes from a
 * generator seeded by (seed, epoch); the reparameterisation noise and dynamic binarisation draw from
 * one training generator whose state is saved in every checkpoint; test evaluation and pictures use
 * their own seeded generators. So a run resumed from any checkpoint, even one written mid-epoch by
 * Ctrl-C, continues with exactly the bits of an uninterrupted run.
 */
@Command(name = "train", mixinStandardHelpOptions = true, showDefaultValues = true, abbreviateSynopsis = true, sortOptions = false,
        description = {"Train a VAE; writes metrics.csv, PNGs and a checkpoint per epoch to the output directory.",
                "Defaults are the model of PyTorch's VAE example (784-400-20, Bernoulli, Adam 1e-3, batch 128)."})
final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SharedOptions.DataSource data;

    @Option(names = "--pixels", defaultValue = "grey", paramLabel = "MODE", description = "grey (values in [0,1]), static or dynamic binarisation")
    String pixels;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N", description = "train on the first N images only (0: all)")
    int limit;

    @Option(names = "--hidden", defaultValue = "400", split = ",", paramLabel = "W[,W...]", hideParamSyntax = true,
            description = "widths of the encoder's hidden layers; the decoder mirrors them")
    int[] hidden;

    @Option(names = "--latent", defaultValue = "20", paramLabel = "K", description = "latent dimensions")
    int latent;

    @Option(names = "--activation", defaultValue = "relu", paramLabel = "NAME", description = "relu, tanh, sigmoid or softplus")
    String activation;

    @Option(names = "--likelihood", defaultValue = "bernoulli", paramLabel = "NAME",
            description = "bernoulli, gaussian (learned σ), gaussian-pixel (σ per pixel) or gaussian-fixed (--sigma)")
    String likelihood;

    @Option(names = "--sigma", defaultValue = "0.1", paramLabel = "S", description = "σ of the gaussian-fixed likelihood")
    double sigma;

    @Option(names = {"-e", "--epochs"}, defaultValue = "10", paramLabel = "N", description = "epochs (with --resume: the new total)")
    int epochs;

    @Option(names = {"-b", "--batch-size"}, defaultValue = "128", paramLabel = "B", description = "images per training step")
    int batchSize;

    @Option(names = "--optimizer", defaultValue = "adam", paramLabel = "NAME", description = "adam, adamw or sgd")
    String optimizer;

    @Option(names = "--lr", defaultValue = "1e-3", paramLabel = "RATE", description = "learning rate")
    double lr;

    @Option(names = "--beta", defaultValue = "1", paramLabel = "B", description = "weight β of the KL term")
    double beta;

    @Option(names = "--kl-warmup", defaultValue = "0", paramLabel = "EPOCHS", description = "epochs over which β rises linearly from 0")
    int klWarmup;

    @Option(names = {"-L", "--samples"}, defaultValue = "1", paramLabel = "L", description = "samples of z per image in the ELBO")
    int samples;

    @Option(names = "--iwae-k", defaultValue = "1", paramLabel = "K", description = "train on the importance-weighted bound with K samples (1: the ELBO)")
    int iwaeK;

    @Mixin
    SharedOptions.Seed seed;

    @Mixin
    SharedOptions.KernelThreads threads;

    @Option(names = "--dtype", defaultValue = "float32", paramLabel = "TYPE", description = "float32 or float64")
    String dtype;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = {"the run directory to write", "  Default: runs/vae-DATE-TIME"})
    Path out;

    @Option(names = "--resume", paramLabel = "DIR",
            description = {"continue the run in DIR from its checkpoint, bit-identical to never stopping", "  Default: a new run"})
    Path resume;

    @Option(names = "--spark", paramLabel = "MASTER",
            description = {"train on Apache Spark, data-parallel and synchronous: local[2], spark://host:7077, yarn, ... (needs the"
                    + " spark module: ./mvnw -Pspark package)", "  Default: in this process"})
    String spark;

    @Option(names = "--shard-size", defaultValue = "32", paramLabel = "S",
            description = "with --spark: rows per shard; each batch of -b rows is cut into -b/S shards, one task each")
    int shardSize;

    /** The options that may accompany --resume; every other one belongs to the run's saved configuration. */
    private static final List<String> RESUMABLE = List.of("--resume", "--epochs", "--threads", "--spark");

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        threads.apply(spec);
        RunConfig config;
        Data d;
        Path dir;
        Path checkpoint = null;
        if (resume != null) {
            for (OptionSpec given : spec.commandLine().getParseResult().matchedOptions()) {
                if (!RESUMABLE.contains(given.longestName())) {
                    throw usage("--resume continues a run with its own configuration; " + given.longestName() + " cannot be given with it "
                            + "(only --epochs and --threads)");
                }
            }
            checkpoint = Runs.checkpointFile(resume);
            dir = Files.isDirectory(resume) ? resume : resume.toAbsolutePath().getParent();
            RunConfig saved = Runs.config(checkpoint);
            int total = spec.commandLine().getParseResult().hasMatchedOption("--epochs") ? epochs : saved.epochs();
            if (total < 1) throw usage("--epochs must be at least 1, got " + total);
            config = saved.withEpochs(total);
            config.checkMemory("training the model of " + checkpoint, (long) config.batchSize() * Math.max(config.samples(), config.iwaeK()),
                    4, RunConfig.TRAINING);
            Main.doing("reading the data");
            d = Data.isParquet(config.data()) ? null : Data.load(config.data()).requireSize(config.rows(), config.cols());
        } else {
            RunConfig options = config(28, 28, "sample");
            try {
                options.validate();
            } catch (IllegalArgumentException e) {
                throw usage(e.getMessage());
            }
            dir = out != null ? out : Path.of("runs", "vae-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            Main.doing("reading the data");
            String source = Data.resolve(data.value);
            if (Data.isParquet(source)) {
                if (spark == null) throw usage("--data " + data.value + " holds Parquet files; train on them with --spark MASTER");
                int[] size = Data.parquetImageSize(source);
                d = null;
                config = config(size[0], size[1], source);
            } else {
                d = Data.load(source);
                config = config(d.train().rows(), d.train().cols(), d.source());
            }
            config.checkMemory("training this model", (long) batchSize * Math.max(samples, iwaeK), 4, RunConfig.TRAINING);
        }
        if (spark != null) {
            if (!config.pixels().equals("grey")) throw usage("--spark trains on grey pixels; --pixels " + config.pixels() + " is in-process only");
            if (shardSize < 1 || config.batchSize() % shardSize != 0) {
                throw usage("--batch-size (" + config.batchSize() + ") must be a multiple of --shard-size (" + shardSize + ")");
            }
        }
        if (d != null) o.print(Text.wrap("data: ", d.description()));
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new CliException(dir + ": cannot create the output directory (" + io.elbo.nn.IoErrors.reason(e) + ")");
        }
        try (RunLock lock = RunLock.acquire(dir)) {
            if (checkpoint == null && Files.exists(dir.resolve(Runs.CHECKPOINT))) {
                throw new CliException(dir + " already holds a run (" + Runs.CHECKPOINT + "); continue it with --resume " + dir
                        + " or choose another --out");
            }
            RunLock.removeLeftovers(dir);
            if (checkpoint != null) requireSameTrainer(checkpoint, spark != null);
            if (spark != null) {
                if (checkpoint == null) Pictures.writeText(dir.resolve(Runs.CONFIG), config.toJson() + "\n");
                AtomicBoolean stop = new AtomicBoolean();
                try (var signals = Signals.onInterrupt(() -> {
                    if (!stop.getAndSet(true)) {
                        Progress.stopDrawing();
                        System.err.println("vae: stopping after this step to save a checkpoint; Ctrl-C again quits at once");
                    } else Runtime.getRuntime().halt(Main.INTERRUPTED);
                })) {
                    return SparkSupport.find().train(config, d, spark, shardSize, dir, checkpoint, o, spec.commandLine().getErr(), stop);
                }
            }
            Main.doing("building the model");
            Trainer t = new Trainer(config, d, dir, o, spec.commandLine().getErr());
            if (checkpoint != null) t.restore(checkpoint);
            else Pictures.writeText(dir.resolve(Runs.CONFIG), config.toJson() + "\n");
            AtomicBoolean stop = new AtomicBoolean();
            try (var signals = Signals.onInterrupt(() -> {
                if (!stop.getAndSet(true)) {
                    Progress.stopDrawing();
                    System.err.println("vae: stopping after this step to save a checkpoint; Ctrl-C again quits at once");
                }
                else Runtime.getRuntime().halt(Main.INTERRUPTED);
            })) {
                return t.run(stop) ? 0 : Main.INTERRUPTED;
            }
        }
    }

    /** A run continues with the trainer that began it: in-process, or on Spark (different steps, different bits). */
    private void requireSameTrainer(Path checkpoint, boolean onSpark) {
        String trainer;
        try {
            trainer = io.elbo.nn.SafeTensors.read(checkpoint).metadata().getOrDefault(TRAINER, "in-process");
        } catch (io.elbo.nn.CheckpointException e) {
            throw new CliException(e.getMessage());
        }
        if (trainer.equals("spark") && !onSpark) throw usage(checkpoint + " was trained on Spark; continue it with --spark MASTER");
        if (!trainer.equals("spark") && onSpark) throw usage(checkpoint + " was trained in-process; continue it without --spark");
    }

    /** Checkpoint metadata: which trainer wrote it (absent: in-process). */
    static final String TRAINER = "trainer";

    /** The optimiser a run configuration names, over a model's parameters. */
    static Optimizer optimizer(RunConfig config, VAE vae) {
        return switch (config.optimizer()) {
            case "adam" -> Adam.adam(vae.parameters(), config.lr());
            case "adamw" -> Adam.adamW(vae.parameters(), config.lr());
            default -> new SGD(vae.parameters(), config.lr()).momentum(0.9);
        };
    }

    /** The header of the epoch table, its columns as wide as {@link #epochRow}'s. */
    static String epochHeader(RunConfig config) {
        String train = config.iwaeK() > 1 ? "train -L_" + config.iwaeK() : "train -ELBO";
        String parts = config.iwaeK() > 1 ? String.format(Locale.ROOT, "%3s%8s%3s%7s", "", "", "", "")
                : String.format(Locale.ROOT, " = %8s + %7s", "recon", "KL");
        return String.format(Locale.ROOT, "%-7s %12s%s %12s %8s %8s", "epoch", train, parts, "test -ELBO", "time", "img/s");
    }

    /** One row of the epoch table. */
    static String epochRow(RunConfig config, int epoch, double trainLoss, double recon, double kl, double testLoss, double seconds, double rate) {
        String rc = config.iwaeK() > 1 ? String.format(Locale.ROOT, "%3s%8s%3s%7s", "", "", "", "")
                : String.format(Locale.ROOT, " = %8.2f + %7.2f", recon, kl);
        return String.format(Locale.ROOT, "%-7s %12.2f%s %12.2f %6.1f s %8.0f", epoch + "/" + config.epochs(), trainLoss, rc, testLoss, seconds, rate);
    }

    /** One row of metrics.csv ({@link Trainer#CSV_HEADER}). */
    static String csvRow(RunConfig config, int epoch, double trainLoss, double recon, double kl, double testLoss, double beta, double seconds,
                         double rate) {
        return String.format(Locale.ROOT, "%d,%s,%s,%s,%s,%s,%.3f,%.1f", epoch, Double.toString(trainLoss), config.iwaeK() > 1 ? ""
                : Double.toString(recon), config.iwaeK() > 1 ? "" : Double.toString(kl), Double.toString(testLoss), Double.toString(beta), seconds, rate);
    }

    /** The run configuration the options describe, for images of rows × cols from {@code source}. */
    private RunConfig config(int rows, int cols, String source) {
        String dt;
        try {
            dt = RunConfig.parseDtype(dtype) == DType.FLOAT32 ? "float32" : "float64";
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        return new RunConfig(source, pixels.toLowerCase(Locale.ROOT), limit, rows, cols, hidden, latent, activation.toLowerCase(Locale.ROOT),
                likelihood.toLowerCase(Locale.ROOT), sigma, epochs, batchSize, optimizer.toLowerCase(Locale.ROOT), lr, beta, klWarmup, samples,
                iwaeK, seed.value, dt);
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }


    /** The training loop and its state: where in which epoch, running sums, the generator. */
    static final class Trainer {
        static final String CSV_HEADER = "epoch,train_loss,train_reconstruction,train_kl,test_neg_elbo,beta,seconds,samples_per_second";

        private final RunConfig config;
        private final Dataset train;
        private final Dataset test;
        private final Data.Pixels pixels;
        private final String[] classNames;
        private final Path dir;
        private final PrintWriter out;
        /** Where warnings go. */
        private final PrintWriter err;
        private final VAE vae;
        private final Optimizer optimizer;
        private final RestorableUniformRandomProvider rng;
        private final VAE.ElboOptions options;
        private final int batches;
        private final List<String> csvRows = new ArrayList<>();

        /** The epoch in progress (1-based), the batches of it done, the steps done in all. */
        private int epoch = 1;
        private int batch;
        private long step;
        /** Running sums over the epoch's images: count, objective, reconstruction, KL (times batch size); seconds spent. */
        private double[] sums = new double[4];
        private double seconds;
        private boolean checkpointWritten;

        Trainer(RunConfig config, Data data, Path dir, PrintWriter out, PrintWriter err) {
            this.err = err;
            this.config = config;
            this.pixels = Data.Pixels.parse(config.pixels());
            this.classNames = data.classNames();
            Dataset tr = config.limit() > 0 ? data.train().head(config.limit()) : data.train();
            this.train = pixels.train(tr);
            this.test = pixels.test(data.test());
            this.dir = dir;
            this.out = out;
            this.vae = new VAE(config.vaeConfig(), io.elbo.vae.Streams.of(config.seed(), 0));
            this.optimizer = optimizer(config, vae);
            this.rng = io.elbo.vae.Streams.of(config.seed(), 1);
            this.batches = (train.count() + config.batchSize() - 1) / config.batchSize();
            this.options = new VAE.ElboOptions(config.samples(), config.beta(), true, config.klWarmup() * batches, config.iwaeK());
        }

        void restore(Path file) {
            Map<String, String> meta;
            try {
                meta = Checkpoint.load(file, vae, optimizer, rng);
            } catch (CheckpointException e) {
                throw new CliException(e.getMessage());
            }
            String where = file + ": the checkpoint's position";
            epoch = (int) number(meta, Runs.EPOCH, 1, Integer.MAX_VALUE, where);
            if (epoch > config.epochs() + 1) {
                throw new CliException(where + " is epoch " + epoch + ", past the " + config.epochs() + " epochs asked for; ask for more with"
                        + " --epochs");
            }
            batch = (int) number(meta, Runs.BATCH, 0, epoch == config.epochs() + 1 ? 0 : batches, where);
            step = number(meta, Runs.STEP, 0, Long.MAX_VALUE, where);
            if (step != (long) (epoch - 1) * batches + batch) {
                throw new CliException(where + ": step " + step + " is not epoch " + epoch + ", batch " + batch + " at " + batches
                        + " batches per epoch");
            }
            String[] s = String.valueOf(meta.get(Runs.SUMS)).split(",", -1);
            try {
                if (s.length != 4) throw new NumberFormatException();
                for (int i = 0; i < 4; i++) sums[i] = Double.parseDouble(s[i]);
                seconds = Double.parseDouble(String.valueOf(meta.get(Runs.SECONDS)));
            } catch (NumberFormatException e) {
                throw new CliException(where + ": the epoch's running sums or seconds are missing or not numbers");
            }
            // count and objective are numbers; reconstruction and KL too, except under IWAE, which has none (NaN).
            boolean iwae = config.iwaeK() > 1;
            for (int i = 0; i < 4; i++) {
                if (i < 2 || !iwae ? !Double.isFinite(sums[i]) : !Double.isNaN(sums[i])) {
                    throw new CliException(where + ": the epoch's running sums are not " + (i < 2 || !iwae ? "finite" : "those of IWAE"));
                }
            }
            if (sums[0] != Math.min((long) batch * config.batchSize(), train.count()) || !(seconds >= 0) || !Double.isFinite(seconds)) {
                throw new CliException(where + ": the epoch's running sums do not match batch " + batch + " (" + sums[0] + " images, "
                        + seconds + " s)");
            }
            checkpointWritten = true;
            readMetrics();
            out.print(Text.wrap("resumed ", dir + " at epoch " + epoch + (batch > 0 ? ", batch " + batch + "/" + batches : "") + " (step " + step + ")"));
        }

        /** A whole number in [lo, hi] from the checkpoint's metadata, or one line saying which is wrong. */
        private static long number(Map<String, String> meta, String key, long lo, long hi, String where) {
            String v = meta.get(key);
            long n;
            try {
                n = Long.parseLong(String.valueOf(v));
            } catch (NumberFormatException e) {
                throw new CliException(where + ": '" + key + "' is " + (v == null ? "missing" : "'" + v + "', not a whole number"));
            }
            if (n < lo || n > hi) throw new CliException(where + ": '" + key + "' is " + n + ", outside " + lo + ".." + hi);
            return n;
        }

        /** Trains to the configured number of epochs; false when stopped by {@code stop} (after saving). */
        boolean run(AtomicBoolean stop) {
            out.print(Text.wrap("model: ", String.format(Locale.ROOT, "%d-%s-%d %s %s, %d %s parameters, %d threads", config.rows() * config.cols(),
                    java.util.Arrays.toString(config.hidden()).replaceAll("[\\[\\] ]", "").replace(',', '-'), config.latent(), config.activation(),
                    config.likelihood(), vae.parameterCount(), config.dtype(), Threads.count())));
            out.print(Text.wrap("train: ", String.format(Locale.ROOT, "%d images in %d batches of %d per epoch, %d epochs", train.count(), batches,
                    config.batchSize(), config.epochs())));
            out.print(Text.wrap("output: ", dir.toString()));
            out.print(Text.wrap("cpu: ", io.elbo.autodiff.backend.Backend.machine()));
            out.flush();
            Warmup.Report warm = Warmup.training(config, options, train, (long) (config.epochs() - epoch + 1) * batches - batch);
            out.print(Text.wrap("warm-up: ", warm.line("steps", "the kernels compiled before epoch " + epoch)));
            out.println(epochHeader(config));
            out.flush();
            DType dt = config.dtypeValue();
            while (epoch <= config.epochs()) {
                int[] order = PermutationSampler.natural(train.count());
                PermutationSampler.shuffle(io.elbo.vae.Streams.of(config.seed(), 2, epoch), order);
                long t0 = System.nanoTime();
                Main.doing("training epoch " + epoch);
                try (Progress bar = Progress.start(String.format(Locale.ROOT, "epoch %d/%d", epoch, config.epochs()), train.count(), "img")) {
                    bar.step(Math.min(train.count(), (long) batch * config.batchSize()));
                    while (batch < batches) {
                        int from = batch * config.batchSize(), to = Math.min(train.count(), from + config.batchSize());
                        step(batchTensor(order, from, to, dt), to - from);
                        batch++;
                        bar.step(to - from);
                        TestHook.afterBatch(epoch, batch, stop, out);
                        if (stop.get() && batch < batches) {
                            seconds += (System.nanoTime() - t0) * 1e-9;
                            save();
                            out.println("stopped at epoch " + epoch + ", batch " + batch + "/" + batches + "; to continue:");
                            out.println("  vae train --resume " + dir);
                            return false;
                        }
                    }
                }
                seconds += (System.nanoTime() - t0) * 1e-9;
                endOfEpoch(); // moves on to the next epoch
                if (stop.get() && epoch <= config.epochs()) {
                    out.println("stopped after epoch " + (epoch - 1) + "; to continue:");
                    out.println("  vae train --resume " + dir);
                    return false;
                }
            }
            out.print(Text.wrap("done: ", dir.resolve(Runs.CHECKPOINT).toString()));
            out.print(Text.wrap("evaluate with: ", "vae eval " + dir));
            return true;
        }

        private Tensor batchTensor(int[] order, int from, int to, DType dt) {
            int[] idx = java.util.Arrays.copyOfRange(order, from, to);
            if (pixels != Data.Pixels.DYNAMIC) return train.rows(idx, dt);
            Tensor x = train.rows(idx, DType.FLOAT32);
            x = Data.Pixels.binarise(x, rng);
            return dt == DType.FLOAT32 ? x : x.to(dt);
        }

        private void step(Tensor x, int n) {
            VAE.Terms t;
            try {
                t = vae.trainStep(x, optimizer, rng, options, step);
            } catch (VAE.DivergedException e) {
                throw diverged(e.getMessage());
            }
            step++;
            sums[0] += n;
            sums[1] += -t.elbo() * n;
            sums[2] += -t.reconstruction() * n;
            sums[3] += t.kl() * n;
        }

        /** Stops the run: says what went non-finite and where (from the library), and what is kept. */
        private CliException diverged(String what) {
            String kept = checkpointWritten ? " The last good checkpoint is kept: " + dir.resolve(Runs.CHECKPOINT) + "."
                    : " No checkpoint had been written yet.";
            return new CliException("training diverged at epoch " + epoch + ", batch " + (batch + 1) + " (step " + (step + 1) + "): "
                    + what + "." + kept + " Try a smaller --lr.");
        }

        private void endOfEpoch() {
            double n = sums[0];
            double trainLoss = sums[1] / n, recon = sums[2] / n, kl = sums[3] / n;
            Main.doing("evaluating epoch " + epoch);
            double testLoss = -vae.meanElbo(test, io.elbo.vae.Streams.of(config.seed(), 3, epoch));
            double rate = n / seconds;
            double betaNow = options.betaAt(step);
            out.println(epochRow(config, epoch, trainLoss, recon, kl, testLoss, seconds, rate));
            out.flush();
            csvRows.removeIf(r -> Integer.parseInt(r.substring(0, r.indexOf(','))) >= epoch);
            csvRows.add(csvRow(config, epoch, trainLoss, recon, kl, testLoss, betaNow, seconds, rate));
            for (Parameter p : vae.parameters()) {
                if (!p.value().allFinite()) throw diverged("a parameter became non-finite");
            }
            int done = epoch;
            epoch++;
            batch = 0;
            sums = new double[4];
            seconds = 0;
            save(); // the epoch's training is safe before anything else is written
            warnIfFails(() -> Pictures.writeText(dir.resolve(Runs.METRICS), CSV_HEADER + "\n" + String.join("\n", csvRows) + "\n"));
            warnIfFails(() -> pictures(done));
        }

        /** Runs a write that must not cost the run: a failure is one warning line, and training goes on. */
        private void warnIfFails(Runnable write) {
            try {
                write.run();
            } catch (CliException e) {
                out.flush();
                err.println("vae: warning: " + e.getMessage());
                err.flush();
            }
        }


        private void pictures(int epochDone) {
            Main.doing("drawing the pictures of epoch " + epochDone);
            String e = String.format(Locale.ROOT, "-epoch-%03d", epochDone);
            drawPictures(vae, config, test, classNames, csvRows, dir, e, "epoch " + epochDone);
        }

        private void save() {
            Runs.save(dir, vae, optimizer, rng, config, epoch, batch, step, sums, seconds, Map.of());
            checkpointWritten = true;
        }

        private void readMetrics() {
            csvRows.addAll(Runs.metricsBefore(dir, epoch));
        }
    }

    /**
     * The pictures of a run at one point: samples from the prior, test images above their reconstructions,
     * for a 2-D latent space the manifold and the test codes, and the loss curve from {@code csvRows}
     * (metrics.csv's rows; none: no curve). Files are named NAME{@code suffix}.png in {@code dir}; {@code what}
     * ("epoch 3") goes in their titles.
     */
    static void drawPictures(VAE vae, RunConfig config, Dataset test, String[] classNames, List<String> csvRows, Path dir, String suffix,
                             String what) {
        int rows = config.rows(), cols = config.cols();
        try (var off = Tape.noGrad()) {
            Tensor samples = vae.sample(64, io.elbo.vae.Streams.of(config.seed(), 4));
            Pictures.Figure f = new Pictures.Figure(Pictures.grid(samples.toFloatArray(), 64, rows, cols, 8),
                    "64 samples: means of p(x|z), z ~ N(0, I), " + what, 0, 0);
            Pictures.writePng(f.done(), dir.resolve("samples" + suffix + ".png"));
            int n = Math.min(32, test.count());
            Tensor originals = test.batch(0, n, config.dtypeValue());
            Pictures.writePng(Pictures.originalsAboveReconstructions(originals.toFloatArray(), vae.reconstruct(originals).toFloatArray(), n, 0,
                    rows, cols, what), dir.resolve("reconstructions" + suffix + ".png"));
            if (config.latent() == 2) {
                Pictures.writePng(Pictures.manifold(manifold(vae, 20), 20, rows, cols, -MANIFOLD, MANIFOLD, what),
                        dir.resolve("manifold" + suffix + ".png"));
                int m = Math.min(test.count(), 5000);
                float[] mu = vae.encode(test.batch(0, m, config.dtypeValue())).mu().toFloatArray();
                Pictures.latentScatter(mu, test.labels(), classNames, m, what, dir.resolve("latent" + suffix + ".png"));
            }
        }
        if (csvRows.isEmpty()) return;
        List<double[]> curve = new ArrayList<>();
        for (String r : csvRows) {
            String[] f = r.split(",", -1);
            curve.add(new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[4]),
                    f[2].isEmpty() ? Double.NaN : Double.parseDouble(f[2]), f[3].isEmpty() ? Double.NaN : Double.parseDouble(f[3])});
        }
        Pictures.lossCurve(curve, config.iwaeK() > 1 ? "-L_" + config.iwaeK() : "-ELBO", dir.resolve("loss.png"));
    }

    /** The half-width of the manifold's square of z: [−2.5, 2.5]². */
    static final double MANIFOLD = 2.5;

    /** The latent grid of a 2-D model: decoder means at z on a size×size grid over [−2.5, 2.5]², z₂ decreasing downwards. */
    static float[] manifold(VAE vae, int size) {
        double[] z = new double[size * size * 2];
        for (int r = 0; r < size; r++) {
            for (int c = 0; c < size; c++) {
                z[2 * (r * size + c)] = -MANIFOLD + 2 * MANIFOLD * c / (size - 1);
                z[2 * (r * size + c) + 1] = MANIFOLD - 2 * MANIFOLD * r / (size - 1);
            }
        }
        try (var off = Tape.noGrad()) {
            return vae.mean(vae.decode(Tensor.fromArray(vae.config().dtype(), z, size * size, 2))).toFloatArray();
        }
    }
}

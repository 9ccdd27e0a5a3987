package io.elbo.cli;

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
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.commons.rng.RestorableUniformRandomProvider;

/**
 * One training run, whoever computes its steps: the epoch loop, the epoch's running sums, the checkpoint
 * after every epoch and at Ctrl-C, resume (the position validated field by field), the test −ELBO,
 * metrics.csv and the pictures. How a step is computed is the {@link Steps}' business: in this process
 * ({@link InProcessSteps}), or data-parallel on Spark (the spark module's, found through {@link SparkSupport}).
 *
 * <p>Checkpoint metadata, in this order: {@code run} (the configuration), {@code trainer} and the steps' own
 * fields ({@link Steps#metadata()}, in their order), then the position: {@code epoch} (the next one),
 * {@code batch} (its steps done), {@code step} (steps done in all), {@code sums}, {@code seconds}. Nothing
 * written comes from a hash-ordered map, so the same run writes the same bytes in any process.
 */
public final class TrainingRun {
    /** metrics.csv's header. */
    public static final String CSV_HEADER = "epoch,train_loss,train_reconstruction,train_kl,test_neg_elbo,beta,seconds,samples_per_second";

    /** Checkpoint metadata: which trainer wrote it (absent: in-process). */
    public static final String TRAINER = "trainer";

    /** The test set a run evaluates after every epoch, and its class names by label (null: "label k"). */
    public record TestSet(Dataset images, String[] classNames) {}

    /** One step's terms, summed over its rows: rows, −ELBO (or −L_k), −reconstruction, KL. */
    public record StepSums(long rows, double negElbo, double negReconstruction, double kl) {}

    /**
     * How a run's steps are computed. The run calls {@link #startEpoch} once per epoch it enters (also a
     * resumed one), then {@link #step} for each step left in it.
     */
    public interface Steps extends AutoCloseable {
        /** The trainer's name in the checkpoint ({@value #IN_PROCESS} or another). */
        String trainer();

        /** Its own checkpoint metadata, in a fixed order (an insertion-ordered map). */
        LinkedHashMap<String, String> metadata();

        /** Steps per epoch. */
        int stepsPerEpoch();

        /** Rows the first {@code steps} steps of an epoch hold. */
        long rowsBefore(int steps);

        /** What a step is called in messages: "batch" in process, "step" on Spark. */
        String stepName();

        /** The generator whose state a checkpoint keeps (null: none). */
        RestorableUniformRandomProvider rng();

        /** The test set evaluated after every epoch. */
        TestSet testSet();

        /** Lines said before the epoch table (after "model:"): data, plan, output, machine. */
        List<String> describe();

        /** Readies the machine for the {@code stepsToCome} steps from epoch {@code epoch} on (a JIT warm-up sized to them, say); returns a line to print, or null. */
        String warmUp(int epoch, long stepsToCome);

        /** Epoch {@code epoch} (1-based) begins: its order of rows. */
        void startEpoch(int epoch);

        /**
         * Step {@code stepInEpoch} (0-based) of the epoch, {@code globalStep} overall: one optimiser update.
         *
         * @throws VAE.DivergedException when its objective is not finite (nothing updated)
         */
        StepSums step(int stepInEpoch, long globalStep);

        /** The command that continues this run, word by word (printed shell-quoted). */
        List<String> resumeCommand(Path dir);

        @Override
        default void close() {}

        /** The name of the in-process trainer. */
        String IN_PROCESS = "in-process";
    }

    private final RunConfig config;
    private final Path dir;
    private final VAE vae;
    private final Optimizer optimizer;
    private final Steps steps;
    private final PrintWriter out, err;
    private final VAE.ElboOptions options;
    private final List<String> csvRows = new ArrayList<>();

    /** The epoch in progress (1-based), its steps done, the steps done in all. */
    private int epoch = 1;
    private int batch;
    private long step;
    /** Running sums over the epoch's rows: count, −objective, −reconstruction, KL; seconds spent. */
    private double[] sums = new double[4];
    private double seconds;
    private boolean checkpointWritten;

    /**
     * A run of {@code vae} (built from {@code config} with {@link #newModel}) and its optimiser ({@link #optimizer})
     * in {@code dir}, its steps computed by {@code steps}.
     */
    public TrainingRun(RunConfig config, Path dir, VAE vae, Optimizer optimizer, Steps steps, PrintWriter out, PrintWriter err) {
        this.config = config;
        this.dir = dir;
        this.vae = vae;
        this.optimizer = optimizer;
        this.steps = steps;
        this.out = out;
        this.err = err;
        this.options = options(config, steps.stepsPerEpoch());
    }

    /** The model a run configuration describes, initialised from its seed. */
    public static VAE newModel(RunConfig config) {
        return new VAE(config.vaeConfig(), io.elbo.vae.Streams.of(config.seed(), 0));
    }

    /** The optimiser a run configuration names, over a model's parameters. */
    public static Optimizer optimizer(RunConfig config, VAE vae) {
        return switch (config.optimizer()) {
            case ADAM -> Adam.adam(vae.parameters(), config.lr());
            case ADAMW -> Adam.adamW(vae.parameters(), config.lr());
            case SGD -> new SGD(vae.parameters(), config.lr()).momentum(0.9);
        };
    }

    /** The objective a run configuration names, with its KL warm-up counted in steps of {@code stepsPerEpoch}. */
    public static VAE.ElboOptions options(RunConfig config, int stepsPerEpoch) {
        return new VAE.ElboOptions(config.samples(), config.beta(), true, config.klWarmup() * stepsPerEpoch, config.iwaeK());
    }

    /** The checkpoint file of the run directory {@code dir}. */
    public static Path checkpointOf(Path dir) {
        return dir.resolve(Runs.CHECKPOINT);
    }

    /** The trainer that wrote a checkpoint's metadata. */
    static String trainerOf(Map<String, String> meta) {
        return meta.getOrDefault(TRAINER, Steps.IN_PROCESS);
    }

    /** Loads model, optimiser and generator from {@code file} and takes up its position, every field checked. */
    public void restore(Path file) {
        Map<String, String> meta;
        try {
            meta = Checkpoint.load(file, vae, optimizer, steps.rng());
        } catch (CheckpointException e) {
            throw new CliException(e.getMessage());
        }
        String where = file + ": the checkpoint's position";
        if (!trainerOf(meta).equals(steps.trainer())) {
            throw new CliException(where + ": trained " + trainerOf(meta) + ", not " + steps.trainer());
        }
        int per = steps.stepsPerEpoch();
        epoch = (int) number(meta, Runs.EPOCH, 1, Integer.MAX_VALUE, where);
        if (epoch > config.epochs() + 1) {
            throw new CliException(where + " is epoch " + epoch + ", past the " + config.epochs() + " epochs asked for; ask for more with"
                    + " --epochs");
        }
        batch = (int) number(meta, Runs.BATCH, 0, epoch == config.epochs() + 1 ? 0 : per, where);
        step = number(meta, Runs.STEP, 0, Long.MAX_VALUE, where);
        if (step != (long) (epoch - 1) * per + batch) {
            throw new CliException(where + ": step " + step + " is not epoch " + epoch + ", " + steps.stepName() + " " + batch + " at " + per
                    + " " + (steps.stepName().endsWith("h") ? steps.stepName() + "es" : steps.stepName() + "s") + " per epoch");
        }
        String[] s = String.valueOf(meta.get(Runs.SUMS)).split(",", -1);
        try {
            if (s.length != 4) throw new NumberFormatException();
            for (int i = 0; i < 4; i++) sums[i] = Double.parseDouble(s[i]);
            seconds = Double.parseDouble(String.valueOf(meta.get(Runs.SECONDS)));
        } catch (NumberFormatException e) {
            throw new CliException(where + ": the epoch's running sums or seconds are missing or not numbers");
        }
        // count and objective are numbers; reconstruction and KL too, except under IWAE, which has none (NaN) once
        // a step of the epoch has been summed (at an epoch's start every sum is 0, IWAE or not).
        boolean iwae = config.iwaeK() > 1 && batch > 0;
        for (int i = 0; i < 4; i++) {
            if (i < 2 || !iwae ? !Double.isFinite(sums[i]) : !Double.isNaN(sums[i])) {
                throw new CliException(where + ": the epoch's running sums are not " + (i < 2 || !iwae ? "finite" : "those of IWAE"));
            }
        }
        if (sums[0] != steps.rowsBefore(batch) || !(seconds >= 0) || !Double.isFinite(seconds)) {
            throw new CliException(where + ": the epoch's running sums do not match " + steps.stepName() + " " + batch + " (" + sums[0]
                    + " images, " + seconds + " s)");
        }
        checkpointWritten = true;
        csvRows.addAll(Runs.metricsBefore(dir, epoch));
        out.print(Text.wrap("resumed ", dir + " at epoch " + epoch + (batch > 0 ? ", " + steps.stepName() + " " + batch + "/" + per : "")
                + " (step " + step + ")"));
    }

    /** A whole number in [lo, hi] from the checkpoint's metadata, or one line saying which is wrong. */
    static long number(Map<String, String> meta, String key, long lo, long hi, String where) {
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
    public boolean run(AtomicBoolean stop) {
        out.print(Text.wrap("model: ", String.format(Locale.ROOT, "%s %s %s, %d %s parameters, %s", config.layers(), config.activation(),
                config.likelihood() + (config.posterior().equals("gaussian") ? "" : " " + config.posterior()), vae.parameterCount(), config.dtype(),
                Text.count(Threads.count(), "thread"))));
        for (String line : steps.describe()) out.print(line.endsWith("\n") ? line : line + "\n");
        out.flush();
        String warm = steps.warmUp(epoch, (long) (config.epochs() - epoch + 1) * steps.stepsPerEpoch() - batch);
        if (warm != null) out.print(warm.endsWith("\n") ? warm : warm + "\n");
        out.println(epochHeader(config));
        out.flush();
        int per = steps.stepsPerEpoch();
        long rowsPerEpoch = steps.rowsBefore(per);
        while (epoch <= config.epochs()) {
            steps.startEpoch(epoch);
            long t0 = System.nanoTime();
            Main.doing("training epoch " + epoch);
            try (Progress bar = Progress.start(String.format(Locale.ROOT, "epoch %d/%d", epoch, config.epochs()), rowsPerEpoch, "img")) {
                bar.step(steps.rowsBefore(batch));
                while (batch < per) {
                    StepSums s;
                    try {
                        s = steps.step(batch, step);
                    } catch (VAE.DivergedException e) {
                        throw diverged(e.getMessage());
                    }
                    step++;
                    batch++;
                    sums[0] += s.rows();
                    sums[1] += s.negElbo();
                    sums[2] += s.negReconstruction();
                    sums[3] += s.kl();
                    bar.step(s.rows());
                    TestHook.afterBatch(epoch, batch, stop, out);
                    if (stop.get() && batch < per) {
                        seconds += (System.nanoTime() - t0) * 1e-9;
                        save();
                        out.println("stopped at epoch " + epoch + ", " + steps.stepName() + " " + batch + "/" + per + "; to continue:");
                        out.print(Text.command(steps.resumeCommand(dir).toArray(new String[0])));
                        return false;
                    }
                }
            }
            seconds += (System.nanoTime() - t0) * 1e-9;
            endOfEpoch(); // moves on to the next epoch
            if (stop.get() && epoch <= config.epochs()) {
                out.println("stopped after epoch " + (epoch - 1) + "; to continue:");
                out.print(Text.command(steps.resumeCommand(dir).toArray(new String[0])));
                return false;
            }
        }
        out.print(Text.wrap("done: ", dir.resolve(Runs.CHECKPOINT).toString()));
        out.print(Text.wrap("evaluate with: ", "vae eval " + Text.shellQuote(dir.toString())));
        return true;
    }

    /** Stops the run: says what went non-finite and where (from the library), and what is kept. */
    private CliException diverged(String what) {
        String kept = checkpointWritten ? " The last good checkpoint is kept: " + dir.resolve(Runs.CHECKPOINT) + "."
                : " No checkpoint had been written yet.";
        return new CliException("training diverged at epoch " + epoch + ", " + steps.stepName() + " " + (batch + 1) + " (step " + (step + 1)
                + "): " + what + "." + kept + " Try a smaller --lr.");
    }

    private void endOfEpoch() {
        double n = sums[0];
        double trainLoss = sums[1] / n, recon = sums[2] / n, kl = sums[3] / n;
        Main.doing("evaluating epoch " + epoch);
        double testLoss;
        try {
            testLoss = -vae.meanElbo(steps.testSet().images(), io.elbo.vae.Streams.of(config.seed(), 3, epoch));
        } catch (VAE.DivergedException e) { // the epoch's last step left weights that overflow on the test set
            batch--;
            step--;
            throw diverged("evaluating the test set after it, " + e.getMessage());
        }
        double rate = n / seconds;
        double betaNow = options.betaAt(step);
        out.println(epochRow(config, epoch, trainLoss, recon, kl, testLoss, seconds, rate));
        out.flush();
        int done = epoch;
        csvRows.removeIf(r -> Integer.parseInt(r.substring(0, r.indexOf(','))) >= done);
        csvRows.add(csvRow(config, epoch, trainLoss, recon, kl, testLoss, betaNow, seconds, rate));
        for (Parameter p : vae.parameters()) {
            if (!p.value().allFinite()) throw diverged("a parameter became non-finite");
        }
        epoch++;
        batch = 0;
        sums = new double[4];
        seconds = 0;
        save(); // the epoch's training is safe before anything else is written
        warnIfFails(() -> Pictures.writeText(dir.resolve(Runs.METRICS), CSV_HEADER + "\n" + String.join("\n", csvRows) + "\n"));
        warnIfFails(() -> {
            Main.doing("drawing the pictures of epoch " + done);
            drawPictures(vae, config, steps.testSet().images(), steps.testSet().classNames(), csvRows, dir, String.format(Locale.ROOT, "-epoch-%03d", done),
                    "epoch " + done);
        });
    }

    /** Runs a write that must not cost the run: a failure is one warning line, and training goes on. */
    private void warnIfFails(Runnable write) {
        try {
            write.run();
        } catch (CliException e) {
            out.flush();
            err.print(Text.wrap("vae: warning: ", e.getMessage()));
            err.flush();
        }
    }

    private void save() {
        LinkedHashMap<String, String> extra = new LinkedHashMap<>();
        if (!steps.trainer().equals(Steps.IN_PROCESS)) extra.put(TRAINER, steps.trainer());
        extra.putAll(steps.metadata());
        Runs.save(dir, vae, optimizer, steps.rng(), config, epoch, batch, step, sums, seconds, extra);
        checkpointWritten = true;
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

    /** One row of metrics.csv ({@link #CSV_HEADER}). */
    static String csvRow(RunConfig config, int epoch, double trainLoss, double recon, double kl, double testLoss, double beta, double seconds,
                         double rate) {
        return String.format(Locale.ROOT, "%d,%s,%s,%s,%s,%s,%.3f,%.1f", epoch, Double.toString(trainLoss), config.iwaeK() > 1 ? ""
                : Double.toString(recon), config.iwaeK() > 1 ? "" : Double.toString(kl), Double.toString(testLoss), Double.toString(beta), seconds, rate);
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
            Tensor originals = test.batch(0, n, config.dtype());
            Pictures.writePng(Pictures.originalsAboveReconstructions(originals.toFloatArray(), vae.reconstruct(originals).toFloatArray(), n, 0,
                    rows, cols, what), dir.resolve("reconstructions" + suffix + ".png"));
            if (config.latent() == 2 && config.upperLatents().length == 0) { // z₁ of a hierarchy is not N(0, I): no manifold
                Pictures.writePng(Pictures.manifold(manifold(vae, 20), 20, rows, cols, -MANIFOLD, MANIFOLD, what),
                        dir.resolve("manifold" + suffix + ".png"));
                int m = Math.min(test.count(), 5000);
                float[] mu = vae.encode(test.batch(0, m, config.dtype())).location().toFloatArray();
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

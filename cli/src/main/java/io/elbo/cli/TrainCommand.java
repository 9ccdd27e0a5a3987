package io.elbo.cli;

import io.elbo.autodiff.DType;
import io.elbo.nn.Optimizer;
import io.elbo.vae.ConvNet;
import io.elbo.vae.VAE;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vae train}: the options of a training run, checked and resolved into a {@link RunConfig}; the run
 * itself is a {@link TrainingRun} whose steps are {@link InProcessSteps} or, with {@code --spark}, the spark
 * module's. Determinism: the model is initialised from {@code --seed}; the steps' own generators are named
 * by the seed (see {@link InProcessSteps}); test evaluation and pictures use their own seeded generators. So a
 * run resumed from any checkpoint, even one written mid-epoch by Ctrl-C, continues with exactly the bits of
 * an uninterrupted run.
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

    @Option(names = "--arch", defaultValue = "mlp", paramLabel = "NAME",
            description = "mlp (--hidden's layers) or conv (convolutions for 28×28 images: TensorFlow's CVAE tutorial's)")
    String arch;

    @Option(names = "--hidden", defaultValue = "400", split = ",", paramLabel = "W[,W...]", hideParamSyntax = true,
            description = "widths of the encoder's hidden layers; the decoder mirrors them (mlp only)")
    int[] hidden;

    @Option(names = "--latent", defaultValue = "20", paramLabel = "K[,K...]", hideParamSyntax = true,
            description = {"latent dimensions; a list gives several stochastic layers, z₁ first (100,50: Burda et al.'s two-layer model;"
                    + " each upper layer's blocks have as many hidden layers as --hidden, as wide as the layer below)"})
    String latent;

    @Option(names = "--activation", defaultValue = "relu", paramLabel = "NAME", description = "relu, tanh, sigmoid or softplus")
    String activation;

    @Option(names = "--likelihood", defaultValue = "bernoulli", paramLabel = "NAME", completionCandidates = PartNames.Likelihoods.class,
            description = "p(x|z): ${COMPLETION-CANDIDATES}")
    String likelihood;

    @Option(names = "--flow", paramLabel = "SPEC", description = {"a flow posterior: planar:K (K planar steps on the Gaussian,"
            + " amortised) or iaf:K (K inverse autoregressive steps); the same as --posterior SPEC", "  Default: none"})
    String flow;

    @Option(names = "--posterior", defaultValue = "gaussian", paramLabel = "NAME", completionCandidates = PartNames.Posteriors.class,
            description = "q(z|x): ${COMPLETION-CANDIDATES}")
    String posterior;

    @Option(names = "--prior", defaultValue = "standard-normal", paramLabel = "NAME", completionCandidates = PartNames.Priors.class,
            description = "p(z): ${COMPLETION-CANDIDATES}")
    String prior;

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
            Runs.requireResumable(checkpoint);
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
            if (config.conv() && (config.rows() != ConvNet.SIDE || config.cols() != ConvNet.SIDE)) { // the data's size, known only now
                throw usage("--arch conv takes 28×28 single-channel images; " + config.data() + " holds " + config.rows() + "×" + config.cols());
            }
            config.checkMemory("training this model", (long) batchSize * Math.max(samples, iwaeK), 4, RunConfig.TRAINING);
        }
        if (spark != null) {
            if (config.pixels() != Data.Pixels.GREY) throw usage("--spark trains on grey pixels; --pixels " + config.pixels() + " is in-process only");
            if (shardSize < 1 || config.batchSize() % shardSize != 0) {
                throw usage("--batch-size (" + config.batchSize() + ") must be a multiple of --shard-size (" + shardSize + ")");
            }
        }
        if (d != null) o.print(Text.wrap("data: ", d.description()));
        Outputs.directory(dir);
        try (RunLock lock = RunLock.acquire(dir)) {
            if (checkpoint == null && Files.exists(dir.resolve(Runs.CHECKPOINT))) {
                throw new CliException(dir + " already holds a run (" + Runs.CHECKPOINT + "); continue it with --resume " + dir
                        + " or choose another --out");
            }
            RunLock.removeLeftovers(dir);
            if (checkpoint != null) requireSameTrainer(checkpoint, spark != null);
            Main.doing("building the model");
            VAE vae = TrainingRun.newModel(config);
            Optimizer optimizer = TrainingRun.optimizer(config, vae);
            PrintWriter err = spec.commandLine().getErr();
            try (TrainingRun.Steps steps = spark != null
                    ? SparkSupport.find().steps(config, d, spark, shardSize, checkpoint == null ? null : Runs.metadata(checkpoint), vae, optimizer,
                            dir, o)
                    : new InProcessSteps(config, d, vae, optimizer, dir, o)) {
                TrainingRun run = new TrainingRun(config, dir, vae, optimizer, steps, o, err);
                if (checkpoint != null) run.restore(checkpoint);
                else Pictures.writeText(dir.resolve(Runs.CONFIG), config.toJson() + "\n");
                AtomicBoolean stop = new AtomicBoolean();
                try (var signals = Signals.onInterrupt(() -> {
                    if (!stop.getAndSet(true)) {
                        Progress.stopDrawing();
                        System.err.println("vae: stopping after this step to save a checkpoint; Ctrl-C again quits at once");
                    } else Runtime.getRuntime().halt(Main.INTERRUPTED);
                })) {
                    return run.run(stop) ? 0 : Main.INTERRUPTED;
                }
            }
        }
    }

    /** A run continues with the trainer that began it: in-process, or on Spark (different steps, different bits). */
    private void requireSameTrainer(Path checkpoint, boolean onSpark) {
        String trainer = TrainingRun.trainerOf(Runs.metadata(checkpoint));
        if (trainer.equals("spark") && !onSpark) throw usage(checkpoint + " was trained on Spark; continue it with --spark MASTER");
        if (!trainer.equals("spark") && onSpark) throw usage(checkpoint + " was trained in-process; continue it without --spark");
    }

    /** The run configuration the options describe, for images of rows × cols from {@code source}. */
    private RunConfig config(int rows, int cols, String source) {
        DType dt;
        Data.Pixels px;
        RunConfig.Optimizer opt;
        int[] k;
        try { // the enums' names and the latent list, each refused in one line naming the option and the choices
            dt = RunConfig.parseDtype(dtype);
            px = Data.Pixels.parse(pixels);
            opt = RunConfig.Optimizer.parse(optimizer);
            k = RunConfig.parseLatents(latent);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        String a = arch.toLowerCase(Locale.ROOT);
        boolean conv = a.equals(ConvNet.CONV), hiddenGiven = spec.commandLine().getParseResult().hasMatchedOption("--hidden");
        int[] widths = conv && !hiddenGiven ? new int[0] : hidden; // conv has its own layers: --hidden given with it is refused
        return new RunConfig(RunConfig.FORMAT, source, px, limit, rows, cols, widths, k[0], activation.toLowerCase(Locale.ROOT),
                likelihood.toLowerCase(Locale.ROOT), sigma, posteriorSpec(), prior.toLowerCase(Locale.ROOT), epochs, batchSize,
                opt, lr, beta, klWarmup, samples, iwaeK, seed.value, dt, java.util.Arrays.copyOfRange(k, 1, k.length), a);
    }

    /** --posterior, or --flow (which names a posterior too); both at once is a usage error. */
    private String posteriorSpec() {
        if (flow == null) return posterior.toLowerCase(Locale.ROOT);
        if (spec.commandLine().getParseResult().hasMatchedOption("--posterior")) {
            throw usage("--flow " + flow + " names the posterior; --posterior cannot be given with it");
        }
        if (flow.toLowerCase(Locale.ROOT).startsWith("gaussian")) throw usage("--flow takes a flow (planar:K or iaf:K), got '" + flow + "'");
        return flow.toLowerCase(Locale.ROOT);
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}

package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.autodiff.DType;
import io.elbo.nn.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Assume;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Builders;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every option of {@code vae train} read back from what a run writes: config.json and each checkpoint's
 * {@code run} metadata record exactly the options given on the command line, the checkpoint names the
 * optimiser, and {@code --resume} continues with that configuration, ending bit-identical to a run that
 * never stopped, for every optimiser, KL warm-up, objective, part and dtype.
 */
class TrainOptionsProperties {
    /** The options of {@code vae train} that a run records in its configuration (config.json and the checkpoints). */
    static final Set<String> RECORDED = Set.of("--data", "--pixels", "--limit", "--hidden", "--latent", "--activation", "--likelihood", "--flow",
            "--posterior", "--prior", "--sigma", "--epochs", "--batch-size", "--optimizer", "--lr", "--beta", "--kl-warmup", "--samples",
            "--iwae-k", "--seed", "--dtype", "--arch");
    /** The options that say how or where a run is carried out, not what it computes. */
    static final Set<String> NOT_RECORDED = Set.of("--out", "--resume", "--spark", "--shard-size", "--threads", "--help", "--version");

    @BeforeContainer
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    /** An option set of {@code vae train} (the image size and the data are the embedded sample's: 28 × 28). */
    record Options(String pixels, int limit, int[] hidden, int latent, String activation, String likelihood, String posterior, boolean asFlow,
                   double sigma, int batchSize, String optimizer, double lr, double beta, int klWarmup, int samples, int iwaeK, long seed,
                   String dtype, int[] upper, String arch) {
        List<String> args(int epochs, Path out) {
            String latents = IntStream.concat(IntStream.of(latent), IntStream.of(upper)).mapToObj(String::valueOf).collect(Collectors.joining(","));
            List<String> a = new ArrayList<>(List.of("train", "--data", "sample", "--pixels", pixels, "--limit", Integer.toString(limit),
                    "--arch", arch, "--latent", latents,
                    "--activation", activation, "--likelihood", likelihood, asFlow ? "--flow" : "--posterior", posterior, "--prior", "standard-normal",
                    "--sigma", Double.toString(sigma), "-e", Integer.toString(epochs), "-b", Integer.toString(batchSize), "--optimizer", optimizer,
                    "--lr", Double.toString(lr), "--beta", Double.toString(beta), "--kl-warmup", Integer.toString(klWarmup), "-L",
                    Integer.toString(samples), "--iwae-k", Integer.toString(iwaeK), "--seed", Long.toString(seed), "--dtype", dtype, "--threads", "1",
                    "-o", out.toString()));
            if (!arch.equals("conv")) { // the conv model has its own layers: --hidden is refused with it
                a.addAll(List.of("--hidden", Stream.of(box(hidden)).map(String::valueOf).collect(Collectors.joining(","))));
            }
            return a;
        }

        /** The command line, as a failing sample shows it. */
        @Override
        public String toString() {
            return "vae " + String.join(" ", args(2, Path.of("DIR")));
        }

        private static Integer[] box(int[] v) {
            return java.util.Arrays.stream(v).boxed().toArray(Integer[]::new);
        }
    }

    @Provide
    Arbitrary<Options> options() {
        Arbitrary<int[]> hidden = Arbitraries.integers().between(2, 6).array(int[].class).ofMinSize(1).ofMaxSize(2);
        Arbitrary<int[]> objective = Arbitraries.of(new int[] {1, 1}, new int[] {2, 1}, new int[] {1, 2}, new int[] {1, 3}); // L, k
        return Builders.withBuilder(() -> new Object[19])
                .use(Arbitraries.of("grey", "static", "dynamic")).in((o, v) -> set(o, 0, v))
                .use(Arbitraries.integers().between(40, 90)).in((o, v) -> set(o, 1, v))
                .use(hidden).in((o, v) -> set(o, 2, v))
                .use(Arbitraries.integers().between(1, 3)).in((o, v) -> set(o, 3, v))
                .use(Arbitraries.of("relu", "tanh", "sigmoid", "softplus")).in((o, v) -> set(o, 4, v))
                .use(Arbitraries.of("bernoulli", "continuous-bernoulli", "gaussian", "gaussian-pixel", "gaussian-fixed")).in((o, v) -> set(o, 5, v))
                .use(Arbitraries.of("gaussian", "planar:1", "iaf:1", "planar:2")).in((o, v) -> set(o, 6, v))
                .use(Arbitraries.of(true, false)).in((o, v) -> set(o, 7, v))
                .use(Arbitraries.of(0.25, 0.5, 1.5)).in((o, v) -> set(o, 8, v))
                .use(Arbitraries.integers().between(8, 32)).in((o, v) -> set(o, 9, v))
                .use(Arbitraries.of("adam", "adamw", "sgd")).in((o, v) -> set(o, 10, v))
                .use(Arbitraries.of(3e-4, 1e-3, 0.004)).in((o, v) -> set(o, 11, v))
                .use(Arbitraries.of(0.5, 1.0, 2.0)).in((o, v) -> set(o, 12, v))
                .use(Arbitraries.integers().between(0, 3)).in((o, v) -> set(o, 13, v))
                .use(objective).in((o, v) -> set(o, 14, v))
                .use(Arbitraries.longs().between(0, Long.MAX_VALUE)).in((o, v) -> set(o, 15, v))
                .use(Arbitraries.of("float32", "float64")).in((o, v) -> set(o, 16, v))
                .use(Arbitraries.integers().between(1, 2).array(int[].class).ofMaxSize(1)).in((o, v) -> set(o, 17, v))
                .use(Arbitraries.of("mlp", "mlp", "conv")).in((o, v) -> set(o, 18, v))
                .build(o -> {
                    String posterior = (String) o[6];
                    boolean asFlow = (Boolean) o[7] && !posterior.equals("gaussian"); // --flow takes a flow only
                    int[] lk = (int[]) o[14];
                    String arch = (String) o[18];
                    boolean conv = arch.equals("conv"); // one stochastic layer and no hidden widths: the conv model's own
                    return new Options((String) o[0], (Integer) o[1], conv ? new int[0] : (int[]) o[2], (Integer) o[3], (String) o[4], (String) o[5],
                            posterior, asFlow, (Double) o[8], (Integer) o[9], (String) o[10], (Double) o[11], (Double) o[12], (Integer) o[13], lk[0],
                            lk[1], (Long) o[15], (String) o[16], conv ? new int[0] : (int[]) o[17], arch);
                });
    }

    private static Object[] set(Object[] o, int i, Object v) {
        o[i] = v;
        return o;
    }

    /**
     * For any option set that trains (one that diverges must say so in one line and keep no non-finite checkpoint;
     * it is then set aside): config.json is exactly the options given (each field, the epochs included); every
     * checkpoint's {@code run} metadata is config.json and it names the optimiser; a run of one epoch
     * resumed to two ({@code --resume DIR -e 2}, nothing else given) records the same configuration and ends
     * with the model, optimiser and generator bits and the metrics of a two-epoch run that never stopped.
     */
    @Property(tries = 6)
    void everyTrainOptionIsWhatTheRunRecordsAndWhatItsResumeContinuesWith(@ForAll("options") Options opts) throws Exception {
        Path tmp = Files.createTempDirectory("train-options");
        try {
            Path straight = tmp.resolve("straight"), split = tmp.resolve("split");
            CliTest.Result run = CliTest.vae(opts.args(2, straight).toArray(String[]::new));
            if (run.exit() != 0 && run.err().contains("training diverged")) {
                // Some option sets diverge, as a user's would: a planar flow's û = u + (m − wᵀu)·w/‖w‖² grows as
                // 1/‖w‖ where a head's w crosses 0 (likely with one latent dimension; `--arch conv --latent 1
                // --flow planar:1 --lr 0.001` does, with the composed steps as with the fused op), a fixed σ of
                // 0.25 scales the reconstruction's gradient by 16. The run must then say so in one line and keep
                // only a finite checkpoint; the sample has nothing to resume, and is set aside.
                run.assertOneLineError(1, "training diverged at epoch", "op '", "Try a smaller --lr");
                if (Files.exists(straight.resolve(Runs.CHECKPOINT))) {
                    for (var e : SafeTensors.read(straight.resolve(Runs.CHECKPOINT)).entries().entrySet()) {
                        if (e.getValue().tensor() != null) assertTrue(e.getValue().tensor().allFinite(), "the kept checkpoint's " + e.getKey() + " is finite");
                    }
                }
                Statistics.label("diverged").collect(true);
                Assume.that(false);
            }
            Statistics.label("diverged").collect(false);
            run.assertOk();
            RunConfig written = RunConfig.fromJson(Files.readString(straight.resolve(Runs.CONFIG)), "config.json");
            assertIsTheOptions(opts, 2, written);
            Map<String, String> meta = SafeTensors.read(straight.resolve(Runs.CHECKPOINT)).metadata();
            assertEquals(written.toJson(), RunConfig.fromJson(meta.get(Runs.RUN), "run").toJson(), "the checkpoint records config.json");
            assertEquals(opts.optimizer(), meta.get("optimizer"), "the checkpoint's optimiser");

            CliTest.vae(opts.args(1, split).toArray(String[]::new)).assertOk();
            assertIsTheOptions(opts, 1, RunConfig.fromJson(Files.readString(split.resolve(Runs.CONFIG)), "config.json"));
            CliTest.vae("train", "--resume", split.toString(), "-e", "2", "--threads", "1").assertOk();
            Map<String, String> resumed = SafeTensors.read(split.resolve(Runs.CHECKPOINT)).metadata();
            assertEquals(written.toJson(), RunConfig.fromJson(resumed.get(Runs.RUN), "run").toJson(),
                    "the resumed run's configuration is the options with the new total of epochs");
            assertEquals(opts.optimizer(), resumed.get("optimizer"));
            CliTest.assertSameState(straight, split);
            assertEquals(CliTest.metricsWithoutTimes(straight), CliTest.metricsWithoutTimes(split));
        } finally {
            try (Stream<Path> files = Files.walk(tmp)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
            }
        }
    }

    private static void assertIsTheOptions(Options o, int epochs, RunConfig c) {
        assertEquals(RunConfig.FORMAT, c.format());
        assertEquals("sample", c.data(), "--data");
        assertEquals(Data.Pixels.parse(o.pixels()), c.pixels(), "--pixels");
        assertEquals(o.limit(), c.limit(), "--limit");
        assertEquals(28, c.rows());
        assertEquals(28, c.cols());
        assertArrayEquals(o.hidden(), c.hidden(), "--hidden");
        assertEquals(o.latent(), c.latent(), "--latent");
        assertArrayEquals(o.upper(), c.upperLatents(), "--latent's upper layers");
        assertEquals(o.arch(), c.arch(), "--arch");
        assertEquals(o.activation(), c.activation(), "--activation");
        assertEquals(o.likelihood(), c.likelihood(), "--likelihood");
        assertEquals(o.sigma(), c.sigma(), "--sigma");
        assertEquals(o.posterior(), c.posterior(), o.asFlow() ? "--flow" : "--posterior");
        assertEquals("standard-normal", c.prior(), "--prior");
        assertEquals(epochs, c.epochs(), "--epochs");
        assertEquals(o.batchSize(), c.batchSize(), "--batch-size");
        assertEquals(o.optimizer(), c.optimizer().toString(), "--optimizer");
        assertEquals(o.lr(), c.lr(), "--lr");
        assertEquals(o.beta(), c.beta(), "--beta");
        assertEquals(o.klWarmup(), c.klWarmup(), "--kl-warmup");
        assertEquals(o.samples(), c.samples(), "--samples");
        assertEquals(o.iwaeK(), c.iwaeK(), "--iwae-k");
        assertEquals(o.seed(), c.seed(), "--seed");
        assertEquals(o.dtype().equals("float64") ? DType.FLOAT64 : DType.FLOAT32, c.dtype(), "--dtype");
    }

    /**
     * The property above gives every option of {@code vae train} that a run records: each option is either
     * recorded (and generated there) or one that says how or where the run is carried out. A new option
     * fails here until it is added to one of the two lists (and, if recorded, to the generator).
     */
    @Test
    void everyOptionOfVaeTrainIsEitherRecordedAndGeneratedOrSaysOnlyHowTheRunIsCarriedOut() {
        CommandLine train = Main.commandLine().getSubcommands().get("train");
        Set<String> all = new TreeSet<>();
        for (CommandLine.Model.OptionSpec o : train.getCommandSpec().options()) all.add(o.longestName());
        Set<String> listed = new TreeSet<>(RECORDED);
        listed.addAll(NOT_RECORDED);
        assertEquals(listed, all, "the options of vae train: add a new one to RECORDED (and to options()) or to NOT_RECORDED");
        Options any = new Options("grey", 40, new int[] {2}, 1, "relu", "bernoulli", "planar:1", true, 0.5, 8, "sgd", 1e-3, 1, 0, 1, 1, 0, "float32", new int[] {1}, "mlp");
        Set<String> generated = new TreeSet<>();
        for (String a : any.args(1, Path.of("x"))) if (a.startsWith("-")) generated.add(train.getCommandSpec().findOption(a).longestName());
        generated.add("--posterior"); // the generator gives --posterior or --flow
        generated.removeAll(NOT_RECORDED);
        assertEquals(new TreeSet<>(RECORDED), generated, "the generator gives every recorded option");
    }
}

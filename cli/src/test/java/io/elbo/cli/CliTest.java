package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.nn.SafeTensors;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** The vae command end to end, in process (picocli with captured output) and, for Ctrl-C, in a child JVM. */
class CliTest {
    @TempDir
    Path tmp;

    /** A short run: 512 embedded images, batches of 64, one thread. */
    static final String[] SHORT = {"train", "--data", "sample", "--limit", "512", "-b", "64", "--threads", "1"};

    @BeforeAll
    static void headless() {
        System.setProperty("java.awt.headless", "true");
    }

    record Result(int exit, String out, String err) {
        /** Exit 0, or the failure with what the command printed. */
        Result assertOk() {
            assertEquals(0, exit, "exit code; stdout: " + out + "\nstderr: " + err);
            return this;
        }

        /**
         * Failures are one message on standard error (one logical line, broken at words to fit 80 columns,
         * continuations indented), and never a stack trace.
         */
        void assertOneLineError(int code, String... fragments) {
            assertEquals(code, exit, "exit code; stderr: " + err);
            String message = Columns.assertOneMessage("stderr", err);
            assertFalse(err.contains("\tat ") || err.contains("Exception"), "no stack trace or exception name: " + err);
            for (String f : fragments) assertTrue(message.contains(f), "'" + f + "' in: " + message);
        }
    }

    static Result vae(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = Main.execute(cl, args);
        return new Result(code, out.toString(), err.toString());
    }

    static String[] with(String[] base, String... more) {
        String[] all = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test
    void trainingOneEpochOnTheEmbeddedSampleLeavesMetricsPicturesConfigAndACheckpoint() throws Exception {
        Path run = tmp.resolve("run");
        Result r = vae(with(SHORT, "-e", "1", "--latent", "2", "-o", run.toString()));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("data: the Fashion-MNIST sample embedded in vae"), r.out());
        assertTrue(r.out().contains("epoch    train -ELBO =    recon +      KL   test -ELBO     time    img/s\n"), r.out());
        assertTrue(r.out().matches("(?s).*\\n1/1 +[0-9.]+ = +[0-9.]+ \\+ +[0-9.]+ +[0-9.]+ +[0-9.]+ s +[0-9]+\\n.*"), r.out());
        for (String l : r.out().split("\n")) assertTrue(l.length() <= 79, "at most 79 columns: " + l);

        List<String> csv = Files.readAllLines(run.resolve("metrics.csv"));
        assertEquals("epoch,train_loss,train_reconstruction,train_kl,test_neg_elbo,beta,seconds,samples_per_second", csv.get(0));
        assertEquals(2, csv.size());
        String[] row = csv.get(1).split(",");
        double loss = Double.parseDouble(row[1]), recon = Double.parseDouble(row[2]), kl = Double.parseDouble(row[3]);
        assertEquals(loss, recon + kl, 1e-9 * loss, "−ELBO = reconstruction + KL");
        assertTrue(kl >= 0 && loss > 100 && loss < 600, csv.get(1));

        BufferedImage samples = ImageIO.read(run.resolve("samples-epoch-001.png").toFile());
        int grid = 8 * (28 * 2 + 2) + 2; // an 8×8 grid of 28×28 images, magnified twice
        assertEquals(grid + 8, samples.getWidth(), "the grid and a margin");
        assertEquals(Pictures.TITLE + grid + 4, samples.getHeight(), "a title line above the grid");
        assertEquals(0xffffff, samples.getRGB(1, 1) & 0xffffff, "on white");
        for (String png : List.of("reconstructions-epoch-001.png", "loss.png", "manifold-epoch-001.png", "latent-epoch-001.png")) {
            assertNotNull(ImageIO.read(run.resolve(png).toFile()), png);
        }
        BufferedImage manifold = ImageIO.read(run.resolve("manifold-epoch-001.png").toFile());
        int manifoldGrid = 20 * 58 + 2;
        assertEquals(52 + manifoldGrid + 8, manifold.getWidth(), "room for the z2 axis at the left");
        assertEquals(Pictures.TITLE + manifoldGrid + Pictures.AXIS + 4, manifold.getHeight(), "and for the z1 axis below");
        assertTrue(hasInk(manifold, 0, Pictures.TITLE, 50, manifoldGrid), "the z2 tick labels are drawn");
        assertTrue(hasInk(manifold, 52, Pictures.TITLE + manifoldGrid + 2, manifoldGrid, Pictures.AXIS - 2), "the z1 ticks are drawn");
        BufferedImage reconstructions = ImageIO.read(run.resolve("reconstructions-epoch-001.png").toFile());
        assertTrue(hasInk(reconstructions, 0, Pictures.TITLE, Pictures.LABELS - 2, reconstructions.getHeight() - Pictures.TITLE), "rows are labelled");

        // vae plot redraws them for the run as it is
        for (String png : List.of("loss.png", "samples.png", "reconstructions.png", "manifold.png", "latent.png")) Files.deleteIfExists(run.resolve(png));
        Result plot = vae("plot", run.toString());
        assertEquals(0, plot.exit(), plot.err());
        for (String png : List.of("loss.png", "samples.png", "reconstructions.png", "manifold.png", "latent.png")) {
            assertNotNull(ImageIO.read(run.resolve(png).toFile()), png + " redrawn: " + plot.out());
        }
        RunConfig config = RunConfig.fromJson(Files.readString(run.resolve("config.json")), "config.json");
        assertEquals(2, config.latent());
        assertEquals("sample", config.data());
        Map<String, String> meta = SafeTensors.read(run.resolve("checkpoint.safetensors")).metadata();
        assertEquals("2", meta.get("epoch"), "the checkpoint is positioned at the start of epoch 2");

        Result again = vae(with(SHORT, "-e", "1", "-o", run.toString()));
        again.assertOneLineError(1, "already holds a run", "--resume");
        assertEquals(csv, Files.readAllLines(run.resolve("metrics.csv")), "the existing run is untouched");
    }

    @Test
    void aResumedRunEndsBitIdenticalToAnUninterruptedOne_andTheThreadCountDoesNotChangeTheBits() throws Exception {
        Path straight = tmp.resolve("straight"), split = tmp.resolve("split"), twoThreads = tmp.resolve("two");
        assertEquals(0, vae(with(SHORT, "-e", "2", "--pixels", "dynamic", "-o", straight.toString())).exit());
        assertEquals(0, vae(with(SHORT, "-e", "1", "--pixels", "dynamic", "-o", split.toString())).exit());
        Result resumed = vae("train", "--resume", split.toString(), "-e", "2", "--threads", "1");
        assertEquals(0, resumed.exit(), resumed.err());
        assertTrue(resumed.out().contains("resumed " + split + " at epoch 2"), resumed.out());
        assertSameState(straight, split);
        assertEquals(metricsWithoutTimes(straight), metricsWithoutTimes(split));

        String[] args = with(SHORT, "-e", "2", "--pixels", "dynamic", "-o", twoThreads.toString());
        args[Arrays.asList(args).indexOf("--threads") + 1] = "2";
        assertEquals(0, vae(args).exit());
        assertSameState(straight, twoThreads);
    }

    /**
     * The GEMM tile can be forced (-Delbo.gemm.tile=6x4: every tile gives the same bits, only the speed
     * differs); an impossible one is refused in one line naming the property, with a non-zero exit.
     */
    @Test
    void aForcedGemmTileIsPrintedAndAnImpossibleOneIsOneLine() throws Exception {
        for (String tile : new String[] {"6x4", "5x5"}) {
            List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "--add-modules=jdk.incubator.vector", "-Delbo.gemm.tile=" + tile, "-cp", System.getProperty("java.class.path"),
                    Main.class.getName(), "train", "--data", "sample", "--limit", "200", "-b", "50", "-e", "1", "--threads", "1",
                    "-o", tmp.resolve("tile-" + tile).toString());
            Process p = new ProcessBuilder(cmd).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.startsWith("WARNING: Using incubator modules")).collect(java.util.stream.Collectors.joining("\n"));
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            if (tile.equals("6x4")) {
                assertEquals(0, p.exitValue(), err);
                assertTrue(out.replaceAll("\n +", " ").contains("GEMM tile 6x4"), out);
            } else {
                assertEquals(1, p.exitValue(), out);
                assertEquals("vae: elbo.gemm.tile: expected one of 4x3 5x4 6x4 6x2 5x2 8x1 8x2 12x2, got 5x5", err);
            }
        }
    }

    /**
     * Ctrl-C (here its twin SIGTERM) mid-epoch, then --resume: the bits of a run never stopped. Also with a KL warm-up and L = 2
     * samples, and with the IWAE objective, so that every counter the resume restores (step, β's schedule,
     * the generator, the running sums) is exercised.
     */
    @ParameterizedTest
    @ValueSource(strings = {"", "--kl-warmup 1 -L 2", "--iwae-k 3 --pixels dynamic"})
    void ctrlCFinishesTheStepSavesAndExits_andResumingGivesTheBitsOfAnUninterruptedRun(String extra) throws Exception {
        Path interrupted = tmp.resolve("interrupted"), straight = tmp.resolve("straight");
        List<String> argList = new ArrayList<>(List.of("train", "--data", "sample", "--limit", "1000", "-b", "8", "-e", "2", "--threads", "1"));
        if (!extra.isEmpty()) argList.addAll(List.of(extra.split(" ")));
        argList.addAll(List.of("-o", interrupted.toString()));
        String[] args = argList.toArray(new String[0]);
        // The trainer pauses after batch 37 of epoch 1 (a test hook) until the signal arrives: no race with the clock.
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "-Dvae.test.pauseAfterBatch=1:37", "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        StringBuilder log = new StringBuilder();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                log.append(line).append('\n');
                if (line.equals("vae test hook: paused after epoch 1, batch 37")) {
                    // SIGTERM reaches the handler Ctrl-C's SIGINT reaches. SIGINT itself is ignored by a JVM that a shell
                    // started in the background (POSIX ignores it for asynchronous commands), as a test run may be.
                    new ProcessBuilder("sh", "-c", "kill -TERM " + p.pid()).start().waitFor();
                }
            }
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(Main.INTERRUPTED, p.exitValue(), log.toString());
        assertTrue(log.toString().contains("stopped at epoch 1, batch 37/125;"), log.toString());
        assertTrue(log.toString().contains("; to continue:\n  vae train --resume " + interrupted), log.toString());

        Result resumed = vae("train", "--resume", interrupted.toString(), "--threads", "1");
        assertEquals(0, resumed.exit(), resumed.err());
        String[] same = args.clone();
        same[same.length - 1] = straight.toString();
        assertEquals(0, vae(same).exit());
        assertSameState(straight, interrupted);
        assertEquals(metricsWithoutTimes(straight), metricsWithoutTimes(interrupted));
    }

    /** Model, optimiser and generator state of two runs' checkpoints: the same bits. */
    static void assertSameState(Path a, Path b) throws Exception {
        Map<String, SafeTensors.Entry> ea = SafeTensors.read(a.resolve("checkpoint.safetensors")).entries();
        Map<String, SafeTensors.Entry> eb = SafeTensors.read(b.resolve("checkpoint.safetensors")).entries();
        assertEquals(ea.keySet(), eb.keySet());
        for (String name : ea.keySet()) {
            SafeTensors.Entry x = ea.get(name), y = eb.get(name);
            if (x.tensor() == null) {
                assertArrayEquals(x.bytes(), y.bytes(), name);
            } else {
                assertArrayEquals(x.tensor().toFloatArray(), y.tensor().toFloatArray(), name + " bit-identical");
            }
        }
    }

    /** metrics.csv without its timing columns. */
    static List<String> metricsWithoutTimes(Path run) throws Exception {
        List<String> rows = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.csv"))) {
            String[] f = line.split(",", -1);
            rows.add(String.join(",", Arrays.copyOf(f, 6)));
        }
        return rows;
    }

    @Test
    void evalSampleReconstructAndInterpolateWorkOnATrainedRun() throws Exception {
        Path run = tmp.resolve("run");
        assertEquals(0, vae(with(SHORT, "-e", "1", "-o", run.toString())).exit());
        Result eval = vae("eval", run.toString(), "-k", "50", "-n", "40", "--threads", "1");
        assertEquals(0, eval.exit(), eval.err());
        double elbo = number(eval.out(), "test -ELBO: "), iwae = number(eval.out(), "-L_50: ");
        assertTrue(iwae < elbo, "the importance-weighted bound is tighter: −L_50 " + iwae + " < −ELBO " + elbo);
        assertTrue(eval.out().replaceAll("\\s+", " ").contains("first 40 test images"), eval.out());

        Path s = tmp.resolve("s.png"), r = tmp.resolve("r.png"), i = tmp.resolve("i.png");
        assertEquals(0, vae("sample", run.toString(), "-n", "12", "--columns", "4", "-o", s.toString()).exit());
        assertEquals(4 * 58 + 2 + 8, ImageIO.read(s.toFile()).getWidth(), "the grid on a white margin");
        assertEquals(Pictures.TITLE + 3 * 58 + 2 + 4, ImageIO.read(s.toFile()).getHeight(), "a title above the grid, as vae plot's");
        assertEquals(0, vae("reconstruct", run.resolve("checkpoint.safetensors").toString(), "-n", "8", "-o", r.toString()).exit());
        assertEquals(Pictures.TITLE + 2 * 58 + 2 + 4, ImageIO.read(r.toFile()).getHeight(), "a title, originals above reconstructions");
        assertEquals(0, vae("interpolate", run.toString(), "--from", "2", "--to", "5", "--steps", "6", "-o", i.toString()).exit());
        assertEquals(8 * 58 + 2 + 8, ImageIO.read(i.toFile()).getWidth(), "two ends and six steps");
        // without -o, the pictures go into the run, not the current directory
        Result inRun = vae("sample", run.toString(), "-n", "4");
        assertEquals(0, inRun.exit(), inRun.err());
        assertTrue(Files.isRegularFile(run.resolve("samples.png")), inRun.out());
        assertTrue(inRun.out().contains(run.resolve("samples.png").toString()), inRun.out());
        assertEquals(0, vae("reconstruct", run.resolve("checkpoint.safetensors").toString(), "-n", "2").exit());
        assertTrue(Files.isRegularFile(run.resolve("reconstructions.png")));
    }

    /** True when the rectangle holds a dark pixel (text or a tick) on the white margin. */
    static boolean hasInk(BufferedImage img, int x0, int y0, int w, int h) {
        for (int y = y0; y < Math.min(img.getHeight(), y0 + h); y++) {
            for (int x = x0; x < Math.min(img.getWidth(), x0 + w); x++) {
                int rgb = img.getRGB(x, y);
                if (((rgb >> 16) & 0xff) + ((rgb >> 8) & 0xff) + (rgb & 0xff) < 200) return true;
            }
        }
        return false;
    }

    static double number(String text, String after) {
        int at = text.indexOf(after);
        assertTrue(at >= 0, "'" + after + "' in " + text);
        String rest = text.substring(at + after.length());
        return Double.parseDouble(rest.substring(0, rest.indexOf(' ')));
    }

    @Test
    void dataFromADirectoryIsNamedAndUsed() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("idx"));
        for (String f : List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")) {
            try (InputStream in = Data.class.getResourceAsStream("sample/" + f)) {
                Files.copy(in, data.resolve(f));
            }
        }
        Result r = vae("train", "--data", data.toString(), "--limit", "256", "-b", "64", "-e", "1", "--threads", "1", "-o", tmp.resolve("run").toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().replaceAll("\\s+", " ").contains("data: IDX data in " + data.toAbsolutePath() + " (2000 train, 500 test images, 28×28)"),
                r.out());
    }

    @Test
    void helpShowsDefaultsAndVersionAnswers() {
        Result help = vae("train", "--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("--lr=<lr>") && help.out().contains("Default: 0.001") || help.out().contains("Default: 1e-3"), help.out());
        Result version = vae("--version");
        assertEquals(0, version.exit());
        assertTrue(version.out().startsWith("vae "), version.out());
    }

    @Test
    void usageErrorsAreOneLineWithExitCodeTwo() {
        vae().assertOneLineError(2, "a command is needed");
        vae("train", "--bogus").assertOneLineError(2, "Unknown option: '--bogus'");
        vae("train", "--epochs", "0").assertOneLineError(2, "--epochs must be at least 1, got 0");
        vae("train", "--epochs", "ten").assertOneLineError(2, "--epochs", "ten");
        vae("train", "--lr", "NaN").assertOneLineError(2, "--lr must be a positive number, got NaN");
        vae("train", "--lr", "-1").assertOneLineError(2, "--lr must be a positive number");
        vae("train", "--beta", "-0.5").assertOneLineError(2, "--beta must be a non-negative number");
        vae("train", "--likelihood", "poisson").assertOneLineError(2, "unknown likelihood 'poisson'");
        vae("train", "--pixels", "sepia").assertOneLineError(2, "unknown pixel preprocessing 'sepia'");
        vae("train", "--dtype", "float16").assertOneLineError(2, "unknown dtype 'float16'");
        vae("train", "--hidden", "400,0").assertOneLineError(2, "--hidden widths must be positive");
        vae("train", "--samples", "2", "--iwae-k", "5").assertOneLineError(2, "--samples and --iwae-k");
        vae("train", "--threads", "0").assertOneLineError(2, "--threads must be at least 1");
        vae("train", "--resume", tmp.toString(), "--lr", "0.1").assertOneLineError(2, "--lr cannot be given with it");
        vae("eval").assertOneLineError(2, "RUN");
        vae("sample", tmp.toString(), "-n", "0").assertOneLineError(2, "-n must be between 1 and 4096");
        vae("eval", tmp.toString(), "--threads", "0").assertOneLineError(2, "--threads must be at least 1");
    }

    @Test
    void badDataAndBadCheckpointsAreOneLineFailuresWithExitCodeOne() throws Exception {
        vae("train", "--data", tmp.resolve("nowhere").toString()).assertOneLineError(1, "nowhere: no such directory");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        vae("train", "--data", empty.toString()).assertOneLineError(1, "no train-images-idx3-ubyte[.gz] there");

        Path broken = Files.createDirectories(tmp.resolve("broken"));
        byte[] header = {0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3}; // claims 10 images, holds 3 bytes
        Files.write(broken.resolve("train-images-idx3-ubyte"), header);
        vae("train", "--data", broken.toString()).assertOneLineError(1, "train-images-idx3-ubyte", "truncated");
        Files.write(broken.resolve("train-images-idx3-ubyte"), new byte[] {'P', 'K', 3, 4});
        vae("train", "--data", broken.toString()).assertOneLineError(1, "not an IDX file");

        vae("eval", tmp.resolve("missing").toString()).assertOneLineError(1, "missing: no such checkpoint");
        vae("eval", empty.toString()).assertOneLineError(1, "no checkpoint.safetensors in this directory");
        Path garbage = tmp.resolve("garbage.safetensors");
        Files.write(garbage, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f, 0, 1, 2});
        vae("eval", garbage.toString()).assertOneLineError(1, "garbage.safetensors");
        vae("train", "--resume", empty.toString()).assertOneLineError(1, "no checkpoint.safetensors");
    }

    @Test
    void aDivergingRunStopsNamingTheOpWhereTheFirstNonFiniteValueAppeared() {
        Path run = tmp.resolve("run");
        Result r = vae(with(SHORT, "-e", "1", "--lr", "1e10", "-o", run.toString()));
        r.assertOneLineError(1, "training diverged at epoch 1", "op '", "Try a smaller --lr");
        assertFalse(Files.exists(run.resolve("checkpoint.safetensors")), "no checkpoint of a diverged model");
    }

    /** A command that runs out of memory (picocli hands Errors to no handler). */
    @CommandLine.Command(name = "greedy")
    static final class Greedy implements java.util.concurrent.Callable<Integer> {
        @Override
        public Integer call() {
            Main.doing("filling the heap on purpose");
            throw new OutOfMemoryError("Java heap space");
        }
    }

    @Test
    void anErrorIsOneLineNamingWhatWasBeingDoneAndTheHeap() {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Greedy());
        cl.setErr(new PrintWriter(err, true));
        Result r = new Result(Main.execute(cl), "", err.toString());
        r.assertOneLineError(1, "out of memory while filling the heap on purpose", "the JVM's heap is ", "JAVA_OPTS=-Xmx");
    }

    @Test
    void aPictureIntoAMissingDirectoryIsOneLineAndImageIoPrintsNothing() throws Exception {
        Path run = tmp.resolve("run");
        assertEquals(0, vae(with(SHORT, "-e", "1", "--hidden", "16", "-o", run.toString())).exit());
        java.io.ByteArrayOutputStream stray = new java.io.ByteArrayOutputStream();
        java.io.PrintStream before = System.err;
        System.setErr(new java.io.PrintStream(stray, true, StandardCharsets.UTF_8));
        try {
            for (String command : new String[] {"sample", "reconstruct", "interpolate"}) {
                vae(command, run.toString(), "-o", tmp.resolve("missing").resolve("x.png").toString())
                        .assertOneLineError(1, "x.png: cannot write (no such file or directory)");
            }
        } finally {
            System.setErr(before);
        }
        assertEquals("", stray.toString(StandardCharsets.UTF_8), "nothing printed behind our back");
    }

    /**
     * metrics.csv, read by its header's names, holds what the epoch lines print (to their two decimals), and
     * with --kl-warmup 2 its β column is the documented schedule β·min(1, step / (2 epochs' steps)) at
     * each epoch's end: 0.5, 1, 1.
     */
    @Test
    void metricsCsvReadByHeaderIsWhatTheEpochLinesPrintAndWarmUpShowsItsBeta() throws Exception {
        Path run = tmp.resolve("warm");
        Result r = vae(with(SHORT, "-e", "3", "--kl-warmup", "2", "-o", run.toString()));
        assertEquals(0, r.exit(), r.err());
        List<String> csv = Files.readAllLines(run.resolve("metrics.csv"));
        List<String> header = List.of(csv.get(0).split(","));
        java.util.regex.Pattern line = java.util.regex.Pattern.compile(
                "(\\d+)/3 +([0-9.]+) = +([0-9.]+) \\+ +([0-9.]+) +([0-9.]+) .*");
        List<java.util.regex.Matcher> printed = r.out().lines().map(line::matcher).filter(java.util.regex.Matcher::matches).toList();
        assertEquals(3, printed.size(), r.out());
        assertEquals(4, csv.size(), "a header and three rows");
        double[] beta = {0.5, 1, 1};
        for (int e = 0; e < 3; e++) {
            String[] row = csv.get(e + 1).split(",", -1);
            java.util.function.ToDoubleFunction<String> col = name -> Double.parseDouble(row[header.indexOf(name)]);
            java.util.regex.Matcher m = printed.get(e);
            assertEquals(e + 1, (int) col.applyAsDouble("epoch"));
            assertEquals(Integer.parseInt(m.group(1)), e + 1);
            assertEquals(Double.parseDouble(m.group(2)), col.applyAsDouble("train_loss"), 0.005, "train_loss, epoch " + (e + 1));
            assertEquals(Double.parseDouble(m.group(3)), col.applyAsDouble("train_reconstruction"), 0.005, "recon, epoch " + (e + 1));
            assertEquals(Double.parseDouble(m.group(4)), col.applyAsDouble("train_kl"), 0.005, "KL, epoch " + (e + 1));
            assertEquals(Double.parseDouble(m.group(5)), col.applyAsDouble("test_neg_elbo"), 0.005, "test, epoch " + (e + 1));
            assertEquals(beta[e], col.applyAsDouble("beta"), 0, "β at the end of epoch " + (e + 1));
            assertEquals(col.applyAsDouble("train_loss"), col.applyAsDouble("train_reconstruction") + col.applyAsDouble("train_kl"),
                    1e-9, "the −ELBO is reconstruction + KL (the column is the ELBO, not the β-weighted loss)");
        }
    }

    @Test
    void exportAndImportRefuseWhatTheyCannotUseInOneLine() throws Exception {
        Path run = tmp.resolve("two-layers");
        assertEquals(0, vae(with(SHORT, "-e", "1", "--hidden", "32,16", "--latent", "3", "-o", run.toString())).exit());
        vae("export", run.toString(), "--names", "pytorch-example").assertOneLineError(1, "needs the architecture of PyTorch's VAE example",
                "--hidden 32,16");
        vae("export", run.toString(), "--names", "keras").assertOneLineError(2, "--names must be native or pytorch-example");
        vae("export", run.toString(), "-o", run.resolve("checkpoint.safetensors").toString()).assertOneLineError(1, "is the run's checkpoint");

        Path junk = tmp.resolve("junk.safetensors");
        Files.write(junk, new byte[] {1, 2, 3});
        vae("import", junk.toString(), "-o", tmp.resolve("i1").toString()).assertOneLineError(1, "junk.safetensors");
        Path other = tmp.resolve("other.safetensors");
        io.elbo.nn.SafeTensors.write(other, java.util.Map.of("w", io.elbo.nn.SafeTensors.Entry.of(io.elbo.autodiff.Tensor.of(1.0, 2.0))),
                java.util.Map.of());
        vae("import", other.toString(), "-o", tmp.resolve("i2").toString()).assertOneLineError(1, "neither vae's tensor names", "it holds w");
        // the example's names with a NaN, and with a wrong shape
        Path w = tmp.resolve("w.safetensors");
        Path one = tmp.resolve("one-layer");
        assertEquals(0, vae(with(SHORT, "-e", "1", "--hidden", "32", "--latent", "3", "-o", one.toString())).exit());
        assertEquals(0, vae("export", one.toString(), "--names", "pytorch-example", "-o", w.toString()).exit());
        var c = io.elbo.nn.SafeTensors.read(w);
        var entries = new java.util.LinkedHashMap<>(c.entries());
        float[] bias = entries.get("fc3.bias").tensor().toFloatArray();
        bias[5] = Float.NaN;
        entries.put("fc3.bias", io.elbo.nn.SafeTensors.Entry.of(io.elbo.autodiff.Tensor.of(bias)));
        Path nan = tmp.resolve("nan.safetensors");
        io.elbo.nn.SafeTensors.write(nan, entries, java.util.Map.of());
        vae("import", nan.toString(), "-o", tmp.resolve("i3").toString()).assertOneLineError(1, "'fc3.bias' holds a NaN");
        entries.put("fc3.bias", io.elbo.nn.SafeTensors.Entry.of(io.elbo.autodiff.Tensor.of(new float[] {1, 2})));
        Path shape = tmp.resolve("shape.safetensors");
        io.elbo.nn.SafeTensors.write(shape, entries, c.metadata());
        vae("import", shape.toString(), "-o", tmp.resolve("i4").toString()).assertOneLineError(1, "'fc3.bias' is F32 [2]", "needs F32 [32]");
        assertFalse(Files.exists(tmp.resolve("i4").resolve("checkpoint.safetensors")), "nothing is written for a refused file");
        Result ok = vae("import", w.toString(), "-o", tmp.resolve("i5").toString());
        assertEquals(0, ok.exit(), ok.err());
        vae("import", w.toString(), "-o", tmp.resolve("i5").toString()).assertOneLineError(1, "already holds a run");
    }
}

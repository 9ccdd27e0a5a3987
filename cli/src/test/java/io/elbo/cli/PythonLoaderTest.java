package io.elbo.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.elbo.autodiff.Tape;
import io.elbo.autodiff.Tensor;
import io.elbo.autodiff.TestData;
import io.elbo.nn.SafeTensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python loader ({@code python/elbo_vae.py}) against {@code vae export} and {@code vae import}: numpy
 * reads and writes our files bit for bit; PyTorch's example given our weights reconstructs what we do to
 * float32 rounding; weights trained by PyTorch evaluate, in {@code vae eval}, to PyTorch's test −ELBO.
 * Skipped, with one line saying why, where python3 with numpy (or PyTorch) is missing; {@code .ci/run}
 * installs Debian's python3-numpy and python3-torch.
 */
class PythonLoaderTest {
    static final Path LOADER = TestData.path().getParent().resolve("python/elbo_vae.py");
    static final Path DATA = TestData.path("fashion-mnist");
    static String numpyPython, torchPython;
    @TempDir
    static Path dir;
    static Path run;

    @BeforeAll
    static void trainASmallRun() throws IOException {
        numpyPython = python("numpy");
        torchPython = python("torch");
        run = dir.resolve("run");
        CliTest.vae("train", "--data", "sample", "--limit", "500", "-e", "1", "--hidden", "64", "--latent", "4", "-o", run.toString(),
                "--seed", "3").assertOk();
    }

    /** The first of Debian's python3 and the PATH's that imports {@code module}, or null. */
    static String python(String module) {
        for (String exe : new String[] {"/usr/bin/python3", "python3"}) {
            try {
                Process p = new ProcessBuilder(exe, "-c", "import " + module).redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0) return exe;
            } catch (IOException e) {
                // not there: try the next
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    static String py(String exe, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(exe, LOADER.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "elbo_vae.py timed out");
        assertEquals(0, p.exitValue(), "elbo_vae.py " + String.join(" ", args) + " said: " + out);
        return out;
    }

    static void assumeNumpy() {
        Assumptions.assumeTrue(numpyPython != null, "python3 with numpy is not installed (Debian: apt-get install python3-numpy; .ci/run installs it)");
    }

    static void assumeTorch() {
        Assumptions.assumeTrue(torchPython != null, "PyTorch is not installed (Debian: apt-get install python3-torch; .ci/run installs it)");
    }

    /**
     * The Python loader mirrors {@link io.elbo.vae.Parts}: the same likelihood, posterior and prior names in the
     * same order, and each likelihood's log p(x | d) equal to the Java part's on the same float64 rows (1e-12).
     */
    @Test
    void thePythonLoaderMirrorsTheRegisteredParts() throws Exception {
        assumeTorch();
        int n = 3, d = 5;
        java.util.Random r = new java.util.Random(11);
        double[] x = new double[n * d], out = new double[n * d], logSigma = new double[d];
        for (int i = 0; i < n * d; i++) {
            x[i] = r.nextDouble();
            out[i] = 6 * r.nextDouble() - 3;
        }
        out[2] = 0.01; // the continuous Bernoulli's Taylor branch
        for (int j = 0; j < d; j++) logSigma[j] = r.nextDouble() - 0.5;
        String script = String.join("\n", "import sys, json, torch", "sys.path.insert(0, sys.argv[1])", "import elbo_vae as e",
                "a = json.loads(sys.argv[2])", "n, d = a['n'], a['d']",
                "x = torch.tensor(a['x'], dtype=torch.float64).reshape(n, d)", "o = torch.tensor(a['out'], dtype=torch.float64).reshape(n, d)",
                "out = {'likelihoods': list(e.LIKELIHOODS), 'posteriors': list(e.POSTERIORS), 'priors': list(e.PRIORS), 'values': {}}",
                "for name, (fn, owns) in e.LIKELIHOODS.items():",
                "    ls = torch.tensor(a['logSigma'][:1] if name == 'gaussian' else a['logSigma'], dtype=torch.float64)",
                "    out['values'][name] = e.log_likelihood(name, x, o, {'log_sigma': ls}, 0.3).tolist()",
                "print(json.dumps(out))");
        String args = new com.google.gson.Gson().toJson(Map.of("n", n, "d", d, "x", x, "out", out, "logSigma", logSigma));
        Process p = new ProcessBuilder(torchPython, "-c", script, LOADER.getParent().toString(), args).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, said);
        com.google.gson.JsonObject got = com.google.gson.JsonParser.parseString(said.lines().reduce((a, b) -> b).orElse("")).getAsJsonObject();
        assertEquals(names(io.elbo.vae.Parts.LIKELIHOODS), strings(got.getAsJsonArray("likelihoods")), "likelihoods");
        assertEquals(names(io.elbo.vae.Parts.POSTERIORS), strings(got.getAsJsonArray("posteriors")), "posteriors");
        assertEquals(names(io.elbo.vae.Parts.PRIORS), strings(got.getAsJsonArray("priors")), "priors");
        for (var part : io.elbo.vae.Parts.LIKELIHOODS) {
            io.elbo.vae.VAE vae = new io.elbo.vae.VAE(new io.elbo.vae.VAE.Config(d, new int[0], 2, "relu", part.name(), 0.3,
                    io.elbo.autodiff.DType.FLOAT64), io.elbo.vae.Streams.of(1));
            var ls = vae.namedParameters().get("log_sigma");
            if (ls != null) {
                io.elbo.autodiff.InPlace.set(ls.value(), java.util.Arrays.copyOf(logSigma, ls.numel()));
            }
            double[] java;
            try (var off = Tape.noGrad()) {
                java = vae.logLikelihood(Tensor.of(x, n, d), Tensor.of(out, n, d)).toDoubleArray();
            }
            var py = got.getAsJsonObject("values").getAsJsonArray(part.name());
            for (int i = 0; i < n; i++) {
                assertEquals(py.get(i).getAsDouble(), java[i], 1e-12 * Math.max(1, Math.abs(java[i])), part.name() + ", row " + i);
            }
        }
    }

    static List<String> names(List<? extends io.elbo.vae.Parts.Entry<?>> entries) {
        List<String> out = new ArrayList<>();
        for (var e : entries) out.add(e.name());
        return out;
    }

    static List<String> strings(com.google.gson.JsonArray a) {
        List<String> out = new ArrayList<>();
        a.forEach(e -> out.add(e.getAsString()));
        return out;
    }

    @Test
    void numpyListsReadsAndRewritesAnExportBitForBit() throws Exception {
        assumeNumpy();
        Path export = dir.resolve("w.safetensors");
        CliTest.vae("export", run.toString(), "-o", export.toString()).assertOk();
        String list = py(numpyPython, "list", export.toString());
        assertTrue(list.contains("model.encoder.0.weight       float32  [64, 784]"), list);
        assertTrue(list.contains("10 tensors, 102040 values; metadata: format, run, names, epoch, batch, step"), list);
        assertTrue(py(numpyPython, "config", export.toString()).contains("\"hidden\": [\n    64\n  ]"));
        Path copy = dir.resolve("copy.safetensors");
        Process p = new ProcessBuilder(numpyPython, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import elbo_vae as e;"
                + " t, m = e.load(sys.argv[2]); e.save(sys.argv[3], t, m)", LOADER.getParent().toString(), export.toString(), copy.toString())
                .redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, said);
        SafeTensors.Contents a = SafeTensors.read(export), b = SafeTensors.read(copy);
        assertEquals(a.metadata(), b.metadata());
        assertEquals(a.entries().keySet(), b.entries().keySet());
        for (String k : a.entries().keySet()) {
            assertArrayEquals(a.entries().get(k).tensor().toFloatArray(), b.entries().get(k).tensor().toFloatArray(), 0f, k);
        }
        // and what numpy wrote is a checkpoint vae reads
        CliTest.vae("eval", copy.toString(), "-k", "2", "-n", "2").assertOk();
    }

    @Test
    void pytorchsExampleGivenOurWeightsReconstructsWhatWeDo() throws Exception {
        assumeTorch();
        for (String names : new String[] {"native", "pytorch-example"}) {
            Path export = dir.resolve("w-" + names + ".safetensors"), out = dir.resolve("r-" + names + ".safetensors");
            CliTest.vae("export", run.toString(), "--names", names, "-o", export.toString()).assertOk();
            py(torchPython, "reconstruct", export.toString(), DATA.resolve("t10k-images-idx3-ubyte.gz").toString(), out.toString(), "-n", "64");
            Map<String, SafeTensors.Entry> theirs = SafeTensors.read(out).entries();
            Runs.Loaded m = Runs.open(run);
            float[] ours;
            try (var off = Tape.noGrad()) {
                Tensor x = theirs.get("images").tensor();
                ours = m.vae().reconstruct(x).toFloatArray();
            }
            float[] torch = theirs.get("reconstructions").tensor().toFloatArray();
            assertEquals(64 * 784, torch.length);
            double worst = 0;
            for (int i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - torch[i]));
            assertTrue(worst <= 2e-6, names + ": the largest difference of a reconstructed pixel is " + worst + ", beyond float32 rounding");
        }
    }

    /**
     * PyTorch trains its example, then both sides compute the test −ELBO on the same draws of z's noise
     * (common random numbers: PyTorch writes them, {@code vae eval --noise} reads them), so the two numbers
     * differ only by float32 rounding and not by Monte-Carlo error (a single draw's spread is about 9 nats per
     * image for this model: with independent noise, 0.01 nats would need millions of draws per image).
     */
    @Test
    void weightsTrainedByPyTorchEvaluateToPyTorchsTestElbo() throws Exception {
        assumeTorch();
        Path weights = dir.resolve("torch-trained.safetensors"), imported = dir.resolve("imported");
        String trained = py(torchPython, "train-example", DATA.toString(), weights.toString(), "--epochs", "1", "--hidden", "64", "--latent", "4",
                "--seed", "5");
        assertTrue(trained.matches("(?s)epoch 1/1: train -ELBO [0-9]+\\.[0-9]{2} nats per image\n.*"), "train-example says its loss: " + trained);
        Path noise = dir.resolve("noise.safetensors");
        String theirs = py(torchPython, "elbo", weights.toString(), DATA.resolve("t10k-images-idx3-ubyte.gz").toString(), "-s", "50",
                "--save-noise", noise.toString());
        CliTest.Result imp = CliTest.vae("import", weights.toString(), "-o", imported.toString(), "--data", DATA.toString());
        imp.assertOk();
        assertTrue(imp.out().replaceAll("\\s+", " ").contains("(784-64-4 relu bernoulli, 102040 float32 parameters)"), imp.out());
        CliTest.Result ours = CliTest.vae("eval", imported.toString(), "--noise", noise.toString(), "-k", "1", "-n", "1");
        ours.assertOk();
        double t = number(Pattern.compile("test -ELBO: ([0-9.]+)"), theirs), o = number(Pattern.compile("test -ELBO: ([0-9.]+)"), ours.out());
        assertTrue(Math.abs(t - o) <= 0.01, "PyTorch " + t + " and vae eval " + o + " nats differ by more than 0.01");
        // an imported run has no optimizer state: --resume says so, and what to do instead
        CliTest.vae("train", "--resume", imported.toString()).assertOneLineError(1, "was made by vae import",
                "without the optimizer's state", "train a new run with vae train");
    }

    /**
     * A two-layer run ({@code --latent 4,2}, float64, {@code --pixels dynamic}) loaded by the loader's PyTorch model of
     * it scores PyTorch's test −ELBO equal to {@code vae eval}'s on the same draws of all the layers' noise, to float64
     * rounding: the same model, the same tensor names, the same noise layout, and the same fixed binarisation of the
     * test images (the loader re-implements vae's seeded generator).
     */
    @Test
    void aHierarchicalRunScoresTheSameInPyTorchOnTheSameNoiseAndBinaryImages() throws Exception {
        assumeTorch();
        Path h = dir.resolve("h2"), export = dir.resolve("h2.safetensors"), noise = dir.resolve("h2-noise.safetensors");
        CliTest.vae("train", "--data", DATA.toString(), "--limit", "300", "-e", "1", "--hidden", "32", "--latent", "4,2", "--dtype", "float64",
                "--pixels", "dynamic", "--threads", "1", "-o", h.toString()).assertOk();
        CliTest.vae("export", h.toString(), "-o", export.toString()).assertOk();
        String theirs = py(torchPython, "elbo", export.toString(), DATA.resolve("t10k-images-idx3-ubyte.gz").toString(), "-s", "20",
                "--save-noise", noise.toString());
        assertTrue(theirs.contains("2 stochastic layers"), theirs);
        CliTest.Result ours = CliTest.vae("eval", h.toString(), "--noise", noise.toString(), "-k", "1", "-n", "1");
        ours.assertOk();
        double t = number(Pattern.compile("test -ELBO: ([0-9.]+)"), theirs), o = number(Pattern.compile("test -ELBO: ([0-9.]+)"), ours.out());
        assertEquals(t, o, 2e-4, "PyTorch and vae eval on the same noise (both print 4 decimals)");
    }

    /**
     * A {@code --arch conv} run's native export loads into PyTorch's {@code nn.Conv2d}/{@code nn.ConvTranspose2d} model
     * ({@code conv_class}) under our names with {@code load_state_dict}: it reconstructs test images as we do to
     * float32 rounding, and its test −ELBO on the same draws of z's noise is vae eval's to 0.01 nats.
     */
    @Test
    void aConvExportLoadsIntoPyTorchsConvLayersAndComputesWhatWeDo() throws Exception {
        assumeTorch();
        Path conv = dir.resolve("conv"), export = dir.resolve("conv.safetensors"), out = dir.resolve("conv-r.safetensors");
        CliTest.vae("train", "--data", "sample", "--arch", "conv", "--limit", "256", "-b", "64", "-e", "1", "--latent", "3", "-o", conv.toString(),
                "--seed", "4").assertOk();
        CliTest.vae("export", conv.toString(), "-o", export.toString()).assertOk();
        py(torchPython, "reconstruct", export.toString(), DATA.resolve("t10k-images-idx3-ubyte.gz").toString(), out.toString(), "-n", "32");
        Map<String, SafeTensors.Entry> theirs = SafeTensors.read(out).entries();
        float[] ours;
        try (var off = Tape.noGrad()) {
            ours = Runs.open(conv).vae().reconstruct(theirs.get("images").tensor()).toFloatArray();
        }
        float[] torch = theirs.get("reconstructions").tensor().toFloatArray();
        assertEquals(32 * 784, torch.length);
        double worst = 0;
        for (int i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - torch[i]));
        assertTrue(worst <= 1e-5, "the largest difference of a reconstructed pixel is " + worst + ", beyond float32 rounding");

        Path noise = dir.resolve("conv-noise.safetensors");
        String elbo = py(torchPython, "elbo", export.toString(), DATA.resolve("t10k-images-idx3-ubyte.gz").toString(), "-s", "4",
                "--save-noise", noise.toString());
        CliTest.Result ev = CliTest.vae("eval", conv.toString(), "--noise", noise.toString(), "-k", "1", "-n", "1", "--data", DATA.toString());
        ev.assertOk();
        double t = number(Pattern.compile("test -ELBO: ([0-9.]+)"), elbo), o = number(Pattern.compile("test -ELBO: ([0-9.]+)"), ev.out());
        assertTrue(Math.abs(t - o) <= 0.01, "PyTorch " + t + " and vae eval " + o + " nats differ by more than 0.01");
    }

    /** The loader writes files as open() would (0666 less the umask), not mkstemp's 0600. */
    @Test
    void theLoaderWritesFilesByTheUmask() throws Exception {
        assumeNumpy();
        Path out = dir.resolve("umask.safetensors");
        Process p = new ProcessBuilder(numpyPython, "-c", "import os, sys, numpy as np; os.umask(0o027); sys.path.insert(0, sys.argv[1]);"
                + " import elbo_vae; elbo_vae.save(sys.argv[2], {'w': np.zeros(3, np.float32)})", LOADER.getParent().toString(), out.toString())
                .redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, said);
        assertEquals("rw-r-----", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
    }

    /** Output into a pipe nobody reads (| head that has left) ends quietly: no "[Errno 32] Broken pipe". */
    @Test
    void aClosedPipeEndsTheLoaderQuietly() throws Exception {
        assumeNumpy();
        Path export = dir.resolve("pipe.safetensors");
        CliTest.vae("export", run.toString(), "-o", export.toString()).assertOk();
        // the pipe's read end is closed before the loader starts: its first write fails, every time
        Process p = new ProcessBuilder(numpyPython, "-c", "import os, subprocess, sys; r, w = os.pipe(); os.close(r);"
                + " sys.exit(subprocess.call([sys.executable, sys.argv[1], 'list', sys.argv[2]], stdout=w))", LOADER.toString(), export.toString())
                .start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals("", err, "nothing said");
        assertEquals(1, p.exitValue());
    }

    static double number(Pattern p, String text) {
        Matcher m = p.matcher(text);
        assertTrue(m.find(), text);
        return Double.parseDouble(m.group(1));
    }
}

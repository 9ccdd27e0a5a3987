package io.elbo.cli;

import io.elbo.autodiff.Tensor;
import io.elbo.vae.ConvNet;
import io.elbo.vae.VAE;
import io.elbo.vae.data.Dataset;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.simple.RandomSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vae eval}: the test −ELBO (one sample, analytic KL) on the whole test set, and the
 * importance-weighted bound −L_k on its first images, an estimate of −log p(x) from above, with its
 * standard error over those images (the images' −L_k vary far more than one image's estimate does), and
 * timings; {@code --json} prints them as one JSON object for scripts. L_k is computed in chunks of samples
 * with a running log-sum-exp, so memory stays bounded whatever k. A run trained with {@code --pixels static}
 * or {@code dynamic} is scored on the test set binarised once with a fixed generator, the same binary images
 * for every model (the papers' protocol).
 */
@Command(name = "eval", mixinStandardHelpOptions = true, showDefaultValues = true, abbreviateSynopsis = true, sortOptions = false,
        description = "Evaluate a trained model: test -ELBO and the importance-weighted bound -L_k, in nats per image.")
final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RunArgument run;

    @Mixin
    SharedOptions.RunData data;

    @Option(names = {"-k", "--k"}, defaultValue = "1000", paramLabel = "K", description = "importance samples of the bound, 1 to 100000")
    int k;

    @Option(names = {"-n", "--images"}, defaultValue = "1000", paramLabel = "N", description = "test images for the bound (0: all)")
    int images;

    @Option(names = {"-s", "--samples"}, defaultValue = "1", paramLabel = "S",
            description = "samples of z per image in the test -ELBO, 1 to 100000 (its Monte-Carlo error falls as 1/sqrt(S))")
    int samples;

    @Option(names = "--noise", paramLabel = "FILE",
            description = {"standard-normal draws to use for the test -ELBO instead of the generator's: tensor 'eps' [S, images, latent] (the sum of"
                    + " the layers' sizes with several) in a"
                    + " safetensors file (python/elbo_vae.py elbo --save-noise writes one), to compare with another implementation on the"
                    + " same noise", "  Default: draws from --seed's generator"})
    java.nio.file.Path noise;

    @Mixin
    SharedOptions.Seed seed;

    @Option(names = "--json", description = "print one JSON object (test -ELBO, k, n, -L_k, its standard error, seconds) instead of lines")
    boolean json;

    @Option(names = "--per-image", paramLabel = "FILE",
            description = {"also write each image's -L_k to FILE (CSV: image,neg_L_k), for paired comparisons of models on the same images",
                    "  Default: not written"})
    Path perImage;

    @Override
    public Integer call() {
        if (k < 1 || k > 100_000) throw new ParameterException(spec.commandLine(), "-k must be between 1 and 100000, got " + k);
        if (samples < 1 || samples > 100_000) throw new ParameterException(spec.commandLine(), "--samples must be between 1 and 100000, got " + samples);
        if (images < 0) throw new ParameterException(spec.commandLine(), "--images must be 0 (all) or positive, got " + images);
        if (perImage != null) Outputs.file(perImage);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter o = json ? new PrintWriter(java.io.Writer.nullWriter()) : out; // --json: one object, nothing else
        long start = System.nanoTime();
        Runs.Loaded m = run.open();
        Dataset test = run.testImages(m, data, o);
        VAE vae = m.vae();
        o.print(Text.wrap("model: ", m.file() + " (" + (m.metadata().containsKey("imported-from") ? "imported" : "epoch " + epochsDone(m)) + ", "
                + vae.parameterCount() + " parameters, " + m.config().dtype() + ")"));
        o.print(Text.wrap("cpu: ", io.elbo.autodiff.backend.Backend.machine()));
        UniformRandomProvider rng = RandomSource.XO_RO_SHI_RO_128_PP.create(seed.value);

        long rows = (long) test.count() * samples + (long) (images == 0 ? test.count() : Math.min(images, test.count())) * k;
        Warmup.Report warm = Warmup.evaluation(vae, test, io.elbo.vae.Streams.of(seed.value, 9), rows);
        o.print(Text.wrap("warm-up: ", warm.line("evaluations", "the kernels compiled first")));
        long t0 = System.nanoTime();
        Main.doing("evaluating the test -ELBO");
        double negElbo;
        int elboSamples = samples;
        if (noise != null) {
            if (spec.commandLine().getParseResult().hasMatchedOption("--samples")) {
                throw new ParameterException(spec.commandLine(), "--noise gives the samples itself; --samples cannot be given with it");
            }
            Tensor eps = noise(noise, test.count(), java.util.Arrays.stream(m.config().vaeConfig().latents()).sum());
            double sum = 0;
            int perBatch = Math.max(1, Math.min(500, m.config().rowsPerChunk() / eps.dim(0)));
            for (int from = 0; from < test.count(); from += perBatch) {
                int to = Math.min(test.count(), from + perBatch);
                for (double v : vae.elboPerDatum(test.batch(from, to, m.config().dtype()), eps.slice(1, from, to))) sum += v;
            }
            negElbo = -sum / test.count();
            elboSamples = eps.dim(0);
            o.print(Text.wrap("test -ELBO: ", String.format(Locale.ROOT, "%.4f nats per image (%d images, %d samples from %s, %s KL; %.2f s)",
                    negElbo, test.count(), eps.dim(0), noise, klKind(m), (System.nanoTime() - t0) * 1e-9)));
        } else {
            negElbo = -meanElbo(vae, test, samples, rng);
            double seconds = (System.nanoTime() - t0) * 1e-9;
            o.print(Text.wrap("test -ELBO: ", String.format(Locale.ROOT, "%.2f nats per image (%d images, %d sample%s, %s KL; %.2f s)",
                    negElbo, test.count(), samples, samples == 1 ? "" : "s", klKind(m), seconds)));
        }
        o.flush();

        int n = images == 0 ? test.count() : Math.min(images, test.count());
        int rowsAtOnce = m.config().rowsPerChunk(); // decoded at once while estimating L_k: bounds memory
        int perBatch = Math.max(1, Math.min(n, rowsAtOnce / Math.min(k, rowsAtOnce)));
        int chunk = Math.max(1, Math.min(k, rowsAtOnce / perBatch));
        t0 = System.nanoTime();
        double sum = 0;
        io.elbo.vae.RunningMean spread = new io.elbo.vae.RunningMean(); // over images: for the standard error only
        double[] each = new double[n];
        o.flush();
        try (Progress bar = Progress.start("-L_" + k, n, "img")) {
            for (int from = 0; from < n; from += perBatch) {
                int to = Math.min(n, from + perBatch);
                double[] bound = vae.iwaeBound(test.batch(from, to, m.config().dtype()), k, chunk, rng);
                for (int i = 0; i < bound.length; i++) {
                    double v = bound[i];
                    each[from + i] = -v;
                    sum += v;
                    spread.add(v);
                }
                bar.step(to - from);
            }
        }
        double seconds = (System.nanoTime() - t0) * 1e-9;
        double negLk = -sum / n, standardError = n > 1 ? spread.standardError() : Double.NaN;
        String se = n > 1 ? String.format(Locale.ROOT, " ± %.2f", standardError) : "";
        o.print(Text.wrap("-L_" + k + ": ", String.format(Locale.ROOT, "%.2f%s nats per image, the importance-weighted bound (first %d test"
                + " image%s%s; %d samples at a time; %.2f s)", negLk, se, n, n == 1 ? "" : "s", n > 1 ? ", ± its standard error over them" : "",
                chunk, seconds)));
        if (perImage != null) writePerImage(perImage, each);
        if (json) {
            Map<String, Object> r = new LinkedHashMap<>(); // insertion order: the same bytes in any process
            r.put("run", m.file().toString());
            r.put("test_neg_elbo", negElbo);
            r.put("test_images", test.count());
            r.put("elbo_samples", elboSamples);
            r.put("k", k);
            r.put("n", n);
            r.put("neg_L_k", negLk);
            r.put("neg_L_k_standard_error", n > 1 ? standardError : null);
            r.put("seconds", (System.nanoTime() - start) * 1e-9);
            out.println(new com.google.gson.GsonBuilder().serializeNulls().create().toJson(r));
        }
        return 0;
    }

    /** Each image's −L_k as CSV (image,neg_L_k; shortest round-trip decimals), written whole or not at all. */
    static void writePerImage(Path file, double[] negLk) {
        StringBuilder b = new StringBuilder("image,neg_L_k\n");
        for (int i = 0; i < negLk.length; i++) b.append(i).append(',').append(negLk[i]).append('\n');
        Pictures.writeText(file, b.toString());
    }

    /**
     * {@link VAE#meanElbo(Dataset, int, UniformRandomProvider)}, the same chunks in the same order (so the
     * same bits), with a progress bar: 10 000 test images take seconds.
     */
    static double meanElbo(VAE vae, Dataset test, int samples, UniformRandomProvider rng) {
        int rows = Math.max(1, Math.min(500, ConvNet.rowsAtOnce(vae.config().arch()) / samples)); // VAE.meanElbo's chunks, in its order
        double sum = 0;
        try (Progress bar = Progress.start("test -ELBO", test.count(), "img")) {
            for (int from = 0; from < test.count(); from += rows) {
                int to = Math.min(test.count(), from + rows);
                for (double v : vae.elboPerDatum(test.batch(from, to, vae.config().dtype()), samples, true, rng)) sum += v;
                bar.step(to - from);
            }
        }
        return sum / test.count();
    }

    /** "analytic" where the posterior has a closed-form KL to the prior (one Gaussian layer), "sampled" for a flow or several layers. */
    static String klKind(Runs.Loaded m) {
        return m.config().posterior().equals("gaussian") && m.config().upperLatents().length == 0 ? "analytic" : "sampled";
    }

    /** The tensor 'eps' [S, images, latent] of a noise file, checked. */
    static Tensor noise(java.nio.file.Path file, int images, int latent) {
        io.elbo.nn.SafeTensors.Entry e;
        try {
            e = io.elbo.nn.SafeTensors.read(file).entries().get("eps");
        } catch (io.elbo.nn.CheckpointException ex) {
            throw new CliException(ex.getMessage());
        }
        if (e == null || e.tensor() == null) throw new CliException(file + ": no float tensor 'eps' (standard-normal draws [samples, images, latent])");
        int[] s = e.shape();
        if (s.length != 3 || s[0] < 1 || s[1] != images || s[2] != latent) {
            throw new CliException(file + ": 'eps' is " + java.util.Arrays.toString(s) + ", expected [samples, " + images + ", " + latent + "]"
                    + " for these test images and this model");
        }
        if (!e.tensor().allFinite()) throw new CliException(file + ": 'eps' holds a NaN or an infinity");
        return e.tensor();
    }

    /** "3" or "3, batch 40" from the checkpoint's position; "?" when it has none or it is not a number (a reader never fails on it). */
    static String epochsDone(Runs.Loaded m) {
        String e = m.metadata().get(Runs.EPOCH), b = m.metadata().get(Runs.BATCH);
        if (e == null || !e.matches("[0-9]{1,9}") || (b != null && !b.matches("[0-9]{1,9}"))) return "?";
        int epoch = Integer.parseInt(e);
        return b != null && !b.equals("0") ? epoch + ", batch " + b : Integer.toString(epoch - 1);
    }
}

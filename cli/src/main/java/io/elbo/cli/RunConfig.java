package io.elbo.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import io.elbo.autodiff.DType;
import io.elbo.vae.ConvNet;
import io.elbo.vae.Parts;
import io.elbo.vae.VAE;
import java.io.IOException;
import java.util.Locale;

/**
 * The resolved configuration of a training run: written to {@code config.json} and into every
 * checkpoint, so that a checkpoint alone rebuilds its model and {@code --resume} continues the same run.
 *
 * <p>Written once ({@link #toJson}: config.json and every checkpoint's {@code run} metadata, fields in this
 * record's order) and read once ({@link #fromJson}: one line naming the first bad field). {@code format}
 * is the version of this layout: {@value #FORMAT} since the stochastic layers above z₁ ({@code upperLatents})
 * were added; a format-2 file (without them) is read as the one-layer model it is, and a file without a
 * format (format 1) with the parts every run had then.
 *
 * @param format    the layout's version, {@value #FORMAT}
 * @param data      {@code sample} or the absolute directory of the IDX files
 * @param limit     training images used (the first ones), 0 for all
 * @param klWarmup  epochs over which β rises linearly from 0 (0: none)
 * @param iwaeK     importance samples of the training objective (1: the ELBO)
 * @param likelihood, posterior, prior  the model's parts, by their names in {@link Parts}
 * @param latent    K₁, the size of the stochastic layer next to x (the first of {@code --latent})
 * @param upperLatents the sizes of the stochastic layers above it, bottom to top (the rest of {@code --latent}:
 *                  empty for one layer); see {@link VAE.Config#upperHidden(int)} for their blocks' widths
 * @param arch      the encoder's and decoder's architecture, {@code mlp} ({@code hidden}'s widths) or {@code conv}
 *                  ({@link ConvNet}; {@code hidden} empty); a configuration without it (written before it existed) is mlp
 */
public record RunConfig(int format, String data, Data.Pixels pixels, int limit, int rows, int cols, int[] hidden, int latent, String activation,
                        String likelihood, double sigma, String posterior, String prior, int epochs, int batchSize, Optimizer optimizer, double lr,
                        double beta, int klWarmup, int samples, int iwaeK, long seed, DType dtype, int[] upperLatents, String arch) {
    /** The upper latent sizes (a copy; empty for one stochastic layer). */
    @Override
    public int[] upperLatents() {
        return upperLatents == null ? new int[0] : upperLatents.clone();
    }

    /** The optimisers a run may use, by the names the command line and config.json give them. */
    public enum Optimizer {
        /** Adam with PyTorch's defaults ({@code io.elbo.nn.Adam#adam}). */
        ADAM,
        /** AdamW, decoupled weight decay ({@code io.elbo.nn.Adam#adamW}). */
        ADAMW,
        /** SGD with momentum 0.9 ({@code io.elbo.nn.SGD}). */
        SGD;

        /** The optimiser named {@code s} (any case), or one line naming the choices. */
        public static Optimizer parse(String s) {
            for (Optimizer o : values()) if (o.toString().equals(s.toLowerCase(Locale.ROOT))) return o;
            throw new IllegalArgumentException("unknown --optimizer '" + s + "' (adam, adamw or sgd)");
        }

        /** Its name on the command line and in config.json: "adam", "adamw", "sgd". */
        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The layout {@link #toJson} writes. */
    static final int FORMAT = 3;

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues()
            .registerTypeAdapter(Data.Pixels.class, named(Data.Pixels::parse)).registerTypeAdapter(Optimizer.class, named(Optimizer::parse))
            .registerTypeAdapter(DType.class, named(RunConfig::parseDtype)).create();

    /** An enum written as its command-line name ({@code toString}) and read back by {@code parse}, whose refusal is the parse error. */
    private static <E extends Enum<E>> TypeAdapter<E> named(java.util.function.Function<String, E> parse) {
        return new TypeAdapter<E>() {
            @Override
            public void write(JsonWriter out, E value) throws IOException {
                if (value == null) out.nullValue();
                else out.value(value.toString());
            }

            @Override
            public E read(JsonReader in) throws IOException {
                if (in.peek() == JsonToken.NULL) {
                    in.nextNull();
                    return null;
                }
                try {
                    return parse.apply(in.nextString());
                } catch (IllegalArgumentException e) {
                    throw new JsonParseException(e.getMessage());
                }
            }
        };
    }

    /** The same run with {@code total} epochs (a resumed run's new total). */
    RunConfig withEpochs(int total) {
        return new RunConfig(format, data, pixels, limit, rows, cols, hidden, latent, activation, likelihood, sigma, posterior, prior, total,
                batchSize, optimizer, lr, beta, klWarmup, samples, iwaeK, seed, dtype, upperLatents, arch);
    }

    /** The same run reading its images from {@code source}. */
    RunConfig withData(String source) {
        return new RunConfig(format, source, pixels, limit, rows, cols, hidden, latent, activation, likelihood, sigma, posterior, prior, epochs,
                batchSize, optimizer, lr, beta, klWarmup, samples, iwaeK, seed, dtype, upperLatents, arch);
    }

    /** This configuration as the JSON of {@code config.json}, its fields in this record's order. */
    public String toJson() {
        return GSON.toJson(this);
    }

    static RunConfig fromJson(String json, String where) {
        RunConfig c;
        try {
            c = GSON.fromJson(json, RunConfig.class);
        } catch (JsonParseException e) { // the JDK's and Gson's wording, less the exception's class name
            String m = String.valueOf(e.getMessage()).replaceFirst("^[a-zA-Z.]+(Exception|Error): ", "");
            throw new CliException(where + ": the run configuration does not parse (" + m.lines().findFirst().orElse("") + ")");
        }
        if (c == null) throw new CliException(where + ": the run configuration is empty");
        for (Object[] f : new Object[][] {{"data", c.data}, {"pixels", c.pixels}, {"activation", c.activation}, {"likelihood", c.likelihood},
                {"optimizer", c.optimizer}, {"dtype", c.dtype}}) {
            if (f[1] == null) throw new CliException(where + ": the run configuration has no '" + f[0] + "'");
        }
        if (c.hidden == null) throw new CliException(where + ": the run configuration has no 'hidden'");
        if (c.format == 0 && c.posterior == null && c.prior == null) { // format 1: before the parts were named
            c = new RunConfig(2, c.data, c.pixels, c.limit, c.rows, c.cols, c.hidden, c.latent, c.activation, c.likelihood, c.sigma,
                    "gaussian", "standard-normal", c.epochs, c.batchSize, c.optimizer, c.lr, c.beta, c.klWarmup, c.samples, c.iwaeK, c.seed, c.dtype,
                    null, c.arch);
        }
        if (c.format == 2 && c.upperLatents == null) { // format 2: before several stochastic layers, always one
            c = new RunConfig(FORMAT, c.data, c.pixels, c.limit, c.rows, c.cols, c.hidden, c.latent, c.activation, c.likelihood, c.sigma,
                    c.posterior, c.prior, c.epochs, c.batchSize, c.optimizer, c.lr, c.beta, c.klWarmup, c.samples, c.iwaeK, c.seed, c.dtype,
                    new int[0], c.arch);
        }
        if (c.arch == null) { // written before the architecture was a choice: every run was an MLP
            c = new RunConfig(c.format, c.data, c.pixels, c.limit, c.rows, c.cols, c.hidden, c.latent, c.activation, c.likelihood, c.sigma,
                    c.posterior, c.prior, c.epochs, c.batchSize, c.optimizer, c.lr, c.beta, c.klWarmup, c.samples, c.iwaeK, c.seed, c.dtype,
                    c.upperLatents, ConvNet.MLP);
        }
        if (c.format != FORMAT) {
            throw new CliException(where + ": the run configuration's format is " + c.format + "; this vae reads formats 1 to " + FORMAT);
        }
        if (c.upperLatents == null) throw new CliException(where + ": the run configuration has no 'upperLatents'");
        if (c.posterior == null) throw new CliException(where + ": the run configuration has no 'posterior'");
        if (c.prior == null) throw new CliException(where + ": the run configuration has no 'prior'");
        try {
            c.validate();
        } catch (IllegalArgumentException e) {
            throw new CliException(where + ": its run configuration is invalid: " + e.getMessage());
        }
        return c;
    }

    /**
     * Checks every field's range, naming the option that sets it; the same checks for the command line
     * and for a configuration read from a checkpoint (which may have been edited).
     */
    void validate() {
        require(limit >= 0, "--limit must be 0 (all) or positive, got " + limit);
        require(rows >= 1 && cols >= 1 && (long) rows * cols <= 1 << 24, "images must be 1×1 to 4096×4096 pixels, got " + rows + "×" + cols);
        require(latent >= 1, "--latent must be at least 1, got " + latent);
        for (int k : upperLatents) require(k >= 1, "--latent sizes must be at least 1, got " + latentList());
        for (int h : hidden) require(h >= 1, "--hidden widths must be positive, got " + h);
        require(epochs >= 1, "--epochs must be at least 1, got " + epochs);
        require(batchSize >= 1, "--batch-size must be at least 1, got " + batchSize);
        require(lr > 0 && Double.isFinite(lr), "--lr must be a positive number, got " + lr);
        require(beta >= 0 && Double.isFinite(beta), "--beta must be a non-negative number, got " + beta);
        require(klWarmup >= 0, "--kl-warmup must be 0 or more epochs, got " + klWarmup);
        require(samples >= 1, "--samples must be at least 1, got " + samples);
        require(iwaeK >= 1, "--iwae-k must be at least 1, got " + iwaeK);
        require(samples == 1 || iwaeK == 1, "--samples and --iwae-k cannot both exceed 1 (the IWAE bound takes its K samples itself)");
        require(sigma > 0 && Double.isFinite(sigma), "--sigma must be positive, got " + sigma);
        require(arch.equals(ConvNet.MLP) || arch.equals(ConvNet.CONV), "unknown --arch '" + arch + "' (mlp or conv)");
        if (conv()) {
            require(rows == ConvNet.SIDE && cols == ConvNet.SIDE, "--arch conv takes 28×28 single-channel images; these are " + rows + "×" + cols);
            require(hidden.length == 0, "--hidden sets the MLP's widths; --arch conv has its own layers (give one or the other)");
            require(upperLatents.length == 0, "--arch conv has one stochastic layer; --latent " + latentList() + " lists "
                    + (upperLatents.length + 1) + " (several layers are for mlp)");
        }
        vaeConfig(); // the parts' and the activation's names
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }

    /**
     * The number of parameters of the model: encoder body, decoder, and what its parts own (the posterior's
     * heads, a learned σ), counted on the parts themselves (built small: their sizes only).
     */
    long parameterCount() {
        long in = (long) rows * cols, n = 0, prev = in;
        if (conv()) {
            n = ConvNet.parameterCount(latent);
        } else {
            for (int h : hidden) {
                n += prev * h + h;
                prev = h;
            }
            prev = latent;
            for (int i = hidden.length - 1; i >= 0; i--) {
                n += prev * hidden[i] + hidden[i];
                prev = hidden[i];
            }
            n += prev * in + in;
        }
        VAE.Config v = vaeConfig();
        int[] k = v.latents();
        for (int l = 2; l <= k.length; l++) { // q(z_ℓ|z_{ℓ−1}) and p(z_{ℓ−1}|z_ℓ): a block and two heads each
            n += blockAndHeads(k[l - 2], v.upperHidden(l), k[l - 1]) + blockAndHeads(k[l - 1], v.upperHidden(l), k[l - 2]);
        }
        return n + Parts.parameterCount(v);
    }

    /** The weights and biases of linear layers from {@code in} through {@code hidden} to two heads of {@code out}. */
    private static long blockAndHeads(long in, int[] hidden, long out) {
        long n = 0, prev = in;
        for (int h : hidden) {
            n += prev * h + h;
            prev = h;
        }
        return n + 2 * (prev * out + out);
    }

    /** The sizes of every stochastic layer as {@code --latent} takes them: "20", "100,50". */
    String latentList() {
        StringBuilder b = new StringBuilder().append(latent);
        for (int k : upperLatents) b.append(',').append(k);
        return b.toString();
    }

    /**
     * The sizes {@code --latent} lists, "K" or "K1,K2,...": one line naming the option when the list is empty or
     * holds anything but positive whole numbers.
     */
    static int[] parseLatents(String list) {
        String[] parts = list.trim().split(",", -1);
        int[] k = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                k[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                k[i] = 0;
            }
            if (k[i] < 1) {
                throw new IllegalArgumentException("--latent takes the sizes of the stochastic layers, positive whole numbers from z₁ up"
                        + " (20, or 100,50), got '" + list + "'");
            }
        }
        return k;
    }

    /**
     * A generous estimate of the heap that {@code rowsInFlight} rows take with this model: the parameters
     * {@code copies} times (value, gradient, Adam's two moments), and per row the activations of every
     * layer, encoder and decoder, {@code perRow} times over ({@link #TRAINING}, {@link #EVALUATION}).
     */
    long bytesFor(long rowsInFlight, int copies, int perRow) {
        long width = (long) rows * cols + latent + (conv() ? ConvNet.ACTIVATIONS_PER_ROW : 0);
        for (int h : hidden) width += h;
        for (int k : upperLatents) width += 2 * (k + (long) hidden.length * latent); // upper layers, both ways: blocks as wide as z₁ or less
        int bytes = dtype == DType.FLOAT32 ? 4 : 8;
        return bytes * (copies * parameterCount() + perRow * rowsInFlight * width);
    }

    /** Copies of every activation per row while training (values, gradients, temporaries) and while evaluating. */
    static final int TRAINING = 12, EVALUATION = 4;

    /**
     * Refuses, with one line naming the sizes, a model and batch whose estimated memory
     * ({@link #bytesFor}) exceeds this JVM's heap; {@code what} says what they are for.
     */
    void checkMemory(String what, long rowsInFlight, int copies, int perRow) {
        long need = bytesFor(rowsInFlight, copies, perRow), heap = Runtime.getRuntime().maxMemory();
        if (need > heap) {
            throw new CliException(what + " needs about " + gib(need) + " (" + parameterCount() + " parameters, " + (conv() ? "--arch conv"
                    : "--hidden " + java.util.Arrays.toString(hidden).replaceAll("[\\[\\] ]", "")) + ", --latent " + latentList() + ", " + rowsInFlight
                    + " rows at a time), more than this JVM's heap of " + gib(heap) + "; give it more with JAVA_OPTS=-Xmx..., or choose smaller sizes");
        }
    }

    static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }

    /** The dtype named {@code s} ({@code float32} or {@code float64}, or f32, f64), or one line naming the choices. */
    static DType parseDtype(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "float32", "f32" -> DType.FLOAT32;
            case "float64", "f64" -> DType.FLOAT64;
            default -> throw new IllegalArgumentException("unknown dtype '" + s + "' (float32 or float64)");
        };
    }

    /** The model's architecture and parts (the names checked against {@link Parts}). */
    public VAE.Config vaeConfig() {
        return new VAE.Config(rows * cols, hidden, latent, activation, likelihood, sigma, dtype, posterior, prior, upperLatents, arch);
    }

    /** The layers' sizes as the output names them: "784-400-20" (input, hidden widths, latents), "784-conv-20", "784-200-200-100,50". */
    String layers() {
        String middle = conv() ? "conv" : java.util.Arrays.toString(hidden).replaceAll("[\\[\\] ]", "").replace(',', '-');
        return rows * cols + (middle.isEmpty() ? "" : "-" + middle) + "-" + latentList();
    }

    /** Whether the model is convolutional ({@code --arch conv}). */
    boolean conv() {
        return arch.equals(ConvNet.CONV);
    }

    /** Rows a command decodes at once at most (the IWAE evaluation's chunks): {@link ConvNet#rowsAtOnce}. */
    int rowsPerChunk() {
        return ConvNet.rowsAtOnce(arch);
    }
}

package io.elbo.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import io.elbo.autodiff.DType;
import io.elbo.vae.VAE;
import java.util.Locale;

/**
 * The resolved configuration of a training run: written to {@code config.json} and into every
 * checkpoint, so that a checkpoint alone rebuilds its model and {@code --resume} continues the same run.
 *
 * @param data      {@code sample} or the absolute directory of the IDX files
 * @param limit     training images used (the first ones), 0 for all
 * @param klWarmup  epochs over which β rises linearly from 0 (0: none)
 * @param iwaeK     importance samples of the training objective (1: the ELBO)
 */
record RunConfig(String data, String pixels, int limit, int rows, int cols, int[] hidden, int latent, String activation, String likelihood,
                 double sigma, int epochs, int batchSize, String optimizer, double lr, double beta, int klWarmup, int samples, int iwaeK,
                 long seed, String dtype) {
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

    String toJson() {
        return GSON.toJson(this);
    }

    static RunConfig fromJson(String json, String where) {
        RunConfig c;
        try {
            c = GSON.fromJson(json, RunConfig.class);
        } catch (JsonParseException e) {
            throw new CliException(where + ": the run configuration is not valid JSON (" + e.getMessage() + ")");
        }
        if (c == null || c.data == null || c.hidden == null || c.likelihood == null || c.dtype == null || c.pixels == null) {
            throw new CliException(where + ": the run configuration is incomplete");
        }
        try {
            c.vaeConfig();
            Data.Pixels.parse(c.pixels);
        } catch (IllegalArgumentException e) {
            throw new CliException(where + ": " + e.getMessage());
        }
        return c;
    }

    DType dtypeValue() {
        return parseDtype(dtype);
    }

    static DType parseDtype(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "float32", "f32" -> DType.FLOAT32;
            case "float64", "f64" -> DType.FLOAT64;
            default -> throw new IllegalArgumentException("unknown dtype '" + s + "' (float32 or float64)");
        };
    }

    static VAE.Likelihood parseLikelihood(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "bernoulli" -> VAE.Likelihood.BERNOULLI;
            case "gaussian" -> VAE.Likelihood.GAUSSIAN_SHARED;
            case "gaussian-pixel" -> VAE.Likelihood.GAUSSIAN_PER_PIXEL;
            case "gaussian-fixed" -> VAE.Likelihood.GAUSSIAN_FIXED;
            default -> throw new IllegalArgumentException(
                    "unknown likelihood '" + s + "' (bernoulli, gaussian, gaussian-pixel or gaussian-fixed)");
        };
    }

    VAE.Config vaeConfig() {
        return new VAE.Config(rows * cols, hidden, latent, activation, parseLikelihood(likelihood), sigma, dtypeValue());
    }
}

package io.elbo.cli;

import io.elbo.nn.Checkpoint;
import io.elbo.nn.CheckpointException;
import io.elbo.vae.VAE;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.commons.rng.simple.RandomSource;

/** Finding and opening a run's checkpoint: a run directory or the checkpoint file itself. */
final class Runs {
    private Runs() {}

    static final String CHECKPOINT = "checkpoint.safetensors", CONFIG = "config.json", METRICS = "metrics.csv";
    /** Checkpoint metadata keys. */
    static final String RUN = "run", EPOCH = "epoch", BATCH = "batch", STEP = "step", SUMS = "sums", SECONDS = "seconds";

    /** A trained model with its run configuration. */
    record Loaded(RunConfig config, VAE vae, Map<String, String> metadata, Path file) {}

    static Path checkpointFile(Path runOrFile) {
        Path file = Files.isDirectory(runOrFile) ? runOrFile.resolve(CHECKPOINT) : runOrFile;
        if (!Files.isRegularFile(file)) {
            throw new CliException(runOrFile + (Files.isDirectory(runOrFile) ? ": no " + CHECKPOINT + " in this directory"
                    : ": no such checkpoint"));
        }
        return file;
    }

    /** A checkpoint's metadata, or one line saying why it cannot be read. */
    static Map<String, String> metadata(Path file) {
        try {
            return io.elbo.nn.SafeTensors.read(file).metadata();
        } catch (CheckpointException e) {
            throw new CliException(e.getMessage());
        }
    }

    /** Reads the configuration stored in a checkpoint. */
    static RunConfig config(Path file) {
        try {
            Map<String, String> meta = io.elbo.nn.SafeTensors.read(file).metadata();
            String json = meta.get(RUN);
            if (json == null) throw new CliException(file + ": not a checkpoint of vae train (no run configuration in its metadata)");
            return RunConfig.fromJson(json, file.toString());
        } catch (CheckpointException e) {
            throw new CliException(e.getMessage());
        }
    }

    /**
     * A checkpoint training can continue from: one with the optimiser's state. A model that vae import
     * made (or a file of vae export) holds weights only; the message says what can be done with it.
     */
    static void requireResumable(Path file) {
        Map<String, String> meta;
        try {
            meta = io.elbo.nn.SafeTensors.read(file).metadata();
        } catch (CheckpointException e) {
            throw new CliException(e.getMessage());
        }
        if (meta.containsKey("optimizer") || !meta.containsKey(RUN)) return; // the loader words anything else
        String made = meta.containsKey("imported-from") ? "was made by vae import" : "holds exported weights";
        throw new CliException(file + " " + made + ": the model's weights without the optimizer's state, so training cannot"
                + " continue from it. Evaluate or draw it (vae eval, sample, plot), or train a new run with vae train");
    }

    /**
     * Writes a run's checkpoint: the model, the optimiser, the generator (null: none), the run configuration
     * and the position (next epoch, batches or steps done in it, steps in all, the epoch's running sums and
     * seconds), plus {@code extra} metadata (the trainer's own).
     */
    static void save(Path dir, io.elbo.vae.VAE vae, io.elbo.nn.Optimizer optimizer, org.apache.commons.rng.RestorableUniformRandomProvider rng,
                     RunConfig config, int epoch, int batch, long step, double[] sums, double seconds, Map<String, String> extra) {
        Map<String, String> meta = new java.util.LinkedHashMap<>();
        meta.put(RUN, config.toJson());
        meta.putAll(extra);
        meta.put(EPOCH, Integer.toString(epoch));
        meta.put(BATCH, Integer.toString(batch));
        meta.put(STEP, Long.toString(step));
        meta.put(SUMS, sums[0] + "," + sums[1] + "," + sums[2] + "," + sums[3]);
        meta.put(SECONDS, Double.toString(seconds));
        try {
            Checkpoint.save(dir.resolve(CHECKPOINT), vae, optimizer, rng, meta);
        } catch (CheckpointException e) {
            throw new CliException(e.getMessage());
        }
    }

    /** The rows of a run's metrics.csv for the epochs before {@code epoch} (none when there is no file). */
    static java.util.List<String> metricsBefore(Path dir, int epoch) {
        Path p = dir.resolve(METRICS);
        java.util.List<String> rows = new java.util.ArrayList<>();
        if (!Files.isRegularFile(p)) return rows;
        try {
            for (String line : Files.readAllLines(p)) {
                if (line.isBlank() || line.startsWith("epoch")) continue;
                int epochOfRow = Integer.parseInt(line.substring(0, line.indexOf(',')));
                if (epochOfRow < epoch) rows.add(line);
            }
        } catch (java.io.IOException e) {
            throw new CliException(p + ": cannot read the run's metrics (" + io.elbo.nn.IoErrors.reason(e) + ")");
        } catch (RuntimeException e) {
            throw new CliException(p + ": a row of the run's metrics does not start with an epoch number");
        }
        return rows;
    }

    /** What a loaded model is, for a picture's title: "epoch 3", "epoch 3, batch 40", or "imported model". */
    static String what(Loaded m) {
        return m.metadata().containsKey("imported-from") ? "imported model" : "epoch " + EvalCommand.epochsDone(m);
    }

    /** Opens the model of a run directory or checkpoint file. */
    static Loaded open(Path runOrFile) {
        Path file = checkpointFile(runOrFile);
        RunConfig config = config(file);
        config.checkMemory("the model of " + file, config.rowsPerChunk(), 1, RunConfig.EVALUATION);
        Main.doing("loading " + file);
        VAE vae = new VAE(config.vaeConfig(), RandomSource.XO_RO_SHI_RO_128_PP.create(config.seed()));
        try {
            Map<String, String> meta = Checkpoint.load(file, vae, null, null);
            return new Loaded(config, vae, meta, file);
        } catch (CheckpointException e) {
            throw new CliException(e.getMessage());
        }
    }
}
